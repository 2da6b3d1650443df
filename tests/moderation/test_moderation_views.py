import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from civic.accounts.models import Role, User
from civic.comments.models import Comment
from civic.core.db import utcnow
from civic.moderation import services
from civic.moderation.models import ModerationAction
from civic.proposals.models import ProposalReport
from tests.moderation.conftest import THREAD_PAGE

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def _log(db):
    return db.session.scalars(sa.select(ModerationAction).order_by(ModerationAction.id)).all()


@pytest.fixture
def world(db, make_user, make_comment, make_proposal, report):
    """One of everything each moderation route acts on, in a state where the action can succeed."""
    author = make_user()
    hidden = make_comment(author, hidden_at=utcnow(), hidden_reason="spam")
    reported = make_comment(author)
    report(reported, "spam")
    waiting = make_comment(author, awaiting_approval=True)
    proposal = make_proposal(make_user())
    report(proposal, "off_topic")
    blocked = make_user(blocked_at=utcnow())
    return {"author": author, "hidden": hidden, "reported": reported, "waiting": waiting, "proposal": proposal,
            "blocked": blocked}


def _routes(w):
    """Every moderation route: (method, url, form data)."""
    return [
        ("GET", "/moderation/queue", None),
        ("GET", "/moderation/log", None),
        ("GET", f"/moderation/comments/{w['reported'].id}", None),
        ("POST", f"/moderation/comments/{w['reported'].id}/hide", {"reason": "spam", "note": ""}),
        ("POST", f"/moderation/comments/{w['hidden'].id}/restore", {"note": ""}),
        ("POST", f"/moderation/proposals/{w['proposal'].id}/dismiss", {"note": ""}),
        ("POST", f"/moderation/comments/{w['waiting'].id}/approve", {"note": ""}),
        ("POST", f"/moderation/proposals/{w['proposal'].id}/hide", {"reason": "spam", "note": ""}),
        ("POST", f"/moderation/users/{w['author'].id}/block", {"reason": "spam", "note": ""}),
        ("POST", f"/moderation/users/{w['blocked'].id}/unblock", {"note": ""}),
    ]


def _call(client, method, url, data):
    return client.get(url) if method == "GET" else client.submit(url, data)


def test_every_moderation_route_is_closed_to_residents(client, db, login_as, world):
    login_as(Role.RESIDENT)
    for method, url, data in _routes(world):
        assert _call(client, method, url, data).status_code == 403, url
    assert _log(db) == []
    assert db.session.get(Comment, world["reported"].id).hidden_at is None


def test_every_moderation_route_sends_anonymous_people_to_sign_in(client, db, world):
    for method, url, data in _routes(world):
        response = _call(client, method, url, data)
        assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"], url
    assert _log(db) == []


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.STAFF, Role.ADMIN])
def test_every_moderation_route_works_for_moderators(client, db, login_as, world, role):
    login_as(role)
    posts = 0
    for method, url, data in _routes(world):
        response = _call(client, method, url, data)
        if method == "GET":
            assert response.status_code in (200, 303), url
        else:
            posts += 1
            assert response.status_code == 303 and response.headers["Location"] == "/moderation/queue", url
            page = client.get("/moderation/queue").get_data(as_text=True)
            assert "flash--success" in page and "flash--error" not in page, url
    assert len(_log(db)) == posts == 7


def test_posts_need_csrf(client, db, login_as, world):
    login_as(Role.MODERATOR)
    response = client.post(f"/moderation/comments/{world['reported'].id}/hide", data={"reason": "spam"})
    assert response.status_code == 400 and _log(db) == []


def test_refusals_are_flashed_back_on_the_queue(client, db, login_as, world, make_user):
    login_as(Role.MODERATOR)
    response = client.submit(f"/moderation/comments/{world['reported'].id}/hide", {"reason": ""})
    assert response.status_code == 303
    assert "Choose the public reason from the list." in client.get("/moderation/queue").get_data(as_text=True)
    staff = make_user(Role.STAFF)
    client.submit(f"/moderation/users/{staff.id}/block", {"reason": "spam"})
    assert "Staff and administrators cannot be blocked." in client.get("/moderation/queue").get_data(as_text=True)
    assert client.submit("/moderation/comments/999999/hide", {"reason": "spam"}).status_code == 404
    assert client.submit("/moderation/users/999999/block", {"reason": "spam"}).status_code == 404
    assert _log(db) == [] and not db.session.get(User, staff.id).is_blocked


def test_queue_page_shows_groups_with_links_reasons_and_forms(client, db, login_as, make_user, make_comment,
                                                              make_proposal, report):
    author = make_user(display_name="Rude Rita")
    comment = make_comment(author, body="<p>You are <em>all</em> idiots</p>")
    report(comment, "personal_attack", ago=timedelta(days=1), details=XSS)
    report(comment, "personal_attack")
    proposal = make_proposal(title="Shade <b>trees</b>")
    report(proposal, "spam")
    login_as(Role.MODERATOR)
    response = client.get("/moderation/queue")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.count("<h1") == 1
    assert f'href="{THREAD_PAGE}#comment-{comment.id}"' in page
    assert f'href="/proposals/{proposal.id}" dir="auto">Shade trees</a>' in page and "<b>trees" not in page
    assert "You are all idiots" in page  # the excerpt is plain text
    assert "2 open reports; the oldest is from" in page and "A personal attack: 2" in page
    assert "<script>alert" not in page and "<img" not in page
    assert '<span dir="auto">alert(1)</span>' in page  # tags dropped: plain, inert text
    assert page.index(f"queue-comment-{comment.id}") < page.index(f"queue-proposal-{proposal.id}")
    for action in ("hide", "dismiss"):
        assert f'action="/moderation/comments/{comment.id}/{action}"' in page
    assert f'action="/moderation/users/{author.id}/block"' in page
    assert f'<label for="hide-comment-{comment.id}-reason">Public reason</label>' in page
    assert f'<label for="block-comment-{comment.id}-note">Note for other moderators (optional)</label>' in page
    assert len(re.findall(r'name="csrf_token"', page)) == page.count("<form")
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    assert 'aria-current="page">Moderation</a>' in page


def test_queue_offers_approve_restore_and_no_block_for_staff(client, db, login_as, make_user, make_comment,
                                                            report):
    staff = make_user(Role.STAFF)
    waiting = make_comment(make_user(), awaiting_approval=True)
    hidden = make_comment(staff, hidden_at=utcnow(), hidden_reason="spam")
    report(hidden, "other")
    login_as(Role.MODERATOR)
    page = client.get("/moderation/queue").get_data(as_text=True)
    assert f'action="/moderation/comments/{waiting.id}/approve"' in page
    assert f'action="/moderation/comments/{hidden.id}/restore"' in page
    assert f'action="/moderation/comments/{hidden.id}/hide"' not in page
    assert f'action="/moderation/users/{staff.id}/block"' not in page
    assert "Hidden by a moderator: Spam or advertising" in page


def test_hiding_from_the_queue_puts_the_placeholder_on_the_page(client, db, login_as, make_user, make_comment,
                                                                report, app):
    from flask import render_template_string
    from flask_login import login_user

    from civic.comments.services import thread_view

    comment = make_comment(body="<p>Call 555-0199 for Ana’s address</p>")
    report(comment, "private_information")
    login_as(Role.MODERATOR)
    response = client.submit(f"/moderation/comments/{comment.id}/hide",
                             {"reason": "private_information", "note": XSS})
    assert response.status_code == 303
    assert "Hidden. Everyone now sees the reason in its place." in client.get("/moderation/queue").get_data(as_text=True)
    resident = make_user()
    with app.test_request_context("/"):
        login_user(resident)
        view = thread_view(db.session.get(Comment, comment.id).thread, resident, utcnow())
        page = render_template_string('{% with view=v %}{% include "comments/_thread.html" %}{% endwith %}', v=view)
    assert "Hidden by a moderator: It shares someone’s private information" in page
    assert "555-0199" not in page
    log = client.get("/moderation/log").get_data(as_text=True)
    assert "<script>alert" not in log and "&lt;script&gt;alert(1)&lt;/script&gt;" in log


def test_log_lists_actions_newest_first_with_unblock(client, db, login_as, make_user):
    moderator = make_user(Role.MODERATOR, display_name="Luis Ortega")
    troll, forgiven = make_user(), make_user()
    start = utcnow() - timedelta(hours=1)
    services.block_user(moderator, forgiven, "spam", "", start)
    services.block_user(moderator, troll, "hate_speech", "Third warning", start + timedelta(minutes=1))
    services.unblock_user(moderator, forgiven, "", start + timedelta(minutes=2))
    db.session.commit()
    login_as(Role.MODERATOR)
    page = client.get("/moderation/log").get_data(as_text=True)
    assert page.index("Account unblocked") < page.index("Account blocked")
    assert "Luis Ortega" in page and "Third warning" in page and "Hate speech" in page
    assert f'action="/moderation/users/{troll.id}/unblock"' in page
    assert f'action="/moderation/users/{forgiven.id}/unblock"' not in page
    assert '<th scope="col">' in page and "<caption" in page
    response = client.submit(f"/moderation/users/{troll.id}/unblock", {"next": "/moderation/log?page=1"})
    assert response.headers["Location"] == "/moderation/log?page=1"
    assert client.submit(f"/moderation/users/{troll.id}/unblock",
                         {"next": "https://evil.example/"}).headers["Location"] == "/moderation/queue"


def test_log_is_paginated(client, db, login_as, make_user):
    moderator = make_user(Role.MODERATOR)
    for _ in range(services.LOG_PAGE_SIZE + 1):
        services.block_user(moderator, make_user(), "spam", "", utcnow())
    db.session.commit()
    login_as(Role.MODERATOR)
    first = client.get("/moderation/log").get_data(as_text=True)
    assert "Page 1 of 2" in first and 'href="/moderation/log?page=2"' in first
    assert client.get("/moderation/log?page=2").get_data(as_text=True).count("<tr>") == 2  # header + 1


# Reporting a proposal ----------------------------------------------------------------------------

def test_report_a_proposal(client, db, login_as, make_proposal):
    proposal = make_proposal(body=f"<p>Plant trees</p>{XSS}")
    reader = login_as()
    page = client.get(f"/moderation/proposals/{proposal.id}/report").get_data(as_text=True)
    assert page.count("<h1") == 1 and 'value="personal_attack"' in page and "<script>alert" not in page
    assert "Why are you reporting this proposal?" in page
    bad = client.submit(f"/moderation/proposals/{proposal.id}/report", {"reason": "boring"})
    assert bad.status_code == 422 and 'href="#reason-0"' in bad.get_data(as_text=True)
    ok = client.submit(f"/moderation/proposals/{proposal.id}/report", {"reason": "spam", "details": XSS})
    assert ok.status_code == 303 and ok.headers["Location"] == f"/proposals/{proposal.id}"
    again = client.submit(f"/moderation/proposals/{proposal.id}/report", {"reason": "other"})
    assert again.status_code == 422 and "You have already reported this proposal." in again.get_data(as_text=True)
    reports = db.session.scalars(sa.select(ProposalReport)).all()
    assert [(r.reporter_id, r.reason, r.details) for r in reports] == [(reader.id, "spam", XSS)]


def test_report_a_proposal_needs_sign_in_and_not_own(client, db, login_as, make_proposal):
    proposal = make_proposal()
    response = client.get(f"/moderation/proposals/{proposal.id}/report")
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]
    author = login_as()
    mine = make_proposal(author)
    assert client.get(f"/moderation/proposals/{mine.id}/report").status_code == 403
    assert client.get("/moderation/proposals/999999/report").status_code == 404


# Navigation and transparency --------------------------------------------------------------------

def test_moderation_link_only_for_moderators(client, db, login_as):
    assert ">Moderation<" not in client.get("/").get_data(as_text=True)
    login_as()
    page = client.get("/").get_data(as_text=True)
    assert ">Moderation<" not in page and 'href="/transparency">Moderation transparency</a>' in page


def test_transparency_is_public_accessible_and_anonymous(client, db, make_user, make_comment, report):
    moderator = make_user(Role.MODERATOR, display_name="Luis Ortega", email="luis@example.org")
    troll = make_user(display_name="Troll Tom", email="tom@example.org")
    comment = make_comment(troll, body="<p>Nasty words</p>")
    report(comment, "hate_speech", reporter=make_user(display_name="Reporter Rae", email="rae@example.org"))
    services.hide(moderator, "comment", comment.id, "hate_speech", "Private moderator note", utcnow())
    services.block_user(moderator, troll, "hate_speech", "", utcnow())
    db.session.commit()
    response = client.get("/transparency")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.count("<h1") == 1
    for private in ("Luis", "Troll", "Rae", "@example.org", "Nasty words", "Private moderator note",
                    f"comment-{comment.id}"):
        assert private not in page
    assert page.count("<caption") == 3 and '<th scope="row">Hate speech</th>' in page
    assert "Hidden by a moderator: A personal attack" in page  # the rules explain the placeholder
    assert re.search(r'<th scope="row">Hate speech</th><td class="number">1</td><td class="number">1</td>', page)
