import json

import sqlalchemy as sa

from civic.demo import load_demo
from civic.plans.models import Action, Goal, GoalRevision, GoalTarget, Plan

GOAL_KEYS = {"id", "number", "statement", "dimension", "timeframe", "priority", "champion", "kpi", "actions",
             "targets", "revisions", "comments"}
KPI_KEYS = {"name", "unit", "baseline", "baseline_year", "target", "target_date", "reference"}
ACTION_KEYS = {"number", "description", "responsible", "start_date", "end_date", "estimated_cost", "actual_cost",
               "funding_source", "status"}


def _demo(app, db):
    with app.app_context():
        load_demo("demo-passphrase-9")
        db.session.commit()


def test_demo_city_has_a_realistic_plan(app, db):
    _demo(app, db)
    goals = db.session.scalars(sa.select(Goal)).all()
    assert len(goals) >= 8 and len({g.dimension for g in goals}) >= 3
    assert db.session.scalar(sa.select(sa.func.count(Action.id))) >= 25
    assert db.session.scalar(sa.select(sa.func.count(GoalTarget.id)).where(GoalTarget.reached_on.is_not(None))) >= 1
    assert db.session.scalar(sa.select(sa.func.count(GoalRevision.id)).where(GoalRevision.version > 1)) >= 1
    assert all(set(g.statements) >= {"en", "es"} for g in goals)
    plan = db.session.scalars(sa.select(Plan)).one()
    assert plan.consultation_closes_at is not None


def test_api_returns_the_whole_plan_without_personal_data(app, client, db):
    _demo(app, db)
    listing = client.get("/api/v1/plans").get_json()
    assert {"id", "title", "status"} <= set(listing["plans"][0])
    plan_id = listing["plans"][0]["id"]
    response = client.get(f"/api/v1/plans/{plan_id}")
    data = response.get_json()
    assert {"id", "title", "vision", "status", "version", "goals"} <= set(data)
    assert len(data["goals"]) >= 8
    for goal in data["goals"]:
        assert GOAL_KEYS <= set(goal)
        assert KPI_KEYS <= set(goal["kpi"])
        assert set(goal["comments"]) == {"for", "against", "neutral"}
        for action in goal["actions"]:
            assert ACTION_KEYS <= set(action)
        for target in goal["targets"]:
            assert {"order", "description", "reached_on"} <= set(target)
        for revision in goal["revisions"]:
            assert {"version", "published_at", "summary"} <= set(revision)
    revised = next(g for g in data["goals"] if len(g["revisions"]) > 1)
    assert revised["revisions"][1]["summary"]
    counts = [sum(g["comments"].values()) for g in data["goals"]]
    assert sum(counts) >= 3 and {"for", "against", "neutral"} <= {
        stance for g in data["goals"] for stance, n in g["comments"].items() if n}
    body = json.dumps(data)
    assert "@example.org" not in body and "Yusuf" not in body and "Marie" not in body


def test_api_language_parameter(app, client, db):
    _demo(app, db)
    plan_id = client.get("/api/v1/plans").get_json()["plans"][0]["id"]
    spanish = client.get(f"/api/v1/plans/{plan_id}?lang=es").get_json()
    assert spanish["title"].startswith("Plan de Acción") and spanish["language"] == "es"
    assert client.get("/api/v1/plans/9999").status_code == 404
