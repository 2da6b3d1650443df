"""Processes built through the real services, as staff would."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from civic.core.db import utcnow
from civic.processes import services
from civic.processes.models import PHASES
from tests.plans.conftest import make_plan  # noqa: F401  (processes link plan goals)


def process_data(**overrides) -> services.ProcessData:
    values = dict(title="Riverford Participatory Budget 2027", description="Tell us your ideas.",
                  decides="Which projects the city builds with €2.5M.",
                  impacts="The winning projects are built in 2027.", district_id=None, channel_online=True,
                  channel_phone=True, channel_in_person=False, premoderation=False, phases={}, goal_ids=[])
    values.update(overrides)
    return services.ProcessData(**values)


def phases_around(today: date, open_phase: str | None = "proposals") -> dict:
    """Five consecutive phases of ten days; `open_phase` is the one that includes today."""
    index = PHASES.index(open_phase) if open_phase else 0
    start = today - timedelta(days=10 * index + 2)
    phases = {}
    for kind in PHASES:
        phases[kind] = (start, start + timedelta(days=9))
        start += timedelta(days=10)
    return phases


@pytest.fixture
def make_process(db, make_user):
    """make_process(open_phase="proposals", **ProcessData overrides) -> Process (committed)."""

    def make(open_phase: str | None = "proposals", **overrides):
        staff = make_user("staff")
        now = utcnow()
        overrides.setdefault("phases", phases_around(services.local_date(now), open_phase))
        process = services.save_process(staff, None, process_data(**overrides), language="en", now=now)
        db.session.commit()
        return process

    return make
