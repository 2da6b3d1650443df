"""Budget pages through HTTP, as residents and staff use them (JavaScript off: plain forms)."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
import sqlalchemy as sa

from civic.budgets import pabulib
from civic.budgets.models import Ballot, Budget, SealedBallot, EligibleDocument, Participation, Project, ResultPublication, Voter
from civic.budgets.staff import bp as staff_bp
from civic.budgets.staff import voters_bp
from civic.budgets import eligibility
from civic.core.db import utcnow


def _count(db, model, **where):
    query = sa.select(sa.func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def test_budget_page_explains_the_rule_and_invites_to_sign_in(client, make_budget):
    budget = make_budget(ballot_kind="knapsack", amount=1_200_000)
    page = client.get(f"/budgets/{budget.id}").get_data(as_text=True)
    assert "€1,200,000" in page and "Choose projects whose total cost fits in the budget of €1,200,000." in page
    assert "Sign in to vote" in page and "Project 4" in page


def test_budget_page_query_count_does_not_grow_with_projects(client, make_budget, count_queries):
    small, large = make_budget(costs=(1, 2)), make_budget(costs=tuple(range(1, 13)))
    counts = []
    for budget in (small, large):
        with count_queries() as queries:
            assert client.get(f"/budgets/{budget.id}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_ballot_needs_sign_in_then_verification(client, login_as, make_budget):
    budget = make_budget()
    response = client.get(f"/budgets/{budget.id}/ballot")
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]
    login_as()
    page = client.get(f"/budgets/{budget.id}/ballot").get_data(as_text=True)
    assert "Verify that you can vote" in page and 'name="projects"' not in page


def test_vote_change_and_confirmation(client, db, login_as, make_budget, make_voter):
    budget = make_budget(ballot_kind="approval", max_projects=2)
    a, b, c, _d = [p.id for p in budget.projects]
    make_voter(user=login_as())
    response = client.submit(f"/budgets/{budget.id}/ballot", {"projects": [str(a), str(b)], "action": "vote"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/budgets/{budget.id}/voted")
    confirmation = client.get(f"/budgets/{budget.id}/voted").get_data(as_text=True)
    assert "Your vote is recorded" in confirmation and "you can change your ballot until" in confirmation
    receipt = re.search(r'class="receipt">([A-Z2-9-]{14})<', confirmation).group(1)
    # The change form shows the current ballot.
    form = client.get(f"/budgets/{budget.id}/ballot").get_data(as_text=True)
    assert re.search(rf'value="{a}" id="project-{a}" checked', form) and "Save my changed ballot" in form
    client.submit(f"/budgets/{budget.id}/ballot", {"projects": [str(c)], "action": "vote"})
    page = client.get(f"/budgets/{budget.id}").get_data(as_text=True)
    assert "You voted on" in page and receipt in page
    assert _count(db, Participation, budget_id=budget.id) == 1 and _count(db, SealedBallot, budget_id=budget.id) == 1


def test_a_rule_error_keeps_the_choices_and_stores_nothing(client, db, login_as, make_budget, make_voter):
    budget = make_budget(ballot_kind="knapsack", amount=600_000, costs=(300_000, 400_000))
    a, b = [p.id for p in budget.projects]
    make_voter(user=login_as())
    response = client.submit(f"/budgets/{budget.id}/ballot", {"projects": [str(a), str(b)], "action": "vote"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page and "more than the budget of €600,000" in page
    assert f'value="{a}" id="project-{a}" checked' in page and f'value="{b}" id="project-{b}" checked' in page
    assert "€100,000 over the budget of €600,000." in page  # the summary says by how much
    assert _count(db, Participation, budget_id=budget.id) == 0


def test_check_my_ballot_shows_the_summary_without_voting(client, db, login_as, make_budget, make_voter):
    budget = make_budget(ballot_kind="knapsack", amount=1_000_000, costs=(300_000, 400_000))
    make_voter(user=login_as())
    response = client.submit(f"/budgets/{budget.id}/ballot",
                             {"projects": [str(budget.projects[0].id)], "action": "check"})
    assert response.status_code == 200 and "€700,000 of €1,000,000 left." in response.get_data(as_text=True)
    assert _count(db, Participation, budget_id=budget.id) == 0


def test_live_summary_fragment(client, make_budget):
    budget = make_budget(ballot_kind="cumulative", max_points_total=10, max_points_per_project=5)
    project = budget.projects[0]
    response = client.submit(f"/budgets/{budget.id}/ballot/summary", {f"points-{project.id}": "6"},
                             headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "<html" not in body and "6 of 10 points given; 4 left." in body
    assert "you can give at most 5 points to one project" in body


def test_a_ballot_without_csrf_token_is_refused(client, db, login_as, make_budget, make_voter):
    budget = make_budget()
    make_voter(user=login_as())
    response = client.post(f"/budgets/{budget.id}/ballot", data={"projects": [str(budget.projects[0].id)],
                                                                 "action": "vote"})
    assert response.status_code in (400, 422)
    assert _count(db, Participation, budget_id=budget.id) == 0


def test_verification_by_document_number(app, client, db, login_as, make_district):
    district = make_district()
    with app.app_context():
        digest = eligibility.document_hash("XY-7781")
    db.session.add(EligibleDocument(document_hash=digest, district_id=district.id, imported_at=utcnow()))
    db.session.commit()
    user = login_as()
    wrong = client.submit("/budgets/verify", {"document_number": "XY-0000"})
    assert wrong.status_code == 422 and "not on the list of residents" in wrong.get_data(as_text=True)
    right = client.submit("/budgets/verify?next=/processes/", {"document_number": "xy 7781"})
    assert right.status_code == 303 and right.headers["Location"].endswith("/processes/")
    voter = db.session.scalars(sa.select(Voter).where(Voter.user_id == user.id)).one()
    assert voter.district_id == district.id and voter.document_hash == digest
    # Someone else with the same document is refused.
    client.post("/account/sign-out", data={"csrf_token": client.csrf_token()})
    login_as()
    again = client.submit("/budgets/verify", {"document_number": "XY7781"})
    assert "already been used to verify another account" in again.get_data(as_text=True)


def test_verification_attempts_are_limited(client, login_as):
    login_as()
    statuses = [client.submit("/budgets/verify", {"document_number": f"NOPE-{n}"}).status_code for n in range(11)]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429


def test_staff_pages_are_closed_to_residents(app, client, login_as, make_budget):
    budget = make_budget()
    login_as()
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.split(".")[0] in (staff_bp.name, voters_bp.name)]
    assert len(rules) >= 10
    for rule in rules:
        url = rule.rule.replace("<int:budget_id>", str(budget.id)).replace("<int:project_id>",
                                                                            str(budget.projects[0].id))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method, data={"csrf_token": client.csrf_token()})
            assert response.status_code == 403, (method, url)


def test_staff_run_a_vote_from_setup_to_published_results(app, client, db, login_as, make_budget, make_voter):
    from civic.processes.models import Process

    login_as("staff")
    process = Process(titles={"en": "P"}, decides={"en": "x"}, impacts={"en": "y"}, original_language="en",
                      created_at=utcnow())
    db.session.add(process)
    db.session.commit()
    created = client.submit(f"/staff/budgets/new?process={process.id}", {
        "title": "Parks 2027", "amount": "500000", "currency": "EUR", "district": "", "ballot_kind": "approval",
        "counting_rule": "greedy", "max_projects": "2"})
    assert created.status_code == 303, created.get_data(as_text=True)
    budget = db.session.scalars(sa.select(Budget).where(Budget.process_id == process.id)).one()
    for title, cost in (("Pond", "300000"), ("Trees", "150000"), ("Paths", "250000")):
        assert client.submit(f"/staff/budgets/{budget.id}/projects/new", {"title": title, "cost": cost}).status_code == 303
    window = {"title": "Parks 2027", "amount": "500000", "currency": "EUR", "district": "", "ballot_kind": "approval",
              "counting_rule": "greedy", "max_projects": "2", "opens_at": "2020-01-01T09:00",
              "closes_at": "2099-01-01T09:00"}
    assert client.submit(f"/staff/budgets/{budget.id}/edit", window).status_code == 303
    db.session.expire_all()
    pond, trees, paths = [p.id for p in budget.projects]
    # Projects can no longer change once voting is open.
    refused = client.submit(f"/staff/budgets/projects/{pond}/edit", {"title": "Pond", "cost": "1"})
    assert refused.status_code == 422 and "Voting has started" in refused.get_data(as_text=True)
    for choice in ([pond, trees], [pond], [paths, trees]):
        voter = make_voter()
        with app.test_request_context():
            from civic.budgets import voting
            voting.cast_ballot(voter.id, budget.id, {project: 1 for project in choice}, utcnow())
    # No one sees a count while voting is open, not even staff.
    assert client.get(f"/budgets/{budget.id}/results").status_code == 404
    assert client.submit(f"/staff/budgets/{budget.id}/close", {"confirm": "y"}).status_code == 303
    draft = client.get(f"/budgets/{budget.id}/results").get_data(as_text=True)
    assert "Draft count for review: not published yet" in draft  # staff review it ...
    client.post("/account/sign-out", data={"csrf_token": client.csrf_token()})
    assert client.get(f"/budgets/{budget.id}/results").status_code == 404  # ... the public cannot yet
    login_as("staff")
    assert client.submit(f"/staff/budgets/{budget.id}/publish", {"confirm": "y"}).status_code == 303
    publication = db.session.scalars(sa.select(ResultPublication).where(ResultPublication.budget_id == budget.id)).one()
    selected = {p["project_id"] for p in publication.results["projects"] if p["selected"]}
    assert selected == {str(pond), str(trees)}  # pond 2 votes, trees 2 (cheaper first), paths 1 no longer fits
    client.post("/account/sign-out", data={"csrf_token": client.csrf_token()})
    page = client.get(f"/budgets/{budget.id}/results").get_data(as_text=True)
    assert publication.ballots_sha256 in page and "3 people voted" in page and 'role="img"' in page
    download = client.get(f"/budgets/{budget.id}/ballots.pb").get_data()
    assert hashlib.sha256(download).hexdigest() == publication.ballots_sha256
    # Anyone can recount from the published file alone.
    from civic.budgets import counting

    election = pabulib.read(__import__("io").StringIO(download.decode()))
    recount = counting.tally([(p.project_id, p.cost) for p in election.projects],
                             [counting.Ballot(tuple(b.vote)) for b in election.ballots], vote_type="approval",
                             budget=int(election.meta["budget"]), rule=election.meta["rule"])
    assert {p.project_id for p in recount.projects if p.selected} == selected


def test_staff_create_projects_from_accepted_proposals_in_one_step(client, db, login_as, make_budget, make_user):
    from civic.comments.models import CommentThread
    from civic.proposals.models import Proposal

    budget = make_budget(window=None, costs=())
    author = make_user()
    proposals = []
    for title, status in (("Skate park", "accepted"), ("Library", "accepted"), ("Casino", "rejected")):
        proposal = Proposal(process_id=budget.process_id, author=author, title=title, body="<p>Please</p>",
                            language="en", status=status, status_reason="No" if status == "rejected" else "",
                            thread=CommentThread(kind="proposal", created_at=utcnow()), created_at=utcnow(),
                            updated_at=utcnow())
        db.session.add(proposal)
        proposals.append(proposal)
    db.session.commit()
    skate, library, casino = [p.id for p in proposals]
    login_as("staff")
    page = client.get(f"/staff/budgets/{budget.id}/from-proposals").get_data(as_text=True)
    assert "Skate park" in page and "Casino" not in page
    missing = client.submit(f"/staff/budgets/{budget.id}/from-proposals", {f"use-{skate}": "y"})
    assert missing.status_code == 422 and "Enter a cost for “Skate park”" in missing.get_data(as_text=True)
    done = client.submit(f"/staff/budgets/{budget.id}/from-proposals", {
        f"use-{skate}": "y", f"cost-{skate}": "90000", f"use-{library}": "y", f"cost-{library}": "40000"})
    assert done.status_code == 303
    project = db.session.scalars(sa.select(Project).where(Project.budget_id == budget.id, Project.cost == 90000)).one()
    assert project.titles == {"en": "Skate park"} and [p.id for p in project.proposals] == [skate]
    # Shown both ways.
    assert "Skate park" in client.get(f"/budgets/projects/{project.id}").get_data(as_text=True)
    assert "It became a project" in client.get(f"/proposals/{skate}").get_data(as_text=True)


def test_staff_enter_a_phone_ballot(app, client, db, login_as, make_budget):
    budget = make_budget()
    login_as("staff")
    with app.app_context():  # on the eligibility list: one staff member may verify it
        db.session.add(EligibleDocument(document_hash=eligibility.document_hash("PH-1"), imported_at=utcnow()))
        db.session.commit()
    data = {"document_number": "PH-1", "channel": "phone", "projects": [str(budget.projects[0].id)],
            "action": "vote"}
    response = client.submit(f"/staff/budgets/{budget.id}/assisted", data)
    assert response.status_code == 303
    flashed = client.get(f"/staff/budgets/{budget.id}/assisted").get_data(as_text=True)
    assert re.search(r"Read this receipt to the resident: [A-Z2-9]{4}-", flashed)
    again = client.submit(f"/staff/budgets/{budget.id}/assisted", data)
    assert again.status_code == 422 and "already voted" in again.get_data(as_text=True)
    assert client.submit(f"/staff/budgets/{budget.id}/assisted", {**data, "replace": "y"}).status_code == 303
    participation = db.session.scalars(sa.select(Participation).where(Participation.budget_id == budget.id)).one()
    assert participation.channel == "phone"


def test_eligibility_list_import_reports_bad_rows_and_keeps_good_ones(client, db, login_as, make_district):
    district = make_district("north", en="North")
    login_as("staff")
    csv = "document_number,district\nAA-1,north\nAA-2,Atlantis\n,north\nAA-1,north\nAA-3,\n".encode()
    import io

    response = client.submit("/staff/voters/", {"form": "list", "list-file": (io.BytesIO(csv), "list.csv")},
                             content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert "Added: 2. Changed district: 0. Rejected: 3." in page
    assert "Line 3: Unknown district: Atlantis." in page and "Line 4: The document number is empty." in page
    assert "Line 5: This document number is already on an earlier line." in page
    stored = list(db.session.execute(sa.select(EligibleDocument.document_hash, EligibleDocument.district_id)))
    assert len(stored) == 2 and {row.district_id for row in stored} == {district.id, None}
    assert all("AA" not in digest for digest, _ in stored)  # only keyed hashes are kept


@pytest.mark.parametrize("voters", [9, 10])
def test_representativeness_hides_groups_under_ten(app, db, make_budget, make_voter, voters):
    from civic.budgets import results, voting

    budget = make_budget()
    for _ in range(voters):
        voter = make_voter()
        with app.test_request_context():
            voting.cast_ballot(voter.id, budget.id, {budget.projects[0].id: 1}, utcnow(),
                               voting.Cast(age_band="25-34"))
    with app.test_request_context():
        report = results.representativeness(db.session.get(Budget, budget.id))
    assert dict(report["age_band"])["25-34"] == (None if voters < 10 else 10)


def test_api_lists_budgets_with_projects_and_published_results(app, client, db, make_budget, make_voter, make_user):
    from civic.budgets import results, voting

    budget = make_budget()
    voter = make_voter(user=make_user(email="voter-secret@example.org"))
    with app.test_request_context():
        voting.cast_ballot(voter.id, budget.id, {budget.projects[0].id: 1}, utcnow())
        staff = make_user("staff")
        results.close_voting(staff, db.session.get(Budget, budget.id), utcnow())
        results.publish(staff, db.session.get(Budget, budget.id), utcnow())
        db.session.commit()
    listing = client.get("/api/v1/budgets").get_json()["budgets"]
    record = next(item for item in listing if item["id"] == budget.id)
    assert record["state"] == "published" and record["results"]["voters"] == 1
    assert record["projects"][0]["votes"] == 1 and record["projects"][0]["selected"] is True
    assert client.get(f"/api/v1/budgets/{budget.id}").get_json()["id"] == budget.id
    raw = client.get("/api/v1/budgets").get_data(as_text=True)
    assert "voter-secret" not in raw and "receipt" not in raw


def test_download_my_data_has_participation_but_not_ballot_contents(app, client, db, login_as, make_budget,
                                                                  make_voter):
    from civic.budgets import voting

    budget = make_budget()
    user = login_as()
    voter = make_voter(user=user)
    with app.test_request_context():
        participation = voting.cast_ballot(voter.id, budget.id, {budget.projects[2].id: 1}, utcnow())
        receipt = participation.receipt
    voting_data = json.loads(client.get("/account/data.json").get_data(as_text=True))["voting"]
    assert voting_data["participations"][0]["receipt"] == receipt
    assert set(voting_data["participations"][0]) == {"budget_id", "first_voted_at", "changed_at", "channel",
                                                     "receipt", "age_band", "gender"}  # no choices


def test_voluntary_answers_are_shown_when_changing_and_can_be_withdrawn(client, db, login_as, make_budget,
                                                                       make_voter):
    budget = make_budget()
    make_voter(user=login_as())
    project = str(budget.projects[0].id)
    client.submit(f"/budgets/{budget.id}/ballot", {"projects": [project], "age_band": "25-34", "action": "vote"})
    form = client.get(f"/budgets/{budget.id}/ballot").get_data(as_text=True)
    assert re.search(r'value="25-34"[^>]*checked|checked[^>]*value="25-34"', form)
    client.submit(f"/budgets/{budget.id}/ballot", {"projects": [project], "age_band": "", "action": "vote"})
    participation = db.session.scalars(sa.select(Participation).where(Participation.budget_id == budget.id)).one()
    assert participation.age_band is None


def test_staff_cannot_download_ballots_while_the_vote_is_open(app, client, db, login_as, make_budget, make_voter):
    from civic.budgets import voting

    budget = make_budget()
    # Ids first: the request context below has its own session (see tests/conftest.py).
    budget_id, project_id, voter_id = budget.id, budget.projects[0].id, make_voter().id
    with app.test_request_context():
        voting.cast_ballot(voter_id, budget_id, {project_id: 1}, utcnow())
    login_as("staff")
    assert client.get(f"/staff/budgets/{budget.id}/export.pb").status_code == 403
    assert "Download the ballots" not in client.get(f"/staff/budgets/{budget.id}").get_data(as_text=True)
    assert client.submit(f"/staff/budgets/{budget.id}/close", {"confirm": "y"}).status_code == 303
    download = client.get(f"/staff/budgets/{budget.id}/export.pb")
    assert download.status_code == 200 and b"VOTES" in download.data
