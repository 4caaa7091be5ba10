"""The designers' JSON API: a designer's whole flow (the Kunming notice period from 10
to 15 working days, saved, approved by a second designer, published), refused drafts, other
jurisdictions, and the browser session with its CSRF token."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import g

from app.extensions import db
from app.models import ProcessVersion
from app.services import catalog
from tests.processes.driver import CaseDriver, api, loaded_app, template_db  # noqa: F401
from tests.processes.test_kunming import in_notice
from tests.web.conftest import FreshClient

KEY = "kunming_recognition"
BPMN = "recognition.bpmn"
BASE = f"/api/processes/{KEY}"
NOTICE_10 = 'add_working_days(notice["notice_start"], 10,'
NOTICE_15 = 'add_working_days(notice["notice_start"], 15,'


def published(api) -> int:  # noqa: F811
    return next(v["version"] for v in api.get("km_designer", f"{BASE}/versions")
                if v["status"] == "published")


def fifteen_days(api) -> dict[str, str]:  # noqa: F811
    files = api.get("km_designer", f"{BASE}/versions/{published(api)}/files")["files"]
    assert NOTICE_10 in files[BPMN] and "forms/km_notice.yaml" in files
    return {BPMN: files[BPMN].replace(NOTICE_10, NOTICE_15)}


def test_a_designer_changes_the_notice_period_and_a_second_designer_approves_it(api):  # noqa: F811
    old = published(api)
    before = api.post("km_applicant", "/api/cases", {"process": KEY}, expect=201)
    saved = api.post("km_designer", f"{BASE}/drafts",
                     {"files": fifteen_days(api), "note": "公示期改为15个工作日"}, expect=201)
    draft = saved["draft"]

    own = api.post("km_designer", f"{BASE}/versions/{draft}/approve", expect=403)
    approved = api.post("km_designer2", f"{BASE}/versions/{draft}/approve")
    done = api.post("km_designer", f"{BASE}/versions/{draft}/publish")
    after = api.post("km_applicant", "/api/cases", {"process": KEY}, expect=201)

    assert saved["problems"] == []
    assert "不能批准自己的草稿" in own["error"]
    assert approved["approver"] == "km_designer2" and approved["status"] == "draft"
    assert done["status"] == "published" and done["published_at"]
    rows = {row["version"]: row for row in api.get("km_auditor", f"{BASE}/versions")}
    assert (rows[draft]["status"], rows[old]["status"]) == ("published", "retired")
    assert (rows[draft]["author"], rows[draft]["approver"]) == ("km_designer", "km_designer2")
    assert rows[draft]["note"] == "公示期改为15个工作日"
    assert (before["version"], after["version"]) == (old, draft)
    assert rows[old]["running_cases"] == 1 and rows[draft]["running_cases"] == 1
    assert NOTICE_15 in api.get("km_designer", f"{BASE}/versions/{draft}/files")["files"][BPMN]


def broken(files: dict[str, str]) -> dict[str, str]:
    text = files[BPMN].replace(">notice_ends_at</bpmn:timeDate>", ">notice ends</bpmn:timeDate>")
    return {BPMN: text.replace('value="km_notice"', 'value="km_no_such"')}


def test_a_broken_draft_is_saved_with_its_problems_and_publishing_it_is_refused(api):  # noqa: F811
    saved = api.post("km_designer", f"{BASE}/drafts",
                     {"files": broken(fifteen_days(api)), "note": "broken"}, expect=201)
    api.post("km_designer2", f"{BASE}/versions/{saved['draft']}/approve")

    refused = api.post("km_designer", f"{BASE}/versions/{saved['draft']}/publish", expect=422)

    by_element = {p["element"]: p for p in saved["problems"]}
    assert by_element["notice_period_ends"]["file"] == BPMN
    assert by_element["notice_period_ends"]["line"] > 0
    assert "notice ends" in by_element["notice_period_ends"]["message"]
    assert "km_no_such" in by_element["publish_notice"]["message"]
    assert by_element["publish_notice"]["line"] > 0
    assert refused["problems"] == saved["problems"]
    assert catalog.latest_process(KEY).version != saved["draft"]


def test_checking_files_saves_nothing(api):  # noqa: F811
    count = db.session.scalar(sa.select(sa.func.count()).select_from(ProcessVersion))

    answer = api.post("km_designer", f"{BASE}/check", {"files": broken(fifteen_days(api))})

    assert {"notice_period_ends", "publish_notice"} <= {p["element"] for p in answer["problems"]}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProcessVersion)) == count


def test_publishing_an_unapproved_draft_is_refused(api):  # noqa: F811
    saved = api.post("km_designer", f"{BASE}/drafts", {"files": fifteen_days(api)}, expect=201)

    refused = api.post("km_designer2", f"{BASE}/versions/{saved['draft']}/publish", expect=422)

    assert "批准" in refused["error"] and refused["problems"] == []


def test_meta_yaml_is_changed_only_through_the_files(api):  # noqa: F811
    refused = api.post("km_designer", f"{BASE}/drafts",
                       {"files": {"meta.yaml": "key: kunming\n"}}, expect=422)

    assert "processes load" in " ".join(refused["errors"]["meta.yaml"])


@pytest.mark.parametrize(("username", "method", "path"), [
    ("lc_designer", "POST", f"{BASE}/drafts"),
    ("lc_designer", "POST", f"{BASE}/versions/1/approve"),
    ("lc_designer", "GET", f"{BASE}/versions"),
    ("km_city", "POST", f"{BASE}/drafts"),
    ("km_auditor", "POST", f"{BASE}/check"),
])
def test_others_than_the_jurisdictions_designers_are_refused(api, username, method, path):  # noqa: F811
    answer = api.call(method, username, path, 403, json={"files": {}})

    assert answer["error"]


def test_processes_load_after_publishing_keeps_the_browser_version(api, loaded_app):  # noqa: F811
    draft = api.post("km_designer", f"{BASE}/drafts", {"files": fifteen_days(api)},
                     expect=201)["draft"]
    api.post("km_designer2", f"{BASE}/versions/{draft}/approve")
    api.post("km_designer", f"{BASE}/versions/{draft}/publish")

    result = loaded_app.test_cli_runner().invoke(args=["processes", "load"])

    assert "new process versions: 0" in result.output
    assert published(api) == draft


class Browser(FreshClient):
    """A browser keeps no `g` between requests: not even the CSRF token of the last page."""

    def open(self, *args, **kwargs):
        g.pop("csrf_token", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def session(loaded_app):  # noqa: F811
    """A browser logged in as km_designer, with CSRF protection on as in production."""
    loaded_app.config["WTF_CSRF_ENABLED"] = True
    loaded_app.test_client_class = Browser
    client = loaded_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    answer = client.post("/login", data={"username": "km_designer", "password": "demo1234",
                                         "csrf_token": token})
    assert answer.status_code == 302
    return client


def _csrf(client) -> str:
    page = client.get(f"/processes/{KEY}/versions").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page)[1]


def test_the_logged_in_browser_reads_the_api_without_a_token(session):
    answer = session.get(f"{BASE}/versions")

    assert answer.status_code == 200 and answer.get_json()[0]["version"] >= 1


def test_a_cross_site_post_without_the_csrf_token_is_refused_and_changes_nothing(session, api):  # noqa: F811
    count = db.session.scalar(sa.select(sa.func.count()).select_from(ProcessVersion))
    body = {"files": fifteen_days(api), "note": "from another site"}

    refused = session.post(f"{BASE}/drafts", json=body)
    accepted = session.post(f"{BASE}/drafts", json=body, headers={"X-CSRFToken": _csrf(session)})

    assert refused.status_code == 400 and "CSRF" in refused.get_json()["error"]
    assert accepted.status_code == 201, accepted.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProcessVersion)) == count + 1


def test_a_case_started_after_publishing_waits_15_working_days_one_before_still_10(api):  # noqa: F811
    older = CaseDriver(api, KEY, "km_applicant", "km_city")
    in_notice(older)
    draft = api.post("km_designer", f"{BASE}/drafts", {"files": fifteen_days(api)},
                     expect=201)["draft"]
    api.post("km_designer2", f"{BASE}/versions/{draft}/approve")
    api.post("km_designer", f"{BASE}/versions/{draft}/publish")
    newer = CaseDriver(api, KEY, "km_applicant", "km_city")
    in_notice(newer)

    moved = api.run_timers("2026-10-16T00:00")  # 10 working days after 28 September 2026

    old, new = older.case(), newer.case()
    assert moved == 1 and (old["version"], new["version"]) == (draft - 1, draft)
    assert old["data"]["notice_ends_at"] == "2026-10-16T00:00:00+08:00"
    assert old["next_timer_at"] is None  # its notice period has ended
    assert new["data"]["notice_ends_at"] == "2026-10-23T00:00:00+08:00"
    assert new["next_timer_at"] == "2026-10-22T16:00:00+00:00"  # still waiting
