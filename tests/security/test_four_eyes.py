"""Finding 3: one staff member could create a voter and vote for it, and nobody saw who entered what.

A document that is not on the eligibility list now needs a second staff member (or is refused);
paper ballots are entered twice, blind; assisted ballots and in-person verifications are listed by
channel, staff member and day; published results count ballots by channel.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from civic.accounts.models import User
from civic.budgets import eligibility, entry, foureyes, results, voting
from civic.budgets.models import (Budget, EligibleDocument, PaperBallot, PaperEntry, Participation,
                                  VerificationRequest, Voter)
from civic.core.audit import AuditEntry
from civic.core.db import utcnow
from civic.core.errors import DomainError


def _count(db, model, **where) -> int:
    query = sa.select(sa.func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def _assisted(client, budget, document, channel="desk", **extra):
    data = {"document_number": document, "channel": channel, "projects": [str(budget.projects[0].id)],
            "action": "vote", **extra}
    return client.submit(f"/staff/budgets/{budget.id}/assisted", data)


def _listed(db, number: str, district_id=None) -> None:
    db.session.add(EligibleDocument(document_hash=eligibility.document_hash(number), district_id=district_id,
                                    imported_at=utcnow()))
    db.session.commit()


def test_one_staff_member_cannot_verify_an_off_list_document_and_vote_for_it(app, client, db, login_as,
                                                                             make_budget):
    budget = make_budget()
    first = login_as("staff")
    refused = _assisted(client, budget, "OFF-LIST-1")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "A second staff member must check the document and approve it" in page
    assert 'value="OFF-LIST-1"' in page  # what was typed is kept
    assert _count(db, Participation, budget_id=budget.id) == 0 and _count(db, Voter) == 0
    # Not through the voters page either, and not by asking twice.
    client.submit("/staff/voters/", {"form": "person", "person-document_number": "OFF-LIST-1", "person-district": ""})
    assert _assisted(client, budget, "off list 1").status_code == 422
    assert _count(db, Voter) == 0
    waiting = db.session.scalars(sa.select(VerificationRequest)).one()
    assert waiting.status == "pending" and waiting.requested_by_id == first.id
    assert "OFF" not in waiting.document_hash  # only the keyed hash
    # The requester cannot approve their own request.
    own = client.submit(f"/staff/voters/requests/{waiting.id}", {"form": "approve",
                                                                 "approve-document_number": "OFF-LIST-1"})
    assert own.status_code == 422 and _count(db, Voter) == 0
    assert _assisted(client, budget, "OFF-LIST-1").status_code == 422

    # A colleague who types a different number does not approve it; the right number does.
    second = login_as("staff")
    wrong = client.submit(f"/staff/voters/requests/{waiting.id}", {"form": "approve",
                                                                   "approve-document_number": "OFF-LIST-2"})
    assert wrong.status_code == 422 and _count(db, Voter) == 0
    approved = client.submit(f"/staff/voters/requests/{waiting.id}", {"form": "approve",
                                                                      "approve-document_number": "off-list 1"})
    assert approved.status_code == 303
    voter = db.session.scalars(sa.select(Voter)).one()
    assert (voter.method, voter.verified_by_id) == ("in_person", first.id)
    db.session.expire_all()
    decided = db.session.get(VerificationRequest, waiting.id)
    assert (decided.status, decided.decided_by_id, decided.voter_id) == ("approved", second.id, voter.id)
    # Now a ballot can be entered.
    assert _assisted(client, budget, "OFF-LIST-1").status_code == 303
    assert db.session.scalars(sa.select(Participation.entered_by_id)).one() == second.id
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"voter.verification_requested", "voter.verification_approved", "ballot.entered_assisted"} <= actions


def test_the_database_refuses_an_approval_by_the_requester_and_an_unvouched_voter(ctx, db, make_user):
    staff, colleague = make_user("staff"), make_user("staff")
    digest = eligibility.document_hash("DB-ONLY-1")
    request = VerificationRequest(document_hash=digest, requested_by_id=staff.id, requested_at=utcnow())
    db.session.add(request)
    db.session.commit()
    with pytest.raises(DomainError):
        foureyes.approve(staff, request, "DB-ONLY-1", utcnow())
    db.session.rollback()
    for decider, status in ((staff, "approved"), (staff, "refused"), (colleague, "withdrawn")):
        with pytest.raises(IntegrityError):
            with db.session.begin_nested():
                db.session.execute(sa.update(VerificationRequest).where(VerificationRequest.id == request.id)
                                   .values(status=status, decided_by_id=decider.id, decided_at=utcnow()))
    # Bypassing the service: an in-person voter whose document is neither listed nor approved.
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(Voter(document_hash=digest, method="in_person", verified_by_id=staff.id,
                                 verified_at=utcnow()))
    voter = foureyes.approve(colleague, request, "DB-ONLY-1", utcnow())
    db.session.commit()
    assert voter.method == "in_person" and request.decided_by_id == colleague.id


def test_with_the_refuse_setting_an_off_list_document_is_refused(app, ctx, db, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "OFF_LIST_VERIFICATION", "refuse")
    staff = make_user("staff")
    with pytest.raises(DomainError) as refused:
        eligibility.verify_in_person(staff, "NOT-LISTED-9", None, utcnow())
    assert refused.value.field == "document_number"
    assert _count(db, VerificationRequest) == 0 and _count(db, Voter) == 0
    _listed(db, "LISTED-9")
    assert isinstance(eligibility.verify_in_person(staff, "LISTED-9", None, utcnow()), Voter)


@pytest.fixture
def paper(ctx, db, make_budget, make_user, make_voter):
    budget = make_budget()
    a, b, c = make_user("staff"), make_user("staff"), make_user("staff")
    voter = make_voter()
    return budget, voter, (a, b, c), [project.id for project in budget.projects]


def test_matching_paper_entries_cast_one_ballot(db, paper):
    budget, voter, (a, b, _c), projects = paper
    first = entry.enter_paper(a, budget, voter, {projects[0]: 1, projects[2]: 1}, utcnow())
    assert first.status == "waiting" and _count(db, Participation, budget_id=budget.id) == 0
    # The same person entering it again is not a second pair of eyes.
    assert entry.enter_paper(a, budget, voter, {projects[0]: 1, projects[2]: 1}, utcnow()).status == "waiting"
    assert _count(db, Participation, budget_id=budget.id) == 0
    second = entry.enter_paper(b, budget, voter, {projects[2]: 1, projects[0]: 1}, utcnow())
    assert second.status == "cast" and not second.reconciled
    participation = db.session.scalars(sa.select(Participation).where(Participation.budget_id == budget.id)).one()
    assert (participation.channel, participation.entered_by_id) == ("paper", b.id)
    assert voting.choices_of(budget, voter) == {projects[0]: 1, projects[2]: 1}
    assert _count(db, PaperBallot) == 0 and _count(db, PaperEntry) == 0
    trail = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "ballot.paper_entry",
                                                           AuditEntry.subject_type == "participation")).one()
    assert trail.details["entered_by"] == sorted([a.id, b.id]) and trail.details["agreed_with"] == a.id


def test_a_paper_mismatch_casts_nothing_until_reconciled(db, paper):
    budget, voter, (a, b, c), projects = paper
    entry.enter_paper(a, budget, voter, {projects[0]: 1}, utcnow())
    assert entry.enter_paper(b, budget, voter, {projects[1]: 1}, utcnow()).status == "mismatch"
    assert _count(db, Participation, budget_id=budget.id) == 0
    assert [item.mismatch for item in entry.pending_paper(budget)] == [True]
    # A third reading that agrees with neither is not enough either.
    assert entry.enter_paper(c, budget, voter, {projects[2]: 1}, utcnow()).status == "mismatch"
    assert _count(db, Participation, budget_id=budget.id) == 0
    # A reads the paper again: it says what B read.
    outcome = entry.enter_paper(a, budget, voter, {projects[1]: 1}, utcnow())
    assert outcome.status == "cast" and outcome.reconciled
    assert voting.choices_of(budget, voter) == {projects[1]: 1}
    assert _count(db, PaperEntry) == 0
    assert _count(db, AuditEntry, action="ballot.paper_reconciled") == 1


def test_pending_paper_entries_hold_no_readable_choices(db, paper):
    budget, voter, (a, _b, _c), projects = paper
    entry.enter_paper(a, budget, voter, {projects[0]: 1, projects[3]: 1}, utcnow())
    rows = db.session.execute(sa.text("SELECT * FROM paper_entry")).mappings().all()
    assert len(rows) == 1
    row = dict(rows[0])
    assert set(row) == {"id", "paper_ballot_id", "entered_by_id", "entered_at", "sealed"}
    sealed = bytes(row["sealed"])
    for project_id in projects:
        assert f"[{project_id},1]".encode() not in sealed and f'"{project_id}"'.encode() not in sealed
    paper_columns = set(dict(db.session.execute(sa.text("SELECT * FROM paper_ballot")).mappings().one()))
    assert paper_columns == {"id", "budget_id", "voter_id", "opened_at"}
    # The same size whatever was chosen: the padding hides how many projects were picked.
    entry.enter_paper(a, budget, voter, {projects[1]: 1}, utcnow())
    assert len(bytes(db.session.scalar(sa.text("SELECT sealed FROM paper_entry")))) == len(sealed)


def test_published_results_carry_channel_counts_and_the_page_shows_them(app, client, db, login_as, make_budget,
                                                                         make_user, make_voter):
    budget = make_budget()
    budget_id, project = budget.id, budget.projects[0].id
    staff_ids = [make_user("staff").id, make_user("staff").id]
    with app.test_request_context():
        staff = [db.session.get(User, staff_id) for staff_id in staff_ids]
        for _number in range(3):
            voting.cast_ballot(make_voter().id, budget_id, {project: 1}, utcnow())
        for channel in ("desk", "desk", "phone"):
            voting.cast_ballot(make_voter().id, budget_id, {project: 1}, utcnow(),
                               voting.Cast(channel=channel, entered_by=staff[0]))
        on_paper = make_voter()
        for person in staff:
            entry.enter_paper(person, db.session.get(Budget, budget_id), on_paper, {project: 1}, utcnow())
    login_as("staff")
    close = client.get(f"/staff/budgets/{budget_id}/close")
    assert close.status_code == 200 and "paper ballot has not been counted" not in close.get_data(as_text=True)
    assert client.submit(f"/staff/budgets/{budget_id}/close", {"confirm": "y"}).status_code == 303
    assert client.submit(f"/staff/budgets/{budget_id}/publish", {"confirm": "y"}).status_code == 303
    db.session.expire_all()
    publication = db.session.get(Budget, budget_id).publication
    assert publication.results["channels"] == {"online": 3, "desk": 2, "paper": 1, "phone": 1}
    assert publication.results["unresolved_paper"] == 0
    public = app.test_client()
    page = public.get(f"/budgets/{budget_id}/results").get_data(as_text=True)
    for sentence in ("3 ballots online", "1 ballot on paper", "2 ballots at a service desk", "1 ballot by phone"):
        assert sentence in page
    api = public.get(f"/api/v1/budgets/{budget_id}").get_json()
    assert api["results"]["channels"] == {"online": 3, "desk": 2, "paper": 1, "phone": 1}


def test_the_close_page_warns_of_paper_ballots_not_counted(app, client, db, login_as, make_budget, make_voter):
    budget = make_budget()
    budget_id, project = budget.id, budget.projects[0].id
    staff_id = login_as("staff").id
    with app.test_request_context():
        entry.enter_paper(db.session.get(User, staff_id), db.session.get(Budget, budget_id), make_voter(),
                          {project: 1}, utcnow())
    page = client.get(f"/staff/budgets/{budget_id}/close").get_data(as_text=True)
    assert "1 paper ballot has not been counted yet" in page


def test_the_staff_page_lists_entries_by_channel_staff_and_day(app, client, db, login_as, make_budget, make_user,
                                                               make_voter):
    budget = make_budget()
    budget_id, project = budget.id, budget.projects[0].id
    desk_id = make_user("staff", display_name="Desk Clerk").id
    phone_id = make_user("staff", display_name="Phone Clerk").id
    yesterday = utcnow() - timedelta(days=1)
    with app.test_request_context():
        desk_clerk, phone_clerk = db.session.get(User, desk_id), db.session.get(User, phone_id)
        for person, channel, when in ((desk_clerk, "desk", utcnow()), (desk_clerk, "desk", utcnow()),
                                      (phone_clerk, "phone", yesterday)):
            voting.cast_ballot(make_voter().id, budget_id, {project: 1}, when,
                               voting.Cast(channel=channel, entered_by=person))
        voting.cast_ballot(make_voter().id, budget_id, {project: 1}, utcnow())
    login_as("staff")
    page = client.get(f"/staff/budgets/{budget_id}/channels").get_data(as_text=True)
    assert "Desk Clerk" in page and "Phone Clerk" in page
    assert "3 entries found." in page  # the online ballot was not entered by staff
    groups = page.split('id="groups-caption"')[1].split("</table>")[0]
    assert groups.count("<tr>") == 3  # header, (today, desk, Desk Clerk): 2, (yesterday, phone, Phone Clerk): 1
    assert "<td>2</td>" in groups and "<td>1</td>" in groups
    phone = client.get(f"/staff/budgets/{budget_id}/channels?channel=phone").get_data(as_text=True)
    assert "1 entry found." in phone and "<td><bdi>Desk Clerk</bdi></td>" not in phone
    by_staff = client.get(f"/staff/budgets/{budget_id}/channels?staff={desk_id}").get_data(as_text=True)
    assert "2 entries found." in by_staff
    day = client.get(f"/staff/budgets/{budget_id}/channels?day={yesterday.date().isoformat()}")
    assert "1 entry found." in day.get_data(as_text=True)
    # Verifications: by whom, and who approved the one that is not on the list.
    with app.test_request_context():
        _listed(db, "REC-1")
        clerk = db.session.get(User, desk_id)
        eligibility.verify_in_person(clerk, "REC-1", None, utcnow())
        waiting = eligibility.verify_in_person(clerk, "REC-OFF", None, utcnow())
        foureyes.approve(db.session.get(User, phone_id), waiting, "REC-OFF", utcnow())
        db.session.commit()
    record = client.get("/staff/voters/record").get_data(as_text=True)
    assert "2 entries found." in record and "Phone Clerk" in record
    assert "On the eligibility list" in record and "Not on the list, approved by a second staff member" in record


def test_staff_entry_pages_are_for_staff_only(client, db, login_as, make_budget):
    budget = make_budget()
    login_as("resident")
    for url in (f"/staff/budgets/{budget.id}/channels", "/staff/voters/record"):
        assert client.get(url).status_code == 403
    assert results.voter_count(budget) == 0
