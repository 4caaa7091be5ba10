"""Liaocheng procedure rules that the recognition and the re-review share.

Objections are registered until the notice period has ended (the last day counts) and
each one is investigated before the decision; an official approving over a failed
pre-check gives the override and its reason, in the re-review as in the first
recognition; 第七条 asks for four service functions reaching their yearly figures; an
application returned for correction and not resubmitted in time is withdrawn, with the
reason shown to the applicant (产品默认: 10 working days).
"""

from __future__ import annotations

import pytest

from tests.processes import examples_liaocheng as lc
from tests.processes.driver import CaseDriver
from tests.processes.test_liaocheng import (
    APPLICANT,
    CITY,
    COUNTY,
    in_notice,
    names,
    recognized,
    submitted,
)
from tests.processes.test_liaocheng_title_rereview import child_of, expiry_year_started


@pytest.fixture
def case(api) -> CaseDriver:
    return CaseDriver(api, "liaocheng_recognition", APPLICANT, CITY)


def objection_on(day: str) -> dict:
    return {"has_objection": True, "objection_list": [
        {"received_on": day, "objector": "某入驻企业", "content": "基地收费高于公示标准。"}]}


# --- public notice and objections -------------------------------------------------------------

def test_the_notice_ends_after_ten_working_days_counting_the_publication_day(case):
    in_notice(case)

    data = case.case()["data"]
    assert data["settings"] == {"notice_counts_publication_day": True}
    assert (data["notice_ends_at"], data["notice_last_day"]) == (
        "2026-10-16T00:00:00+08:00", "2026-10-15")
    assert case.case()["next_timer_at"] == "2026-10-15T16:00:00+00:00"


def test_an_objection_received_on_the_last_notice_day_is_investigated_before_the_decision(case):
    in_notice(case)
    last_day = case.case()["data"]["notice_last_day"]
    assert case.api.run_timers("2026-10-16T00:00") == 1

    answer = case.complete(CITY, "register_objections", objection_on(last_day),
                           "2026-10-16T09:00")

    assert names(answer) == ["investigate_objections"]
    assert case.case()["data"]["objections"]["objection_list"][0]["received_on"] == last_day
    investigated = case.complete(CITY, "investigate_objections", lc.INVESTIGATE_OK,
                                 "2026-10-19T09:00")
    assert names(investigated) == ["recognition"]


def test_the_objection_register_cannot_be_closed_while_the_notice_runs(case):
    in_notice(case)

    refused = case.complete(CITY, "register_objections", lc.NO_OBJECTION, "2026-10-15T16:00",
                            expect=422)

    assert "2026-10-16" in str(refused)
    assert case.ready() == ["register_objections"]


def test_an_objection_dated_outside_the_notice_period_is_refused(case):
    in_notice(case)
    case.api.run_timers("2026-10-16T00:00")

    for day in ("2026-09-27", "2026-10-16"):
        refused = case.complete(CITY, "register_objections", objection_on(day),
                                "2026-10-16T09:00", expect=422)
        assert "received_on" in str(refused["errors"])


# --- the pre-check override in the re-review --------------------------------------------------

def test_approving_a_rereview_over_a_failed_precheck_needs_the_override_and_its_reason(case):
    child = expiry_year_started(case)
    child.complete(APPLICANT, "submit_application", lc.REREVIEW_FEW_ENTERPRISES,
                   "2031-09-01T09:00")
    assert child.case(COUNTY)["precheck"]["passed"] is False

    refused = child.complete(COUNTY, "county_review", lc.COUNTY_APPROVE, "2031-09-05T09:00",
                             expect=422)
    no_reason = child.complete(COUNTY, "county_review",
                               {**lc.COUNTY_APPROVE, "precheck_override": True}, expect=422)

    assert list(refused["errors"]) == ["precheck_override"]
    assert list(no_reason["errors"]) == ["precheck_override_reason"]
    assert names(child.case()) == ["county_review"]
    approved = child.complete(COUNTY, "county_review", {
        **lc.COUNTY_APPROVE, "precheck_override": True,
        "precheck_override_reason": lc.OVERRIDE_REASON})
    assert names(approved) == ["site_audit"]
    assert "precheck_override" not in str(child.case(APPLICANT)["data"])


# --- 第七条: four service functions -----------------------------------------------------------

def test_four_functions_reaching_their_figures_pass_though_a_fifth_ticked_falls_short(case):
    submitted(case, lc.APPLICATION_ONE_FUNCTION_SHORT)

    precheck = case.case(COUNTY)["precheck"]

    rows = {c["id"]: c for c in precheck["conditions"]}
    assert precheck["passed"] is True
    assert rows["service_function_count"]["actual"] == "4 种达标（勾选 5 种）"
    assert rows["financing_capacity"]["actual"] == "28 家次 / 1 次"


def test_fewer_than_four_functions_reaching_their_figures_fail_the_precheck(case):
    submitted(case, lc.APPLICATION_TWO_FUNCTIONS_SHORT)

    precheck = case.case(COUNTY)["precheck"]

    failed = sorted(c["id"] for c in precheck["conditions"] if not c["passed"])
    assert precheck["passed"] is False
    assert failed == ["coaching_capacity", "financing_capacity", "service_function_count"]


# --- return for correction (产品默认) ----------------------------------------------------------

def test_an_application_not_resubmitted_in_time_is_withdrawn_with_the_reason(case):
    submitted(case, lc.APPLICATION_FEW_ENTERPRISES)
    case.complete(COUNTY, "county_review", lc.COUNTY_RETURN, "2026-03-10T09:00")
    # Ten working days after Tuesday 10 March, that day not counted.
    assert case.case()["data"]["correction_due_on"] == "2026-03-24"

    assert case.api.run_timers("2026-03-24T23:59:59") == 0
    assert case.api.run_timers("2026-03-25T00:00") == 1

    seen = case.case(APPLICANT)
    assert (seen["status"], seen["ended"], seen["tasks"]) == ("withdrawn", True, [])
    assert "2026-03-24" in seen["data"]["withdrawn_reason"]
    assert seen["stage"] == "逾期未补正"


# --- due dates of the seeds (第十四条, 第十五条) -----------------------------------------------

def test_the_yearly_summary_is_due_on_10_january_and_the_county_report_on_20_january(case):
    recognized(case)
    case.api.run_timers("2027-01-01T00:00")
    summary = child_of(case, "liaocheng_annual_summary")

    assert summary.task(APPLICANT, "submit_summary")["due_at"] == "2027-01-10T16:00:00+00:00"
    summary.complete(APPLICANT, "submit_summary", lc.SUMMARY, "2027-01-08T09:00")
    assert summary.task(COUNTY, "county_check")["due_at"] == "2027-01-20T16:00:00+00:00"


def test_a_returned_application_is_due_on_its_correction_deadline(case):
    submitted(case, lc.APPLICATION_FEW_ENTERPRISES)
    case.complete(COUNTY, "county_review", lc.COUNTY_RETURN, "2026-03-10T09:00")

    task = case.task(APPLICANT, "correct_application")

    assert task["due_at"] == "2026-03-24T16:00:00+00:00"


def test_a_missed_summary_shows_as_overdue_to_the_county_and_the_city(case):
    recognized(case)
    case.api.run_timers("2027-01-01T00:00")
    case.api.run_timers("2027-01-11T00:00")
    summary = child_of(case, "liaocheng_annual_summary")
    case.api.now = case.api.now.replace(year=2027, month=1, day=14)

    for official in (COUNTY, CITY):
        overdue = [t for t in case.api.get(official, "/api/tasks/overdue")
                   if t["case_id"] == summary.id]
        assert [(t["name"], t["due_at"]) for t in overdue] == [
            ("overdue_summary", "2027-01-10T16:00:00+00:00")]
        assert overdue[0]["overdue_working_days"] >= 3
