"""Residents comment on draft goals during the window; comments stay with their revision."""

from datetime import timedelta

import sqlalchemy as sa

from civic.comments.models import Comment
from civic.core.db import utcnow
from civic.plans import services
from civic.plans.models import GoalRevision


def _post(client, plan, body="Protected lanes near schools, please.", stance="for", number=1):
    page = client.get(f"/plans/{plan.id}/goals/{number}").get_data(as_text=True)
    action = next(a for a in __import__("re").findall(r'action="(/comments/threads/\d+)"', page))
    return client.submit(action, {"body": body, "stance": stance})


def test_resident_comments_with_a_stance_during_the_window(client, db, login_as, make_plan):
    plan = make_plan(goals=1, actions=0, consultation="open")
    login_as()
    response = _post(client, plan)
    assert response.status_code in (302, 303)
    comment = db.session.scalars(sa.select(Comment)).one()
    revision = db.session.scalars(sa.select(GoalRevision)).one()
    assert comment.thread_id == revision.thread_id and comment.stance == "for"
    page = client.get(f"/plans/{plan.id}/goals/1").get_data(as_text=True)
    assert "Protected lanes near schools, please." in page
    assert "1 for, 0 against, 0 neutral" in page
    assert "1 for, 0 against, 0 neutral" in client.get(f"/plans/{plan.id}").get_data(as_text=True)


def test_no_comments_outside_the_window(client, db, login_as, make_plan):
    plan = make_plan(goals=1, actions=0, consultation="closed")
    login_as()
    page = client.get(f"/plans/{plan.id}/goals/1").get_data(as_text=True)
    assert "The consultation closed on" in page
    thread_id = db.session.scalars(sa.select(GoalRevision.thread_id)).one()
    response = client.submit(f"/comments/threads/{thread_id}", {"body": "Too late?", "stance": "for"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0


def test_comments_stay_with_the_revision_they_were_made_on(client, db, login_as, make_plan, make_user):
    plan = make_plan(goals=1, actions=0, consultation="open")
    login_as()
    _post(client, plan, body="Comment on the first draft", stance="against")
    plan = db.session.merge(plan)
    plan.consultation_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    services.revise_goal(make_user("staff"), plan.goals[0], statement="Second draft", note="We changed it.",
                         language="en", now=utcnow())
    db.session.commit()
    first, second = db.session.scalars(sa.select(GoalRevision).order_by(GoalRevision.version)).all()
    comment = db.session.scalars(sa.select(Comment)).one()
    assert comment.thread_id == first.thread_id != second.thread_id
    page = client.get(f"/plans/{plan.id}/goals/1").get_data(as_text=True)
    version1 = page[page.index('id="version-1"'):]
    assert "Comment on the first draft" in version1
    assert "0 for, 1 against, 0 neutral" in page


def test_statement_is_locked_once_residents_commented(client, db, login_as, make_plan, make_user):
    plan = make_plan(goals=1, actions=0, consultation="open")
    login_as()
    _post(client, plan)
    goal = db.session.merge(plan).goals[0]
    assert services.statement_locked(goal)
