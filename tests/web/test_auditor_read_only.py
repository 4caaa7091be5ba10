"""Auditors are read-only everywhere: every route that changes something answers 403 to them
and changes nothing. The routes come from the app's url_map, so a new route is covered the
day it is added; its path parameters are filled with real ids of a demo case."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import g

from app.extensions import db
from app.models import Attachment, Call
from app.services import demo, users
from app.web import security
from app.web.layout import now
from tests.web import support

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
REFUSAL = "审计监察只能查阅"
# Excluded on purpose: the auditor's own session and password (auth), and verification,
# which replays a case and changes nothing (tested below).
READS = security.READ_POSTS


@pytest.fixture
def known(app, submitted_case) -> dict:
    """Real values for every path parameter of the url_map."""
    case = support.case(submitted_case)
    item = support.ready_item(submitted_case)
    calls = demo.open_demo_calls(now())
    attachment = db.session.scalars(sa.select(Attachment).where(
        Attachment.case_id == case.id)).first()
    return {"case_id": case.id, "task_id": item.id, "attachment_id": attachment.id,
            "key": case.process_key, "version": case.process_version.version,
            "version_id": case.process_version_id, "call_id": calls[0].id if calls else
            db.session.scalars(sa.select(Call.id)).first(),
            "user_id": support.user("km_city").id, "day": "2026-10-01", "lang": "zh",
            "file": "kunming.dmn", "form": "km_application", "filename": "app.css",
            "token": "not-a-reset-token"}


def _url(rule: str, known: dict) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(known[m[1]]), rule)


def _write_routes(app) -> list[tuple[str, str, str]]:
    """Return (method, rule, endpoint) of every changing route but the auditor's reads."""
    return sorted((method, rule.rule, rule.endpoint) for rule in app.url_map.iter_rules()
                  for method in rule.methods & WRITE_METHODS
                  if rule.endpoint not in READS
                  and not rule.rule.startswith(security.READ_PREFIXES))


def _snapshot() -> dict:
    """Every row of every table (the test database is small)."""
    db.session.expire_all()
    with db.engine.connect() as connection:
        return {table.name: sorted(map(repr, connection.execute(sa.select(table)).all()))
                for table in db.metadata.sorted_tables}


def _csrf_login(client, app, username: str) -> str:
    """Log in through the real form with CSRF on; return the session's CSRF token."""
    app.config["WTF_CSRF_ENABLED"] = True
    client.post("/logout")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    response = client.post("/login", data={"username": username, "password": "demo1234",
                                            "csrf_token": token})
    assert response.status_code == 302
    g.pop("csrf_token", None)  # the test's app context outlives the request that cached it
    page = client.get("/cases").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page)[1]


def _send(client, method: str, url: str, csrf: str, token: str):
    if url.startswith("/api/"):
        return client.open(url, method=method, json={},
                           headers={"Authorization": f"Bearer {token}"})
    return client.open(url, method=method, data={"csrf_token": csrf},
                       headers={"X-CSRFToken": csrf})


def test_every_changing_route_answers_403_to_an_auditor_and_changes_nothing(
        app, client, known, user):
    token = users.issue_token(user("km_auditor"))
    csrf = _csrf_login(client, app, "km_auditor")
    routes = _write_routes(app)
    before = _snapshot()

    wrong = []
    for method, rule, _endpoint in routes:
        url = _url(rule, known)
        response = _send(client, method, url, csrf, token)
        body = response.get_json()["error"] if response.is_json else support.text(response)
        if response.status_code != 403 or REFUSAL not in body:
            wrong.append((method, url, response.status_code, body[:200]))

    assert len(routes) > 30  # the enumeration found the product's routes
    assert wrong == []
    assert _snapshot() == before


def test_the_refusal_is_a_page_on_the_web_and_json_on_the_api(client, login_as, known, user):
    login_as("km_auditor")
    page = client.post(f"/tasks/{known['task_id']}/claim")
    token = users.issue_token(user("km_auditor"))
    answer = client.post(f"/api/tasks/{known['task_id']}/claim",
                         headers={"Authorization": f"Bearer {token}"})

    assert page.status_code == 403 and "审计监察只能查阅，不能作任何修改" in support.text(page)
    assert answer.status_code == 403 and REFUSAL in answer.get_json()["error"]


def test_an_auditor_still_verifies_a_case_and_changes_only_the_access_journal(
        client, login_as, known):
    login_as("km_auditor")
    before = _snapshot()

    page = client.post(f"/audit/cases/{known['case_id']}/verify")

    assert page.status_code == 200 and "审计监察只能查阅" not in support.text(page)
    after = _snapshot()
    assert {name for name in before if before[name] != after[name]} == {"access_entry"}


def test_an_official_is_not_refused_by_the_read_only_guard(client, login_as, known):
    login_as("km_county_wuhua")

    response = client.post(f"/tasks/{known['task_id']}/claim")

    assert response.status_code == 302
    assert support.ready_item(known["case_id"]).claimed_by is not None


def test_a_designer_still_writes_a_draft(client, user):
    token = users.issue_token(user("km_designer"))

    response = client.post("/api/processes/kunming_recognition/drafts",
                           json={"files": {}, "note": "nothing changed"},
                           headers={"Authorization": f"Bearer {token}"})

    assert response.status_code != 403, response.get_json()


def test_the_dry_runs_auditors_may_read_work_and_change_nothing_but_the_journal(
        client, known, user):
    headers = {"Authorization": f"Bearer {users.issue_token(user('km_auditor'))}"}
    before = _snapshot()

    preview = client.post("/api/calendar/preview", headers=headers, json={
        "expression": "end_of_day(due)", "start": "2026-03-02",
        "data": {"due": "2026-03-20"}})
    tried = client.post("/api/processes/kunming_recognition/decisions/try", headers=headers,
                        json={"file": "precheck.dmn", "case_id": known["case_id"]})

    assert preview.status_code == 200 and preview.get_json()["date"] == "2026-03-20"
    assert tried.status_code == 200 and tried.get_json()["case_id"] == known["case_id"]
    after = _snapshot()
    assert {name for name in before if before[name] != after[name]} == {"access_entry"}
    assert len(after["access_entry"]) == 1 and "'case'" in after["access_entry"][0]
