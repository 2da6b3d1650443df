"""Casting ballots: one per voter, replaced completely on change, the window and district respected,
assisted ballots across channels, and ballot secrecy in the schema itself.

Each test runs inside one request context, so factories, services and assertions share one session.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from civic.budgets import eligibility, results, voting
from civic.budgets.models import Ballot, BallotChoice, EligibleDocument, Participation, ResultPublication, SealedBallot
from civic.core.db import utcnow
from civic.core.errors import DomainError, NotAllowed
from civic.extensions import db as _db


def _count(db, model, **where):
    query = sa.select(sa.func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def test_first_ballot_then_a_change_replaces_it_completely(ctx, db, make_budget, make_voter, make_user):
    budget = make_budget()
    a, b, c, _d = [p.id for p in budget.projects]
    voter = make_voter(user=make_user())
    first = voting.cast_ballot(voter.id, budget.id, {a: 1, b: 1}, utcnow())
    receipt, voted_at = first.receipt, first.first_voted_at
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", receipt)
    later = utcnow() + timedelta(minutes=5)
    second = voting.cast_ballot(voter.id, budget.id, {c: 1}, later)
    assert voting.choices_of(budget, voter) == {c: 1}  # nothing of the first ballot is left
    assert _count(db, Participation, budget_id=budget.id) == 1
    assert _count(db, SealedBallot, budget_id=budget.id) == 1
    assert _count(db, Ballot, budget_id=budget.id) == 0 and _count(db, BallotChoice) == 0  # nothing readable
    assert second.receipt == receipt and second.first_voted_at == voted_at and second.changed_at == later


@pytest.mark.parametrize("window, message", [("upcoming", "Voting has not started yet."),
                                             ("ended", "Voting has closed"), (None, "Voting has not started")])
def test_no_ballot_outside_the_window(ctx, db, make_budget, make_voter, window, message):
    budget = make_budget(window=window)
    voter = make_voter()
    with pytest.raises(DomainError) as refused:
        voting.cast_ballot(voter.id, budget.id, {budget.projects[0].id: 1}, utcnow())
    assert str(refused.value.message).startswith(message)
    assert _count(db, SealedBallot, budget_id=budget.id) == 0


def test_closing_early_stops_voting(ctx, db, make_budget, make_voter, make_user):
    budget = make_budget()
    voter = make_voter()
    results.close_voting(make_user("staff"), budget, utcnow())
    with pytest.raises(DomainError):
        voting.cast_ballot(voter.id, budget.id, {budget.projects[0].id: 1}, utcnow())


def test_district_budgets_only_for_their_residents(ctx, db, make_budget, make_voter, make_district):
    north, south = make_district(), make_district()
    budget = make_budget(district_id=north.id)
    with pytest.raises(DomainError) as refused:
        voting.cast_ballot(make_voter(district=south).id, budget.id, {budget.projects[0].id: 1}, utcnow())
    assert "only for residents of" in str(refused.value.message)
    voting.cast_ballot(make_voter(district=north).id, budget.id, {budget.projects[0].id: 1}, utcnow())
    city_wide = make_budget()
    voting.cast_ballot(make_voter(district=south).id, city_wide.id, {city_wide.projects[0].id: 1}, utcnow())
    assert _count(db, Participation) == 2


def test_a_rule_breaking_ballot_is_not_stored(ctx, db, make_budget, make_voter):
    budget = make_budget(ballot_kind="knapsack", amount=500_000, costs=(300_000, 300_000))
    voter = make_voter()
    with pytest.raises(voting.BallotRejected) as refused:
        voting.cast_ballot(voter.id, budget.id, {p.id: 1 for p in budget.projects}, utcnow())
    assert "more than the budget" in str(refused.value.check.errors[0].message)
    assert _count(db, Participation, budget_id=budget.id) == 0


def test_assisted_ballots_need_staff_and_keep_one_ballot_across_channels(ctx, db, make_budget, make_user):
    budget = make_budget()
    a, b, *_ = [p.id for p in budget.projects]
    staff, resident = make_user("staff"), make_user()
    db.session.add(EligibleDocument(document_hash=eligibility.document_hash("AB123456"), imported_at=utcnow()))
    # At the desk: staff see the document; the person has no account yet.
    voter = eligibility.verify_in_person(staff, "ab 123-456", None, utcnow())
    db.session.commit()
    with pytest.raises(NotAllowed):
        voting.cast_ballot(voter.id, budget.id, {a: 1}, utcnow(), voting.Cast(channel="phone", entered_by=resident))
    voting.cast_ballot(voter.id, budget.id, {a: 1}, utcnow(), voting.Cast(channel="desk", entered_by=staff))
    with pytest.raises(DomainError) as refused:
        voting.cast_ballot(voter.id, budget.id, {b: 1}, utcnow(),
                           voting.Cast(channel="phone", entered_by=staff, replace=False))
    assert refused.value.field == "replace"
    db.session.rollback()
    # Later someone verifies online with the same document: same voter, so still one ballot, but an
    # account that merely knows the number may not change the ballot cast at the desk.
    online = eligibility.verify_self(resident, "AB123456", utcnow())
    db.session.commit()
    assert online.id == voter.id
    assert voting.refusal(budget, resident, online, utcnow()) == "inherited"
    with pytest.raises(DomainError, match="only city staff can change it"):
        voting.cast_ballot(online.id, budget.id, {b: 1}, utcnow())
    db.session.rollback()
    participation = db.session.scalars(sa.select(Participation).where(Participation.budget_id == budget.id)).one()
    assert participation.channel == "desk" and participation.inherited
    assert voting.choices_of(budget, online) == {a: 1}
    assert _count(db, SealedBallot, budget_id=budget.id) == 1


def test_the_assisted_channel_and_staff_member_are_recorded_with_the_participation(ctx, db, make_budget, make_user):
    budget = make_budget()
    staff = make_user("staff")
    db.session.add(EligibleDocument(document_hash=eligibility.document_hash("ZX-99"), imported_at=utcnow()))
    voter = eligibility.verify_in_person(staff, "ZX-99", None, utcnow())
    db.session.commit()
    voting.cast_ballot(voter.id, budget.id, {budget.projects[0].id: 1}, utcnow(),
                       voting.Cast(channel="phone", entered_by=staff))
    participation = db.session.scalars(sa.select(Participation).where(Participation.budget_id == budget.id)).one()
    assert (participation.channel, participation.entered_by_id) == ("phone", staff.id)


def test_no_table_links_a_person_to_ballot_contents(app):
    """The schema: ballot and ballot_choice reference no person, voter or participation, and carry
    nothing (time, channel, sequence) that could be matched to the participation record."""
    metadata = _db.metadata
    for name in ("ballot", "ballot_choice"):
        table = metadata.tables[name]
        referenced = {fk.column.table.name for fk in table.foreign_keys}
        assert referenced <= {"budget", "project", "ballot"}, (name, referenced)
        for column in table.columns:
            assert not isinstance(column.type, (sa.DateTime, sa.Date)), (name, column.name)
            assert "DateTime" not in type(column.type).__name__, (name, column.name)
            assert column.name not in {"user_id", "voter_id", "channel", "entered_by_id", "created_at"}
    assert metadata.tables["ballot"].c.id.type.python_type is str  # random, not a sequence
    # And the other way: what says who voted holds nothing of what they chose.
    participation = {fk.column.table.name for fk in metadata.tables["participation"].foreign_keys}
    assert participation.isdisjoint({"ballot", "ballot_choice", "project", "sealed_ballot"})
    # A sealed ballot names its voter only through the keyed hash, and holds nothing else readable.
    assert {c.name for c in metadata.tables["sealed_ballot"].columns} == {"budget_id", "voter_key", "sealed"}


def test_ballots_are_found_only_with_the_voting_key(app, ctx, db, make_budget, make_voter, make_user):
    budget = make_budget()
    voter = make_voter(user=make_user())
    participation = voting.cast_ballot(voter.id, budget.id, {budget.projects[1].id: 1}, utcnow())
    stored = db.session.scalars(sa.select(SealedBallot).where(SealedBallot.budget_id == budget.id)).one()
    assert stored.voter_key == voting.voter_key(voter.id, budget.id)
    original = app.config["VOTING_KEY"]
    try:
        app.config["VOTING_KEY"] = "someone-without-the-key"
        assert stored.voter_key != voting.voter_key(voter.id, budget.id)
    finally:
        app.config["VOTING_KEY"] = original
    # Nothing in the participation row equals anything in the ballot row.
    assert {stored.voter_key}.isdisjoint(
        {str(participation.id), participation.receipt, str(participation.voter_id)})


def test_published_results_cannot_be_changed_or_deleted(ctx, db, make_budget, make_voter, make_user):
    budget = make_budget()
    staff = make_user("staff")
    voting.cast_ballot(make_voter().id, budget.id, {budget.projects[0].id: 1}, utcnow())
    results.close_voting(staff, budget, utcnow())
    publication = results.publish(staff, budget, utcnow())
    db.session.commit()
    for statement in (sa.update(ResultPublication).where(ResultPublication.id == publication.id).values(voters=99),
                      sa.delete(ResultPublication).where(ResultPublication.id == publication.id)):
        with pytest.raises(sa.exc.DatabaseError, match="published results cannot be changed"):
            with db.session.begin_nested():
                db.session.execute(statement)


def test_ballot_choices_obey_database_checks(ctx, db, make_budget):
    budget = make_budget()
    budget.closed_at = utcnow()
    db.session.flush()
    db.session.execute(sa.insert(Ballot).values(id="f" * 32, budget_id=budget.id))
    for values in ({"points": 0}, {"rank": 0}):
        with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
            db.session.execute(sa.insert(BallotChoice).values(ballot_id="f" * 32, project_id=budget.projects[0].id,
                                                              **{"points": 1, **values}))


def test_deleting_the_account_unlinks_the_voter_but_keeps_one_ballot_per_document(ctx, db, make_budget,
                                                                                   make_voter, make_user):
    from civic.accounts.services import delete_account
    from tests.conftest import TEST_PASSWORD

    budget = make_budget()
    user = make_user()
    voter = make_voter(user=user)
    voting.cast_ballot(voter.id, budget.id, {budget.projects[0].id: 1}, utcnow())
    delete_account(user, password=TEST_PASSWORD, now=utcnow())
    db.session.commit()
    db.session.refresh(voter)
    assert voter.user_id is None and voter.document_hash  # the document still cannot vote twice
    assert _count(db, SealedBallot, budget_id=budget.id) == 1


def test_a_document_claimed_twice_at_once_gets_the_clear_refusal(ctx, db, make_user):
    """Both requests passed the 'already used?' check before either wrote: the constraint decides."""
    from civic.budgets.models import Voter

    first, second = make_user(), make_user()
    db.session.add(EligibleDocument(document_hash=eligibility.document_hash("RACE-1"), imported_at=utcnow()))
    db.session.add(Voter(document_hash=eligibility.document_hash("RACE-1"), user_id=first.id, method="list",
                         verified_at=utcnow()))
    db.session.flush()
    # Simulate the late writer: skip the lookup that would have found the first voter.
    with pytest.raises(DomainError) as refused:
        eligibility._insert(Voter(document_hash=eligibility.document_hash("RACE-1"), user_id=second.id,
                                  method="list", verified_at=utcnow()), second)
    assert "already been used to verify another account" in str(refused.value.message)
    assert _count(db, Voter) == 1


def test_the_database_refuses_to_drop_projects_or_voters_from_cast_ballots(ctx, db, make_budget, make_voter):
    from civic.budgets.models import Project, Voter

    budget = make_budget()
    voter = make_voter()
    voting.cast_ballot(voter.id, budget.id, {budget.projects[0].id: 1}, utcnow())
    for statement in (sa.delete(Project).where(Project.id == budget.projects[0].id),
                      sa.delete(Voter).where(Voter.id == voter.id)):
        with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
            db.session.execute(statement)


def test_the_database_keeps_sealed_ballots_to_open_votes_and_counted_ones_to_closed(ctx, db, make_budget,
                                                                                    make_voter, make_user):
    budget = make_budget()
    voter = make_voter()
    with pytest.raises(sa.exc.IntegrityError, match="counted ballots are written only when the vote is closed"):
        with db.session.begin_nested():  # no readable ballot, so no interim count, while the vote is open
            db.session.execute(sa.insert(Ballot).values(id="e" * 32, budget_id=budget.id))
    voting.cast_ballot(voter.id, budget.id, {budget.projects[0].id: 1}, utcnow())
    results.close_voting(make_user("staff"), budget, utcnow())
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError, match="the vote is closed"):
        with db.session.begin_nested():  # even past the service's own check of the window
            db.session.execute(sa.insert(SealedBallot).values(budget_id=budget.id, voter_key="0" * 64,
                                                              sealed=b"x"))


def test_closing_counts_every_sealed_ballot_once_and_keeps_no_sealed_row(ctx, db, make_budget, make_voter,
                                                                         make_user):
    from civic.core.audit import AuditEntry

    budget = make_budget(ballot_kind="ranked", max_ranks=3)
    a, b, c, _d = [p.id for p in budget.projects]
    voting.cast_ballot(make_voter().id, budget.id, {a: 1, b: 2}, utcnow())
    voting.cast_ballot(make_voter().id, budget.id, {c: 1}, utcnow())
    staff = make_user("staff")
    results.close_voting(staff, budget, utcnow())
    db.session.commit()
    assert _count(db, SealedBallot, budget_id=budget.id) == 0 and _count(db, Ballot, budget_id=budget.id) == 2
    ranked = sorted(ballot.projects for ballot in results.load_ballots(budget))
    assert ranked == sorted([(str(a), str(b)), (str(c),)])  # in rank order, each once
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "budget.closed")).one()
    assert (entry.actor_id, entry.subject_id, entry.details) == (staff.id, budget.id, {"counted": 2})


def test_closing_refuses_when_a_sealed_ballot_is_missing(ctx, db, make_budget, make_voter, make_user):
    budget = make_budget()
    voting.cast_ballot(make_voter().id, budget.id, {budget.projects[0].id: 1}, utcnow())
    db.session.execute(sa.delete(SealedBallot).where(SealedBallot.budget_id == budget.id))
    with pytest.raises(DomainError, match="does not match the number of voters"):
        results.close_voting(make_user("staff"), budget, utcnow())


def test_staff_actions_on_budgets_are_on_the_audit_trail(ctx, db, make_budget, make_voter, make_user):
    from civic.core.audit import AuditEntry

    budget = make_budget()  # one budget saved and four projects, by the factory's staff member
    staff = make_user("staff")
    eligibility.import_list(staff, b"document_number,district\nAUD-1,\nAUD-2,Atlantis\n", utcnow())
    voting.cast_ballot(make_voter().id, budget.id, {budget.projects[0].id: 1}, utcnow())
    results.close_voting(staff, budget, utcnow())
    results.publish(staff, budget, utcnow())
    db.session.commit()
    actions = [a for (a,) in db.session.execute(sa.select(AuditEntry.action).order_by(AuditEntry.id))]
    assert actions == ["budget.saved", *["project.saved"] * 4, "eligibility.imported", "budget.closed",
                       "budget.published"]
    imported = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "eligibility.imported")).one()
    assert imported.details == {"added": 1, "updated": 0, "rejected": 1} and imported.actor_id == staff.id
