"""The demo city's budgets: one open vote per ballot kind, last year's published results, a list."""

from __future__ import annotations

import hashlib
import io

import sqlalchemy as sa

from civic.budgets import counting, pabulib, voting
from civic.budgets.models import Budget, EligibleDocument
from civic.core.db import utcnow
from civic.demo import load_demo


def test_demo_budgets(app, client, db):
    with app.app_context():
        load_demo("demo-passphrase-9")
        db.session.commit()
        load_demo("demo-passphrase-9")  # idempotent
        db.session.commit()
    budgets = db.session.scalars(sa.select(Budget).order_by(Budget.id)).all()
    now = utcnow()
    open_kinds = {b.ballot_kind for b in budgets if voting.state(b, now) == "open"}
    assert open_kinds == {"approval", "knapsack", "choose_one", "cumulative", "ranked"}
    # This year's list (RF-0001 .. RF-0040) and last year's 64 voters, verified in person from it.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EligibleDocument)) == 40 + 64
    published = [b for b in budgets if b.publication is not None]
    assert len(published) == 1 and published[0].publication.voters == 64
    publication = published[0].publication
    assert hashlib.sha256(publication.ballots_file.encode()).hexdigest() == publication.ballots_sha256
    # The published ballots recount to the published result.
    election = pabulib.read(io.StringIO(publication.ballots_file))
    recount = counting.tally([(p.project_id, p.cost) for p in election.projects],
                             [counting.Ballot(tuple(b.vote), tuple(b.points)) for b in election.ballots],
                             vote_type=election.meta["vote_type"], budget=int(election.meta["budget"]),
                             rule=election.meta["rule"])
    assert [(p.project_id, p.score, p.selected) for p in recount.projects] == [
        (p["project_id"], p["score"], p["selected"]) for p in publication.results["projects"]]
    page = client.get(f"/budgets/{published[0].id}/results").get_data(as_text=True)
    assert "64 people voted" in page and publication.ballots_sha256 in page
    home = client.get("/").get_data(as_text=True)
    assert "Vote now" in home and "City-wide projects 2026" in home
