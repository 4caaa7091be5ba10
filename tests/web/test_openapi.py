"""GET /api/openapi.json: it matches the app's /api routes, and the API keeps to it under fuzzing.

The fuzzing runs Schemathesis (its Python API, with Hypothesis) in process against the WSGI
app: for every operation, generated valid and invalid requests as an applicant, a county
official and a city official, half of them aimed at a real case, task and attachment.
No answer may be a 5xx, nor have a status code, content type or JSON shape the document
does not declare.
"""

from __future__ import annotations

import re
import shutil

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import AcceptedNegativeData, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from app.extensions import db
from app.models import WorkItem
from app.services import users
from app.web.api import openapi_document
from tests.processes import examples_kunming as km
from tests.processes.driver import (  # noqa: F401
    Api,
    CaseDriver,
    app_from_template,
    find_user,
    loaded_app,
    template_db,
)

ROLES = ("km_applicant", "km_county_wuhua", "km_city")
EXAMPLES = 12  # per operation, role and mode: the whole fuzzing stays well under a minute
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def app(loaded_app):  # noqa: F811 - the web fixtures (client) run on the copied database
    return loaded_app


def _spec_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def _app_operations(app) -> set[tuple[str, str]]:
    return {(method, _spec_path(rule.rule)) for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/") for method in rule.methods & METHODS}


def test_the_document_is_served_without_a_token_as_openapi_3_1(client):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200 and response.is_json
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": document["components"][
            "securitySchemes"]["bearer"]["description"]}


def test_every_api_route_is_in_the_document_and_every_documented_path_exists(app, client):
    document = client.get("/api/openapi.json").get_json()
    documented = {(method.upper(), path) for path, item in document["paths"].items()
                  for method in item if method.upper() in METHODS}

    assert documented == _app_operations(app)


def test_every_operation_declares_its_errors_as_error_objects(client):
    document = client.get("/api/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert "400" in codes, (method, path)
            assert "401" in codes or operation.get("security") == [], (method, path)


# ------------------------------------------------------------------ fuzzing


@pytest.fixture(scope="module")
def fuzzed(template_db, tmp_path_factory):  # noqa: F811
    """A loaded app with one Kunming case submitted (county and city have work on it)."""
    folder = tmp_path_factory.mktemp("fuzz")
    app = app_from_template(template_db, folder)
    with app.app_context():
        client = Api(app)
        case = CaseDriver(client, "kunming_recognition", "km_applicant", "km_city")
        case.start()
        attachment = client.upload("km_applicant", case.id)["id"]
        case.complete("km_applicant", "submit_application", km.APPLICATION, "2026-03-02T09:00")
        task = db.session.scalars(sa.select(WorkItem.id).where(
            WorkItem.case_id == case.id, WorkItem.status == "ready")).first()
        known = {"case_id": case.id, "task_id": task, "attachment_id": attachment}
        tokens = {name: users.issue_token(find_user(name)) for name in ROLES}
        schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
        yield schema, known, tokens
        db.session.remove()
        db.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


def _fuzz_targets() -> list:
    """Return (mode, "METHOD path"): invalid requests only where there is input to spoil."""
    targets = []
    for path, item in openapi_document()["paths"].items():
        for method, operation in item.items():
            modes = [schemathesis.GenerationMode.POSITIVE]
            if operation.get("parameters") or operation.get("requestBody"):
                modes.append(schemathesis.GenerationMode.NEGATIVE)
            targets += [pytest.param(mode, f"{method.upper()} {path}",
                                     id=f"{mode.value}-{method.upper()} {path}") for mode in modes]
    return targets


# The API ignores query parameters it does not know and reads an empty one as absent (as
# HTML filter forms send them), and every request here carries a valid token: a request
# "spoiled" only in those ways is a valid request.
LENIENT = {"query: violates `additionalProperties`",
           "header: violates `required` (was Authorization)"}
SPOILED_QUERY = re.compile(r"parameter `(\w+)` in query - violates")


def _lenient(spoiled: str, query: dict) -> bool:
    match = SPOILED_QUERY.search(spoiled)
    replaced_token = spoiled.startswith("header:") and "Authorization" in spoiled
    return spoiled in LENIENT or replaced_token or bool(match and query.get(match[1]) == "")


def _spoiled_only_where_the_api_is_lenient(failure, query: dict) -> bool:
    if not isinstance(failure, AcceptedNegativeData):
        return False
    lines = [line.strip() for line in failure.message.splitlines()]
    spoiled = [line[2:] for line in lines if line.startswith("- ")]
    spoiled += [line.split(":", 1)[1].strip() for line in lines
                if line.startswith("Invalid component:") and line.split(":", 1)[1].strip()]
    return bool(spoiled) and all(_lenient(item, query) for item in spoiled)


def _fuzz(schema, operation, mode, known: dict, token: str) -> None:
    checks = CHECKS + ([negative_data_rejection] if mode is schemathesis.GenerationMode.NEGATIVE
                       else [])

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode), aim=st.booleans())
    def run(case, aim):
        # Half the valid requests reach a real object, so more than 404 is tried; an invalid
        # request keeps its spoiled path.
        if aim and mode is schemathesis.GenerationMode.POSITIVE:
            for name in case.path_parameters or {}:
                case.path_parameters[name] = known.get(name, case.path_parameters[name])
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        try:
            case.validate_response(response, checks=checks)
        except FailureGroup as group:
            if not all(_spoiled_only_where_the_api_is_lenient(f, case.query or {})
                       for f in group.exceptions):
                raise

    run()


# Schemathesis' WSGI transport leaves a downloaded file's response unclosed.
@pytest.mark.filterwarnings("ignore::ResourceWarning",
                            "ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("mode, operation_id", _fuzz_targets())
def test_the_api_never_fails_and_answers_only_as_documented(fuzzed, mode, operation_id):
    schema, known, tokens = fuzzed
    method, path = operation_id.split(" ", 1)
    operation = schema[path][method]
    for role in ROLES:
        _fuzz(schema, operation, mode, known, tokens[role])
