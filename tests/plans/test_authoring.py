from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from civic.core.db import utcnow
from civic.core.errors import DomainError, NotAllowed
from civic.plans import services
from civic.plans.models import Action, Goal, GoalRevision, GoalTarget, Plan
from tests.plans.conftest import action_data, goal_data

AUTHORING_GETS = ["/staff/plans/new", "/staff/plans/{plan}/edit", "/staff/plans/{plan}/consultation",
                  "/staff/plans/{plan}/goals/new", "/staff/plans/{plan}/goals/1/edit",
                  "/staff/plans/{plan}/goals/1/revise", "/staff/plans/{plan}/goals/1/actions/new",
                  "/staff/plans/{plan}/goals/1/score-card"]


@pytest.mark.parametrize("role", ["resident", "moderator"])
def test_only_staff_and_admins_author(client, db, login_as, make_plan, role):
    plan = make_plan(goals=1, actions=0)
    login_as(role)
    for url in AUTHORING_GETS:
        url = url.format(plan=plan.id)
        assert client.get(url).status_code == 403, url
        assert client.submit(url, {"title": "Hijacked"}).status_code == 403, url
    assert db.session.get(Plan, plan.id).titles == {"en": "Riverford Action Plan"}


def test_anonymous_authoring_redirects_to_sign_in(client, db, make_plan):
    plan = make_plan(goals=1, actions=0)
    response = client.get(f"/staff/plans/{plan.id}/edit")
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_write_a_plan_goal_action_and_score_card(client, db, login_as, role):
    login_as(role)
    response = client.submit("/staff/plans/new", {
        "title": "Climate plan", "vision": "Clean air", "principles": "Fair\nOpen", "status": "draft",
        "version": "1", "currency": "eur", "period_start": "2026-01-01", "period_end": "2030-12-31"})
    assert response.status_code == 303
    plan = db.session.scalars(sa.select(Plan)).one()
    assert plan.currency == "EUR" and plan.titles == {"en": "Climate plan"}

    response = client.submit(f"/staff/plans/{plan.id}/goals/new", {
        "number": "1", "statement": "More trees", "dimension": "environment", "kpi_name": "Tree cover",
        "kpi_unit": "%", "kpi_baseline": "18", "kpi_baseline_year": "2023", "kpi_target": "25",
        "kpi_target_date": "2030-12-31", "timeframe": "long", "priority": "2"})
    assert response.status_code == 303, response.get_data(as_text=True)
    goal = db.session.scalars(sa.select(Goal)).one()
    assert [r.version for r in goal.revisions] == [1]

    response = client.submit(f"/staff/plans/{plan.id}/goals/1/actions/new", {
        "number": "1.1", "description": "Plant trees", "responsible": "Parks", "start_date": "2026-03-01",
        "end_date": "2027-03-01", "estimated_cost": "120000", "status": "planned",
        "check_ins": "2026-09-01\n2027-01-15"})
    assert response.status_code == 303
    action = db.session.scalars(sa.select(Action)).one()
    assert [c.due_on for c in action.check_ins] == [date(2026, 9, 1), date(2027, 1, 15)]

    steps = {f"steps-{i}-description": "" for i in range(6)}
    steps.update({"steps-0-description": "1,000 trees planted", "steps-0-reached_on": "2026-10-01",
                  "steps-5-description": "25% tree cover"})
    assert client.submit(f"/staff/plans/{plan.id}/goals/1/score-card", steps).status_code == 303
    targets = db.session.scalars(sa.select(GoalTarget).order_by(GoalTarget.position)).all()
    assert [(t.position, t.reached_on) for t in targets] == [(1, date(2026, 10, 1)), (6, None)]


def test_errors_are_summarised_and_keep_what_was_typed(client, db, login_as, make_plan):
    plan = make_plan(goals=1, actions=0)
    login_as("staff")
    response = client.submit(f"/staff/plans/{plan.id}/goals/1/actions/new", {
        "number": "1.1", "description": "Plant trees by the river", "responsible": "", "start_date": "2026-05-01",
        "end_date": "2026-01-01", "estimated_cost": "lots", "status": "planned", "check_ins": "next spring"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.count('class="error-summary"') == 1
    for field in ("responsible", "estimated_cost", "check_ins"):
        assert f'href="#{field}"' in page, field
    assert "Plant trees by the river" in page and "next spring" in page
    assert db.session.scalar(sa.select(sa.func.count(Action.id))) == 0


def test_end_date_before_start_is_refused(client, db, login_as, make_plan):
    plan = make_plan(goals=1, actions=0)
    login_as("staff")
    response = client.submit(f"/staff/plans/{plan.id}/goals/1/actions/new", {
        "number": "1.1", "description": "X", "responsible": "Parks", "start_date": "2026-05-01",
        "end_date": "2026-01-01", "estimated_cost": "10", "status": "planned"})
    assert response.status_code == 422
    assert "The target end date must come after the start date." in response.get_data(as_text=True)


def test_texts_in_another_language_fall_back_to_the_original(client, db, login_as, make_plan):
    plan = make_plan(goals=1, actions=0)
    login_as("staff")
    form = {"title": "Plan de acción", "vision": "", "principles": "", "status": "draft", "version": "1",
            "currency": "EUR", "period_start": "2025-01-01"}
    assert client.submit(f"/staff/plans/{plan.id}/edit?lang=es", form).status_code == 303
    assert db.session.get(Plan, plan.id).titles == {"en": "Riverford Action Plan", "es": "Plan de acción"}
    spanish = client.get(f"/plans/{plan.id}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "<h1>Plan de acción</h1>" in spanish
    assert '<p class="lead"><span lang="en" dir="ltr">A green city.</span></p>' in spanish


def test_original_language_text_is_required(db, make_plan, make_user):
    plan = make_plan(goals=0)
    with pytest.raises(DomainError):
        services.save_goal(make_user("staff"), plan, None, goal_data(1, statement=""), language="en", now=utcnow())


def test_services_refuse_residents(db, make_plan, make_user):
    plan = make_plan(goals=1, actions=0)
    resident = make_user()
    with pytest.raises(NotAllowed):
        services.save_goal(resident, plan, None, goal_data(2), language="en", now=utcnow())
    with pytest.raises(NotAllowed):
        services.save_action(resident, plan.goals[0], None, action_data("1.1"), language="en", now=utcnow())


def test_goal_numbers_are_unique_in_a_plan(db, make_plan, make_user):
    plan = make_plan(goals=1, actions=0)
    with pytest.raises(DomainError):
        services.save_goal(make_user("staff"), plan, None, goal_data(1), language="en", now=utcnow())
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(Goal(plan_id=plan.id, **{k: v for k, v in vars(goal_data(1)).items() if k in {
            "number", "dimension", "kpi_unit", "kpi_baseline", "kpi_baseline_year", "kpi_target", "kpi_target_date",
            "timeframe", "priority"}}))
        db.session.flush()


def test_consultation_window_must_be_in_order(db, make_plan, make_user):
    plan = make_plan(goals=0)
    now = utcnow()
    with pytest.raises(DomainError):
        services.open_consultation(make_user("staff"), plan, opens_at=now + timedelta(days=2),
                                   closes_at=now + timedelta(days=1), now=now)
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(sa.update(Plan).where(Plan.id == plan.id).values(
            consultation_opens_at=now, consultation_closes_at=now - timedelta(days=1)))


def test_revision_needs_a_closed_consultation_and_a_note(db, make_plan, make_user):
    staff = make_user("staff")
    plan = make_plan(goals=1, actions=0, consultation="open")
    goal = plan.goals[0]
    with pytest.raises(DomainError):
        services.revise_goal(staff, goal, statement="New", note="Because", language="en", now=utcnow())
    plan.consultation_closes_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(DomainError):
        services.revise_goal(staff, goal, statement="New", note=" ", language="en", now=utcnow())
    revision = services.revise_goal(staff, goal, statement="New text", note="We listened", language="en", now=utcnow())
    assert (revision.version, goal.version, goal.statements["en"]) == (2, 2, "New text")
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(sa.update(GoalRevision).where(GoalRevision.id == revision.id).values(notes=None))
