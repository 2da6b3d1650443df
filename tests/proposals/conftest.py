"""Proposals made through the real services, as residents and staff would."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from civic.core.db import utcnow
from civic.proposals import services
from tests.plans.conftest import make_plan  # noqa: F401
from tests.processes.conftest import make_process  # noqa: F401


def proposal_data(**overrides) -> services.ProposalData:
    values = dict(title="Shade trees on Market Street", body="Plant twenty trees.\n\nWith benches between them.",
                  category="dimension:environment", district_id=None, language="en")
    values.update(overrides)
    return services.ProposalData(**values)


def form_data(**overrides) -> dict:
    values = {"title": "Shade trees on Market Street", "body": "Plant twenty trees.\n\nWith benches.",
              "language": "en", "category": "dimension:environment", "district": "", "address": "",
              "latitude": "", "longitude": "", "photo_alt": "", "show_name": "no"}
    values.update(overrides)
    return values


def image_bytes(fmt: str = "PNG", size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 60)).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def make_proposal(db, make_user, make_process):
    """make_proposal(process=None, author=None, **ProposalData overrides) -> Proposal (committed)."""

    def make(process=None, author=None, **overrides):
        process = process or make_process()
        proposal = services.submit_proposal(author or make_user(), process, proposal_data(**overrides), utcnow())
        db.session.commit()
        return proposal

    return make
