from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from civic.core.db import utcnow
from civic.core.errors import DomainError, NotAllowed
from civic.processes import services
from civic.processes.models import Process
from tests.processes.conftest import process_data


def _today():
    return services.local_date(utcnow())


def _en(day: date) -> str:
    return format_date(day, locale="en")


def _stage_text(client, process) -> str:
    page = client.get(f"/processes/{process.id}").get_data(as_text=True)
    start = page.index('class="process-stage"')
    return page[start:page.index("</p>", start)]


def test_stage_in_words_while_proposals_are_open(client, db, make_process):
    process = make_process(open_phase="proposals")
    ends = process.phase("proposals").ends_on
    assert f"Proposals open until {_en(ends)}." in _stage_text(client, process)


def test_stage_in_words_before_proposals_open(client, db, make_process):
    today = _today()
    process = make_process(phases={"information": (today - timedelta(days=1), today + timedelta(days=2)),
                                   "proposals": (today + timedelta(days=3), today + timedelta(days=20))})
    assert f"Proposals open on {_en(today + timedelta(days=3))}." in _stage_text(client, process)


def test_stage_in_words_during_voting(client, db, make_process):
    process = make_process(open_phase="voting")
    voting = process.phase("voting")
    assert f"Voting from {_en(voting.starts_on)} to {_en(voting.ends_on)}." in _stage_text(client, process)


def test_stage_in_words_when_ended(client, db, make_process):
    today = _today()
    process = make_process(phases={"proposals": (today - timedelta(days=30), today - timedelta(days=1))})
    assert "This process has ended." in _stage_text(client, process)
    assert "Submit a proposal" not in client.get(f"/processes/{process.id}").get_data(as_text=True)


def test_stage_is_translated(client, db, make_process):
    process = make_process(open_phase="proposals")
    page = client.get(f"/processes/{process.id}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert format_date(process.phase("proposals").ends_on, locale="fr") in page


def test_process_page_says_up_front_what_residents_decide(client, db, make_process, make_plan):
    plan = make_plan(goals=2, actions=0)
    process = make_process(goal_ids=[plan.goals[1].id])
    page = client.get(f"/processes/{process.id}").get_data(as_text=True)
    assert page.count("<h1") == 1
    facts = page.index("What you decide")
    assert facts < page.index('id="phases"') and facts < page.index('id="latest"')
    assert "Which projects the city builds with €2.5M." in page
    assert "The winning projects are built in 2027." in page
    assert "For the whole city." in page and "You can take part online and by phone." in page
    assert f'href="/processes/{process.id}/proposals/new"' in page
    assert f'href="/plans/{plan.id}/goals/2"' in page
    assert page.count('class="phase-name"') == 5 and 'aria-current="step"' in page
    assert "No proposals yet." in page


def test_process_list_and_nav(client, db, make_process, make_district):
    district = make_district(en="Harbour")
    make_process(title="Harbour ideas", district_id=district.id)
    page = client.get("/processes/").get_data(as_text=True)
    assert "Harbour ideas" in page and "For residents of Harbour." in page
    assert '<a href="/processes/" aria-current="page">Processes</a>' in page


STAFF_ROUTES = ["/staff/processes/new", "/staff/processes/{process}/edit",
                "/staff/processes/{process}/proposals/record", "/staff/proposals/{proposal}/status"]


@pytest.mark.parametrize("role", ["resident", "moderator"])
def test_only_staff_run_processes(client, db, login_as, make_process, make_user, role):
    from civic.proposals import services as proposal_services
    from tests.proposals.conftest import proposal_data

    process = make_process()
    proposal = proposal_services.submit_proposal(make_user(), process, proposal_data(), utcnow())
    db.session.commit()
    login_as(role)
    for url in STAFF_ROUTES:
        url = url.format(process=process.id, proposal=proposal.id)
        assert client.get(url).status_code == 403, url
        assert client.submit(url, {"title": "Hijacked", "status": "rejected", "reason": "x"}).status_code == 403, url
    assert db.session.get(Process, process.id).titles == {"en": "Riverford Participatory Budget 2027"}
    with pytest.raises(NotAllowed):
        services.save_process(make_user(role), None, process_data(), language="en", now=utcnow())


def test_anonymous_staff_pages_redirect_to_sign_in(client, db):
    response = client.get("/staff/processes/new")
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]


def _form(**overrides):
    values = {"title": "Budget 2028", "decides": "Which projects get €1M.", "impacts": "Built in 2029.",
              "description": "", "scope": "", "channel_online": "y", "channel_in_person": "y",
              "proposals_starts": "2028-01-10", "proposals_ends": "2028-02-10",
              "voting_starts": "2028-03-01", "voting_ends": "2028-03-15"}
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def test_staff_create_and_translate_a_process(client, db, login_as, make_district, make_plan):
    plan = make_plan(goals=2, actions=0)
    district = make_district()
    login_as("staff")
    form = _form(scope=str(district.id), premoderation="y")
    form["goals"] = [str(plan.goals[0].id), str(plan.goals[1].id)]
    response = client.submit("/staff/processes/new", form)
    assert response.status_code == 303, response.get_data(as_text=True)
    process = db.session.scalars(sa.select(Process)).one()
    assert process.titles == {"en": "Budget 2028"} and process.district_id == district.id
    assert (process.channel_online, process.channel_phone, process.channel_in_person) == (True, False, True)
    assert process.premoderation and [g.number for g in process.goals] == [1, 2]
    assert [(p.kind, p.starts_on) for p in process.phases] == [("proposals", date(2028, 1, 10)),
                                                               ("voting", date(2028, 3, 1))]

    page = client.get(f"/staff/processes/{process.id}/edit?lang=es").get_data(as_text=True)
    assert 'value="2028-01-10"' in page and 'aria-current="true"' in page
    response = client.submit(f"/staff/processes/{process.id}/edit?lang=es", _form(
        title="Presupuesto 2028", decides="Qué proyectos reciben 1 M€.", impacts="Se construyen en 2029.",
        scope=str(district.id), voting_starts="", voting_ends=""))
    assert response.status_code == 303
    db.session.expire_all()
    process = db.session.get(Process, process.id)
    assert process.titles == {"en": "Budget 2028", "es": "Presupuesto 2028"}
    assert [p.kind for p in process.phases] == ["proposals"]
    page = client.get(f"/processes/{process.id}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Presupuesto 2028" in page


def test_process_form_errors_are_summarised_and_keep_what_was_typed(client, db, login_as):
    login_as("staff")
    response = client.submit("/staff/processes/new", _form(decides="", title="Typed title"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and page.count('class="error-summary"') == 1
    assert 'href="#decides"' in page and 'value="Typed title"' in page and "<title>Error:" in page

    response = client.submit("/staff/processes/new", _form(channel_online=None, channel_in_person=None))
    assert response.status_code == 422 and 'href="#channel_online"' in response.get_data(as_text=True)

    response = client.submit("/staff/processes/new", _form(voting_ends="2028-02-01"))
    assert response.status_code == 422 and 'href="#voting_ends"' in response.get_data(as_text=True)

    response = client.submit("/staff/processes/new", _form(voting_ends=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#voting_ends"' in page
    assert "Voting: enter both dates, or leave both empty." in page
    assert db.session.scalar(sa.select(sa.func.count(Process.id))) == 0


def test_service_refuses_bad_processes(db, make_user):
    staff = make_user("staff")
    with pytest.raises(DomainError) as error:
        services.save_process(staff, None, process_data(decides=""), language="en", now=utcnow())
    assert error.value.field == "decides"
    with pytest.raises(DomainError):
        services.save_process(staff, None, process_data(district_id=999999), language="en", now=utcnow())
    with pytest.raises(DomainError):
        services.save_process(staff, None, process_data(goal_ids=[999999]), language="en", now=utcnow())
