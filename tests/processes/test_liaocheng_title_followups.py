"""Liaocheng: what happens to a recognised title between recognition and re-review.

第十四条/第十五条: every 1 January the title's case starts the yearly summary: the base
reports by 10 January, the county checks and reports by 20 January, the city
acknowledges. A summary not submitted by its due date reaches the city, which decides:
start a revocation (第十八条（三）) or record the lateness and urge. 第十五条: a major
change is filed within 10 working days through the county to the city; a late filing is
accepted and marked late. 第十八条: the city revokes on one of four grounds.
"""

from __future__ import annotations

import pytest

from tests.processes import examples_liaocheng as lc
from tests.processes.driver import CaseDriver
from tests.processes.test_liaocheng import APPLICANT, CITY, COUNTY, assert_verifies, recognized
from tests.processes.test_liaocheng_title_rereview import child_of


@pytest.fixture
def case(api) -> CaseDriver:
    return CaseDriver(api, "liaocheng_recognition", APPLICANT, CITY)


def start_follow_up(case: CaseDriver, username: str, process: str, expect: int = 201):
    """POST /api/cases {process, parent_id} as `username`; return the child's driver (or the
    error answer when `expect` is not 201)."""
    return case.follow_up(username, process, expect)


def first_summary(case: CaseDriver) -> CaseDriver:
    """Recognise on 2026-10-20; 1 January 2027 starts the 2026 summary; return it."""
    recognized(case)
    assert case.api.run_timers("2027-01-01T00:00") == 1
    summary = child_of(case, "liaocheng_annual_summary")
    opened = summary.case()
    assert (opened["parent_id"], opened["data"]["summary_year"]) == (case.id, 2026)
    assert opened["data"]["summary_due_on"] == "2027-01-10"
    return summary


def overdue(case: CaseDriver) -> CaseDriver:
    summary = first_summary(case)
    assert case.api.run_timers("2027-01-10T23:59:59") == 0
    assert case.api.run_timers("2027-01-11T00:00") == 1
    assert summary.ready() == ["overdue_summary"]
    return summary


# --- yearly summary (第十四条, 第十五条) ------------------------------------------------------

def test_a_yearly_summary_goes_from_the_base_to_the_county_to_the_city(case):
    summary = first_summary(case)
    assert [(t["name"], t["lane"]) for t in summary.case()["tasks"]] == [
        ("submit_summary", "applicant")]

    summary.complete(APPLICANT, "submit_summary", lc.SUMMARY, "2027-01-08T09:00")
    assert summary.ready() == ["county_check"]
    summary.complete(COUNTY, "county_check", lc.COUNTY_CHECK, "2027-01-18T09:00")
    answer = summary.complete(CITY, "city_acknowledge", lc.CITY_ACK, "2027-01-25T09:00")

    assert (answer["ended"], answer["data"]["outcome"], answer["data"]["late"]) == (
        True, "acknowledged", False)
    parent = case.case()
    assert (parent["status"], parent["ended"]) == ("recognized", False)
    assert parent["data"]["annual_summaries"] == [
        {"year": 2026, "case_ref": summary.case()["ref"], "outcome": "acknowledged",
         "late": False}]
    assert case.api.run_timers("2027-01-11T00:00") == 0  # nothing overdue
    assert_verifies(summary)


def test_a_summary_missing_on_its_due_date_reaches_the_city(case):
    summary = overdue(case)

    [task] = [t for t in case.api.tasks(CITY) if t["case_id"] == summary.id]
    assert (task["name"], task["title"]) == ("overdue_summary", "逾期未报送工作总结")
    assert all(t["case_id"] != summary.id for t in case.api.tasks(APPLICANT))


def test_an_urged_summary_submitted_late_is_marked_late(case):
    summary = overdue(case)

    summary.complete(CITY, "overdue_summary", lc.OVERDUE_URGE, "2027-01-12T09:00")
    assert summary.ready() == ["submit_summary"]
    summary.complete(APPLICANT, "submit_summary", lc.SUMMARY, "2027-01-15T09:00")
    summary.complete(COUNTY, "county_check", lc.COUNTY_CHECK, "2027-01-18T09:00")
    summary.complete(CITY, "city_acknowledge", lc.CITY_ACK, "2027-01-25T09:00")

    data = summary.case()["data"]
    assert (data["late"], data["submitted_on"], data["urges"][0]["new_due_on"]) == (
        True, "2027-01-15", "2027-01-20")
    assert case.case()["data"]["annual_summaries"][0]["late"] is True


def test_a_missed_summary_leads_to_revocation_on_ground_three(case):
    summary = overdue(case)

    ended = summary.complete(CITY, "overdue_summary", lc.OVERDUE_REVOKE, "2027-01-12T09:00")

    assert (ended["status"], ended["ended"]) == ("withdrawn", True)
    assert "第十八条（三）" in ended["data"]["withdrawn_reason"]
    revocation = child_of(case, "liaocheng_revocation")
    task = revocation.task(CITY, "revocation_decision")
    prefilled = case.api.get(CITY, f"/api/tasks/{task['id']}")["data"]
    assert prefilled["revocation_ground"] == "3"
    assert summary.case()["ref"] in prefilled["facts"]
    assert case.case()["status"] == "recognized"  # the decision is the city's, in the case

    revocation.complete(CITY, "revocation_decision", lc.REVOKE, "2027-02-20T09:00")

    parent = case.case()
    assert (parent["status"], parent["ended"]) == ("revoked", True)
    assert parent["data"]["revoked_on"] == "2027-02-20"
    assert "第十八条（三）" in parent["data"]["revoked_reason"]
    assert "聊工信字〔2027〕3号" in case.case(APPLICANT)["data"]["revoked_reason"]
    # The revocation outlives the title it ended: the plaque and the announcement follow.
    assert (revocation.case()["status"], revocation.ready()) == (
        "in_review", ["revocation_execution"])
    done = revocation.complete(CITY, "revocation_execution", lc.REVOCATION_EXECUTION,
                               "2027-03-02T09:00")
    assert (done["status"], done["ended"], done["data"]["outcome"]) == ("revoked", True,
                                                                         "revoke")
    assert_verifies(case)
    assert_verifies(revocation)


# --- revocation started by the city (第十八条) ------------------------------------------------

def test_the_city_revokes_a_title_on_ground_one(case):
    recognized(case)  # everything below happens before the first 1 January timer

    start_follow_up(case, APPLICANT, "liaocheng_revocation", expect=403)
    start_follow_up(case, COUNTY, "liaocheng_revocation", expect=403)
    revocation = start_follow_up(case, CITY, "liaocheng_revocation")
    revocation.complete(CITY, "revocation_decision", lc.REVOKE_FALSIFIED, "2026-12-01T09:00")

    parent = case.case()
    assert (parent["status"], parent["ended"]) == ("revoked", True)
    assert parent["data"]["revoked_reason"].startswith("依据第十八条（一）")
    # a revoked title cannot be revoked again
    start_follow_up(case, CITY, "liaocheng_revocation", expect=422)


def test_a_revocation_not_decided_leaves_the_title_valid(case):
    recognized(case)
    revocation = start_follow_up(case, CITY, "liaocheng_revocation")

    answer = revocation.complete(CITY, "revocation_decision", {
        "revocation_ground": "4", "facts": "入驻企业投诉经核实不成立。", "decision": "reject",
        "decision_reason": "不构成第十八条（四）的情形。"}, "2026-12-01T09:00")

    assert (answer["status"], answer["data"]["outcome"]) == ("rejected", "dismiss")
    assert (case.case()["status"], case.case()["ended"]) == ("recognized", False)


# --- change filing (第十五条) -----------------------------------------------------------------

@pytest.mark.parametrize("filed, late", [("2026-11-16T09:00", False),
                                         ("2026-11-17T09:00", True)],
                         ids=["within ten working days", "late"])
def test_a_change_filing_updates_the_base_and_keeps_its_history(case, filed, late):
    recognized(case)
    start_follow_up(case, COUNTY, "liaocheng_change_filing", expect=403)
    filing = start_follow_up(case, APPLICANT, "liaocheng_change_filing")

    filing.complete(APPLICANT, "file_change", lc.CHANGE, filed)
    # Art. 15: ten working days after the change was completed (Monday 2 November).
    filed_data = filing.case(COUNTY)["data"]
    assert (filed_data["late"], filed_data["filing_deadline"]) == (late, "2026-11-16")
    filing.complete(COUNTY, "county_forward", lc.CHANGE_COUNTY, "2026-11-18T09:00")
    filing.complete(CITY, "city_record", lc.CHANGE_CITY, "2026-11-19T09:00")

    parent = case.case()
    assert parent["data"]["application"]["base_name"] == "聊城东昌府创新创业示范园"
    assert parent["data"]["application"]["legal_representative"] == "王六"
    assert parent["data"]["application"]["operator_name"] == lc.APPLICATION["operator_name"]
    changes = parent["data"]["base_changes"]
    assert [(c["field"], c["old"], c["new"], c["late"]) for c in changes] == [
        ("base_name", "东昌府区创业创新示范园", "聊城东昌府创新创业示范园", late),
        ("legal_representative", "张三", "王六", late)]
    assert {c["case_ref"] for c in changes} == {filing.case()["ref"]}
    assert {c["filed_on"] for c in changes} == {filed[:10]}
    assert parent["base_name"] == "聊城东昌府创新创业示范园"  # the case lists under the new name
    assert (parent["status"], parent["ended"]) == ("recognized", False)


def test_a_refused_change_filing_leaves_the_base_unchanged(case):
    recognized(case)
    filing = start_follow_up(case, APPLICANT, "liaocheng_change_filing")
    filing.complete(APPLICANT, "file_change", lc.CHANGE, "2026-11-10T09:00")

    answer = filing.complete(COUNTY, "county_forward", {
        "opinion": "名称未经核准。", "decision": "reject", "decision_reason": "缺核准通知书。"},
        "2026-11-11T09:00")

    assert (answer["status"], answer["data"]["outcome"]) == ("rejected", "refused")
    assert case.case()["data"]["application"]["base_name"] == lc.APPLICATION["base_name"]
    assert case.case()["data"]["base_changes"] == []
