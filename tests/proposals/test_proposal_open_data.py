import csv
import io

import sqlalchemy as sa

from civic.core.db import utcnow
from civic.demo import load_demo
from civic.processes.models import Process
from civic.proposals import services
from civic.proposals.models import Proposal, Support

FIELDS = {"id", "title", "body", "district", "category", "status", "supports", "comments", "created_at", "url"}


def _setup(db, make_proposal, make_process, make_user, make_district):
    district = make_district(en="Riverside")
    process = make_process(premoderation=False)
    named_author = make_user(display_name="Yusuf Demir", email="yusuf@example.org")
    shy_author = make_user(display_name="Amina Haddad", email="amina@example.org")
    named = make_proposal(process=process, author=named_author, show_name=True, title="Named idea",
                          district_id=district.id)
    shy = make_proposal(process=process, author=shy_author, show_name=False, title="Shy idea")
    hidden = make_proposal(process=process, title="Hidden idea")
    hidden.hidden_at, hidden.hidden_reason = utcnow(), "spam"
    waiting = make_proposal(process=process, title="Waiting idea")
    waiting.awaiting_approval = True
    services.toggle_support(make_user(), named, utcnow())
    db.session.commit()
    return process, district, named, shy


def test_api_lists_public_proposals_without_personal_data(client, db, make_proposal, make_process, make_user,
                                                          make_district):
    process, district, named, shy = _setup(db, make_proposal, make_process, make_user, make_district)
    response = client.get("/api/v1/proposals")
    data = response.get_json()
    assert response.status_code == 200 and data["total"] == 2 and data["page"] == 1 and data["pages"] == 1
    rows = {row["title"]: row for row in data["proposals"]}
    assert set(rows) == {"Named idea", "Shy idea"}
    assert FIELDS | {"author"} == set(rows["Named idea"]) and FIELDS == set(rows["Shy idea"])
    assert rows["Named idea"]["author"] == "Yusuf Demir" and rows["Named idea"]["supports"] == 1
    assert rows["Named idea"]["district"] == "Riverside" and rows["Shy idea"]["category"] == "dimension:environment"
    assert rows["Shy idea"]["body"] == "Plant twenty trees.\n\nWith benches between them."
    text = response.get_data(as_text=True)
    assert "@example.org" not in text and "Amina Haddad" not in text

    assert client.get(f"/api/v1/proposals?district={district.id}").get_json()["total"] == 1
    assert client.get("/api/v1/proposals?status=rejected").get_json()["total"] == 0
    assert client.get(f"/api/v1/proposals?process={process.id + 1000}").get_json()["total"] == 0
    paged = client.get("/api/v1/proposals?per_page=1&page=2").get_json()
    assert paged["pages"] == 2 and len(paged["proposals"]) == 1
    assert client.get("/api/v1/proposals?per_page=5000").get_json()["per_page"] == 100


def test_csv_has_the_same_columns_and_no_personal_data(client, db, make_proposal, make_process, make_user,
                                                       make_district):
    _setup(db, make_proposal, make_process, make_user, make_district)
    response = client.get("/proposals.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {row["title"] for row in rows} == {"Named idea", "Shy idea"}
    assert FIELDS | {"author"} == set(rows[0])
    authors = {row["title"]: row["author"] for row in rows}
    assert authors == {"Named idea": "Yusuf Demir", "Shy idea": ""}
    assert "@example.org" not in response.get_data(as_text=True)
    list_page = client.get("/proposals/").get_data(as_text=True)
    assert 'href="/proposals.csv"' in list_page and 'href="/api/v1/proposals"' in list_page


def test_demo_has_a_living_call_for_proposals(app, client, db):
    with app.app_context():
        load_demo("demo-passphrase-9")
        db.session.commit()
        load_demo("demo-passphrase-9")  # idempotent
        db.session.commit()
    process = db.session.scalars(sa.select(Process).order_by(Process.id)).first()  # then the budget demo's
    assert process.titles["en"] == "Riverford Participatory Budget 2027 — your ideas" and "es" in process.titles
    assert process.channel_online and process.channel_phone and process.channel_in_person
    assert len(process.goals) == 2 and process.district_id is None
    proposals = db.session.scalars(sa.select(Proposal).where(Proposal.process_id == process.id)).all()
    assert {"ar", "es", "en"} <= {p.language for p in proposals}
    assert len({p.district_id for p in proposals}) >= 3
    assert any(p.status == "rejected" and p.status_reason for p in proposals)
    phone = [p for p in proposals if p.channel == "phone"]
    assert len(phone) == 1 and phone[0].recorded_by_id == phone[0].author_id
    for proposal in proposals:
        supports = db.session.scalar(sa.select(sa.func.count(Support.id)).where(Support.proposal_id == proposal.id))
        assert supports == proposal.support_count
    page = client.get(f"/processes/{process.id}").get_data(as_text=True)
    assert "Proposals open until" in page and "Submit a proposal" in page
    arabic = next(p for p in proposals if p.language == "ar")
    assert 'lang="ar" dir="rtl"' in client.get(f"/proposals/{arabic.id}").get_data(as_text=True)


def test_download_my_data_includes_every_contribution(client, db, login_as, make_process, make_proposal, make_user):
    """A resident's download holds what they wrote, supported, followed and reported, and nobody else's."""
    import json

    from civic.comments.services import post_comment, report_comment
    from civic.follows.services import toggle_follow
    from civic.moderation.services import report_proposal
    from civic.proposals.services import toggle_support

    me = login_as("resident")
    other = make_user()
    mine = make_proposal(author=me)
    theirs = make_proposal(author=other, process=mine.process)
    now = utcnow()
    toggle_support(me, theirs, now)
    toggle_follow(me, "proposal", theirs.id)
    report_proposal(me, theirs, "spam", "Advertising a shop.", now)
    with client.application.test_request_context():
        from civic.accounts.models import User
        from civic.comments.models import CommentThread

        thread = db.session.get(CommentThread, theirs.thread_id)
        user, neighbour = db.session.get(User, me.id), db.session.get(User, other.id)
        post_comment(user, thread, body="Good idea.", stance=None, parent_id=None, now=now)
        their_comment = post_comment(neighbour, thread, body="Buy my shoes!", stance=None, parent_id=None, now=now)
        report_comment(user, their_comment, reason="spam", details="", now=now)
        db.session.commit()
    db.session.commit()
    data = json.loads(client.get("/account/data.json").get_data(as_text=True))
    assert [p["id"] for p in data["proposals"]] == [mine.id]
    assert [c["text"] for c in data["comments"]] == ["Good idea."]
    assert data["supports"] == [{"proposal_id": theirs.id, "created_at": data["supports"][0]["created_at"]}]
    assert [(f["kind"], f["object_id"]) for f in data["follows"]] == [("proposal", theirs.id)]
    assert [r["proposal_id"] for r in data["proposal_reports"]] == [theirs.id]
    assert [r["reason"] for r in data["comment_reports"]] == ["spam"]
    assert other.email not in json.dumps(data)
