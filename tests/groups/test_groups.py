"""Community groups: starting, joining, leaving, following together, and the group page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from civic.accounts import personal_data
from civic.comments.models import CommentThread
from civic.core.db import utcnow
from civic.core.errors import DomainError, NotAllowed
from civic.groups import services
from civic.groups.models import CommunityGroup, GroupFollow, GroupMembership
from civic.notifications.models import Notification
from civic.outcomes import services as outcomes
from civic.processes.models import Process
from civic.proposals.models import Proposal


def _roles(db, group) -> dict[int, str]:
    return dict(db.session.execute(sa.select(GroupMembership.user_id, GroupMembership.role)
                                   .where(GroupMembership.group_id == group.id)).all())


def _follows(db, group) -> set[tuple[str, int]]:
    return {tuple(row) for row in db.session.execute(
        sa.select(GroupFollow.kind, GroupFollow.object_id).where(GroupFollow.group_id == group.id))}


@pytest.fixture
def make_outcome(db, make_user):
    def make(title: str = "New footbridge"):
        outcome = outcomes.save_outcome(make_user("staff"), None, outcomes.OutcomeData(title=title), language="en",
                                        now=utcnow())
        db.session.commit()
        return outcome

    return make


def test_anyone_signed_in_starts_a_group_and_organises_it(client, db, login_as):
    assert client.get("/groups/new").status_code == 302  # signed out: to sign in
    me = login_as()
    assert "<h1>Start a community group</h1>" in client.get("/groups/new").get_data(as_text=True)
    assert client.post("/groups/new", data={"name": "Market Street", "language": "en"}).status_code == 400
    response = client.submit("/groups/new", {"name": "Friends of Market Street", "description": "Trees!\nShade!",
                                             "language": "en"})
    assert response.status_code == 303 and response.headers["Location"] == "/groups/friends-of-market-street"
    group = db.session.scalars(sa.select(CommunityGroup)).one()
    assert _roles(db, group) == {me.id: "organiser"}
    page = client.get("/groups/friends-of-market-street").get_data(as_text=True)
    assert 'lang="en" dir="auto">Friends of Market Street</h1>' in page and "Trees!\nShade!" in page
    refused = client.submit("/groups/new", {"name": " ", "language": "en"})
    assert refused.status_code == 422 and 'class="error-summary"' in refused.get_data(as_text=True)


def test_group_addresses_are_readable_unique_and_never_new(db, make_user):
    me = make_user()
    made = [services.create_group(me, name=name, description="", language=lang, now=utcnow()).slug
            for name, lang in (("Jardín del Río", "es"), ("Jardín del Río", "es"), ("حديقة السوق", "ar"),
                               ("New", "en"), ("!!!", "en"))]
    assert made == ["jardín-del-río", "jardín-del-río-2", "حديقة-السوق", "new-2", "group"]
    with pytest.raises(DomainError):
        services.create_group(make_user(blocked_at=utcnow()), name="Blocked", description="", language="en",
                              now=utcnow())
    with pytest.raises(NotAllowed):
        services.create_group(None, name="Nobody", description="", language="en", now=utcnow())


def test_join_and_leave_with_the_form_token(client, db, login_as, make_group):
    group = make_group()
    assert client.submit(f"/groups/{group.slug}/join").status_code == 303  # signed out: to sign in
    me = login_as()
    assert client.post(f"/groups/{group.slug}/join").status_code == 400
    assert client.submit(f"/groups/{group.slug}/join").status_code == 303
    client.submit(f"/groups/{group.slug}/join")  # twice: still one membership
    assert _roles(db, group)[me.id] == "member" and len(_roles(db, group)) == 2
    assert "Leave this group" in client.get(f"/groups/{group.slug}").get_data(as_text=True)
    assert client.submit(f"/groups/{group.slug}/leave").status_code == 303
    assert me.id not in _roles(db, group)
    assert client.submit("/groups/no-such-group/join").status_code == 404


def test_the_last_organiser_hands_the_group_on(db, make_user, make_group):
    organiser, first, second = make_user(), make_user(), make_user()
    group = make_group(organiser=organiser, members=[first, second])
    services.leave_group(organiser, group)
    db.session.commit()
    assert _roles(db, group) == {first.id: "organiser", second.id: "member"}


def test_organisers_follow_for_the_group_others_cannot(client, db, login_as, make_group, follow, make_outcome):
    outcome, other = make_outcome(), make_outcome("Skate park")
    me = login_as()
    group = make_group(organiser=me)
    follow(me, "outcome", outcome.id)
    page = client.get(f"/groups/{group.slug}").get_data(as_text=True)
    assert f'<option value="outcome:{outcome.id}">Outcome: New footbridge</option>' in page

    assert client.submit(f"/groups/{group.slug}/follows", {"item": f"outcome:{outcome.id}"}).status_code == 303
    assert client.submit(f"/groups/{group.slug}/follows",
                         {"address": f"https://city.example/outcomes/{other.id}"}).status_code == 303
    assert _follows(db, group) == {("outcome", outcome.id), ("outcome", other.id)}

    for data in ({"address": "https://city.example/plans/"}, {"item": "outcome:999999"}, {}):
        refused = client.submit(f"/groups/{group.slug}/follows", data)
        assert refused.status_code == 422 and 'class="error-summary"' in refused.get_data(as_text=True)

    assert client.submit(f"/groups/{group.slug}/follows/remove",
                         {"kind": "outcome", "object_id": str(other.id)}).status_code == 303
    assert _follows(db, group) == {("outcome", outcome.id)}

    login_as()  # a member who does not organise
    client.submit(f"/groups/{group.slug}/join")
    assert client.submit(f"/groups/{group.slug}/follows", {"item": f"outcome:{other.id}"}).status_code == 403
    assert client.submit(f"/groups/{group.slug}/follows/remove",
                         {"kind": "outcome", "object_id": str(outcome.id)}).status_code == 403
    with client.session_transaction() as session:
        session.clear()
    client._csrf = None  # signed out: a fresh session and its own form token
    assert client.submit(f"/groups/{group.slug}/follows", {"item": f"outcome:{other.id}"}).status_code == 303
    assert _follows(db, group) == {("outcome", outcome.id)}


def test_members_hear_through_the_group(ctx, db, make_user, make_group, change, outbox):
    member = make_user()
    group = make_group(members=[member], follows=[("outcome", 5)])
    change(5)
    row = db.session.scalars(sa.select(Notification).where(Notification.user_id == member.id)).one()
    assert row.group_id == group.id


def test_the_group_page_shows_follows_recent_changes_and_only_public_names(client, db, make_user, make_group,
                                                                            follow, change, make_outcome):
    outcome = make_outcome()
    hidden_proposal = Proposal(process=Process(titles={"en": "Ideas"}, original_language="en"), author=make_user(),
                               title="Secret plan", body="<p>x</p>", language="en", hidden_at=utcnow(),
                               thread=CommentThread(kind="proposal"), created_at=utcnow())
    db.session.add(hidden_proposal)
    db.session.commit()
    named, shy = make_user(display_name="Amina Yusuf", show_name_publicly=True), make_user(display_name="Shy Person")
    group = make_group(organiser=named, members=[shy], follows=[("outcome", outcome.id)], name="Harbour")
    follow(shy, "outcome", outcome.id)
    follow(shy, "proposal", hidden_proposal.id)
    change(outcome.id, params={"title": "New footbridge", "progress": 55})
    change(outcome.id, params={"title": "New footbridge", "progress": 10}, now=utcnow() - timedelta(days=40))
    change(outcome.id + 1000, params={"title": "Not followed", "progress": 1})

    page = client.get(f"/groups/{group.slug}").get_data(as_text=True)
    follows = page[page.index('id="group-follows"'):page.index('id="member-follows"')]
    assert f'<a href="/outcomes/{outcome.id}">New footbridge</a>' in follows
    members_follow = page[page.index('id="member-follows"'):page.index('id="recent-changes"')]
    assert "New footbridge" in members_follow and "1 member" in members_follow
    assert "Secret plan" not in page  # hidden proposals are left out
    recent = page[page.index('id="recent-changes"'):page.index('id="members-title"')]
    assert re.findall(r'<li><a href="/outcomes/\d+">([^<]+)</a>', recent) == [
        "“New footbridge” has a new progress update: 55% done."]  # once, though two people were told
    assert "Amina Yusuf" in page and "Shy Person" not in page
    assert "1 member does not show their name publicly." in page
    assert "<dd>2</dd>" in page


def test_group_list_and_page_are_public_and_cost_the_same_with_more(client, db, make_user, make_group, follow,
                                                                    count_queries):
    first = make_user()
    group = make_group(name="Old Town Friends", members=[first], follows=[("process", 1)])
    follow(first, "outcome", 1)  # one of each kind the page looks up: more rows must add no query
    page = client.get("/groups/").get_data(as_text=True)
    assert "Old Town Friends" in page and "2 members" in page and "Sign in to start or join a group" in page
    assert "Sign in to join this group" in client.get(f"/groups/{group.slug}").get_data(as_text=True)
    assert client.get("/groups/nothing-here").status_code == 404

    client.get(f"/groups/{group.slug}")
    with count_queries() as few:
        client.get(f"/groups/{group.slug}")
    for number in range(2, 10):
        member = make_user(show_name_publicly=True)
        db.session.add(GroupMembership(group_id=group.id, user_id=member.id, joined_at=utcnow()))
        follow(member, "outcome", number)
        db.session.add(GroupFollow(group_id=group.id, kind="process", object_id=number))
    db.session.commit()
    with count_queries() as many:
        client.get(f"/groups/{group.slug}")
    assert len(many) == len(few)


def test_memberships_are_in_personal_data_and_go_with_the_account(app, db, make_user, make_group):
    organiser, member = make_user(), make_user()
    group = make_group(organiser=organiser, members=[member], name="Riverside")
    with app.app_context():
        [exported] = personal_data.collect(organiser)["group_memberships"]
    assert {key: exported[key] for key in ("group", "name", "role")} == {"group": group.slug, "name": "Riverside",
                                                                         "role": "organiser"}
    services.erase_memberships(organiser)
    db.session.commit()
    assert _roles(db, group) == {member.id: "organiser"}


@pytest.mark.parametrize("action", ["join", "leave", "follows", "follows/remove"])
def test_every_group_form_needs_its_token_and_a_signed_in_person(client, db, login_as, make_group, action):
    data = {"item": "outcome:1", "kind": "outcome", "object_id": "1"}
    group = make_group(follows=[("outcome", 1)])
    signed_out = client.submit(f"/groups/{group.slug}/{action}", data)
    assert signed_out.status_code == 303 and "/account/sign-in" in signed_out.headers["Location"]
    me = login_as()
    db.session.add(GroupMembership(group_id=group.id, user_id=me.id, role="organiser", joined_at=utcnow()))
    db.session.commit()
    assert client.post(f"/groups/{group.slug}/{action}", data=data).status_code == 400
    assert len(_roles(db, group)) == 2 and _follows(db, group) == {("outcome", 1)}
