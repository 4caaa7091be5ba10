"""Kunming deadlines through the JSON API: the seeds' due dates, the notice's end, the bounds
of an objection's date, the correction limit.

These use the task properties `dueDate` / `notBefore` and the date bounds `min_from` /
`max_from` (docs/PROCESSES.md, docs/FORMS.md).
"""

from __future__ import annotations

import pytest

from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver, at
from tests.processes.test_kunming import APPLICANT, CITY, COUNTY, in_notice, recognized, submitted

pytest.importorskip("app.engine.deadlines", reason="task deadlines (dueDate, notBefore) missing")


@pytest.fixture
def case(api) -> CaseDriver:
    return CaseDriver(api, "kunming_recognition", APPLICANT, CITY)


def row(received_on: str) -> dict:
    return {"received_on": received_on, "objector": "某入驻企业", "content": "反映服务数据不实。"}


def test_the_objection_register_can_be_completed_only_when_the_notice_has_ended(case):
    in_notice(case)
    task = case.task(CITY, "register_objections")
    assert task["not_before"] == "2026-10-15T16:00:00+00:00"  # 2026-10-16 00:00 +08:00

    early = case.complete(CITY, "register_objections", km.NO_OBJECTION, "2026-10-15T23:00",
                          expect=422)
    assert "2026-10-16 00:00" in early["error"]
    assert case.ready() == ["register_objections"]

    case.api.run_timers("2026-10-16T00:00")
    done = case.complete(CITY, "register_objections",
                         {"has_objection": True, "objection_list": [row("2026-10-15")]},
                         "2026-10-16T00:05")
    assert done["data"]["objections"]["objection_list"][0]["received_on"] == "2026-10-15"


@pytest.mark.parametrize("received_on", ["2026-09-27", "2026-10-16"])
def test_an_objection_dated_outside_the_notice_period_is_refused(case, received_on):
    in_notice(case)
    case.api.run_timers("2026-10-16T00:00")

    refused = case.complete(CITY, "register_objections",
                            {"has_objection": True, "objection_list": [row(received_on)]},
                            "2026-10-16T09:00", expect=422)

    assert list(refused["errors"]) == ["objection_list[0].received_on"]
    assert case.ready() == ["register_objections"]


def test_the_annual_summary_tasks_are_due_at_the_end_of_january_and_of_february(case):
    recognized(case)
    case.api.run_timers("2027-01-01T00:00")
    summary = case.child("kunming_annual_summary")

    assert summary.task(APPLICANT, "submit_summary")["due_at"] == "2027-01-31T16:00:00+00:00"
    summary.complete(APPLICANT, "submit_summary", km.SUMMARY, "2027-01-20T09:00")
    assert summary.task(COUNTY, "county_report")["due_at"] == "2027-02-28T16:00:00+00:00"


def test_the_correction_is_due_when_the_case_would_be_withdrawn(case):
    submitted(case)
    case.complete(COUNTY, "county_review", km.COUNTY_RETURN, "2026-03-10T09:00")

    task = case.task(APPLICANT, "correct_application")

    assert task["due_at"] == "2026-04-22T16:00:00+00:00"  # end of 2026-04-22, +08:00
    assert case.case()["next_timer_at"] == task["due_at"]


def test_a_summary_not_filed_by_the_end_of_january_is_overdue_for_the_county_and_the_city(case):
    recognized(case)
    case.api.run_timers("2027-01-01T00:00")
    summary = case.child("kunming_annual_summary")
    case.api.now = at("2027-02-03T09:00")

    for official in (COUNTY, CITY):
        overdue = [t for t in case.api.get(official, "/api/tasks/overdue")
                   if t["case_id"] == summary.id]
        assert [(t["name"], t["lane"]) for t in overdue] == [("submit_summary", "applicant")]
        assert overdue[0]["overdue_working_days"] >= 1
    elsewhere = case.api.get("km_county_panlong", "/api/tasks/overdue")
    assert [t for t in elsewhere if t["case_id"] == summary.id] == []
