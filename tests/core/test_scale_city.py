"""The city at scale (civic/scale.py, bench/city.py): a small one, built into a database of its own
on each backend, keeps every invariant: counts, unique supports, proposal counters, comment threads,
sealed ballots that open, one shared password, and a published election that a recount reproduces."""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import replace

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from civic import create_app, scale
from civic.accounts import passwords
from civic.accounts.models import User
from civic.budgets import counting, pabulib, results, sealing, voting
from civic.budgets.models import Budget, EligibleDocument, Participation, SealedBallot, Voter
from civic.comments.models import Comment
from civic.config import for_tests
from civic.core.db import utcnow
from civic.demo import load_demo
from civic.extensions import db
from civic.proposals.models import Proposal, Support
from tests.conftest import BACKENDS, CivicClient, separate_database

PASSWORD = "scale-test-passphrase-7"
SIZES = replace(scale.SMALL, accounts=600, proposals=120, supports=1_200, comments=300, busiest=30, cast=40)
PABULIB_DIR = os.environ.get("CIVIC_PABULIB_DIR")


@pytest.fixture(scope="module", params=BACKENDS)
def city(request, tmp_path_factory):
    url = separate_database(request.param, tmp_path_factory.mktemp("scale"), "scale_city")
    app = create_app(for_tests(url))
    with app.test_request_context():
        upgrade()
        load_demo(PASSWORD)
        db.session.commit()
        before = {model: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                  for model in (User, Proposal, Support, Comment)}
        report = scale.build_city(SIZES, PASSWORD, seed=11, pabulib_dir=PABULIB_DIR, echo=lambda line: None)
        db.session.remove()
    yield app, report, before
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_counts(city):
    app, report, before = city
    with app.app_context():
        assert _count(User, User.email.like(f"%@{scale.EMAIL_DOMAIN}")) == SIZES.accounts
        assert _count(User) == before[User] + SIZES.accounts
        assert _count(Proposal) == before[Proposal] + SIZES.proposals
        assert _count(Support) == before[Support] + SIZES.supports
        assert _count(Comment) == before[Comment] + SIZES.comments
        assert _count(Voter, Voter.user_id.is_not(None)) >= SIZES.verified_count
        assert db.session.scalar(sa.select(User.email).where(User.id == db.session.scalar(
            sa.select(sa.func.min(User.id)).where(User.email.like(f"%@{scale.EMAIL_DOMAIN}"))))) == \
            scale.email_of(1, SIZES.accounts)
        steps = [name for name, _seconds, _what in report.steps]
        assert steps[:5] == ["accounts", "eligibility, voters", "proposals (in memory)", "threads, supports",
                             "comments"]


def test_supports_are_unique_and_counters_match(city):
    app, _report, _before = city
    with app.app_context():
        pairs = db.session.execute(sa.select(sa.func.count()).select_from(
            sa.select(Support.proposal_id, Support.user_id).distinct().subquery())).scalar()
        assert pairs == _count(Support)
        counted = sa.select(Support.proposal_id, sa.func.count().label("n")).group_by(Support.proposal_id).subquery()
        wrong = db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)
                                  .outerjoin(counted, counted.c.proposal_id == Proposal.id)
                                  .where(Proposal.support_count != sa.func.coalesce(counted.c.n, 0)))
        assert wrong == 0
        closed = _count(Support, Support.proposal_id.in_(
            sa.select(Proposal.id).where(Proposal.status.in_(("rejected", "withdrawn", "merged")))))
        assert closed == 0


def test_comments_are_threaded_within_their_thread(city):
    app, report, _before = city
    with app.app_context():
        parent = sa.orm.aliased(Comment)
        replies = sa.select(sa.func.count()).select_from(Comment).join(parent, Comment.parent_id == parent.id)
        assert db.session.scalar(replies) > 0
        assert db.session.scalar(replies.where(parent.thread_id != Comment.thread_id)) == 0
        assert db.session.scalar(replies.where(parent.parent_id.is_not(None))) == 0  # one level, as the UI
        assert db.session.scalar(replies.where(Comment.created_at < parent.created_at)) == 0
        assert _count(Comment, Comment.parent_id.is_not(None), Comment.stance.is_not(None)) == 0
        busiest = db.session.get(Proposal, report.busiest_proposal_id)
        per_thread = sa.select(sa.func.count()).select_from(Comment).group_by(Comment.thread_id)
        assert _count(Comment, Comment.thread_id == busiest.thread_id) == SIZES.busiest
        assert max(db.session.scalars(per_thread.where(Comment.thread_id.in_(sa.select(Proposal.thread_id))))) \
            == SIZES.busiest


def test_accounts_share_one_password_and_voters_are_listed(city):
    app, _report, _before = city
    with app.app_context():
        hashes = set(db.session.scalars(sa.select(User.password_hash).where(User.email.like(f"%@{scale.EMAIL_DOMAIN}"))))
        assert len(hashes) == 1 and passwords.verify_password(hashes.pop(), PASSWORD)
        from civic.budgets.eligibility import document_hash

        first = db.session.scalars(sa.select(User).where(User.email == scale.email_of(1, SIZES.accounts))).one()
        voter = db.session.scalars(sa.select(Voter).where(Voter.user_id == first.id)).one()
        assert voter.document_hash == document_hash(scale.document_of(1, SIZES.document_count))
        unlisted = _count(Voter, Voter.document_hash.not_in(sa.select(EligibleDocument.document_hash)))
        assert unlisted == 0


def test_open_vote_ballots_open_and_a_new_voter_can_vote(city):
    app, report, _before = city
    with app.test_request_context():
        budget = db.session.get(Budget, report.open_budget_id)
        assert len(budget.projects) == SIZES.projects and voting.state(budget, utcnow()) == "open"
        voter_ids = db.session.scalars(sa.select(Participation.voter_id)
                                       .where(Participation.budget_id == budget.id)).all()
        assert len(voter_ids) == SIZES.cast_count == _count(SealedBallot, SealedBallot.budget_id == budget.id)
        sealed = dict(db.session.execute(sa.select(SealedBallot.voter_key, SealedBallot.sealed)
                                         .where(SealedBallot.budget_id == budget.id)).all())
        for voter_id in voter_ids:
            key = voting.voter_key(voter_id, budget.id)
            assert 1 <= len(sealing.unseal(sealing.ballot_context(budget.id, key), sealed[key])) <= 5
        # Account 1 has not voted: it votes now through the real service (ids and sequences are in step).
        first = db.session.scalars(sa.select(User).where(User.email == scale.email_of(1, SIZES.accounts))).one()
        voter = db.session.scalars(sa.select(Voter).where(Voter.user_id == first.id)).one()
        voting.cast_ballot(voter.id, budget.id, {budget.projects[0].id: 1}, utcnow())
        db.session.add(User(email="after-scale@example.org", display_name="After", created_at=utcnow()))
        db.session.commit()
        db.session.remove()


def test_busiest_proposal_page_and_sign_in(city):
    app, report, _before = city
    app.test_client_class = CivicClient
    client = app.test_client()
    page = client.get(f"/proposals/{report.busiest_proposal_id}")
    assert page.status_code == 200
    signed_in = client.submit("/account/sign-in", {"email": scale.email_of(2, SIZES.accounts), "password": PASSWORD})
    assert signed_in.status_code in (302, 303), signed_in.get_data(as_text=True)[:500]


def test_published_election_equals_a_recount(city):
    app, report, _before = city
    if report.election_budget_id is None:
        pytest.skip(f"the election was {report.election_skipped}")
    with app.app_context():
        budget = db.session.get(Budget, report.election_budget_id)
        publication = budget.publication
        assert publication is not None and budget.source_meta is not None
        assert results.as_json(results.count(budget))["projects"] == publication.results["projects"]
        text = publication.ballots_file
        assert hashlib.sha256(text.encode("utf-8")).hexdigest() == publication.ballots_sha256
        published = pabulib.read(io.StringIO(text))
        cumulative = budget.ballot_kind == "cumulative"
        recount = counting.tally([(p.project_id, p.cost) for p in published.projects],
                                 [counting.Ballot(tuple(b.vote), tuple(b.points) if cumulative else None)
                                  for b in published.ballots],
                                 vote_type=published.meta.get("vote_type", "approval"), budget=budget.amount,
                                 rule=publication.rule, threshold=budget.threshold)
        assert [(p.project_id, p.votes, p.selected) for p in recount.projects] == \
            [(p["project_id"], p["votes"], p["selected"]) for p in publication.results["projects"]]
        assert publication.voters == len(published.ballots)


def test_civic_demo_scale_builds_the_small_city(tmp_path):
    from civic.cli import main

    app = create_app(for_tests(f"sqlite:///{tmp_path / 'cli.db'}"))
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(main, ["demo", "--scale", "small", "--password", PASSWORD],
                                          catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert scale.email_of(1, scale.SMALL.accounts) in result.output and "Open vote:" in result.output
    again = app.test_cli_runner().invoke(main, ["demo", "--scale", "--password", PASSWORD])
    assert again.exit_code != 0 and "already holds the city at scale" in again.output
    with app.app_context():
        assert _count(Proposal) > scale.SMALL.proposals
        db.session.remove()
        db.engine.dispose()
