"""A small city with content in every area, made through the real services, to export.

People have recognisable names and e-mail addresses, so a test can look for them in every export:
only the author who chose to show their name on a proposal they typed in themselves may appear.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest

from civic.budgets import results, voting
from civic.budgets import services as budget_services
from civic.budgets.models import Budget
from civic.comments.models import CommentThread
from civic.comments.services import post_comment, report_comment
from civic.core.db import utcnow
from civic.moderation import services as moderation
from civic.outcomes.models import Outcome, OutcomeUpdate
from civic.proposals import services as proposal_services
from tests.budgets.conftest import budget_data, make_voter  # noqa: F401
from tests.plans.conftest import make_plan  # noqa: F401
from tests.processes.conftest import make_process  # noqa: F401
from tests.proposals.conftest import make_proposal  # noqa: F401

PUBLIC_NAME = "Bartholomew Openshaw"


@dataclass
class City:
    process_id: int
    plan_id: int
    goal_id: int
    action_id: int
    budget_id: int
    ranked_budget_id: int
    project_id: int
    outcome_id: int
    proposals: dict[str, int]
    emails: list[str] = field(default_factory=list)
    secret_names: list[str] = field(default_factory=list)  # must never appear in any export


def _person(make_user, people, role, name, email, **fields):
    user = make_user(role, display_name=name, email=email, **fields)
    people.append(user)
    return user


def _publish(budget: Budget, staff, voters: list[tuple[int, dict]]) -> None:
    now = utcnow()
    for voter_id, choices in voters:
        voting.cast_ballot(voter_id, budget.id, choices, now)
    results.close_voting(staff, budget, utcnow())
    results.publish(staff, budget, utcnow())


@pytest.fixture
def city(app, db, make_user, make_district, make_plan, make_process, make_proposal, make_voter):  # noqa: F811
    """Content in every area: plan, process with phases, proposals (named, anonymous, by phone, by a
    deleted account, hidden), comments, reports, moderation, two published votes, an outcome."""
    people = []
    with app.test_request_context():
        now = utcnow()
        district = make_district(en="Riverside")
        plan = make_plan(goals=2, actions=2)
        goal = plan.goals[0]
        staff = _person(make_user, people, "staff", "Stella Staffwright", "stella.staff@city.example.net")
        moderator = _person(make_user, people, "moderator", "Magnus Modsworth", "magnus.mod@city.example.net")
        public = _person(make_user, people, "resident", PUBLIC_NAME, "bart.openshaw@example.net",
                         show_name_publicly=True)
        anonymous = _person(make_user, people, "resident", "Zenobia Quillfeather", "zenobia.q@example.net")
        caller = _person(make_user, people, "resident", "Philippa Ringwood", "philippa.r@example.net")
        departed = _person(make_user, people, "resident", "Delia Farewell", "delia.f@example.net")
        reporter = _person(make_user, people, "resident", "Rupert Tattler", "rupert.t@example.net")
        troll = _person(make_user, people, "resident", "Trevor Grumble", "trevor.g@example.net")
        voter_user = _person(make_user, people, "resident", "Valentina Ballotti", "valentina.b@example.net")

        process = make_process(goal_ids=[goal.id])
        named = make_proposal(process=process, author=public, show_name=True, title="Lights on the footbridge",
                              district_id=district.id)
        shy = make_proposal(process=process, author=anonymous, show_name=False, title="Benches in the square")
        by_phone = make_proposal(process=process, author=caller, show_name=True, title="A crossing by the school")
        by_phone.channel, by_phone.recorded_by_id = "phone", staff.id
        gone = make_proposal(process=process, author=departed, show_name=True, title="A skate park")
        departed.deleted_at = now
        spam = make_proposal(process=process, author=troll, show_name=True, title="Cheap shoes here")

        thread = db.session.get(CommentThread, named.thread_id)
        comment = post_comment(anonymous, thread, body="Yes, it is too dark at night.", stance=None, parent_id=None,
                               now=now)
        post_comment(public, thread, body="Thank you.", stance=None, parent_id=comment.id, now=now)
        rude = post_comment(troll, thread, body="Nobody cares.", stance=None, parent_id=None, now=now)
        report_comment(reporter, rude, reason="personal_attack", details="Rude to Zenobia.", now=now)
        moderation.report_proposal(reporter, spam, "spam", "Advertising.", now)
        moderation.hide(moderator, "proposal", spam.id, "spam", "Advert from Trevor.", now)
        moderation.block_user(moderator, troll, "spam", "Keeps advertising.", now)

        proposal_services.set_status(staff, named, "accepted", "", None, now)
        proposal_services.set_status(staff, shy, "rejected", "The square is being rebuilt in 2027.", None, now)
        db.session.commit()

        budget = budget_services.save_budget(staff, process, None, budget_data(title="Riverside budget"),
                                             language="en", now=now)
        project = budget_services.save_project(staff, budget, None, budget_services.ProjectData(
            title="Footbridge lights", description="<p>Twenty lamps.</p>", feasibility="Feasible.", cost=300_000,
            proposal_ids=[named.id]), language="en", now=now)
        other = budget_services.save_project(staff, budget, None, budget_services.ProjectData(
            title="New benches", description="<p>Ten benches.</p>", feasibility="", cost=200_000),
            language="en", now=now)
        ranked = budget_services.save_budget(staff, process, None, budget_data(
            title="Youth vote", ballot_kind="ranked", max_ranks=2), language="en", now=now)
        first = budget_services.save_project(staff, ranked, None, budget_services.ProjectData(
            title="Skate ramp", description="", feasibility="", cost=100_000), language="en", now=now)
        second = budget_services.save_project(staff, ranked, None, budget_services.ProjectData(
            title="Climbing wall", description="", feasibility="", cost=150_000), language="en", now=now)
        for item in (budget, ranked):
            item.opens_at, item.closes_at = now - timedelta(days=1), now + timedelta(days=7)
        db.session.commit()
        named_voter = make_voter(user=voter_user)
        desk_voter = make_voter()
        _publish(budget, staff, [(named_voter.id, {project.id: 1, other.id: 1}), (desk_voter.id, {project.id: 1})])
        _publish(ranked, staff, [(named_voter.id, {first.id: 2, second.id: 1})])

        outcome = Outcome(titles={"en": "Footbridge lights installed", "es": "Luces en la pasarela"},
                          descriptions={"en": "Twenty lamps along the footbridge."}, original_language="en",
                          status="in_progress", progress=40, starts_on=date(2026, 3, 1), ends_on=date(2026, 12, 1),
                          estimated_cost=Decimal("300000.00"), actual_cost=Decimal("120000.50"), currency="EUR",
                          responsible="Public Works", district_id=district.id, goal_id=goal.id,
                          action_id=goal.actions[0].id, created_at=now, updated_at=now)
        outcome.projects = [project]
        outcome.proposals = [named, spam]  # the hidden one is not listed in public
        outcome.updates = [
            OutcomeUpdate(on=date(2026, 4, 2), text="Poles ordered.", language="en", progress=20,
                          author_id=staff.id, created_at=now - timedelta(days=2)),
            OutcomeUpdate(on=date(2026, 5, 20), text="Half of the lamps are up.", language="en", progress=40,
                          author_id=staff.id, created_at=now - timedelta(days=1)),
        ]
        db.session.add(outcome)
        db.session.commit()
        built = City(process_id=process.id, plan_id=plan.id, goal_id=goal.id, action_id=goal.actions[0].id,
                     budget_id=budget.id, ranked_budget_id=ranked.id, project_id=project.id, outcome_id=outcome.id,
                     proposals={"named": named.id, "shy": shy.id, "phone": by_phone.id, "gone": gone.id,
                                "spam": spam.id},
                     emails=[person.email for person in people],
                     secret_names=[person.display_name for person in people if person is not public])
    return built
