import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from civic.comments.models import Comment
from civic.comments.services import post_comment
from civic.core.db import utcnow
from civic.core.errors import DomainError, NotAllowed
from civic.proposals import services
from civic.proposals.models import Proposal, Support
from tests.proposals.conftest import form_data, proposal_data


def test_author_edits_until_the_first_support(client, db, login_as, make_proposal, make_user):
    author = login_as("resident")
    proposal = make_proposal(author=author)
    page = client.get(f"/proposals/{proposal.id}/edit").get_data(as_text=True)
    assert 'value="Shade trees on Market Street"' in page and "With benches between them." in page
    response = client.submit(f"/proposals/{proposal.id}/edit", form_data(title="Shade trees and benches"))
    assert response.status_code == 303
    assert db.session.get(Proposal, proposal.id).title == "Shade trees and benches"

    services.toggle_support(make_user(), db.session.get(Proposal, proposal.id), utcnow())
    db.session.commit()
    assert client.get(f"/proposals/{proposal.id}/edit").status_code == 409
    assert client.submit(f"/proposals/{proposal.id}/edit", form_data(title="Changed later")).status_code == 409
    assert db.session.get(Proposal, proposal.id).title == "Shade trees and benches"
    assert "Edit your proposal" not in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)


def test_no_edits_after_the_first_comment_or_by_others(db, make_proposal, make_user):
    author = make_user()
    proposal = make_proposal(author=author)
    with pytest.raises(NotAllowed):
        services.edit_proposal(make_user(), proposal, proposal_data(title="Not mine"), utcnow())
    db.session.add(Comment(thread_id=proposal.thread_id, author=make_user(), body="<p>Nice idea</p>",
                           created_at=utcnow()))
    db.session.commit()
    with pytest.raises(DomainError):
        services.edit_proposal(author, proposal, proposal_data(title="Too late"), utcnow())


def test_others_get_403_on_edit_and_withdraw(client, db, login_as, make_proposal):
    proposal = make_proposal()
    login_as("resident")
    assert client.get(f"/proposals/{proposal.id}/edit").status_code == 403
    assert client.submit(f"/proposals/{proposal.id}/withdraw").status_code == 403
    assert db.session.get(Proposal, proposal.id).status == "published"


def test_author_withdraws(client, db, login_as, make_proposal, make_user):
    author = login_as("resident")
    proposal = make_proposal(author=author)
    assert "Withdraw your proposal" in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert client.get(f"/proposals/{proposal.id}/withdraw").status_code == 200
    assert client.submit(f"/proposals/{proposal.id}/withdraw").status_code == 303
    proposal = db.session.get(Proposal, proposal.id)
    assert proposal.status == "withdrawn"
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Withdrawn by its author" in page and "comments are closed" in page
    with pytest.raises(DomainError):
        services.toggle_support(make_user(), proposal, utcnow())
    assert client.get(f"/proposals/{proposal.id}/withdraw").status_code == 409


def test_status_rules(db, make_proposal, make_process, make_user):
    staff = make_user("staff")
    proposal = make_proposal()
    other = make_proposal(process=proposal.process, title="Another idea")
    elsewhere = make_proposal(title="Elsewhere")
    with pytest.raises(NotAllowed):
        services.set_status(make_user("moderator"), proposal, "accepted", "", None, utcnow())
    with pytest.raises(DomainError) as error:
        services.set_status(staff, proposal, "rejected", "  ", None, utcnow())
    assert error.value.field == "reason"
    with pytest.raises(DomainError):
        services.set_status(staff, proposal, "merged", "", None, utcnow())
    with pytest.raises(DomainError):
        services.set_status(staff, proposal, "merged", "", elsewhere, utcnow())
    with pytest.raises(DomainError):
        services.set_status(staff, proposal, "merged", "", proposal, utcnow())
    with pytest.raises(DomainError):
        services.set_status(staff, proposal, "withdrawn", "", None, utcnow())
    services.set_status(staff, proposal, "merged", "Same idea", other, utcnow())
    assert proposal.merged_into_id == other.id
    services.set_status(staff, proposal, "rejected", "Already done in 2025.", None, utcnow())
    db.session.commit()
    assert (proposal.status, proposal.status_reason, proposal.merged_into_id) == ("rejected", "Already done in 2025.",
                                                                                  None)


def test_staff_status_page_shows_the_public_reason(client, db, login_as, make_proposal):
    proposal = make_proposal()
    other = make_proposal(process=proposal.process, title="Bigger idea")
    login_as("staff")
    response = client.submit(f"/staff/proposals/{proposal.id}/status", {"status": "rejected", "reason": ""})
    assert response.status_code == 422 and 'href="#reason"' in response.get_data(as_text=True)
    response = client.submit(f"/staff/proposals/{proposal.id}/status",
                             {"status": "rejected", "reason": "The street is being rebuilt in 2026."})
    assert response.status_code == 303
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Rejected" in page and "The street is being rebuilt in 2026." in page
    client.submit(f"/staff/proposals/{proposal.id}/status", {"status": "merged", "merged_into": str(other.id)})
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert f'href="/proposals/{other.id}"' in page and "Merged into another proposal" in page


def test_support_toggle_is_idempotent_and_counted(db, make_proposal, make_user):
    proposal = make_proposal()
    alice, bob = make_user(), make_user()
    assert services.toggle_support(alice, proposal, utcnow(), wanted=True) is True
    assert services.toggle_support(alice, proposal, utcnow(), wanted=True) is True  # a double click
    assert services.toggle_support(bob, proposal, utcnow()) is True
    db.session.commit()
    assert proposal.support_count == 2
    assert db.session.scalar(sa.select(sa.func.count(Support.id))) == 2
    assert services.toggle_support(alice, proposal, utcnow()) is False
    assert services.toggle_support(alice, proposal, utcnow(), wanted=False) is False
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).support_count == 1


def test_one_support_per_person_is_a_database_rule(db, make_proposal, make_user):
    proposal = make_proposal()
    alice = make_user()
    services.toggle_support(alice, proposal, utcnow())
    db.session.commit()
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(Support(proposal_id=proposal.id, user_id=alice.id, created_at=utcnow()))
            db.session.flush()
    assert db.session.scalar(sa.select(sa.func.count(Support.id))) == 1
    assert db.session.get(Proposal, proposal.id).support_count == 1


def test_support_is_refused_when_closed_hidden_or_blocked(db, make_proposal, make_user):
    staff = make_user("staff")
    rejected = make_proposal()
    services.set_status(staff, rejected, "rejected", "No budget.", None, utcnow())
    hidden = make_proposal()
    hidden.hidden_at, hidden.hidden_reason = utcnow(), "spam"
    db.session.commit()
    for proposal in (rejected, hidden):
        with pytest.raises(DomainError):
            services.toggle_support(make_user(), proposal, utcnow())
    with pytest.raises(NotAllowed):
        services.toggle_support(make_user(blocked_at=utcnow()), make_proposal(), utcnow())
    with pytest.raises(NotAllowed):
        services.toggle_support(None, make_proposal(), utcnow())


def test_support_works_without_javascript(client, db, login_as, make_proposal):
    proposal = make_proposal()
    login_as("resident")
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert 'aria-pressed="false"' in page and 'role="status" aria-live="polite"' in page
    response = client.submit(f"/proposals/{proposal.id}/support", {"wanted": "1"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/proposals/{proposal.id}#support")
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert 'aria-pressed="true"' in page and "1 person supports this proposal." in page
    client.submit(f"/proposals/{proposal.id}/support", {"wanted": "1"})  # sent twice: still one
    assert db.session.get(Proposal, proposal.id).support_count == 1


def test_htmx_support_gets_only_the_widget(client, db, login_as, make_proposal):
    proposal = make_proposal()
    login_as("resident")
    response = client.submit(f"/proposals/{proposal.id}/support", {"wanted": "1"}, headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment and "<h1" not in fragment
    assert 'aria-pressed="true"' in fragment and "1 person supports this proposal." in fragment
    assert "You support this proposal." in fragment and "data-focus-on-load" in fragment
    assert "HX-Request" in response.headers["Vary"]


def test_anonymous_support_goes_to_sign_in(client, db, make_proposal):
    proposal = make_proposal()
    response = client.submit(f"/proposals/{proposal.id}/support", {"wanted": "1"})
    assert response.status_code == 303 and "/account/sign-in" in response.headers["Location"]
    response = client.submit(f"/proposals/{proposal.id}/support", {"wanted": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 204 and "/account/sign-in" in response.headers["HX-Redirect"]
    assert "Sign in to support this proposal." in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)


def test_follow_and_unfollow(client, db, login_as, make_proposal):
    from civic.follows.models import Follow

    proposal = make_proposal()
    user = login_as("resident")
    assert "Follow this proposal" in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert client.submit(f"/proposals/{proposal.id}/follow", {"wanted": "1"}).status_code == 303
    client.submit(f"/proposals/{proposal.id}/follow", {"wanted": "1"})
    follows = db.session.scalars(sa.select(Follow)).all()
    assert [(f.user_id, f.kind, f.object_id) for f in follows] == [(user.id, "proposal", proposal.id)]
    assert "Unfollow" in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    client.submit(f"/proposals/{proposal.id}/follow", {"wanted": "0"})
    assert db.session.scalar(sa.select(sa.func.count(Follow.id))) == 0


def test_comments_follow_the_proposal(app, client, db, login_as, make_proposal, make_user):
    proposal = make_proposal()
    login_as("resident")
    response = client.submit(f"/comments/threads/{proposal.thread_id}", {"body": "Great idea", "parent_id": ""})
    assert response.status_code in (302, 303)
    assert f"/proposals/{proposal.id}#comment-" in response.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 1
    services.set_status(make_user("staff"), proposal, "accepted", "", None, utcnow())
    db.session.commit()
    with app.test_request_context(), pytest.raises(DomainError):
        post_comment(make_user(), proposal.thread, body="Late", stance=None, parent_id=None, now=utcnow())


def test_comments_on_proposals_wait_for_approval_in_a_premoderated_process(app, db, make_process, make_proposal,
                                                                            make_user):
    from civic.comments.services import thread_views

    proposal = make_proposal(process=make_process(premoderation=True))
    proposal.awaiting_approval = False  # approved by a moderator; its comments are moderated in turn
    db.session.commit()
    author_id, neighbour_id, thread_id = make_user().id, make_user().id, proposal.thread_id
    with app.test_request_context():  # the thread's rules link back to the proposal page
        from civic.accounts.models import User
        from civic.comments.models import CommentThread

        thread = db.session.get(CommentThread, thread_id)
        comment = post_comment(db.session.get(User, author_id), thread, body="Yes, and add benches.", stance=None,
                               parent_id=None, now=utcnow())
        assert comment.awaiting_approval
        seen_by_neighbour = thread_views([thread], db.session.get(User, neighbour_id), utcnow())[thread_id]
        assert seen_by_neighbour.total == 0
