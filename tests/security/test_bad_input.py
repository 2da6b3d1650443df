"""Bad input never gives a 500 and never loses the good part (issue 10, finding 8)."""

from __future__ import annotations

import io
import json
import struct
import zlib
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from icalendar import Calendar
from PIL import Image
from sqlalchemy.exc import DataError, IntegrityError

from civic.budgets.eligibility import import_list
from civic.budgets.models import EligibleDocument
from civic.core.db import utcnow
from civic.core.errors import DomainError
from civic.outcomes.csvimport import import_updates
from civic.outcomes.services import UpdateData, post_update
from civic.outcomes.models import OutcomeUpdate
from civic.proposals import photos
from civic.proposals.models import Proposal
from tests.budgets.conftest import make_budget  # noqa: F401
from tests.outcomes.conftest import make_outcome  # noqa: F401
from tests.plans.conftest import make_plan  # noqa: F401
from tests.processes.conftest import make_process  # noqa: F401
from tests.proposals.conftest import form_data

HUGE_IDS = (2**31, 2**63, 10**30)


def _png_header_only(width: int, height: int) -> bytes:
    """A valid PNG header claiming width × height pixels, with no pixel data (about 65 bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


# Images --------------------------------------------------------------------------------------

def test_an_image_claiming_too_many_pixels_is_refused_before_decoding(ctx, monkeypatch):
    bomb = _png_header_only(1, 39_999_999)
    assert len(bomb) < 100

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(Image.Image, "load", no_decoding)
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", no_decoding)
    with pytest.raises(DomainError) as refused:
        photos.reencode(bomb)
    assert refused.value.field == "photo" and "too many pixels" in str(refused.value.message)
    with pytest.raises(DomainError):
        photos.check(_png_header_only(9000, 10))


def test_a_form_with_a_too_large_image_keeps_the_other_answers(client, db, login_as, make_process, monkeypatch):
    process = make_process()
    login_as()
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", lambda *a, **k: pytest.fail("the image was decoded"))
    data = form_data(title="Benches by the river", photo_alt="A bench")
    data["photo"] = (io.BytesIO(_png_header_only(1, 39_999_999)), "bench.png")
    response = client.submit(f"/processes/{process.id}/proposals/new", data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The photo has too many pixels" in page and 'value="Benches by the river"' in page
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 0


# CSV imports ---------------------------------------------------------------------------------

MALFORMED_LINES = [
    b"AB-0002,nowhere,extra",  # 3: too many values
    b"AB-0003\x00,",  # 4: a NUL
    b"AB-\xff\xfe04,",  # 5: not UTF-8
    b"AB-0006," + b"x" * 200_000,  # 6: over the csv module's field limit
    b'AB-0007,"never closed',  # 7: a quote that is never closed (reading goes on after it)
]


def test_eligibility_list_keeps_every_good_line_and_reports_each_bad_one(ctx, db, make_user):
    raw = b"\n".join([b"\xef\xbb\xbfdocument_number,district", b"AB-0001,", *MALFORMED_LINES, b"AB-0008,",
                      b"AB-0009"])
    report = import_list(make_user("staff"), raw, utcnow())
    assert report.added == 3
    assert [line for line, _reason in report.rejected] == [3, 4, 5, 6, 7]
    reasons = [str(reason) for _line, reason in report.rejected]
    assert "3 values" in reasons[0] and "null character" in reasons[1] and "UTF-8" in reasons[2]
    assert "longer than" in reasons[3] and "not closed" in reasons[4]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EligibleDocument)) == 3


def test_outcome_update_import_keeps_every_good_line_and_reports_each_bad_one(ctx, db, make_user, make_outcome):
    outcome = make_outcome()
    good = f"{outcome.id},2026-01-05,20,,Fences up,1000".encode()
    raw = b"\n".join([
        b"outcome_id,date,progress,status,text,actual_cost", good,  # 2
        f"{2**40},2026-01-05,,,Too far,".encode(),  # 3: an id no column can hold
        f"{outcome.id},2026-01-05,,,Too dear,1e30".encode(),  # 4
        f"{outcome.id},2026-01-05,,,Endless,Infinity".encode(),  # 5
        f"{outcome.id},2026-01-05,,,Unknown,NaN".encode(),  # 6
        f"{outcome.id},2026-01-05,{10**20},,Too far along,".encode(),  # 7
        f"{outcome.id},99999-01-05,,,Far future,".encode(),  # 8
        f"{outcome.id},2026-01-05,,,Nul\x00here,".encode(),  # 9
        f"{outcome.id},2026-01-05,,,\"Two\nlines\",".encode(),  # 10 and 11: one quoted value
        f"{outcome.id},2026-01-05,,,Broken \xff,".encode("latin-1"),  # 12
        f"{outcome.id},2026-01-06,40,,Paving done,2000".encode(),  # 13
    ])
    report = import_updates(make_user("staff"), raw, utcnow())
    assert [line for line, _reason in report.rejected] == [3, 4, 5, 6, 7, 8, 9, 12]
    assert report.added == 3
    texts = set(db.session.scalars(sa.select(OutcomeUpdate.text).where(OutcomeUpdate.outcome_id == outcome.id)))
    assert texts == {"Fences up", "Two\nlines", "Paving done"}


# Ids out of range ----------------------------------------------------------------------------

@pytest.mark.parametrize("number", HUGE_IDS)
def test_ids_past_any_column_are_not_found(client, db, number):
    for url in (f"/processes/{number}", f"/proposals/{number}", f"/outcomes/{number}", f"/budgets/{number}",
                f"/processes/{number}/phases.ics", f"/api/v1/outcomes/{number}"):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("number", HUGE_IDS)
def test_query_string_numbers_out_of_range_read_as_absent(client, db, number):
    for url in (f"/proposals/?process={number}&district={number}", f"/proposals/?page={number}",
                f"/outcomes/?goal={number}", f"/api/v1/proposals?page={number}&per_page={number}"):
        assert client.get(url).status_code == 200, url
    assert client.get(f"/api/v1/outcomes?goal={number}").status_code == 400  # as for goal=abc


@pytest.mark.parametrize("number", HUGE_IDS)
def test_a_chosen_id_out_of_range_is_a_form_error(client, db, login_as, make_process, number):
    process = make_process()
    login_as()
    response = client.submit(f"/processes/{process.id}/proposals/new", form_data(district=str(number)))
    assert response.status_code == 422
    assert 'value="Shade trees on Market Street"' in response.get_data(as_text=True)


# NUL characters ------------------------------------------------------------------------------

def test_a_nul_in_a_form_field_is_a_clear_error_and_keeps_the_text(client, db, login_as, make_process):
    process = make_process()
    login_as()
    response = client.submit(f"/processes/{process.id}/proposals/new",
                             form_data(title="Shade\x00 trees", body="Plant twenty trees."))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "null character" in page and 'value="Shade trees"' in page and "Plant twenty trees." in page
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 0


def test_a_nul_in_the_address_is_a_clear_400(client, db):
    for url in ("/proposals/?q=trees%00", "/groups/river%00side", "/proposals/?%00=1"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "null character" in response.get_data(as_text=True)


# Numbers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("cost", ["1e30", "Infinity", "NaN", "-Infinity", "sNaN", "1000000000000"])
def test_a_cost_out_of_range_is_refused_at_the_form(client, db, login_as, make_outcome, cost):
    outcome = make_outcome()
    login_as("staff")
    response = client.submit(f"/staff/outcomes/{outcome.id}/updates/new",
                             {"on": "2026-01-05", "text": "Fences up", "actual_cost": cost})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Fences up" in page
    assert db.session.scalar(sa.select(sa.func.count(OutcomeUpdate.id))) == 0


def test_the_database_refuses_numbers_past_the_bounds(ctx, db, make_user, make_outcome, make_budget):
    outcome, budget = make_outcome(), make_budget()
    post_update(make_user("staff"), outcome, UpdateData(on=date(2026, 1, 5), text="Fences up"), utcnow())
    for statement in ["UPDATE outcome SET actual_cost = 10000000000000", "UPDATE outcome SET weight = 2000000",
                      "UPDATE outcome_update SET actual_cost = 10000000000000",
                      "UPDATE outcome_update SET actual_cost = -1", "UPDATE budget SET amount = 10000000000000",
                      "UPDATE budget SET max_projects = 2000000", "UPDATE project SET cost = 10000000000000"]:
        # A CHECK constraint (IntegrityError); numeric(14, 2) on PostgreSQL refuses first (DataError).
        with pytest.raises((IntegrityError, DataError)), db.session.begin_nested():
            db.session.execute(sa.text(f"{statement} WHERE id IN (SELECT id FROM {statement.split()[1]})"))
    assert budget.amount and outcome.weight == 1


def test_the_largest_cost_allowed_shows_on_the_public_page(client, db, make_outcome):
    outcome = make_outcome(estimated_cost=Decimal("999999999999.99"), actual_cost=Decimal("999999999999.99"))
    response = client.get(f"/outcomes/{outcome.id}")
    assert response.status_code == 200
    assert "999,999,999,999" in response.get_data(as_text=True)


# JSON ----------------------------------------------------------------------------------------

def _strict(text: str):
    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


def test_json_never_holds_nan_or_infinity(app, client, db, make_outcome):
    with pytest.raises(ValueError):
        app.json.dumps({"cost": float("inf")})
    make_outcome(estimated_cost=Decimal("999999999999.99"))
    for url in ("/api/v1/outcomes", "/open-data/outcomes.json", "/open-data/workplans.json"):
        response = client.get(url)
        assert response.status_code == 200, url
        _strict(response.get_data(as_text=True))


# iCalendar -----------------------------------------------------------------------------------

def test_line_breaks_and_separators_in_a_title_keep_the_calendar_valid(client, db, make_process):
    process = make_process(title="Budget\r\nfor; the, city\rof\x0bRiverford", decides="Which parks\r\nand; schools")
    for url in (f"/processes/{process.id}/phases.ics", "/processes/phases.ics"):
        response = client.get(url)
        assert response.status_code == 200, url
        calendar = Calendar.from_ical(response.data)
        events = calendar.walk("VEVENT")
        assert events
        assert str(events[0]["SUMMARY"]).startswith("Budget for; the, city of Riverford: ")
        assert str(events[0]["DESCRIPTION"]) == "Which parks\nand; schools"
    # X- properties are read back raw: the escaped text is on one unfolded line.
    unfolded = client.get(f"/processes/{process.id}/phases.ics").data.replace(b"\r\n ", b"")
    assert b"X-WR-CALNAME:Budget for\\; the\\, city of Riverford\r\n" in unfolded
    assert all(len(line) <= 75 for line in response.data.split(b"\r\n"))
