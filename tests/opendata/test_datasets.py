import csv
import io
import re

import pytest
import sqlalchemy as sa

from civic.config import from_environment
from civic.extensions import db as _db
from civic.opendata.datasets import DATASETS, count_download
from civic.opendata.models import DownloadCount

EXPECTED = {"proposals", "projects", "results", "ballots", "plans", "workplans", "outcomes", "outcome_updates",
            "moderation"}


def _csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _downloads(db, name, fmt):
    return db.session.scalar(sa.select(DownloadCount.downloads).where(DownloadCount.dataset == name,
                                                                      DownloadCount.format == fmt)) or 0


def test_the_registry_has_every_dataset_with_described_columns(app):
    assert set(DATASETS) == EXPECTED
    with app.test_request_context():
        for dataset in DATASETS.values():
            assert str(dataset.title) and str(dataset.description)
            assert len(set(dataset.column_names)) == len(dataset.columns)
            assert all(str(column.description) for column in dataset.columns)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_dataset_downloads_as_csv_and_json_and_counts(client, db, city, name):
    dataset = DATASETS[name]
    response = client.get(f"/open-data/{name}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f'filename="{name}.csv"' in response.headers["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows, f"{name} is empty in the test city"
    assert list(rows[0]) == dataset.column_names

    response = client.get(f"/open-data/{name}.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert data["licence"] == {"id": "CC-BY-4.0", "name": "Creative Commons Attribution 4.0 International",
                               "url": "https://creativecommons.org/licenses/by/4.0/"}
    assert re.match(r"\d{4}-\d\d-\d\dT", data["generated_at"]) and re.match(r"\d{4}-\d\d-\d\dT", data["last_changed"])
    assert [column["name"] for column in data["columns"]] == dataset.column_names
    assert all(column["description"] and column["type"] for column in data["columns"])
    assert len(data["rows"]) == len(rows) and all(list(row) == dataset.column_names for row in data["rows"])

    assert (_downloads(db, name, "csv"), _downloads(db, name, "json")) == (1, 1)
    client.get(f"/open-data/{name}.csv")
    client.head(f"/open-data/{name}.json")  # looking is not downloading
    assert (_downloads(db, name, "csv"), _downloads(db, name, "json")) == (2, 1)


def test_unknown_dataset_is_not_found_and_not_counted(client, db):
    assert client.get("/open-data/users.csv").status_code == 404
    assert client.get("/open-data/proposals.xml").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DownloadCount)) == 0


def test_rows_hold_what_the_city_published(client, db, city):
    proposals = {row["id"]: row for row in client.get("/open-data/proposals.json").get_json()["rows"]}
    assert set(proposals) == {city.proposals[key] for key in ("named", "shy", "phone", "gone")}  # not the hidden one
    named, shy = proposals[city.proposals["named"]], proposals[city.proposals["shy"]]
    assert named["status"] == "accepted" and named["supports"] == 0 and named["comments"] == 3
    assert shy["status"] == "rejected" and shy["status_reason"] == "The square is being rebuilt in 2027."
    assert proposals[city.proposals["phone"]]["channel"] == "phone"

    projects = {row["id"]: row for row in client.get("/open-data/projects.json").get_json()["rows"]}
    footbridge = projects[city.project_id]
    assert footbridge["proposal_ids"] == [city.proposals["named"]] and footbridge["description"] == "Twenty lamps."
    csv_projects = {row["id"]: row for row in _csv_rows(client.get("/open-data/projects.csv"))}
    assert csv_projects[str(city.project_id)]["proposal_ids"] == str(city.proposals["named"])

    results = [row for row in client.get("/open-data/results.json").get_json()["rows"]
               if row["budget_id"] == city.budget_id]
    by_project = {row["title"]: row for row in results}
    assert by_project["Footbridge lights"]["votes"] == 2 and by_project["Footbridge lights"]["selected"] is True
    assert by_project["New benches"]["votes"] == 1 and by_project["Footbridge lights"]["voters"] == 2

    ballots = client.get("/open-data/ballots.json").get_json()["rows"]
    approval = [row for row in ballots if row["budget_id"] == city.budget_id]
    assert len(approval) == 3 and {row["points"] for row in approval} == {1} and {row["rank"] for row in approval} == {None}
    assert len({row["ballot_id"] for row in approval}) == 2
    ranked = sorted((row for row in ballots if row["budget_id"] == city.ranked_budget_id), key=lambda r: r["rank"])
    assert [row["rank"] for row in ranked] == [1, 2]
    project_titles = {row["project_id"]: row["title"] for row in client.get("/open-data/results.json").get_json()["rows"]
                      if row["budget_id"] == city.ranked_budget_id}
    assert [project_titles[row["project_id"]] for row in ranked] == ["Climbing wall", "Skate ramp"]

    plans = client.get("/open-data/plans.json").get_json()["rows"]
    assert len(plans) == 2 and plans[0]["kpi_baseline"] == 31.0 and plans[0]["kpi_target_date"] == "2030-12-31"
    workplan = _csv_rows(client.get("/open-data/workplans.csv"))
    assert len(workplan) == 4 and workplan[0]["estimated_cost"] == "25000.00" and workplan[0]["actual_cost"] == ""
    assert workplan[0]["check_ins"] == "2026-06-30"

    outcome = client.get("/open-data/outcomes.json").get_json()["rows"][0]
    assert outcome["project_ids"] == [city.project_id] and outcome["proposal_ids"] == [city.proposals["named"]]
    assert outcome["actual_cost"] == 120000.5 and outcome["district"] == "Riverside"
    updates = client.get("/open-data/outcome_updates.json").get_json()["rows"]
    assert [row["date"] for row in updates] == ["2026-05-20", "2026-04-02"]
    assert all("author" not in row for row in updates)

    moderation = {(row["event"], row["target"], row["reason"]): row["count"]
                  for row in client.get("/open-data/moderation.json").get_json()["rows"]}
    assert moderation == {("hide", "proposal", "spam"): 1, ("block", "user", "spam"): 1,
                          ("report", "proposal", "spam"): 1, ("report", "comment", "personal_attack"): 1}


def test_empty_datasets_still_have_their_header(client, db):
    response = client.get("/open-data/outcomes.csv")
    assert response.get_data(as_text=True).strip() == ",".join(DATASETS["outcomes"].column_names)
    data = client.get("/open-data/outcomes.json").get_json()
    assert data["rows"] == [] and data["last_changed"] is None


def test_count_download_inserts_then_increments(app, db):
    with app.test_request_context():
        count_download("proposals", "csv")
        count_download("proposals", "csv")
        count_download("proposals", "json")
        _db.session.commit()
    assert _downloads(db, "proposals", "csv") == 2 and _downloads(db, "proposals", "json") == 1


def test_count_download_survives_losing_the_insert_race(app, db, monkeypatch):
    """Another request inserts the row between our UPDATE (which found no row) and our INSERT."""
    from civic.opendata import datasets

    real_execute = _db.session.execute
    raced = []

    def execute(statement, *args, **kwargs):
        result = real_execute(statement, *args, **kwargs)
        if getattr(statement, "is_update", False) and not raced:
            raced.append(True)
            real_execute(sa.insert(DownloadCount).values(dataset="plans", format="csv", downloads=1))
        return result

    with app.test_request_context():
        monkeypatch.setattr(datasets.db.session, "execute", execute)
        count_download("plans", "csv")
        monkeypatch.undo()
        _db.session.commit()
    assert raced and _downloads(db, "plans", "csv") == 2


def test_the_licence_is_configurable(tmp_path):
    assert from_environment(tmp_path, {})["OPEN_DATA_LICENCE"]["id"] == "CC-BY-4.0"
    odbl = from_environment(tmp_path, {"CIVIC_OPEN_DATA_LICENCE": "ODbL-1.0"})["OPEN_DATA_LICENCE"]
    assert odbl == {"id": "ODbL-1.0", "name": "Open Data Commons Open Database License v1.0",
                    "url": "https://opendatacommons.org/licenses/odbl/1-0/"}
    own = from_environment(tmp_path, {"CIVIC_OPEN_DATA_LICENCE": "OGL-UK-3.0",
                                      "CIVIC_OPEN_DATA_LICENCE_NAME": "Open Government Licence v3.0",
                                      "CIVIC_OPEN_DATA_LICENCE_URL": "https://example.org/ogl"})["OPEN_DATA_LICENCE"]
    assert own == {"id": "OGL-UK-3.0", "name": "Open Government Licence v3.0", "url": "https://example.org/ogl"}


def test_json_files_carry_the_configured_licence(app, client, db):
    original = app.config["OPEN_DATA_LICENCE"]
    app.config["OPEN_DATA_LICENCE"] = {"id": "CC0-1.0", "name": "CC0", "url": "https://example.org/cc0"}
    try:
        assert client.get("/open-data/plans.json").get_json()["licence"]["id"] == "CC0-1.0"
        assert "https://example.org/cc0" in client.get("/open-data").get_data(as_text=True)
    finally:
        app.config["OPEN_DATA_LICENCE"] = original
