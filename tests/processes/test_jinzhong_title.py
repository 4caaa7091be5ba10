"""The Jinzhong title's life after recognition, through the JSON API with real-calendar timers.

Seed 000 (市工信企业发〔2025〕91号) 第四部分: the base reports last year's summary to its county
by the end of February (第一段; the seed sets no consequence for a late one, so it shows as
overdue and is accepted marked late); changes of name, address or legal representative are
filed within one month of completing the formalities (第三段); a failed evaluation is
rectified within a time limit, and a base still failing loses its title, its plaque is
recalled and the revocation announced (第二段).
"""

from __future__ import annotations

import pytest

from tests.processes import examples_jinzhong as jz
from tests.processes.driver import CaseDriver, at
from tests.processes.test_jinzhong import APPLICANT, CITY, COUNTY, recognized


@pytest.fixture
def titled(api) -> CaseDriver:
    """A base recognised on 2026-05-20 (valid until 2029-05-19)."""
    case = CaseDriver(api, "jinzhong_recognition", APPLICANT, CITY)
    recognized(case)
    return case


def follow_up(case: CaseDriver, process: str, username: str, when: str) -> CaseDriver:
    case.api.run_timers(when)
    case.api.now = at(when)
    return case.follow_up(username, process)


def summary_of(case: CaseDriver, year: int) -> CaseDriver:
    """Return the driver of the title's annual summary case for `year`."""
    for child_id in case.case()["children"]:
        child = CaseDriver(case.api, "jinzhong_annual_summary", case.applicant, case.observer)
        child.id = child_id
        if child.case()["data"].get("summary_year") == year:
            return child
    raise AssertionError(f"no summary of {year}")


def verified(case: CaseDriver) -> bool:
    return case.api.post("jz_auditor", f"/api/cases/{case.id}/verify")["ok"] is True


# --- annual summary (第四部分第一段) ------------------------------------------------------------

@pytest.mark.parametrize(("year", "due_on"), [(2027, "2027-02-28"), (2028, "2028-02-29")])
def test_each_first_of_january_starts_last_years_summary_due_at_the_end_of_february(
        titled, year, due_on):
    for new_year in range(2027, year + 1):
        titled.api.run_timers(f"{new_year}-01-01T00:00")

    summary = summary_of(titled, year - 1)
    data = summary.case()["data"]
    assert (data["summary_year"], data["summary_due_on"]) == (year - 1, due_on)
    task = summary.task(APPLICANT, "submit_summary")
    assert task["due_at"] == f"{due_on}T16:00:00+00:00"


def test_a_summary_goes_to_the_county_which_checks_the_base_and_the_title_records_it(titled):
    titled.api.run_timers("2027-01-01T00:00")
    summary = titled.child("jinzhong_annual_summary")

    sent = summary.complete(APPLICANT, "submit_summary", jz.SUMMARY, "2027-02-28T18:00")
    assert [(t["name"], t["lane"]) for t in sent["tasks"]] == [("county_check", "county")]
    assert summary.case()["data"]["summary_late"] is False
    done = summary.complete(COUNTY, "county_check", jz.SUMMARY_CHECK, "2027-03-05T09:00")

    assert (done["status"], done["ended"], done["data"]["outcome"]) == (
        "recognized", True, "received")
    parent = titled.case()
    assert [(f["procedure"], f["outcome"]) for f in parent["data"]["follow_ups"]] == [
        ("jinzhong_annual_summary", "received")]
    assert parent["status"] == "recognized" and verified(titled)


def test_a_summary_missing_after_february_is_overdue_for_the_officials_and_accepted_late(titled):
    titled.api.run_timers("2027-01-01T00:00")
    summary = titled.child("jinzhong_annual_summary")
    titled.api.now = at("2027-03-03T09:00")

    for official in (COUNTY, CITY):
        overdue = [t for t in titled.api.get(official, "/api/tasks/overdue")
                   if t["case_id"] == summary.id]
        assert [(t["name"], t["overdue_working_days"]) for t in overdue] == [("submit_summary", 3)]
    # No timer acts on it: the seed sets no consequence.
    assert titled.api.run_timers("2027-06-01T00:00") == 0
    sent = summary.complete(APPLICANT, "submit_summary", jz.SUMMARY, "2027-06-01T09:00")

    assert summary.case()["data"]["summary_late"] is True
    assert [t["name"] for t in sent["tasks"]] == ["county_check"]


# --- change filing (第四部分第三段) -------------------------------------------------------------

@pytest.mark.parametrize(("completed_on", "filed", "deadline", "late"), [
    ("2027-01-31", "2027-02-28", "2027-02-28", False),   # no 31 February: the month's last day
    ("2027-01-31", "2027-03-01", "2027-02-28", True),
    ("2027-03-15", "2027-04-15", "2027-04-15", False),
    ("2027-12-16", "2028-01-17", "2028-01-16", True),
])
def test_a_change_is_due_one_month_after_the_formalities_and_a_late_one_is_marked(
        titled, completed_on, filed, deadline, late):
    change = follow_up(titled, "jinzhong_change_filing", APPLICANT, f"{filed}T09:00")

    answer = change.complete(APPLICANT, "file_change", jz.change_filing(completed_on))

    data = change.case()["data"]
    assert (data["filing_deadline"], data["late"]) == (deadline, late)
    assert [(t["name"], t["lane"]) for t in answer["tasks"]] == [("county_record", "county")]


def city_files(titled: CaseDriver, decision: dict) -> dict:
    """A name change completed on 1 March 2027, filed on the 10th, through county and city."""
    change = follow_up(titled, "jinzhong_change_filing", APPLICANT, "2027-03-10T09:00")
    change.complete(APPLICANT, "file_change", jz.change_filing("2027-03-01"))
    change.complete(COUNTY, "county_record", jz.CHANGE_COUNTY, "2027-03-12T09:00")
    return change.complete(CITY, "city_record", decision, "2027-03-15T09:00")


def test_a_filed_change_updates_the_base_after_county_and_city_filing(titled):
    done = city_files(titled, jz.CHANGE_ACCEPT)

    assert (done["status"], done["data"]["outcome"]) == ("recognized", "accepted")
    parent = titled.case()["data"]
    assert parent["application"]["base_name"] == "晋中示例创新创业园"
    assert parent["base_changes"] == [{
        "field": "base_name", "old": "晋中示例双创园", "new": "晋中示例创新创业园",
        "changed_on": "2027-03-01", "case_ref": done["ref"], "filed_on": "2027-03-10",
        "late": False}]


def test_a_change_the_city_refuses_leaves_the_base_unchanged(titled):
    done = city_files(titled, jz.CHANGE_REFUSE)

    assert (done["status"], done["data"]["outcome"]) == ("rejected", "rejected")
    assert titled.case()["data"]["application"]["base_name"] == "晋中示例双创园"


# --- evaluation → rectification → revocation (第四部分第二段) -----------------------------------

def failed_evaluation(titled: CaseDriver) -> CaseDriver:
    evaluation = follow_up(titled, "jinzhong_evaluation", CITY, "2027-09-01T09:00")
    evaluation.complete(CITY, "record_evaluation", jz.EVALUATION_FAIL, "2027-09-20T09:00")
    ordered = evaluation.complete(CITY, "order_rectification", jz.RECTIFY_ORDER, "2027-10-08T09:00")
    assert [(t["name"], t["lane"]) for t in ordered["tasks"]] == [
        ("submit_rectification", "applicant")]
    assert evaluation.task(APPLICANT, "submit_rectification")["due_at"] == \
        "2027-12-31T16:00:00+00:00"
    return evaluation


def test_a_passed_evaluation_keeps_the_title(titled):
    evaluation = follow_up(titled, "jinzhong_evaluation", CITY, "2027-09-01T09:00")

    done = evaluation.complete(CITY, "record_evaluation", jz.EVALUATION_PASS, "2027-09-20T09:00")

    assert (done["status"], done["data"]["outcome"]) == ("recognized", "pass")
    assert titled.case()["status"] == "recognized"


def test_a_base_that_rectifies_in_time_keeps_its_title(titled):
    evaluation = failed_evaluation(titled)
    evaluation.complete(APPLICANT, "submit_rectification", jz.RECTIFY_REPORT, "2027-12-20T09:00")

    done = evaluation.complete(CITY, "reevaluate", jz.REEVALUATE_PASS, "2028-01-10T09:00")

    assert (done["status"], done["data"]["outcome"]) == ("recognized", "rectified")
    assert titled.case()["status"] == "recognized"


def test_a_base_still_failing_after_rectification_is_revoked_with_plaque_and_announcement(titled):
    evaluation = failed_evaluation(titled)
    evaluation.complete(APPLICANT, "submit_rectification", jz.RECTIFY_REPORT, "2027-12-20T09:00")
    evaluation.complete(CITY, "reevaluate", jz.REEVALUATE_FAIL, "2028-01-10T09:00")
    done = evaluation.complete(CITY, "record_revocation", jz.REVOCATION, "2028-01-20T09:00")

    assert (done["status"], done["ended"]) == ("revoked", True)
    parent = titled.case()
    assert (parent["status"], parent["ended"]) == ("revoked", True)
    revocation = parent["data"]["revocation"]
    assert {k: revocation[k] for k in ("revocation_ground", "decision_document_no",
                                        "plaque_recalled", "announcement_url", "case_ref")} == {
        "revocation_ground": "rectification_failed",
        "decision_document_no": "市工信企业发〔2028〕5号",
        "plaque_recalled": True, "announcement_url": jz.REVOCATION["announcement_url"],
        "case_ref": done["ref"]}
    assert parent["data"]["revoked_on"] == "2028-01-20"
    assert "经整改仍不合格" in titled.case(APPLICANT)["data"]["revoked_reason"]
    assert verified(titled)


def test_a_rectification_not_reported_by_its_deadline_goes_to_the_city_for_re_evaluation(titled):
    evaluation = failed_evaluation(titled)

    assert titled.api.run_timers("2027-12-31T23:59") == 0
    titled.api.run_timers("2028-01-01T00:00")

    answer = evaluation.case()
    assert [(t["name"], t["lane"]) for t in answer["tasks"]] == [("reevaluate", "city")]
    assert answer["data"]["rectification_missing"] is True
    assert answer["data"]["rectification_report"] is None
