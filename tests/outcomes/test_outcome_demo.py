"""The demo city's outcomes: winners and plan actions tracked, some late, some completed with costs,
a score-card success, and a community group following several items."""

from __future__ import annotations

import sqlalchemy as sa

from civic.core.db import utcnow
from civic.demo import load_demo
from civic.groups.models import CommunityGroup, GroupFollow
from civic.outcomes import services
from civic.outcomes.models import Outcome


def test_demo_outcomes(app, client, db):
    with app.app_context():
        load_demo("demo-passphrase-9")
        db.session.commit()
        load_demo("demo-passphrase-9")  # idempotent
        db.session.commit()
    outcomes = db.session.scalars(sa.select(Outcome).order_by(Outcome.id)).all()
    today = utcnow().date()
    assert sum(1 for o in outcomes if o.projects) == 5  # the five funded projects of 2025
    assert any(o.action_id for o in outcomes)
    assert any(services.days_late(o, today) for o in outcomes)
    assert any(o.status == "completed" and o.actual_cost for o in outcomes)
    assert any(o.children for o in outcomes)
    parent = next(o for o in outcomes if o.children)
    assert 0 < parent.progress < 100
    assert any(o.goal and any(t.reached_on for t in o.goal.targets) for o in outcomes)  # a success to show
    group = db.session.scalars(sa.select(CommunityGroup)).one()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GroupFollow).where(
        GroupFollow.group_id == group.id)) >= 3
    api = client.get("/api/v1/outcomes").get_json()["outcomes"]
    assert len(api) == len(outcomes) and any(item["project_ids"] for item in api)
