"""Measured accessibility: axe-core on every page, as the role that uses it, with no serious
or critical violation; and the Kunming application filled and submitted by keyboard alone.

The cases are moved on through the JSON API (as the other walks do); only the pages are
visited in the browser, all of them in one page so that the sweep stays short.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Case
from tests.browser.forms import write_pdf
from tests.browser.keyboard import fill_by_keyboard
from tests.browser.support import axe_violations, login
from tests.processes import examples_kunming as km
from tests.processes.driver import Api, CaseDriver

pytestmark = pytest.mark.browser

DRAWN = ("() => !document.querySelector('.diagram') || "
         "document.querySelectorAll('.diagram').length === "
         "document.querySelectorAll('.diagram .djs-container').length")
WINDOW = {"year": 2026, "opens_on": "2026-01-01", "closes_on": "2026-12-31",
          "recommend_by": "2027-01-31"}


@pytest.fixture(scope="module")
def scene(live_server) -> dict:
    """One Kunming case at the expert review, one just started, and a call of the city."""
    with live_server.app.app_context():
        api = Api(live_server.app)
        call = api.post("km_city", "/api/calls", {"process": "kunming_recognition", **WINDOW},
                        expect=201)
        case = CaseDriver(api, "kunming_recognition", "km_applicant", "km_city")
        case.id = api.post("km_applicant", "/api/cases", {"process": "kunming_recognition"},
                           expect=201)["id"]
        case.complete("km_applicant", "submit_application", km.APPLICATION)
        case.complete("km_county_wuhua", "county_review", km.COUNTY_APPROVE)
        case.complete("km_county_wuhua", "site_inspection", km.site_inspection())
        case.complete("km_city", "assign_experts", km.ASSIGN_EXPERTS)
        fresh = api.post("km_applicant", "/api/cases", {"process": "kunming_recognition"},
                         expect=201)
        tasks = {t["name"]: t["id"] for t in api.get("km_applicant", "/api/tasks")}
        review = next(t["id"] for t in api.get("km_expert1", "/api/tasks")
                      if t["case_id"] == case.id)
        return {"case": case.id, "fresh": fresh["id"], "call": call["id"],
                "application": tasks["submit_application"], "review": review}


def pages(scene: dict) -> list[tuple[str | None, str]]:
    """(user, path) of every page, each as the role that uses it; None: logged out. A page
    two roles share (the case page, the worklist) is checked once, as its main user."""
    case, call, key = scene["case"], scene["call"], "kunming_recognition"
    return [
        (None, "/login"), (None, "/register"), (None, f"/notice/calls/{call}"),
        (None, "/password/forgot"), (None, "/titles/verify?code=KM-0000"),
        ("km_applicant", "/applicant/"), ("km_applicant", f"/tasks/{scene['application']}"),
        ("km_applicant", "/password"), ("km_applicant", f"/cases/{case}"),
        ("km_county_wuhua", "/worklist"), ("km_county_wuhua", f"/cases/{case}"),
        ("km_county_wuhua", "/cases"), ("km_county_wuhua", "/titles"),
        ("km_expert1", "/worklist"), ("km_expert1", f"/tasks/{scene['review']}"),
        ("km_city", "/calls"), ("km_city", f"/calls/{call}/edit"),
        ("km_city", f"/calls/{call}/batch"), ("km_city", f"/calls/{call}/ranking"),
        ("km_city", "/oversight"), ("km_city", "/worklist"),
        ("km_auditor", f"/cases/{case}/history"), ("km_auditor", "/audit/verify"),
        ("km_auditor", "/audit/access"),
        ("km_designer", "/processes/"), ("km_designer", f"/processes/{key}/versions"),
        ("km_designer", f"/processes/{key}/edit"), ("km_designer", f"/processes/{key}/diff"),
        ("km_designer", f"/processes/{key}/migrations"),
        ("km_designer", f"/processes/{key}/forms/km_notice/edit"),
        ("km_designer", f"/processes/{key}/decisions/precheck.dmn/edit"),
        ("admin", "/admin/users"), ("admin", "/admin/users/new"), ("admin", "/admin/calendar"),
    ]


def test_every_page_has_no_serious_or_critical_accessibility_violation(page: Page, scene):
    found, current = {}, ""
    for username, path in pages(scene):
        if username != current:
            if username is None:
                page.context.clear_cookies()
            else:
                login(page, username)
            current = username
        page.goto(path)
        page.wait_for_function(DRAWN)  # axe checks the diagram too, once bpmn-js drew it
        problems = axe_violations(page)
        if problems:
            found[f"{username or '-'} {path}"] = problems

    assert found == {}, "\n".join(f"{where}:\n  " + "\n  ".join(lines)
                                  for where, lines in found.items())
    expect(page.locator("main")).to_have_count(1)


def test_the_whole_kunming_application_is_filled_and_submitted_by_keyboard(page: Page, scene,
                                                                           tmp_path,
                                                                           live_server):
    login(page, "km_applicant")
    page.goto(f"/tasks/{scene['application']}")

    presses = fill_by_keyboard(page, km.APPLICATION, write_pdf(tmp_path))

    expect(page.get_by_test_id("flash-success")).to_contain_text("提交成功")
    with live_server.app.app_context():
        submitted = db.session.get(Case, scene["fresh"]).data["application"]
        db.session.remove()
    files = [name for name, value in km.APPLICATION.items() if value == km.F]
    typed = {k: v for k, v in km.APPLICATION.items() if k not in files}
    assert {k: _as_given(submitted[k], v) for k, v in typed.items()} == typed
    assert all(len(submitted[name]) == 1 for name in files)  # every material, one PDF each
    assert presses > 100  # every field was reached by Tab, none clicked


def _as_given(stored, given):
    """The stored value with only the columns `given` table rows name (the rest stay empty)."""
    if isinstance(given, list) and given and isinstance(given[0], dict):
        return [{k: row.get(k) for k in want} for row, want in zip(stored, given, strict=True)]
    return stored
