import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from civic.opendata.openapi import SCHEMAS


def _document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def _validator(document, schema):
    """A Draft 2020-12 validator for one response schema, its $refs resolved within the document."""
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema,
            "components": document["components"]}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _api_routes(app) -> set[str]:
    return {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1"}


def test_the_document_is_valid_openapi_3_1(client, db):
    document = _document(client)
    assert document["openapi"] == "3.1.0"
    validate(document)
    assert document["info"]["license"]["url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert document["servers"] == [{"url": "http://localhost"}]


def test_every_api_route_is_documented_and_nothing_else(app, client, db):
    assert set(_document(client)["paths"]) == _api_routes(app)


def test_schemas_are_valid_json_schema_2020_12():
    for schema in SCHEMAS.values():
        Draft202012Validator.check_schema(schema)


def _fill(path: str, city) -> str:
    ids = {"plan_id": city.plan_id, "budget_id": city.budget_id, "outcome_id": city.outcome_id}
    return re.sub(r"\{(\w+)\}", lambda match: str(ids[match.group(1)]), path)


def _success_schema(operation) -> dict:
    return operation["responses"]["200"]["content"]["application/json"]["schema"]


def test_real_responses_of_every_documented_get_match_their_schemas(client, db, city):
    document = _document(client)
    checked = []
    for path, item in document["paths"].items():
        operation = item["get"]
        urls = [_fill(path, city)]
        for parameter in operation.get("parameters", []):  # and once with each query parameter
            if parameter["in"] == "query":
                value = {"lang": "es", "process": city.process_id, "district": "1", "status": "accepted",
                         "page": 1, "per_page": 2, "goal": city.goal_id}[parameter["name"]]
                urls.append(f"{_fill(path, city)}?{parameter['name']}={value}")
        validator = _validator(document, _success_schema(operation))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            errors = [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
                      for error in validator.iter_errors(response.get_json())]
            assert not errors, (url, errors)
            checked.append(url)
    assert len(checked) >= 15


@pytest.mark.parametrize("path", ["/api/v1/plans/{plan_id}", "/api/v1/budgets/{budget_id}",
                                  "/api/v1/outcomes/{outcome_id}"])
def test_missing_items_answer_the_documented_404(client, db, path):
    document = _document(client)
    assert "404" in document["paths"][path]["get"]["responses"]
    assert client.get(re.sub(r"\{\w+\}", "999999", path)).status_code == 404


def test_the_schemas_would_catch_a_changed_response(client, db, city):
    """additionalProperties and required make the schemas strict: drift in either direction fails."""
    document = _document(client)
    validator = _validator(document, {"$ref": "#/components/schemas/Outcome"})
    record = client.get(f"/api/v1/outcomes/{city.outcome_id}").get_json()
    assert validator.is_valid(record)
    assert not validator.is_valid({**record, "author": "Someone"})
    assert not validator.is_valid({key: value for key, value in record.items() if key != "updates"})
    assert not validator.is_valid({**record, "estimated_cost": "300000"})
