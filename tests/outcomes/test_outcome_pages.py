"""Outcome pages through HTTP: the chain back to proposals and goals, "you said, we did", staff pages."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from civic.budgets import results, voting
from civic.comments.models import CommentThread
from civic.core.db import utcnow
from civic.follows.models import Follow
from civic.outcomes import services
from civic.outcomes.models import Outcome, OutcomeUpdate
from civic.outcomes.staff import bp as staff_bp
from civic.processes.models import Process
from civic.proposals.models import Proposal
from tests.outcomes.conftest import days_ago, today


def _proposal(db, process, author, title, status="accepted", show_name=False, reason="", district=None):
    proposal = Proposal(process_id=process.id, author=author, title=title, body="<p>Please</p>", language="en",
                        district=district,
                        status=status, status_reason=reason, show_name=show_name,
                        thread=CommentThread(kind="proposal", created_at=utcnow()), created_at=utcnow(),
                        updated_at=utcnow())
    db.session.add(proposal)
    db.session.flush()
    return proposal


def _chain(db, make_budget, make_voter, make_user, make_district):
    """A process with proposals; one became a funded project, then an outcome at 60%. Runs inside `ctx`."""
    district = make_district("riverside", en="Riverside")
    budget = make_budget(ballot_kind="approval", amount=500_000, costs=(300_000, 400_000))
    process = db.session.get(Process, budget.process_id)
    quiet = make_user(display_name="Quiet Author", district_id=district.id, show_name_publicly=False)
    loud = make_user(display_name="Loud Author", show_name_publicly=True)
    bridge = _proposal(db, process, quiet, "A footbridge", district=district)
    _proposal(db, process, loud, "A casino", status="rejected", show_name=True, reason="Not a public service.")
    project = budget.projects[0]
    project.proposals = [bridge]
    db.session.commit()
    staff = make_user("staff")
    voting.cast_ballot(make_voter().id, budget.id, {project.id: 1}, utcnow())
    results.close_voting(staff, budget, utcnow())
    results.publish(staff, budget, utcnow())
    db.session.commit()
    db.session.refresh(budget)
    [outcome] = services.from_budget_winners(staff, budget, utcnow())
    services.post_update(staff, outcome, services.UpdateData(on=today(), text="Piers built.", progress=60), utcnow())
    db.session.commit()
    return process.id, outcome.id, bridge.id, project.id


def test_outcome_page_shows_the_whole_chain(ctx, client, db, make_budget, make_voter, make_user, make_district):
    _process_id, outcome_id, bridge_id, project_id = _chain(db, make_budget, make_voter, make_user, make_district)
    page = client.get(f"/outcomes/{outcome_id}").get_data(as_text=True)
    assert "60% done" in page and "Piers built." in page
    assert "Proposed by A resident of Riverside:" in page and "Quiet Author" not in page
    assert f'href="/proposals/{bridge_id}"' in page and f'href="/budgets/projects/{project_id}"' in page
    assert "funded, 1 vote" in page


def test_you_said_we_did(ctx, client, db, make_budget, make_voter, make_user, make_district):
    process_id, outcome_id, _bridge, _project = _chain(db, make_budget, make_voter, make_user, make_district)
    page = client.get(f"/processes/{process_id}/you-said-we-did").get_data(as_text=True)
    assert "Not taken forward. The city’s reason:" in page and "Not a public service." in page
    assert "won the vote (1 vote)" in page and f'href="/outcomes/{outcome_id}"' in page and "60% done" in page
    assert "By Loud Author" in page and "Quiet Author" not in page


def test_goal_page_lists_its_outcomes_costs_and_late_actions(client, db, make_plan, make_outcome):
    plan = make_plan(goals=1, actions=1)
    goal = plan.goals[0]
    action = goal.actions[0]
    action.start_date, action.end_date, action.status = days_ago(300), days_ago(40), "in_progress"
    db.session.commit()
    make_outcome("New cycle lanes", goal_id=goal.id, estimated_cost=Decimal(1000), actual_cost=Decimal(250),
                 progress=25, status="in_progress")
    page = client.get(f"/plans/{plan.id}/goals/{goal.number}").get_data(as_text=True)
    assert "New cycle lanes" in page and "25% done" in page
    assert "estimated cost €1,000.00, spent so far €250.00" in page
    assert "Late: it ended on" in page and "40 days ago" in page


def test_following_an_outcome(client, db, login_as, make_outcome):
    outcome = make_outcome()
    assert client.submit(f"/outcomes/{outcome.id}/follow", {"wanted": "1"}).status_code == 302  # to sign in
    user = login_as()
    assert client.submit(f"/outcomes/{outcome.id}/follow", {"wanted": "1"}).status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Follow).where(
        Follow.user_id == user.id, Follow.kind == "outcome", Follow.object_id == outcome.id)) == 1
    assert "Stop following" in client.get(f"/outcomes/{outcome.id}").get_data(as_text=True)


def test_outcome_page_query_count_does_not_grow_with_updates(ctx, client, db, make_outcome, make_user,
                                                             count_queries):
    few, many = make_outcome("Few"), make_outcome("Many")
    staff = make_user("staff")
    for outcome, updates in ((few, 1), (many, 6)):
        for n in range(updates):
            services.post_update(staff, outcome, services.UpdateData(on=today(), text=f"Update {n}"), utcnow())
    db.session.commit()
    counts = []
    for outcome in (few, many):
        with count_queries() as queries:
            assert client.get(f"/outcomes/{outcome.id}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_staff_pages_refuse_residents_and_trackers_only_post_updates(app, client, db, login_as, make_outcome):
    outcome = make_outcome()
    login_as()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != staff_bp.name:
            continue
        url = (rule.rule.replace("<int:outcome_id>", str(outcome.id)).replace("<int:budget_id>", "1")
               .replace("<int:action_id>", "1"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert client.open(url, method=method, data={"csrf_token": client.csrf_token()}).status_code == 403, url
    client.post("/account/sign-out", data={"csrf_token": client.csrf_token()})
    login_as("tracker")
    assert client.get(f"/staff/outcomes/{outcome.id}/updates/new").status_code == 200
    assert client.get(f"/staff/outcomes/{outcome.id}/edit").status_code == 403
    response = client.submit(f"/staff/outcomes/{outcome.id}/updates/new",
                             {"on": today().isoformat(), "text": "Inspected", "progress": "10", "status": ""})
    assert response.status_code == 303
    assert db.session.scalar(sa.select(OutcomeUpdate.text).where(OutcomeUpdate.outcome_id == outcome.id)) == "Inspected"


def test_update_form_keeps_what_was_typed_on_error(client, login_as, make_outcome):
    outcome = make_outcome()
    login_as("staff")
    response = client.submit(f"/staff/outcomes/{outcome.id}/updates/new",
                             {"on": today().isoformat(), "text": "Roof is on", "progress": "140", "status": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "There is a problem" in page and "Roof is on" in page


def test_csv_import_page_reports_rejected_rows(client, db, login_as, make_outcome):
    outcome = make_outcome()
    login_as("tracker")
    data = (f"outcome_id,date,progress,status,text,actual_cost\n{outcome.id},{today().isoformat()},20,,Started,\n"
            f"{outcome.id},yesterday,30,,Oops,\n").encode()
    page = client.submit("/staff/outcomes/import", {"file": (io.BytesIO(data), "updates.csv")},
                         content_type="multipart/form-data").get_data(as_text=True)
    assert "1 update published." in page and "1 line rejected." in page
    assert "Line 3: The date must be written as YYYY-MM-DD" in page


def test_monitoring_page_lists_late_outcomes(client, login_as, make_outcome):
    make_outcome("Overdue bridge", ends_on=days_ago(9), status="in_progress", progress=10, responsible="Bridges")
    make_outcome("Fine bridge", ends_on=today() + timedelta(days=9))
    login_as("staff")
    page = client.get("/staff/outcomes/monitoring").get_data(as_text=True)
    assert "Overdue bridge" in page and "Fine bridge" not in page and "Bridges" in page


def test_staff_create_an_outcome_and_trackers_cannot(client, db, login_as):
    login_as("staff")
    response = client.submit("/staff/outcomes/new", {"title": "Repair the steps", "status": "planned",
                                                     "progress": "0", "currency": "EUR", "weight": "1",
                                                     "district": "", "goal": "", "action": "", "parent": ""})
    assert response.status_code == 303
    assert db.session.scalar(sa.select(Outcome.titles).where(Outcome.id == int(
        response.headers["Location"].rsplit("/", 1)[1]))) == {"en": "Repair the steps"}


def test_outcome_list_and_you_said_we_did_query_counts_do_not_grow(ctx, client, db, make_outcome, make_user,
                                                                  make_budget, count_queries):
    process_id = make_budget(costs=(1,)).process_id
    process = db.session.get(Process, process_id)
    author = make_user()

    def counted(url):
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    make_outcome("One")
    _proposal(db, process, author, "First idea")
    db.session.commit()
    before = counted("/outcomes/"), counted(f"/processes/{process_id}/you-said-we-did")
    for n in range(5):
        make_outcome(f"More {n}", ends_on=days_ago(3), status="in_progress")
        _proposal(db, process, author, f"Idea {n}", status="rejected", reason="Too costly")
    db.session.commit()
    assert (counted("/outcomes/"), counted(f"/processes/{process_id}/you-said-we-did")) == before
