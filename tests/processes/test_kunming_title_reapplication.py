"""The Kunming re-application (第十五条) and the procedure's own deadlines, through the JSON API.

第十五条: 认定有效期为三年，在有效期满当年可再次申报. A re-application filed in the expiry year
is never withdrawn because the old title ended; its recognition gives a new three-year title on
the same case. Return for correction and its 30-working-day limit are product defaults.
"""

from __future__ import annotations

import pytest

from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver
from tests.processes.test_kunming import (
    APPLICANT,
    CITY,
    COUNTY,
    assert_ended,
    assert_verifies,
    recognized,
    submitted,
)


@pytest.fixture
def case(api) -> CaseDriver:
    return CaseDriver(api, "kunming_recognition", APPLICANT, CITY)


def in_expiry_year(case: CaseDriver) -> CaseDriver:
    """Recognise on 2026-11-20 and let the years pass to 1 January 2029; return the
    re-application child."""
    recognized(case)
    for year in (2027, 2028, 2029):
        case.api.run_timers(f"{year}-01-01T00:00")
    return case.child("kunming_rereview")


def test_a_reapplication_decided_after_the_old_end_renews_the_same_case_from_its_decision(case):
    child = in_expiry_year(case)

    filed = child.complete(APPLICANT, "submit_rereview", km.REAPPLICATION, "2029-10-15T09:00")
    assert filed["status"] == "in_review"
    case.api.run_timers("2029-11-20T00:00")
    lapsed = case.case()
    # The old title ended; the re-application filed in the expiry year runs on.
    assert (lapsed["status"], lapsed["ended"]) == ("expired", False)
    assert lapsed["data"]["reapplication_open"] is True
    assert {w["element"] for w in lapsed["waiting"]} == {"child_done_after_expiry"}
    assert (child.case()["status"], child.case()["ended"]) == ("in_review", False)
    assert child.ready() == ["county_review"]
    # Nothing happens at the new year while the title is not valid, not even a summary.
    case.api.run_timers("2030-01-01T00:00")
    assert len(case.case()["children"]) == 4 and child.ready() == ["county_review"]

    child.complete(COUNTY, "county_review", km.COUNTY_APPROVE, "2030-01-10T09:00")
    child.complete(COUNTY, "site_inspection", km.site_inspection(6, 6), "2030-01-15T09:00")
    child.complete(CITY, "assign_experts", km.ASSIGN_EXPERTS, "2030-01-20T09:00")
    for expert in km.EXPERTS:
        child.complete(expert, "expert_review", km.expert_opinion(88), "2030-02-20T09:00")
    child.complete(CITY, "expert_decision", km.EXPERT_APPROVE, "2030-03-01T09:00")
    child.complete(CITY, "site_verification", km.VERIFY_APPROVE, "2030-03-10T09:00")
    child.complete(CITY, "publish_notice", {**km.NOTICE_AGAIN, "notice_start": "2030-03-18"},
                   "2030-03-18T09:00")
    case.api.run_timers("2030-04-15T00:00")
    child.complete(CITY, "register_objections", km.NO_OBJECTION, "2030-04-15T09:00")
    decided = child.complete(CITY, "collective_decision",
                             {**km.RECOGNIZE_AGAIN, "meeting_date": "2030-04-20",
                              "recognized_on": "2030-04-22"}, "2030-04-22T09:00")

    assert (decided["status"], decided["ended"]) == ("recognized", True)
    renewed = case.case()
    assert (renewed["status"], renewed["ended"]) == ("recognized", False)
    assert (renewed["valid_from"], renewed["valid_until"]) == ("2030-04-22", "2033-04-21")
    assert renewed["certificate_no"] == km.RECOGNIZE_AGAIN["certificate_no"]
    assert renewed["data"]["renewal_count"] == 1 and renewed["data"]["expired_reason"] is None
    assert renewed["data"]["title_history"][0]["valid_until"] == "2029-11-19"
    assert renewed["next_timer_at"] == "2030-12-31T16:00:00+00:00"  # the next 1 January
    assert_verifies(case)
    assert_verifies(child)


def test_a_reapplication_rejected_after_the_old_end_ends_the_title_expired(case):
    child = in_expiry_year(case)
    child.complete(APPLICANT, "submit_rereview", km.REAPPLICATION, "2029-10-15T09:00")
    case.api.run_timers("2029-11-20T00:00")

    rejected = child.complete(COUNTY, "county_review", km.COUNTY_REJECT, "2029-12-01T09:00")

    assert (rejected["status"], rejected["ended"]) == ("rejected", True)
    answer = case.case(APPLICANT)
    assert_ended(answer, "expired")
    assert "未获认定" in answer["data"]["expired_reason"]


def test_a_reapplication_that_fails_the_precheck_needs_an_override_with_a_reason(case):
    child = in_expiry_year(case)
    child.complete(APPLICANT, "submit_rereview", km.APPLICATION_FEW_EMPLOYEES, "2029-02-01T09:00")
    assert child.case(COUNTY)["precheck"]["passed"] is False

    bare = child.complete(COUNTY, "county_review", km.COUNTY_APPROVE, "2029-02-10T09:00",
                          expect=422)
    assert list(bare["errors"]) == ["precheck_override"]
    no_reason = child.complete(COUNTY, "county_review",
                               {**km.COUNTY_APPROVE, "precheck_override": True,
                                "precheck_override_reason": "  "}, "2029-02-10T09:00",
                               expect=422)
    assert "precheck_override_reason" in no_reason["errors"]
    assert child.ready() == ["county_review"]

    on = child.complete(COUNTY, "county_review", km.COUNTY_OVERRIDE, "2029-02-11T09:00")
    assert [t["name"] for t in on["tasks"]] == ["site_inspection"]
    assert "precheck_override" not in child.case(APPLICANT)["data"]["county_review"]


def test_an_application_not_corrected_within_thirty_working_days_is_withdrawn(case):
    submitted(case)
    returned = case.complete(COUNTY, "county_review", km.COUNTY_RETURN, "2026-03-10T09:00")
    assert [t["name"] for t in returned["tasks"]] == ["correct_application"]
    due_on = case.case()["data"]["correction_due_on"]
    assert due_on == "2026-04-22"  # 30 working days from 11 March, Qingming (4–6 April) off

    case.api.run_timers(f"{due_on}T23:59:59")
    assert case.ready() == ["correct_application"]
    assert case.api.run_timers("2026-04-23T00:00") == 1

    mine = case.case(APPLICANT)
    assert_ended(mine, "withdrawn")
    assert mine["data"]["withdrawn_reason"] == (
        "退回补正后30个工作日内（至2026-04-22）未重新提交申请材料，案卷撤回（产品默认期限）。")
    assert case.api.tasks(APPLICANT) == []
    assert_verifies(case)


def test_a_correction_in_time_continues_the_procedure(case):
    submitted(case)
    case.complete(COUNTY, "county_review", km.COUNTY_RETURN, "2026-03-10T09:00")

    corrected = case.complete(APPLICANT, "correct_application", km.APPLICATION, "2026-04-22T20:00")

    assert [t["name"] for t in corrected["tasks"]] == ["county_review"]
    assert case.api.run_timers("2026-04-23T00:00") == 0
    assert case.case()["status"] == "in_review"
