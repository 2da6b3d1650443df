"""Every public export, scanned for personal data.

The exports are found in the url_map (every /api/v1 and /open-data route, and every file-like route:
.csv, .json, .atom, .ics, .pb), so a new export is scanned as soon as it exists: a route with a
parameter this test cannot fill makes it fail until the test learns how.
"""

from __future__ import annotations

import json
import re

import sqlalchemy as sa

from civic.budgets.models import Ballot, Participation, SealedBallot
from civic.opendata.datasets import DATASETS
from tests.opendata.conftest import PUBLIC_NAME

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
FILE_LIKE = re.compile(r"\.(csv|json|atom|ics|pb)$")
NOT_PUBLIC = ("/account/", "/staff/", "/admin/", "/moderation/")  # one's own data, or behind a sign-in
PERSONAL_KEYS = {"email", "author_id", "user_id", "recorded_by_id", "voter_id", "voter", "receipt", "published_by_id",
                 "moderator_id", "reporter_id", "voter_key", "document_hash", "display_name", "entered_by_id"}


def _public_exports(app) -> list:
    rules = []
    for rule in app.url_map.iter_rules():
        path = rule.rule
        if "GET" not in rule.methods or path.startswith(NOT_PUBLIC):
            continue
        if path.startswith(("/api/v1", "/open-data")) or FILE_LIKE.search(path):
            rules.append(rule)
    return rules


def _urls(app, city) -> list[str]:
    values = {"plan_id": [city.plan_id], "process_id": [city.process_id], "outcome_id": [city.outcome_id],
              "budget_id": [city.budget_id, city.ranked_budget_id], "name": sorted(DATASETS)}
    urls = []
    for rule in _public_exports(app):
        unknown = set(rule.arguments) - set(values)
        assert not unknown, f"teach this test how to fill {unknown} in {rule.rule}"
        expanded = [rule.rule]
        for argument in rule.arguments:
            expanded = [re.sub(rf"<(?:\w+:)?{argument}>", str(value), url)
                        for url in expanded for value in values[argument]]
        urls += expanded
    extras = [f"/api/v1/proposals?process={city.process_id}&per_page=100", "/api/v1/proposals?status=rejected",
              f"/api/v1/plans/{city.plan_id}?lang=es", f"/api/v1/outcomes?goal={city.goal_id}&lang=es"]
    return urls + extras


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in _keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in _keys(item)}
    return set()


def test_no_export_holds_personal_data(app, client, db, city):
    secrets = list(city.secret_names)
    # Ballot secrecy: nothing that could tie a published ballot to a voter.
    secrets += [receipt for receipt in db.session.scalars(sa.select(Participation.receipt))]
    secrets += list(db.session.scalars(sa.select(SealedBallot.voter_key)))
    secrets += list(db.session.scalars(sa.select(Ballot.id)))
    assert len(secrets) > len(city.secret_names)

    urls = _urls(app, city)
    bodies = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True).replace("\r\n ", "")  # unfold iCalendar lines
        if response.mimetype == "application/json":
            text += json.dumps(response.get_json(), ensure_ascii=False)  # \u escapes decoded
            assert not _keys(response.get_json()) & PERSONAL_KEYS, url
        bodies[url] = text
        assert not EMAIL.findall(text), (url, EMAIL.findall(text))
        found = [secret for secret in secrets if secret in text]
        assert not found, (url, found)

    # The scan looked at every kind of export...
    for sample in ("/open-data/ballots.csv", "/open-data/moderation.json", f"/budgets/{city.budget_id}/ballots.pb",
                   "/api/v1/outcomes", "/api/v1/openapi.json", f"/processes/{city.process_id}/updates.atom",
                   "/processes/phases.ics", f"/outcomes/{city.outcome_id}/updates.atom", "/proposals.csv",
                   f"/plans/{city.plan_id}/workplan.csv"):
        assert sample in bodies, sample
    # ... and it can fail: the author who chose to be named is named in the proposals exports.
    for url in ("/open-data/proposals.csv", "/open-data/proposals.json", "/api/v1/proposals", "/proposals.csv"):
        assert PUBLIC_NAME in bodies[url], url
    assert "Zenobia Quillfeather" in city.secret_names and "Philippa Ringwood" in city.secret_names


def test_the_scan_finds_a_leak(app, client, db, city):
    """Guard the guard: the patterns match what a leak would look like."""
    assert EMAIL.findall("contact zenobia.q@example.net now") == ["zenobia.q@example.net"]
    assert not EMAIL.findall("UID:process-1-voting@localhost")
    assert "author_id" in _keys({"rows": [{"author_id": 3}]})
