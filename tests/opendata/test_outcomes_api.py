from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from civic.core.db import utcnow
from civic.demo import load_demo
from civic.outcomes.models import Outcome, OutcomeUpdate

KEYS = {"id", "title", "status", "progress", "goal_id", "action_id", "project_ids", "proposal_ids", "estimated_cost",
        "actual_cost", "updates"}


def _outcome(db, title="Outcome", **fields):
    now = utcnow()
    updates = fields.pop("updates", [])
    outcome = Outcome(titles={"en": title}, original_language="en", created_at=now, updated_at=now, **fields)
    outcome.updates = [OutcomeUpdate(on=on, text=text, progress=progress, language="en", created_at=now)
                       for on, progress, text in updates]
    db.session.add(outcome)
    db.session.commit()
    return outcome


def test_outcomes_have_exactly_the_documented_shape(client, db, city):
    plain = _outcome(db, "Plain outcome")
    data = client.get("/api/v1/outcomes").get_json()
    assert set(data) == {"outcomes"}
    records = {record["id"]: record for record in data["outcomes"]}
    assert list(records) == sorted(records) and set(records) == {city.outcome_id, plain.id}
    assert records[city.outcome_id] == {
        "id": city.outcome_id, "title": "Footbridge lights installed", "status": "in_progress", "progress": 40,
        "goal_id": city.goal_id, "action_id": city.action_id, "project_ids": [city.project_id],
        "proposal_ids": [city.proposals["named"]],  # the hidden proposal is left out
        "estimated_cost": 300000.0, "actual_cost": 120000.5,
        "updates": [{"date": "2026-05-20", "progress": 40, "text": "Half of the lamps are up."},
                    {"date": "2026-04-02", "progress": 20, "text": "Poles ordered."}],
    }
    assert records[plain.id] == {"id": plain.id, "title": "Plain outcome", "status": "planned", "progress": 0,
                                 "goal_id": None, "action_id": None, "project_ids": [], "proposal_ids": [],
                                 "estimated_cost": None, "actual_cost": None, "updates": []}
    assert client.get(f"/api/v1/outcomes/{city.outcome_id}").get_json() == records[city.outcome_id]


def test_updates_are_newest_first_with_iso_dates(client, db):
    outcome = _outcome(db, updates=[(date(2026, 1, 5), 10, "First."), (date(2026, 3, 1), None, "Third."),
                                    (date(2026, 2, 1), 50, "Second.")])
    updates = client.get(f"/api/v1/outcomes/{outcome.id}").get_json()["updates"]
    assert updates == [{"date": "2026-03-01", "progress": None, "text": "Third."},
                       {"date": "2026-02-01", "progress": 50, "text": "Second."},
                       {"date": "2026-01-05", "progress": 10, "text": "First."}]


def test_filter_by_goal_language_and_errors(client, db, city):
    _outcome(db, "Not linked")
    by_goal = client.get(f"/api/v1/outcomes?goal={city.goal_id}").get_json()["outcomes"]
    assert [record["id"] for record in by_goal] == [city.outcome_id]
    assert client.get("/api/v1/outcomes?goal=999999").get_json() == {"outcomes": []}
    assert client.get("/api/v1/outcomes?goal=north").status_code == 400
    spanish = client.get(f"/api/v1/outcomes/{city.outcome_id}?lang=es").get_json()
    assert spanish["title"] == "Luces en la pasarela"
    french = client.get(f"/api/v1/outcomes/{city.outcome_id}?lang=fr").get_json()
    assert french["title"] == "Footbridge lights installed"  # not written in French: the original
    assert client.get("/api/v1/outcomes/999999").status_code == 404


def test_outcome_queries_do_not_grow_with_outcomes(client, db, city, count_queries):
    def queries_for(url):
        client.get(url)
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = queries_for("/api/v1/outcomes"), queries_for(f"/api/v1/outcomes?goal={city.goal_id}")
    for number in range(15):
        _outcome(db, f"Outcome {number}", goal_id=city.goal_id, estimated_cost=Decimal(number),
                 updates=[(date(2026, 1, 1 + number), number, "Progress.")])
    assert (queries_for("/api/v1/outcomes"), queries_for(f"/api/v1/outcomes?goal={city.goal_id}")) == few
    assert few[0] <= 4


def test_the_api_lists_the_demo_outcomes_with_their_links(app, client, db):
    with app.app_context():
        load_demo("demo-passphrase-9")
        db.session.commit()
    outcomes = client.get("/api/v1/outcomes").get_json()["outcomes"]
    stored = db.session.scalars(sa.select(Outcome).order_by(Outcome.id)).all()
    assert stored and [record["id"] for record in outcomes] == [outcome.id for outcome in stored]
    for record, outcome in zip(outcomes, stored):
        assert record["project_ids"] == sorted(project.id for project in outcome.projects)
        assert record["goal_id"] == outcome.goal_id and record["action_id"] == outcome.action_id
        assert len(record["updates"]) == len(outcome.updates)
    assert any(record["project_ids"] for record in outcomes)
