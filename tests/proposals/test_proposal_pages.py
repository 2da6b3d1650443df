import re
from datetime import timedelta

import sqlalchemy as sa

from civic.comments.models import Comment
from civic.core.db import utcnow
from civic.proposals import services
from civic.proposals.models import Proposal
from tests.proposals.conftest import form_data, image_bytes, proposal_data


def _titles(page: str) -> list[str]:
    return re.findall(r'<h2 class="card-title"><a href="/proposals/\d+"[^>]*>([^<]+)</a>', page)


def _comment(db, proposal, author, text="A comment", parent=None):
    comment = Comment(thread_id=proposal.thread_id, author=author, body=f"<p>{text}</p>", parent=parent,
                      created_at=utcnow())
    db.session.add(comment)
    db.session.commit()
    return comment


def test_list_filters_search_and_sort(client, db, make_proposal, make_process, make_district, make_user):
    north, harbour = make_district(en="North"), make_district(en="Harbour")
    process, other_process = make_process(), make_process(title="Other process")
    trees = make_proposal(process=process, title="Shade trees", district_id=north.id)
    lane = make_proposal(process=process, title="Bike lane", body="Safe 100% cycling_route", district_id=harbour.id,
                         category="dimension:society")
    wifi = make_proposal(process=other_process, title="Library Wi-Fi", district_id=north.id)
    staff = make_user("staff")
    services.set_status(staff, wifi, "rejected", "Exists already.", None, utcnow())
    for person in (make_user(), make_user()):
        services.toggle_support(person, lane, utcnow())
    _comment(db, trees, make_user())
    _comment(db, trees, make_user())
    _comment(db, wifi, make_user())
    db.session.commit()

    assert _titles(client.get("/proposals/").get_data(as_text=True)) == ["Library Wi-Fi", "Bike lane", "Shade trees"]
    assert _titles(client.get(f"/proposals/?process={process.id}").get_data(as_text=True)) == ["Bike lane",
                                                                                               "Shade trees"]
    assert _titles(client.get(f"/proposals/?district={north.id}").get_data(as_text=True)) == ["Library Wi-Fi",
                                                                                              "Shade trees"]
    assert _titles(client.get("/proposals/?category=dimension:society").get_data(as_text=True)) == ["Bike lane"]
    assert _titles(client.get("/proposals/?status=rejected").get_data(as_text=True)) == ["Library Wi-Fi"]
    assert _titles(client.get("/proposals/?sort=supported").get_data(as_text=True))[0] == "Bike lane"
    assert _titles(client.get("/proposals/?sort=commented").get_data(as_text=True)) == ["Shade trees", "Library Wi-Fi",
                                                                                        "Bike lane"]
    assert _titles(client.get("/proposals/?q=SHADE").get_data(as_text=True)) == ["Shade trees"]
    assert _titles(client.get("/proposals/?q=bike+safe").get_data(as_text=True)) == ["Bike lane"]
    # % and _ are searched for literally, not as wildcards
    assert _titles(client.get("/proposals/?q=100%25").get_data(as_text=True)) == ["Bike lane"]
    assert _titles(client.get("/proposals/?q=e_l").get_data(as_text=True)) == []
    assert _titles(client.get("/proposals/?q=%25").get_data(as_text=True)) == ["Bike lane"]
    page = client.get("/proposals/?sort=bogus&district=abc&status=nope").get_data(as_text=True)
    assert len(_titles(page)) == 3
    assert "2 comments" in client.get(f"/proposals/?process={process.id}").get_data(as_text=True)


def test_list_empty_states(client, db, make_proposal):
    page = client.get("/proposals/").get_data(as_text=True)
    assert "No proposals yet." in page and "0 proposals found." in page
    make_proposal()
    page = client.get("/proposals/?q=nothing-like-this").get_data(as_text=True)
    assert "No proposals match what you are looking for." in page and 'href="/proposals/"' in page


def test_list_pagination(client, db, make_process, make_user):
    process = make_process()
    author = make_user()
    for number in range(23):
        services.submit_proposal(author, process, proposal_data(title=f"Idea {number:02d}"),
                                 utcnow() - timedelta(minutes=number))
    db.session.commit()
    first = client.get("/proposals/?sort=newest").get_data(as_text=True)
    assert len(_titles(first)) == 20 and "Page 1 of 2" in first and "23 proposals found." in first
    assert 'href="/proposals/?page=2&amp;sort=newest"' in first
    second = client.get("/proposals/?sort=newest&page=2").get_data(as_text=True)
    assert _titles(second) == ["Idea 20", "Idea 21", "Idea 22"] and 'rel="prev"' in second
    assert client.get("/proposals/?page=99").status_code == 200


def _queries(client, count_queries, url):
    client.get(url)
    with count_queries() as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_queries_do_not_grow(client, db, login_as, make_process, make_plan, make_district, make_user,
                                  count_queries):
    plan = make_plan(goals=2, actions=0)
    process = make_process(goal_ids=[plan.goals[0].id])
    login_as("resident")

    def add(count):
        for _ in range(count):
            proposal = services.submit_proposal(make_user(district_id=make_district().id), process, proposal_data(
                category=f"goal:{plan.goals[1].id}", district_id=make_district().id), utcnow())
            db.session.commit()
            _comment(db, proposal, make_user())

    add(2)
    urls = ["/proposals/", "/proposals/?sort=commented&q=trees", f"/processes/{process.id}"]
    few = [_queries(client, count_queries, url) for url in urls]
    add(12)
    assert [_queries(client, count_queries, url) for url in urls] == few


def test_detail_queries_do_not_grow_with_comments(client, db, login_as, make_proposal, make_user, count_queries):
    proposal = make_proposal()
    login_as("resident")
    _comment(db, proposal, make_user())
    few = _queries(client, count_queries, f"/proposals/{proposal.id}")
    for _ in range(6):
        parent = _comment(db, proposal, make_user())
        _comment(db, proposal, make_user(), "A reply", parent=parent)
    assert _queries(client, count_queries, f"/proposals/{proposal.id}") == few


def test_detail_page(client, db, make_proposal, make_district, make_user):
    district = make_district(en="Riverside")
    author = make_user(display_name="Amina Haddad")
    anonymous = make_proposal(author=author, district_id=district.id, address="Market Street 4",
                              latitude=__import__("decimal").Decimal("51.5"),
                              longitude=__import__("decimal").Decimal("-0.12"))
    page = client.get(f"/proposals/{anonymous.id}").get_data(as_text=True)
    assert page.count("<h1") == 1 and "A resident of Riverside" in page and "Amina Haddad" not in page
    assert "Market Street 4" in page and "openstreetmap.org/?mlat=51.500000" in page
    assert "<p>Plant twenty trees.</p><p>With benches between them.</p>" in page
    assert "Environment" in page and "0 people support this proposal." in page
    named = make_proposal(author=author, show_name=True)
    assert "Amina Haddad" in client.get(f"/proposals/{named.id}").get_data(as_text=True)
    assert client.get("/proposals/999999").status_code == 404


def test_proposals_in_another_language_carry_lang(client, db, make_proposal):
    proposal = make_proposal(title="أشجار ظل في شارع السوق", language="ar")
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert '<h1 lang="ar" dir="rtl">أشجار ظل في شارع السوق</h1>' in page
    listing = client.get("/proposals/").get_data(as_text=True)
    assert f'<a href="/proposals/{proposal.id}" lang="ar" dir="rtl">' in listing
    arabic = client.get(f"/proposals/{proposal.id}", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert '<h1>أشجار ظل في شارع السوق</h1>' in arabic


def test_staff_record_a_phone_proposal_without_their_name(client, db, login_as, make_process, make_district):
    district = make_district(en="Harbour")
    process = make_process()
    staff = login_as("staff", display_name="Mei Chen")
    page = client.get(f"/staff/processes/{process.id}/proposals/record").get_data(as_text=True)
    assert 'name="channel"' in page and 'name="show_name"' not in page
    response = client.submit(f"/staff/processes/{process.id}/proposals/record", form_data(
        channel="phone", district=str(district.id), title="Lights on the footbridge"))
    assert response.status_code == 303, response.get_data(as_text=True)
    proposal = db.session.scalars(sa.select(Proposal)).one()
    assert (proposal.channel, proposal.author_id, proposal.recorded_by_id, proposal.show_name) == (
        "phone", staff.id, staff.id, False)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "A resident of Harbour" in page and "received by phone" in page and "Mei Chen" not in page
    listing = client.get("/proposals/").get_data(as_text=True)
    assert "received by phone" in listing and "Mei Chen" not in listing
    # in person is not a channel of this process
    response = client.submit(f"/staff/processes/{process.id}/proposals/record", form_data(channel="in_person"))
    assert response.status_code == 422 and 'href="#channel' in response.get_data(as_text=True)


def test_hidden_proposals_show_the_notice(client, db, login_as, make_proposal, make_user):
    proposal = make_proposal(title="Buy my product", photo=image_bytes(), photo_alt="An advert")
    proposal.hidden_at, proposal.hidden_reason = utcnow(), "spam"
    db.session.commit()
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Hidden by a moderator: " in page and "Buy my product" not in page and "Plant twenty" not in page
    assert "Buy my product" not in client.get("/proposals/").get_data(as_text=True)
    assert client.get(f"/proposals/{proposal.id}/photo").status_code == 404
    login_as("moderator")
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Hidden by a moderator: " in page and "Buy my product" in page
    photo = client.get(f"/proposals/{proposal.id}/photo")
    assert photo.status_code == 200 and photo.headers["Cache-Control"] == "private, no-store"


def test_report_link_when_moderation_offers_it(client, db, app, login_as, make_proposal):
    proposal = make_proposal()
    login_as("resident")
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    has_route = "moderation.report_proposal" in app.view_functions
    assert (f'href="/moderation/proposals/{proposal.id}/report"' in page) == has_route
