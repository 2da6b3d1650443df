"""The audit trail of staff and administrator actions (issue 10, "Trust").

Every staff action leaves exactly one entry, written in the same transaction as the action; the
database refuses to change or remove entries; administrators read, filter and export them.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from civic.accounts import personal_data
from civic.accounts import services as accounts
from civic.accounts.models import Role, User
from civic.core import audit
from civic.core.audit import AuditEntry
from civic.core.db import utcnow
from civic.outcomes import services as outcomes
from civic.plans import services as plans
from civic.processes import services as processes
from tests.conftest import TEST_PASSWORD
from tests.plans.conftest import make_plan  # noqa: F401  (shared fixtures)
from tests.processes.conftest import make_process, process_data  # noqa: F401


def _entries(db) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)))


def _new_entries(db, before: list[AuditEntry]) -> list[AuditEntry]:
    seen = {entry.id for entry in before}
    return [entry for entry in _entries(db) if entry.id not in seen]


# --- The database keeps the trail append-only ---------------------------------------------------------


def test_the_database_refuses_to_change_or_remove_an_entry(db, make_user):
    admin = make_user(Role.ADMIN)
    audit.record(admin, "account.role_changed", subject_type="user", subject_id=admin.id, now=utcnow(),
                 details={"from": "staff", "to": "admin"})
    db.session.commit()
    [entry] = _entries(db)
    for statement in ("UPDATE audit_entry SET action = 'nothing.happened' WHERE id = :id",
                      "UPDATE audit_entry SET actor_id = NULL WHERE id = :id",
                      "DELETE FROM audit_entry WHERE id = :id",
                      "DELETE FROM audit_entry"):
        with pytest.raises((sa.exc.DBAPIError, sa.exc.IntegrityError), match="append-only"):
            with db.session.begin_nested():
                db.session.execute(sa.text(statement), {"id": entry.id})
    [kept] = _entries(db)
    assert (kept.id, kept.action, kept.actor_id) == (entry.id, "account.role_changed", admin.id)


def test_postgresql_refuses_to_truncate_the_trail(db, make_user):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's; SQLite has none")
    audit.record(None, "account.admin_created", subject_type="user", subject_id=None, now=utcnow())
    db.session.commit()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with db.session.begin_nested():
            db.session.execute(sa.text("TRUNCATE audit_entry"))
    assert len(_entries(db)) == 1


def test_details_never_hold_secrets(db, make_user):
    staff = make_user(Role.STAFF)
    for key in ("password", "document_number", "ballot", "choices", "token", "voter_hash"):
        with pytest.raises(ValueError, match="must not keep"):
            audit.record(staff, "budget.saved", subject_type="budget", subject_id=1, now=utcnow(),
                         details={key: "x"})
    assert _entries(db) == []


# --- Each staff action leaves exactly one entry, in its own transaction ----------------------------------


def test_a_role_change_leaves_one_entry(client, db, login_as, make_user):
    admin = login_as(Role.ADMIN)
    resident = make_user()
    before = _entries(db)
    response = client.submit(f"/admin/users/{resident.id}/role", {f"user-{resident.id}-role": "staff"})
    assert response.status_code == 302
    [entry] = _new_entries(db, before)
    assert (entry.actor_id, entry.actor_name, entry.actor_email, entry.actor_role) == (
        admin.id, admin.display_name, admin.email, "admin")
    assert (entry.action, entry.subject_type, entry.subject_id) == ("account.role_changed", "user", resident.id)
    assert entry.details == {"from": "resident", "to": "staff"}


def test_saving_the_same_role_again_is_not_an_action(client, db, login_as, make_user):
    login_as(Role.ADMIN)
    staff = make_user(Role.STAFF)
    before = _entries(db)
    client.submit(f"/admin/users/{staff.id}/role", {f"user-{staff.id}-role": "staff"})
    assert _new_entries(db, before) == []


def test_a_goal_revision_leaves_one_entry(ctx, db, make_plan, make_user):
    plan = make_plan(goals=1, actions=0, consultation="closed")
    goal, staff = plan.goals[0], make_user(Role.STAFF)
    before = _entries(db)
    plans.revise_goal(staff, goal, statement="Half of all trips by bicycle by 2030.",
                      note="Residents asked for a clearer target.", language="en", now=utcnow())
    db.session.commit()
    [entry] = _new_entries(db, before)
    assert (entry.actor_id, entry.action, entry.subject_type, entry.subject_id) == (
        staff.id, "goal.revised", "goal", goal.id)
    assert entry.details == {"version": 2, "language": "en"}


def test_an_outcome_edit_leaves_one_entry_saying_what_changed(ctx, db, make_user):
    staff = make_user(Role.STAFF)
    outcome = outcomes.save_outcome(staff, None, outcomes.OutcomeData(title="New footbridge"), language="en",
                                    now=utcnow())
    db.session.commit()
    before = _entries(db)
    outcomes.save_outcome(staff, outcome, outcomes.OutcomeData(title="New footbridge", status="in_progress",
                                                               progress=20), language="en", now=utcnow())
    db.session.commit()
    [entry] = _new_entries(db, before)
    assert (entry.actor_id, entry.action, entry.subject_type, entry.subject_id) == (
        staff.id, "outcome.saved", "outcome", outcome.id)
    assert {"status", "progress"} <= set(entry.details["changed"]) and "titles" not in entry.details["changed"]


def test_a_process_save_leaves_one_entry(ctx, db, make_user):
    staff = make_user(Role.STAFF)
    before = _entries(db)
    process = processes.save_process(staff, None, process_data(), language="en", now=utcnow())
    db.session.commit()
    [entry] = _new_entries(db, before)
    assert (entry.actor_id, entry.action, entry.subject_type, entry.subject_id, entry.details) == (
        staff.id, "process.saved", "process", process.id, {"created": True})
    processes.save_process(staff, process, process_data(channel_in_person=True), language="en", now=utcnow())
    db.session.commit()
    [edit] = _new_entries(db, before + [entry])
    assert edit.details == {"changed": ["channel_in_person"]}


def test_a_rolled_back_action_leaves_no_entry(db, make_user):
    admin, resident = make_user(Role.ADMIN), make_user()
    accounts.set_role(admin, resident, Role.MODERATOR, now=utcnow())
    db.session.rollback()
    assert _entries(db) == []
    assert db.session.get(User, resident.id).role == "resident"


def test_a_refused_action_leaves_no_entry(client, db, login_as, make_process):
    process = make_process()
    login_as(Role.STAFF)
    before = _entries(db)
    form = {"title": "", "decides": "", "impacts": "", "scope": "", "channel_online": "y"}
    response = client.submit(f"/staff/processes/{process.id}/edit", form)
    assert response.status_code in (200, 422)
    assert _new_entries(db, before) == []


# --- Account deletion keeps the trail --------------------------------------------------------------------


def test_a_deleted_staff_account_keeps_its_trail(db, make_user):
    admin, resident = make_user(Role.ADMIN, display_name="Ana Official"), make_user()
    accounts.set_role(admin, resident, Role.STAFF, now=utcnow())
    db.session.commit()
    assert personal_data.collect(admin)["audit_trail"][0]["action"] == "account.role_changed"
    accounts.delete_account(admin, password=TEST_PASSWORD, now=utcnow())
    db.session.commit()
    [entry] = _entries(db)
    assert (entry.actor_id, entry.actor_name, entry.actor_role) == (admin.id, "Ana Official", "admin")
    assert db.session.get(User, admin.id).display_name == "—"


# --- The administrators' page and exports ----------------------------------------------------------------


@pytest.fixture
def trail(db, make_user):
    """Three entries by two people, on three days."""
    now = utcnow()
    ana = make_user(Role.ADMIN, display_name="Ana Official", email="ana@city.example")
    bo = make_user(Role.STAFF, display_name="=HYPERLINK(\"https://evil.example\")", email="bo@city.example")
    audit.record(ana, "account.role_changed", subject_type="user", subject_id=bo.id, now=now - timedelta(days=2),
                 details={"from": "resident", "to": "staff"})
    audit.record(bo, "process.saved", subject_type="process", subject_id=7, now=now - timedelta(days=1),
                 details={"created": True})
    audit.record(bo, "outcome.saved", subject_type="outcome", subject_id=9, now=now,
                 details={"changed": ["status"], "status": "+cmd|' /C calc'!A0"})
    db.session.commit()
    return {"ana": ana, "bo": bo}


@pytest.mark.parametrize("role", [None, Role.RESIDENT, Role.MODERATOR, Role.STAFF, Role.TRACKER])
def test_only_administrators_read_the_trail(client, db, login_as, role):
    if role is not None:
        login_as(role)
    for url in ("/admin/audit", "/admin/audit.csv", "/admin/audit.json"):
        response = client.get(url)
        assert response.status_code == (302 if role is None else 403), url


def test_the_page_lists_entries_newest_first_in_words(client, db, login_as, trail):
    login_as(Role.ADMIN)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "<caption" in page and 'scope="col"' in page and 'scope="row"' in page
    table = page.split("<tbody>")[1]
    saved, created, changed = (table.index("Saved an outcome"), table.index("Saved a participatory process"),
                               table.index("Changed the role of an account"))
    assert saved < created < changed
    assert "<bdi>Ana Official</bdi> (Administrator), account" in page and "participatory process number 7" in page
    assert "<dt>created</dt> <dd dir=\"auto\">yes</dd>" in page
    assert 'href="/admin/audit"' in page  # the admin navigation links the page


@pytest.mark.parametrize("query, expected", [
    ("action=process.saved", ["process.saved"]),
    ("actor=ANA@city", ["account.role_changed"]),
    ("subject_type=outcome&subject_id=9", ["outcome.saved"]),
    ("subject_type=outcome&subject_id=8", []),
])
def test_the_page_filters(client, db, login_as, trail, query, expected):
    login_as(Role.ADMIN)
    exported = json.loads(client.get(f"/admin/audit.json?{query}").get_data(as_text=True))
    assert [row["action"] for row in exported] == expected
    page = client.get(f"/admin/audit?{query}").get_data(as_text=True)
    assert f"{len(expected)} entr" in page


def test_the_page_filters_by_date_and_actor_number(client, db, login_as, trail):
    login_as(Role.ADMIN)
    today, yesterday = utcnow().date(), utcnow().date() - timedelta(days=1)
    rows = client.get(f"/admin/audit.json?since={yesterday}&until={yesterday}").get_json()
    assert [row["action"] for row in rows] == ["process.saved"]
    rows = client.get(f"/admin/audit.json?since={today + timedelta(days=2)}").get_json()
    assert rows == []
    rows = client.get(f"/admin/audit.json?actor=%23{trail['bo'].id}").get_json()
    assert [row["action"] for row in rows] == ["outcome.saved", "process.saved"]


def test_a_filter_that_does_not_parse_is_explained(client, db, login_as, trail):
    login_as(Role.ADMIN)
    response = client.get("/admin/audit?since=yesterday")
    assert response.status_code == 200
    assert "error-summary" in response.get_data(as_text=True)


def test_the_page_is_paginated_and_keeps_the_filter(client, db, login_as, make_user):
    admin = login_as(Role.ADMIN)
    now = utcnow()
    for number in range(51):
        audit.record(admin, "process.saved", subject_type="process", subject_id=number + 1,
                     now=now - timedelta(minutes=number))
    db.session.commit()
    page = client.get("/admin/audit?action=process.saved").get_data(as_text=True)
    assert page.count("participatory process number") == 50
    assert "page=2" in page and "action=process.saved" in page.split('rel="next"')[1].split(">")[0]
    second = client.get("/admin/audit?action=process.saved&page=2").get_data(as_text=True)
    assert second.count("participatory process number") == 1 and "participatory process number 51" in second


def test_the_csv_export_is_the_filtered_rows_and_spreadsheet_safe(client, db, login_as, trail):
    login_as(Role.ADMIN)
    response = client.get("/admin/audit.csv?actor=bo%40city")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["action"] for row in rows] == ["outcome.saved", "process.saved"]
    assert rows[1]["action_label"] == "Saved a participatory process"
    assert {row["actor_name"] for row in rows} == {"'=HYPERLINK(\"https://evil.example\")"}
    assert rows[0]["subject_type"] == "outcome" and rows[0]["subject_id"] == "9"
    assert json.loads(rows[0]["details"]) == {"changed": ["status"], "status": "+cmd|' /C calc'!A0"}
    for row in rows:
        assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())
