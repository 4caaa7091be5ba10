"""Liaocheng 第十六条: the re-review in the expiry year and what it does to the title.

The title is the recognition case itself. On 1 January of the year its 5-year validity
ends, it starts the yearly summary and the re-review (the whole application procedure
again). A re-review applied for before the end date keeps the title `recognized` past
that date until it is decided; a passed one gives a new 5-year period from the day after
the old end; a failed one, or none applied for, cancels the title (`expired`, with the
reason recorded).
"""

from __future__ import annotations

import pytest

from tests.processes import examples_liaocheng as lc
from tests.processes.driver import CaseDriver
from tests.processes.test_liaocheng import APPLICANT, CITY, COUNTY, assert_verifies, recognized


@pytest.fixture
def case(api) -> CaseDriver:
    return CaseDriver(api, "liaocheng_recognition", APPLICANT, CITY)


def child_of(case: CaseDriver, process: str) -> CaseDriver:
    """Return a driver for the newest child case of `process`."""
    ids = [i for i in case.case()["children"]
           if case.api.get(CITY, f"/api/cases/{i}")["process"] == process]
    assert ids, (process, case.case()["children"])
    child = CaseDriver(case.api, process, case.applicant, case.observer)
    child.id = max(ids)
    return child


def expiry_year_started(case: CaseDriver) -> CaseDriver:
    """Recognise (valid until 2031-10-19), reach 1 January 2031; return the re-review."""
    recognized(case)
    assert case.api.run_timers("2031-01-01T00:00") == 1
    processes = sorted(case.api.get(CITY, f"/api/cases/{i}")["process"]
                       for i in case.case()["children"])
    assert processes == ["liaocheng_annual_summary", "liaocheng_rereview"]
    return child_of(case, "liaocheng_rereview")


def applied(case: CaseDriver, application: dict = lc.REREVIEW_APPLICATION) -> CaseDriver:
    """The base submits its re-review on 2031-09-01, before its title ends."""
    child = expiry_year_started(case)
    task = child.task(APPLICANT, "submit_application")
    prefilled = case.api.get(APPLICANT, f"/api/tasks/{task['id']}")["data"]
    assert (prefilled["base_name"], prefilled["small_micro_count"]) == (
        lc.APPLICATION["base_name"], lc.APPLICATION["small_micro_count"])
    assert not prefilled.get("audit_report")  # materials are provided anew (Art. 11)
    answer = child.complete(APPLICANT, "submit_application", application, "2031-09-01T09:00")
    assert (answer["status"], [t["name"] for t in answer["tasks"]]) == (
        "in_review", ["county_review"])
    return child


def through_experts(child: CaseDriver) -> None:
    """County review, site audit, recommendation and the experts, in September 2031."""
    child.complete(COUNTY, "county_review", lc.COUNTY_APPROVE, "2031-09-05T09:00")
    child.complete(COUNTY, "site_audit", {**lc.SITE_AUDIT, "audit_date": "2031-09-10"},
                   "2031-09-10T09:00")
    child.complete(COUNTY, "county_recommendation", lc.RECOMMENDATION, "2031-09-15T09:00")
    child.complete(CITY, "assign_experts", lc.ASSIGN_EXPERTS, "2031-09-20T09:00")
    for expert in lc.EXPERTS:
        child.complete(expert, "expert_review", lc.expert_opinion(), "2031-10-08T09:00")


def notice_and_decision(child: CaseDriver, decision: dict) -> dict:
    """Expert decision, a public notice from 2031-11-03, no objection, then `decision`."""
    child.complete(CITY, "expert_decision", lc.EXPERT_APPROVE, "2031-10-28T09:00")
    child.complete(CITY, "publish_notice", {**lc.NOTICE, "notice_start": "2031-11-03"},
                   "2031-11-03T09:00")
    child.api.run_timers("2031-11-18T00:00")  # ten working days from Monday 3 November
    child.complete(CITY, "register_objections", lc.NO_OBJECTION, "2031-11-18T09:00")
    return child.complete(CITY, "recognition", decision, "2031-11-25T10:00")


def test_a_rereview_applied_for_in_time_keeps_the_title_past_its_end_date(case):
    child = applied(case)
    assert case.case()["data"]["rereview_applied_on"] == "2031-09-01"
    through_experts(child)

    case.api.run_timers("2031-10-20T00:00")

    parent = case.case()
    assert (parent["status"], parent["ended"]) == ("recognized", False)
    assert parent["valid_until"] == "2031-10-19"
    assert parent["data"]["rereview_pending"] is True
    assert child.case()["ended"] is False
    assert [w["element"] for w in parent["waiting"] if w["kind"] == "timer"] == [
        "deadline_reached_pending"]  # only the next 1 January: the end date has passed


def test_a_rereview_passed_after_the_end_date_renews_the_title_from_the_day_after(case):
    child = applied(case)
    through_experts(child)
    case.api.run_timers("2031-10-20T00:00")

    answer = notice_and_decision(child, {**lc.RECOGNIZE, "recognized_on": "2031-11-25",
                                         "certificate_no": "LCSF-2031-002"})

    assert (answer["status"], answer["ended"], answer["data"]["outcome"]) == (
        "recognized", True, "approve")
    parent = case.case()
    assert (parent["status"], parent["ended"]) == ("recognized", False)
    # Contiguous: the new period starts the day after the old one ended, not on the decision.
    assert (parent["valid_from"], parent["valid_until"]) == ("2031-10-20", "2036-10-19")
    assert parent["certificate_no"] == "LCSF-2031-002"
    assert parent["data"]["application"]["small_micro_count"] == 58  # the base's current data
    assert (parent["data"]["renewal_count"], parent["data"]["rereview_pending"]) == (1, False)
    assert [w["element"] for w in parent["waiting"] if w["kind"] == "timer"] == [
        "deadline_reached"]
    listed = case.api.get(None, "/api/titles?jurisdiction=liaocheng")
    assert [(t["certificate_no"], t["valid_until"]) for t in listed] == [
        ("LCSF-2031-002", "2036-10-19")]  # the registry lists the renewed title, once
    assert_verifies(case)
    assert_verifies(child)


def test_a_rereview_failed_after_the_end_date_cancels_the_title_with_its_reason(case):
    child = applied(case)
    through_experts(child)
    case.api.run_timers("2031-10-20T00:00")

    answer = child.complete(CITY, "expert_decision", lc.EXPERT_REJECT, "2031-10-28T09:00")

    assert (answer["status"], answer["ended"], answer["data"]["outcome"]) == (
        "rejected", True, "reject")
    parent = case.case()
    assert (parent["status"], parent["ended"]) == ("expired", True)
    assert "经复核未达标" in parent["data"]["expired_reason"]
    assert child.case()["ref"] in parent["data"]["expired_reason"]
    # The base reads why it lost its title.
    assert parent["data"]["expired_reason"] == \
        case.case(APPLICANT)["data"]["expired_reason"]
    assert_verifies(case)


def test_without_a_rereview_the_title_expires_at_its_end_date_with_the_reason(case):
    child = expiry_year_started(case)

    assert case.api.run_timers("2031-10-19T23:59:59") == 1  # only the summary fell due
    assert case.case()["status"] == "recognized"
    case.api.run_timers("2031-10-20T00:00")

    parent = case.case()
    assert (parent["status"], parent["ended"]) == ("expired", True)
    assert parent["data"]["expired_reason"] == \
        "第十六条：有效期已于 2031-10-19 届满，期满未申请复核，取消示范基地称号。"
    assert "expired_reason" in case.case(APPLICANT)["data"]
    withdrawn = child.case()
    assert (withdrawn["status"], withdrawn["ended"]) == ("withdrawn", True)
    assert parent["ref"] in withdrawn["data"]["withdrawn_reason"]
    assert_verifies(case)


def test_a_rereview_passed_before_the_end_date_extends_the_title_without_overlap(case):
    child = applied(case)
    through_experts(child)
    child.complete(CITY, "expert_decision", lc.EXPERT_APPROVE, "2031-09-28T09:00")
    child.complete(CITY, "publish_notice", {**lc.NOTICE, "notice_start": "2031-09-29"},
                   "2031-09-29T09:00")
    child.api.run_timers("2031-10-18T00:00")
    child.complete(CITY, "register_objections", lc.NO_OBJECTION, "2031-10-18T09:00")

    child.complete(CITY, "recognition", {**lc.RECOGNIZE, "recognized_on": "2031-10-18"},
                   "2031-10-18T10:00")

    parent = case.case()
    assert (parent["status"], parent["valid_from"], parent["valid_until"]) == (
        "recognized", "2031-10-20", "2036-10-19")
    assert parent["next_timer_at"] == "2031-12-31T16:00:00+00:00"  # next 1 January, not 10-20
    case.api.run_timers("2031-10-20T00:00")
    assert (case.case()["status"], case.case()["ended"]) == ("recognized", False)


def test_a_rereview_withdrawn_before_the_end_date_no_longer_keeps_the_title(case):
    child = applied(case)
    child.complete(COUNTY, "county_review", lc.COUNTY_RETURN, "2031-09-05T09:00")
    due = child.case()["data"]["correction_due_on"]

    child.api.run_timers(f"{due}T23:59:59")
    assert child.case()["ended"] is False
    child.api.run_timers("2031-09-25T00:00")  # past the correction deadline

    withdrawn = child.case(APPLICANT)
    assert (withdrawn["status"], withdrawn["ended"]) == ("withdrawn", True)
    assert due in withdrawn["data"]["withdrawn_reason"]
    assert case.case()["data"]["rereview_applied_on"] is None
    case.api.run_timers("2031-10-20T00:00")
    parent = case.case()
    assert (parent["status"], parent["ended"]) == ("expired", True)
    assert "期满未申请复核" in parent["data"]["expired_reason"]
