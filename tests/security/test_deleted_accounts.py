"""A document's earlier ballots stay with the document, not with whoever verifies with it next.

Reproduces finding 4: after an account was deleted, whoever verified with the same document number
saw the old ballot pre-ticked, its receipt, age band and gender, and could change it; the same for a
person verified at a desk who has no account. Now the new account learns only that the document
has voted in that budget.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from civic.accounts.models import User
from civic.budgets import eligibility, voting
from civic.budgets.models import EligibleDocument, Participation
from civic.core.db import utcnow
from tests.conftest import TEST_PASSWORD


def _vote_then_delete(client, db, login_as, make_budget, make_voter):
    budget = make_budget()
    a, b, *_ = [p.id for p in budget.projects]
    first = login_as()
    voter = make_voter(user=first)
    client.submit(f"/budgets/{budget.id}/ballot", {"projects": [str(a), str(b)], "age_band": "65+",
                                                   "gender": "woman", "action": "vote"})
    receipt = db.session.scalars(sa.select(Participation.receipt)).one()
    response = client.submit("/account/delete", {"password": TEST_PASSWORD})
    assert response.status_code in (302, 303)
    return budget, voter.document_number, receipt


def _assert_sees_only_that_it_voted(client, budget, receipt):
    a = budget.projects[0].id
    page = client.get(f"/budgets/{budget.id}").get_data(as_text=True)
    assert "A ballot was already cast with your document in this budget" in page
    assert receipt not in page
    ballot_page = client.get(f"/budgets/{budget.id}/ballot").get_data(as_text=True)
    assert receipt not in ballot_page and "checked" not in ballot_page and "65+\" selected" not in ballot_page
    response = client.submit(f"/budgets/{budget.id}/ballot", {"projects": [str(a)], "action": "vote"})
    assert response.status_code == 403
    assert client.get(f"/budgets/{budget.id}/voted").status_code in (302, 303)
    download = client.get("/account/data.json").get_data(as_text=True)
    assert receipt not in download and "65+" not in download and "woman" not in download


def test_a_new_account_with_a_deleted_accounts_document_sees_only_that_it_voted(app, client, db, login_as,
                                                                                make_budget, make_voter):
    budget, number, receipt = _vote_then_delete(client, db, login_as, make_budget, make_voter)
    newcomer = login_as()
    response = client.submit("/budgets/verify", {"document_number": number})
    assert response.status_code in (302, 303)
    _assert_sees_only_that_it_voted(client, budget, receipt)
    with app.test_request_context():  # the ballot is still there, as it was cast
        voter = eligibility.voter_for(db.session.get(User, newcomer.id))
        assert set(voting.choices_of(budget, voter)) == {p.id for p in budget.projects[:2]}


def test_someone_who_knows_a_desk_voters_number_cannot_read_or_change_their_ballot(app, client, db, login_as,
                                                                                  make_budget, make_user):
    budget = make_budget()
    a, b, *_ = [p.id for p in budget.projects]
    with app.test_request_context():
        staff = make_user("staff")
        db.session.add(EligibleDocument(document_hash=eligibility.document_hash("DESK-1"), imported_at=utcnow()))
        voter = eligibility.verify_in_person(staff, "DESK-1", None, utcnow())
        db.session.commit()
        participation = voting.cast_ballot(voter.id, budget.id, {a: 1, b: 1}, utcnow(),
                                           voting.Cast(channel="desk", entered_by=staff))
        receipt = participation.receipt
    login_as()
    client.submit("/budgets/verify", {"document_number": "DESK-1"})
    _assert_sees_only_that_it_voted(client, budget, receipt)


def test_the_new_account_votes_in_other_budgets_as_usual(client, db, login_as, make_budget, make_voter):
    budget, number, _receipt = _vote_then_delete(client, db, login_as, make_budget, make_voter)
    other = make_budget()
    login_as()
    client.submit("/budgets/verify", {"document_number": number})
    response = client.submit(f"/budgets/{other.id}/ballot", {"projects": [str(other.projects[0].id)],
                                                             "action": "vote"})
    assert response.status_code == 303
    confirmation = client.get(f"/budgets/{other.id}/voted").get_data(as_text=True)
    assert re.search(r'class="receipt">[A-Z2-9-]{14}<', confirmation)


def test_staff_who_see_the_document_hand_its_earlier_ballots_to_the_account(app, client, db, login_as,
                                                                            make_budget, make_voter, make_user):
    from civic.core.audit import AuditEntry

    budget, number, receipt = _vote_then_delete(client, db, login_as, make_budget, make_voter)
    holder = login_as()
    client.submit("/budgets/verify", {"document_number": number})
    with app.test_request_context():
        staff = make_user("staff")
        eligibility.verify_in_person(staff, number, None, utcnow(), user=db.session.get(User, holder.id))
        db.session.commit()
    page = client.get(f"/budgets/{budget.id}").get_data(as_text=True)
    assert receipt in page and "A ballot was already cast with your document" not in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "voter.earlier_ballots_handed_over")) == 1
