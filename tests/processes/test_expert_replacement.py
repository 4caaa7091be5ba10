"""The city replaces an expert who does not answer, on the Kunming
recognition through the JSON API: audited, replayed by the audit, hidden from the applicant."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.services import users
from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver, find_user
from tests.processes.test_kunming import APPLICANT, CITY, COUNTY, assert_verifies, at_expert_review

NEW = "km_expert4"
REASON = "十个工作日未提交评审意见，电话联系未果。"


@pytest.fixture
def case(api) -> CaseDriver:
    users.create_user(NEW, "expert", "kunming", name="评审专家 李新", policy=False)
    users.create_user("km_expert_retired", "expert", "kunming", policy=False)
    retired = find_user("km_expert_retired")
    retired.active = False
    db.session.commit()
    driver = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    at_expert_review(driver)
    return driver


def review_of(case: CaseDriver, expert: str) -> dict:
    [task] = [t for t in case.api.get(CITY, f"/api/cases/{case.id}")["tasks"]
              if t["name"] == "expert_review" and t["assignee"] == expert]
    return task


def replace(case: CaseDriver, username: str = CITY, assignee: str = NEW, reason: str = REASON,
            expert: str = "km_expert1", expect: int = 200) -> dict:
    task = review_of(case, expert)
    return case.api.post(username, f"/api/tasks/{task['id']}/reassign",
                         {"assignee": assignee, "reason": reason}, expect=expect)


def test_the_city_gives_a_silent_experts_review_to_another_expert(case):
    answer = replace(case)

    assert (answer["name"], answer["assignee"]) == ("expert_review", NEW)
    assert [t["assignee"] for t in case.api.tasks(NEW)] == [NEW]
    assert [t for t in case.api.tasks("km_expert1") if t["case_id"] == case.id] == []
    [event] = [e for e in case.api.get(CITY, f"/api/cases/{case.id}/events")
               if e["kind"] == "expert_replaced"]
    assert (event["actor"], event["data"]) == (CITY, {
        "task": "专家评审", "from": "km_expert1", "to": NEW, "reason": REASON})


def test_the_new_expert_completes_the_review_and_the_audit_replays_the_replacement(case):
    replace(case)

    for expert in (NEW, "km_expert2", "km_expert3"):
        answer = case.complete(expert, "expert_review", km.expert_opinion(85), "2026-05-20T09:00")

    assert [t["name"] for t in answer["tasks"]] == ["expert_decision"]
    assert len(case.case(CITY)["data"]["expert_opinions"]) == 3
    assert_verifies(case)


def test_the_audit_replays_a_replacement_while_the_review_is_still_open(case):
    replace(case)

    assert_verifies(case)


@pytest.mark.parametrize("username", [COUNTY, APPLICANT, "km_expert2", "lc_city"])
def test_only_the_city_of_the_jurisdiction_may_replace_an_expert(case, username):
    if username == "lc_city":
        username = next(u.username for u in users.list_users("city", "liaocheng"))

    answer = replace(case, username=username, expect=403)

    assert answer["error"]
    assert review_of(case, "km_expert1")["assignee"] == "km_expert1"


@pytest.mark.parametrize("assignee, reason, field", [
    ("nobody", REASON, "assignee"),
    ("km_expert_retired", REASON, "assignee"),
    ("km_county_wuhua", REASON, "assignee"),
    ("km_expert1", REASON, "assignee"),
    ("km_expert2", REASON, "assignee"),
    (NEW, "   ", "reason"),
])
def test_an_unknown_inactive_same_or_busy_expert_or_no_reason_is_refused(case, assignee, reason,
                                                                         field):
    answer = replace(case, assignee=assignee, reason=reason, expect=422)

    assert list(answer["errors"]) == [field]
    assert review_of(case, "km_expert1")["assignee"] == "km_expert1"


def test_a_review_already_submitted_cannot_be_replaced(case):
    task = review_of(case, "km_expert1")
    case.complete("km_expert1", "expert_review", km.expert_opinion(80), "2026-05-10T09:00")

    answer = case.api.post(CITY, f"/api/tasks/{task['id']}/reassign",
                           {"assignee": NEW, "reason": REASON}, expect=409)

    assert answer["error"]


def test_a_task_that_is_no_expert_review_cannot_be_reassigned(api):
    driver = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    driver.start()
    task = driver.task(APPLICANT, "submit_application")

    answer = api.post(CITY, f"/api/tasks/{task['id']}/reassign",
                      {"assignee": "km_expert1", "reason": REASON}, expect=422)

    assert answer["error"] and driver.task(APPLICANT, "submit_application")["assignee"] is None


def events_of(case: CaseDriver, username: str) -> list[dict]:
    return case.api.get(username, f"/api/cases/{case.id}/events")


def test_the_applicant_never_learns_of_the_replacement(case):
    replace(case)

    assert "expert_replaced" not in {e["kind"] for e in events_of(case, APPLICANT)}


def test_the_new_expert_learns_the_review_is_theirs_but_not_whose_it_was(case):
    replace(case)

    [event] = [e for e in events_of(case, NEW) if e["kind"] == "expert_replaced"]

    assert event["data"] == {"task": "专家评审", "to": NEW} and event["redacted"] is True
    assert "km_expert1" not in str(events_of(case, NEW))


def test_the_replaced_expert_no_longer_sees_the_case_and_others_see_nothing_of_it(case):
    replace(case)

    case.api.get("km_expert1", f"/api/cases/{case.id}", expect=403)
    assert "expert_replaced" not in {e["kind"] for e in events_of(case, "km_expert2")}
