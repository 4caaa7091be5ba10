"""GET /api/cases/<id>/history and the history page: the contract, refusals, who sees what,
and the access journal of auditors' reads."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AccessEntry, Attachment
from tests.processes import driver
from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver
from tests.processes.test_kunming import APPLICANT, CITY, recognized, submitted

AUDITOR = "km_auditor"
# The product loaded on a fresh database copy, driven through the API (driver.py).
api, loaded_app, template_db = driver.api, driver.loaded_app, driver.template_db


@pytest.fixture
def app(loaded_app):  # the web fixtures (client) run on the copied database
    return loaded_app


@pytest.fixture
def case(api) -> CaseDriver:
    driver = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    recognized(driver)
    return driver


def history_url(case_id: int, at: str | None = None) -> str:
    return f"/api/cases/{case_id}/history" + (f"?at={at}" if at is not None else "")


def journal(case_id: int) -> list[tuple[str, str]]:
    db.session.expire_all()
    return [(e.username, e.detail) for e in db.session.scalars(sa.select(AccessEntry).where(
        AccessEntry.case_id == case_id, AccessEntry.action == "history")
        .order_by(AccessEntry.id))]


def test_the_case_after_an_event_has_the_documented_keys_and_values(api, case):
    answer = api.get(AUDITOR, history_url(case.id, "3"))

    assert {"seq", "at", "data", "tasks", "timers", "path", "diff"} <= set(answer)
    assert (answer["seq"], answer["at"]) == (3, "2026-03-02T01:00:00+00:00")
    assert (answer["kind"], answer["actor"], answer["role"]) == (
        "task_completed", APPLICANT, "applicant")
    assert answer["data"]["application"]["base_name"] == km.APPLICATION["base_name"]
    assert answer["diff"]["application.base_name"] == [None, km.APPLICATION["base_name"]]
    assert [(t["element"], t["name"], t["lane"]) for t in answer["tasks"]] == [
        ("county_review", "县级初审", "county")]
    assert answer["timers"] == [] and "submit_application" in answer["path"]


def test_without_at_the_events_are_listed_with_who_when_and_what_changed(api, case):
    answer = api.get(AUDITOR, history_url(case.id))

    events = answer["events"]
    assert [e["seq"] for e in events] == list(range(1, 17))
    assert (answer["parent"], answer["children"]) == (None, [])
    fired = next(e for e in events if e["kind"] == "timers_fired")
    assert (fired["actor"], fired["role"], fired["at"]) == (
        "system", "system", "2026-10-15T16:00:00+00:00")
    decided = events[-1]
    assert (decided["task"], decided["role"]) == ("collective_decision", "city")
    assert {"certificate_no", "case_status"} <= set(decided["changed"])


@pytest.mark.parametrize("at", ["abc", "0", "-1", "1.5", "99999999999999"])
def test_a_bad_at_is_refused_with_a_message_and_journals_nothing(api, case, at):
    answer = api.get(AUDITOR, history_url(case.id, at), expect=400)

    assert "at" in answer["error"]
    assert journal(case.id) == []


def test_an_unknown_event_or_case_is_not_found(api, case):
    answer = api.get(AUDITOR, history_url(case.id, "99"), expect=404)

    assert "99" in answer["error"]
    api.get(AUDITOR, history_url(999999), expect=404)


def test_who_may_not_see_the_case_is_refused_and_a_token_is_required(api, case):
    api.get("km_applicant2", history_url(case.id), expect=403)
    api.get("lc_auditor", history_url(case.id, "1"), expect=403)
    api.get(None, history_url(case.id), expect=401)


def test_an_expert_cannot_open_another_experts_event(api, case):
    events = api.get("km_expert1", history_url(case.id))["events"]
    others = [e["seq"] for e in api.get(AUDITOR, history_url(case.id))["events"]
              if e["task"] == "expert_review" and e["actor"] != "km_expert1"]

    assert others and not set(others) & {e["seq"] for e in events}
    api.get("km_expert1", history_url(case.id, str(others[0])), expect=404)


def test_auditors_reads_are_journaled_and_officials_reads_are_not(api, case):
    api.get(AUDITOR, history_url(case.id))
    api.get(AUDITOR, history_url(case.id, "13"))
    api.get(CITY, history_url(case.id, "13"))

    assert journal(case.id) == [(AUDITOR, "events"), (AUDITOR, "at 13")]


# --- the page --------------------------------------------------------------------------------

def test_an_auditor_opens_the_history_page_from_the_case_page(api, case, client, login_as):
    login_as(AUDITOR)
    case_page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'href="/cases/{case.id}/history"' in case_page

    response = client.get(f"/cases/{case.id}/history")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "办理过程回放" in page and page.count('class="history-event ') == 16
    assert "办理完成：县级初审" in page and "公示期满（10个工作日）" in page
    assert km.COUNTY_APPROVE["assessment"] in page
    # Choice codes are shown by their labels (approve: 通过), uploads by their file names.
    assert "· 初审结论</span> <del>—</del> → <ins>通过</ins>" in page
    files = db.session.scalars(sa.select(Attachment).where(Attachment.case_id == case.id)).all()
    assert files and not any(f.id in page for f in files)
    assert journal(case.id) == [(AUDITOR, "page")]


def test_the_applicants_page_holds_no_officials_papers(api, client, login_as):
    driver = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    submitted(driver)
    driver.complete("km_county_wuhua", "county_review", km.COUNTY_APPROVE, "2026-03-10T09:00")
    login_as(APPLICANT)

    page = client.get(f"/cases/{driver.id}/history").get_data(as_text=True)

    assert page.count('class="history-event ') >= 3
    assert km.COUNTY_APPROVE["assessment"] not in page
    assert km.APPLICATION["base_name"] in page


def test_the_page_of_a_case_one_may_not_see_is_refused(api, case, client, login_as):
    login_as("km_applicant2")

    response = client.get(f"/cases/{case.id}/history")

    assert response.status_code == 403
    assert "您无权查看此案卷" in response.get_data(as_text=True)
