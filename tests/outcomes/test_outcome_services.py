"""Outcome rules: progress and status, weighted roll-up, updates, one-step creation, CSV import, lateness."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from civic.budgets import results, voting
from civic.core.db import utcnow
from civic.core.errors import DomainError, NotAllowed
from civic.outcomes import csvimport, services
from civic.outcomes.models import OutcomeUpdate
from civic.plans.models import ActionCheckIn
from tests.outcomes.conftest import days_ago, today


def test_an_update_moves_progress_and_status_and_is_kept(ctx, db, make_outcome, make_user):
    outcome = make_outcome()
    staff = make_user("staff")
    services.post_update(staff, outcome, services.UpdateData(on=days_ago(1), text="Foundations poured.",
                                                             progress=30), utcnow())
    assert (outcome.progress, outcome.status) == (30, "in_progress")  # planned becomes in progress
    services.post_update(staff, outcome, services.UpdateData(on=today(), text="Opened.", progress=100,
                                                             actual_cost=Decimal("1200.50")), utcnow())
    assert (outcome.progress, outcome.status, outcome.actual_cost) == (100, "completed", Decimal("1200.50"))
    assert [u.text for u in db.session.scalars(sa.select(OutcomeUpdate).order_by(OutcomeUpdate.id))] == [
        "Foundations poured.", "Opened."]


@pytest.mark.parametrize("data, message", [
    (dict(text=" "), "Say what happened."),
    (dict(progress=101), "Progress is a percentage from 0 to 100."),
    (dict(status="done"), "Choose a status from the list."),
    (dict(status="completed", progress=50), "A completed outcome has a progress of 100"),
    (dict(photo=b"x"), "Describe the photo"),
])
def test_bad_updates_are_refused_with_a_reason(ctx, make_outcome, make_user, data, message):
    values = {"on": today(), "text": "Something", **data}
    with pytest.raises(DomainError) as refused:
        services.post_update(make_user("staff"), make_outcome(), services.UpdateData(**values), utcnow())
    assert str(refused.value.message).startswith(message)


def test_future_dated_updates_are_refused(ctx, make_outcome, make_user):
    with pytest.raises(DomainError, match="cannot be in the future"):
        services.post_update(make_user("staff"), make_outcome(), services.UpdateData(
            on=today() + timedelta(days=2), text="Tomorrow"), utcnow())


def test_trackers_post_updates_but_do_not_manage(ctx, make_outcome, make_user):
    outcome = make_outcome()
    tracker, resident = make_user("tracker"), make_user()
    services.post_update(tracker, outcome, services.UpdateData(on=today(), text="Checked on site."), utcnow())
    with pytest.raises(NotAllowed):
        services.save_outcome(tracker, outcome, services.OutcomeData(title="Renamed"), language="en", now=utcnow())
    with pytest.raises(NotAllowed):
        services.post_update(resident, outcome, services.UpdateData(on=today(), text="Hi"), utcnow())


def test_parent_progress_is_the_weighted_progress_of_its_parts(ctx, db, make_outcome, make_user):
    staff = make_user("staff")
    parent = make_outcome("Greener Eastgate")
    big = make_outcome("Park", parent_id=parent.id, weight=3)
    small = make_outcome("Trees", parent_id=parent.id, weight=1)
    services.post_update(staff, big, services.UpdateData(on=today(), text="Half", progress=50), utcnow())
    services.post_update(staff, small, services.UpdateData(on=today(), text="Done", progress=100), utcnow())
    db.session.refresh(parent)
    assert parent.progress == round((50 * 3 + 100 * 1) / 4)  # 63, not the plain mean 75
    services.post_update(staff, big, services.UpdateData(on=today(), text="Stopped", status="cancelled"), utcnow())
    db.session.refresh(parent)
    assert parent.progress == 100  # cancelled parts no longer count


def test_an_outcome_cannot_be_part_of_itself(ctx, make_outcome, make_user):
    parent = make_outcome("A")
    child = make_outcome("B", parent_id=parent.id)
    with pytest.raises(DomainError, match="cannot be part of itself"):
        services.save_outcome(make_user("staff"), parent, services.OutcomeData(title="A", parent_id=child.id),
                              language="en", now=utcnow())


def test_winners_of_a_published_budget_become_outcomes_in_one_step(ctx, db, make_budget, make_voter, make_user):
    staff = make_user("staff")
    budget = make_budget(ballot_kind="approval", amount=700_000, costs=(300_000, 500_000, 200_000))
    a, b, c = budget.projects
    for choice in ({a.id: 1, b.id: 1}, {a.id: 1}, {c.id: 1}):
        voting.cast_ballot(make_voter().id, budget.id, choice, utcnow())
    with pytest.raises(DomainError):
        services.from_budget_winners(staff, budget, utcnow())  # not published yet
    results.close_voting(staff, budget, utcnow())
    results.publish(staff, budget, utcnow())
    db.session.refresh(budget)
    created = services.from_budget_winners(staff, budget, utcnow())
    # a (2 votes, 300k) then b (1 vote, 500k) does not fit in what is left, c (1 vote, 200k) does.
    assert {o.projects[0].id for o in created} == {a.id, c.id}
    assert {o.estimated_cost for o in created} == {Decimal(300_000), Decimal(200_000)}
    assert services.from_budget_winners(staff, budget, utcnow()) == []  # a second click adds nothing


def test_a_plan_action_becomes_an_outcome_once(ctx, db, make_plan, make_user):
    plan = make_plan(goals=1, actions=1)
    action = plan.goals[0].actions[0]
    outcome = services.from_action(make_user("staff"), action, utcnow())
    assert (outcome.goal_id, outcome.action_id, outcome.ends_on) == (action.goal_id, action.id, action.end_date)
    assert outcome.titles == action.descriptions
    with pytest.raises(DomainError):
        services.from_action(make_user("staff"), action, utcnow())


def test_csv_import_keeps_good_rows_and_explains_bad_ones(ctx, db, make_outcome, make_user):
    outcome = make_outcome()
    csv = (f"outcome_id,date,progress,status,text,actual_cost\n"
           f"{outcome.id},{days_ago(3).isoformat()},40,in_progress,Walls are up,\n"
           f"999999,{days_ago(2).isoformat()},50,,Nope,\n"
           f"{outcome.id},31/12/2026,50,,Bad date,\n"
           f"{outcome.id},{days_ago(1).isoformat()},150,,Too much,\n"
           f"{outcome.id},{days_ago(1).isoformat()},60,,Roof on,\"12,500.00\"\n").encode()
    report = csvimport.import_updates(make_user("tracker"), csv, utcnow())
    assert report.added == 2
    assert [(line, str(reason)) for line, reason in report.rejected] == [
        (3, "No outcome has the number 999999."),
        (4, "The date must be written as YYYY-MM-DD, for example 2026-03-31."),
        (5, "Progress is a percentage from 0 to 100.")]
    db.session.refresh(outcome)
    assert (outcome.progress, outcome.actual_cost) == (60, Decimal("12500.00"))


def test_lateness_of_outcomes_and_actions(ctx, db, make_outcome, make_plan, make_user):
    on_time = make_outcome("On time", ends_on=today() + timedelta(days=5))
    late = make_outcome("Late", ends_on=days_ago(12), status="in_progress", progress=40)
    done = make_outcome("Done", ends_on=days_ago(12), status="completed", progress=100)
    assert [services.days_late(o, today()) for o in (on_time, late, done)] == [None, 12, None]
    plan = make_plan(goals=1, actions=2)
    first, second = plan.goals[0].actions
    for action in (first, second):
        action.start_date, action.end_date, action.status = days_ago(200), today() + timedelta(days=100), "in_progress"
        action.check_ins = [ActionCheckIn(due_on=days_ago(10))]
    db.session.flush()
    staff = make_user("staff")
    tracked = services.from_action(staff, first, utcnow())
    services.from_action(staff, second, utcnow())
    services.post_update(staff, tracked, services.UpdateData(on=days_ago(15), text="On track"), utcnow())
    late_outcomes, late_actions = services.late_items(today())
    assert [(o.id, days) for o, days in late_outcomes] == [(late.id, 12)]
    # The first reported within 30 days of its check-in; the second never reported.
    assert [(item.action.id, item.reason, item.days) for item in late_actions] == [(second.id, "check_in", 10)]


def test_costs_are_summed_per_goal_without_counting_parents_twice(ctx, make_outcome, make_plan):
    goal = make_plan(goals=1, actions=0).goals[0]
    parent = make_outcome("All", goal_id=goal.id, estimated_cost=Decimal(999))
    make_outcome("A", goal_id=goal.id, parent_id=parent.id, estimated_cost=Decimal(100), actual_cost=Decimal(80))
    make_outcome("B", goal_id=goal.id, estimated_cost=Decimal(50))
    assert services.costs_by_goal([goal.id])[goal.id] == (Decimal(150), Decimal(80))


def test_a_parent_is_completed_only_when_its_parts_are(ctx, db, make_outcome, make_user):
    parent = make_outcome("All")
    make_outcome("Part", parent_id=parent.id, progress=40, status="in_progress")
    db.session.refresh(parent)
    with pytest.raises(DomainError, match="completed when all its parts are"):
        services.save_outcome(make_user("staff"), parent, services.OutcomeData(title="All", status="completed",
                                                                               progress=100),
                              language="en", now=utcnow())
