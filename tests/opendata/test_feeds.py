import xml.etree.ElementTree as ET
from datetime import date, timedelta

from icalendar import Calendar

from civic.processes.models import Process

ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    return ET.fromstring(response.data)


def _entries(feed):
    return [{"id": entry.findtext(f"{ATOM}id"), "title": entry.findtext(f"{ATOM}title"),
             "updated": entry.findtext(f"{ATOM}updated"), "link": entry.find(f"{ATOM}link").get("href"),
             "summary": entry.findtext(f"{ATOM}summary")} for entry in feed.findall(f"{ATOM}entry")]


def test_process_feed_has_decisions_results_and_outcome_progress(client, db, city):
    feed = _feed(client, f"/processes/{city.process_id}/updates.atom")
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id") == f"http://localhost/processes/{city.process_id}/updates.atom"
    assert feed.findtext(f"{ATOM}title") == "Riverford Participatory Budget 2027: updates"
    assert feed.find(f"{ATOM}author").findtext(f"{ATOM}name")
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {"alternate": f"http://localhost/processes/{city.process_id}",
                     "self": f"http://localhost/processes/{city.process_id}/updates.atom"}
    entries = _entries(feed)
    titles = [entry["title"] for entry in entries]
    assert "Proposal “Lights on the footbridge”: Accepted" in titles
    rejected = next(entry for entry in entries if entry["title"] == "Proposal “Benches in the square”: Rejected")
    assert "The square is being rebuilt in 2027." in rejected["summary"]
    assert rejected["link"] == f"http://localhost/proposals/{city.proposals['shy']}"
    results = next(entry for entry in entries if entry["title"] == "Results published: Riverside budget")
    assert results["link"] == f"http://localhost/budgets/{city.budget_id}/results"
    assert "2 people voted." in results["summary"] and "Footbridge lights" in results["summary"]
    assert "Results published: Youth vote" in titles
    progress = [entry for entry in entries if entry["title"] == "Update on Footbridge lights installed"]
    assert [entry["summary"] for entry in progress] == ["May 20, 2026: 40% done. Half of the lamps are up.",
                                                        "April 2, 2026: 20% done. Poles ordered."]
    assert progress[0]["link"] == f"http://localhost/outcomes/{city.outcome_id}"
    assert len({entry["id"] for entry in entries}) == len(entries)
    assert [entry["updated"] for entry in entries] == sorted((entry["updated"] for entry in entries), reverse=True)
    assert not any("Cheap shoes" in (entry["title"] or "") for entry in entries)  # hidden: not in the feed


def test_outcome_feed_lists_its_updates_newest_first(client, db, city):
    feed = _feed(client, f"/outcomes/{city.outcome_id}/updates.atom")
    assert feed.findtext(f"{ATOM}title") == "Footbridge lights installed: progress updates"
    entries = _entries(feed)
    assert [entry["summary"] for entry in entries] == ["May 20, 2026: 40% done. Half of the lamps are up.",
                                                       "April 2, 2026: 20% done. Poles ordered."]
    assert feed.findtext(f"{ATOM}updated") == entries[0]["updated"]


def test_feeds_of_missing_things_are_not_found(client, db):
    for url in ("/processes/999999/updates.atom", "/outcomes/999999/updates.atom", "/processes/999999/phases.ics"):
        assert client.get(url).status_code == 404


def test_a_process_without_news_has_an_empty_valid_feed(client, db, make_process):
    process = make_process()
    feed = _feed(client, f"/processes/{process.id}/updates.atom")
    assert feed.findall(f"{ATOM}entry") == [] and feed.findtext(f"{ATOM}updated")


def _events(response):
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    return [component for component in calendar.walk("VEVENT")]


def test_process_phases_are_all_day_events(client, db, city):
    process = db.session.get(Process, city.process_id)
    phases = {phase.kind: (phase.starts_on, phase.ends_on) for phase in process.phases}
    events = _events(client.get(f"/processes/{city.process_id}/phases.ics"))
    assert len(events) == 5
    for event in events:
        kind = str(event["UID"]).split("@")[0].rsplit("-", 1)[1]
        starts, ends = phases[kind]
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert type(start) is date and type(end) is date  # all-day: dates, not times
        assert (start, end) == (starts, ends + timedelta(days=1))  # DTEND is exclusive
        assert event.get("DTSTART").params.get("VALUE") == "DATE"
        assert str(event["SUMMARY"]).startswith("Riverford Participatory Budget 2027: ")
        assert str(event["URL"]) == f"http://localhost/processes/{city.process_id}"
        assert event.get("DTSTAMP")
    summaries = {str(event["SUMMARY"]) for event in events}
    assert "Riverford Participatory Budget 2027: Proposals" in summaries


def test_calendar_of_every_process(client, db, make_process):
    first, second = make_process(), make_process(title="Youth council")
    events = _events(client.get("/processes/phases.ics"))
    uids = {str(event["UID"]) for event in events}
    assert len(events) == 10 and len(uids) == 10
    assert {f"process-{first.id}-voting@localhost", f"process-{second.id}-voting@localhost"} <= uids


def test_process_page_links_to_its_feeds(client, db, city):
    page = client.get(f"/processes/{city.process_id}").get_data(as_text=True)
    assert "Follow this process elsewhere" in page
    assert f'href="/processes/{city.process_id}/updates.atom"' in page
    assert f'href="/processes/{city.process_id}/phases.ics"' in page


def test_feeds_follow_the_reader_language(client, db, city):
    response = client.get(f"/processes/{city.process_id}/updates.atom", headers={"Accept-Language": "ar"})
    feed = ET.fromstring(response.data)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "ar" and feed.findall(f"{ATOM}entry")
