"""Follow-up procedures on a recognised Kunming title, through the JSON API with timers.

Seed 003 (昆工信规〔2022〕1号): 第十六条 the base files last year's summary and this year's plan
by the end of January, 第十七条 the county reports them to the city by the end of February;
第十九条 major changes are filed within 10 working days of the change; 第十八条 a failed
evaluation cancels the title and recalls the plaque; 第十五条 violations established during
validity revoke it.
"""

from __future__ import annotations

import pytest

from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver, at
from tests.processes.test_kunming import APPLICANT, CITY, COUNTY, assert_verifies, recognized


@pytest.fixture
def titled(api) -> CaseDriver:
    """A base recognised on 2026-11-20 (valid until 2029-11-19)."""
    case = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    recognized(case)
    return case


def start_follow_up(case: CaseDriver, process: str, username: str, when: str,
                    expect: int = 201) -> CaseDriver | dict:
    """Start follow-up `process` on `case` as `username` at `when` (after the timers due by
    then, as the timer worker would have run them); return a driver for the child."""
    case.api.run_timers(when)
    case.api.now = at(when)
    return case.follow_up(username, process, expect)


# --- annual summary (第十六条、第十七条) ------------------------------------------------------

def test_each_first_of_january_starts_the_summary_of_last_year_with_the_seeds_due_dates(titled):
    titled.api.run_timers("2027-01-01T00:00")

    summary = titled.child("kunming_annual_summary")
    opened = summary.case()
    assert (opened["status"], opened["ended"]) == ("draft", False)
    assert {k: opened["data"][k] for k in ("summary_year", "summary_due_on", "county_due_on")} == {
        "summary_year": 2026, "summary_due_on": "2027-01-31", "county_due_on": "2027-02-28"}
    assert opened["data"]["title"]["certificate_no"] == km.RECOGNIZE["certificate_no"]
    assert summary.ready() == ["submit_summary"]
    # The parent plans the next 1 January.
    assert titled.case()["next_timer_at"] == "2027-12-31T16:00:00+00:00"


def test_a_summary_goes_from_the_base_through_the_county_to_the_city(titled):
    titled.api.run_timers("2027-01-01T00:00")
    summary = titled.child("kunming_annual_summary")

    submitted = summary.complete(APPLICANT, "submit_summary", km.SUMMARY, "2027-01-20T09:00")
    assert [t["name"] for t in submitted["tasks"]] == ["county_report"]
    assert summary.case()["data"]["summary_late"] is False
    assert [t["case_id"] for t in titled.api.tasks(COUNTY)] == [summary.id]
    summary.complete(COUNTY, "county_report", km.COUNTY_SUMMARY_REPORT, "2027-02-20T09:00")
    done = summary.complete(CITY, "city_acknowledge", km.CITY_SUMMARY_RECEIPT, "2027-02-25T09:00")

    assert (done["status"], done["ended"], done["data"]["outcome"]) == (
        "recognized", True, "acknowledged")
    parent = titled.case()
    assert parent["status"] == "recognized" and parent["ended"] is False
    assert [(f["procedure"], f["ref"], f["outcome"]) for f in parent["data"]["follow_ups"]] == [
        ("kunming_annual_summary", done["ref"], "acknowledged")]
    assert_verifies(summary)
    assert_verifies(titled)


def test_a_summary_missing_at_the_end_of_january_comes_before_the_city_to_urge_or_record(titled):
    titled.api.run_timers("2027-01-01T00:00")
    summary = titled.child("kunming_annual_summary")

    titled.api.run_timers("2027-01-31T23:59:59")
    assert summary.ready() == ["submit_summary"]
    titled.api.run_timers("2027-02-01T00:00")

    assert summary.ready() == ["handle_missed_summary", "submit_summary"]
    task = summary.task(CITY, "handle_missed_summary")
    schema = titled.api.get(CITY, f"/api/tasks/{task['id']}")["schema"]
    # No revocation ground for a missed summary in this seed: urge or record, nothing else.
    assert schema["properties"]["action"]["enum"] == ["urge", "record"]
    summary.complete(CITY, "handle_missed_summary", km.MISSED_SUMMARY_RECORD, "2027-02-02T09:00")
    late = summary.complete(APPLICANT, "submit_summary", km.SUMMARY, "2027-02-05T09:00")
    assert summary.case()["data"]["summary_late"] is True
    assert [t["name"] for t in late["tasks"]] == ["county_report"]
    assert titled.case()["status"] == "recognized"


# --- change filing (第十九条) -----------------------------------------------------------------

def file_change(titled: CaseDriver, changed_on: str, filed: str) -> CaseDriver:
    filing = start_follow_up(titled, "kunming_change_filing", APPLICANT, filed)
    filing.complete(APPLICANT, "file_change", km.change_filing(changed_on), filed)
    filing.complete(COUNTY, "county_acknowledge", km.CHANGE_COUNTY, filed)
    filing.complete(CITY, "city_filing", km.CHANGE_ACCEPT, filed)
    return filing


def test_a_change_filed_in_time_updates_the_base_and_keeps_the_old_value(titled):
    filing = file_change(titled, "2027-03-15", "2027-03-29T09:00")  # the 10th working day

    done = filing.case()
    assert (done["status"], done["ended"], done["data"]["late"]) == ("recognized", True, False)
    assert done["data"]["filing_deadline"] == "2027-03-29"
    parent = titled.case()
    assert parent["status"] == "recognized"
    assert parent["base_name"] == parent["data"]["application"]["base_name"] == "昆明示例创新创业园"
    assert parent["data"]["base_changes"] == [{
        "field": "base_name", "old": km.APPLICATION["base_name"], "new": "昆明示例创新创业园",
        "changed_on": "2027-03-15", "case_ref": done["ref"], "filed_on": "2027-03-29",
        "late": False}]
    assert_verifies(titled)


def test_a_change_filed_after_ten_working_days_is_accepted_but_marked_late(titled):
    filing = file_change(titled, "2027-03-15", "2027-03-30T09:00")

    assert filing.case()["data"]["late"] is True
    [change] = titled.case()["data"]["base_changes"]
    assert (change["late"], change["new"]) == (True, "昆明示例创新创业园")
    assert filing.case(APPLICANT)["data"]["change_filing"]["changed_on"] == "2027-03-15"


def test_only_the_base_files_its_changes_and_the_county_sees_them(titled):
    refused = start_follow_up(titled, "kunming_change_filing", CITY, "2027-03-20T09:00",
                              expect=403)
    assert refused["error"]
    filing = start_follow_up(titled, "kunming_change_filing", APPLICANT, "2027-03-20T09:00")
    filing.complete(APPLICANT, "file_change", km.change_filing("2027-03-15"), "2027-03-20T09:00")

    seen = titled.api.get(COUNTY, f"/api/cases/{filing.id}")
    assert seen["parent_id"] == titled.id and seen["tasks"][0]["name"] == "county_acknowledge"


# --- evaluation (第十八条) and revocation (第十五条) ------------------------------------------

def test_a_failed_evaluation_cancels_the_title_and_recalls_the_plaque(titled):
    titled.api.run_timers("2027-01-01T00:00")  # an annual summary is open meanwhile
    evaluation = start_follow_up(titled, "kunming_evaluation", CITY, "2027-09-01T09:00")
    evaluation.complete(CITY, "record_evaluation", km.EVALUATION_FAIL, "2027-09-20T09:00")
    done = evaluation.complete(CITY, "record_cancellation", km.CANCELLATION, "2027-10-10T09:00")

    assert (done["status"], done["ended"]) == ("revoked", True)
    parent = titled.case()
    assert (parent["status"], parent["ended"]) == ("revoked", True)
    revocation = parent["data"]["revocation"]
    assert {k: revocation[k] for k in ("revocation_ground", "decision_document_no",
                                        "decision_date", "plaque_recalled", "announcement_url",
                                        "announcement_date", "case_ref")} == {
        "revocation_ground": "evaluation_failed", "decision_document_no": "昆工信〔2027〕31号",
        "decision_date": "2027-10-10", "plaque_recalled": True,
        "announcement_url": km.CANCELLATION["announcement_url"],
        "announcement_date": "2027-10-11", "case_ref": done["ref"]}
    assert parent["data"]["revoked_on"] == "2027-10-10"
    mine = titled.case(APPLICANT)
    assert "第十八条 测评不合格" in mine["data"]["revoked_reason"]
    # The open annual summary closes with the title, its reason recorded.
    summary = titled.child("kunming_annual_summary").case(APPLICANT)
    assert (summary["status"], summary["ended"]) == ("withdrawn", True)
    assert summary["data"]["withdrawn_reason"]
    assert_verifies(titled)


def test_a_passed_evaluation_keeps_the_title(titled):
    evaluation = start_follow_up(titled, "kunming_evaluation", CITY, "2027-09-01T09:00")
    done = evaluation.complete(CITY, "record_evaluation", km.EVALUATION_PASS, "2027-09-20T09:00")

    assert (done["status"], done["ended"], done["data"]["outcome"]) == ("recognized", True, "pass")
    parent = titled.case()
    assert (parent["status"], parent["ended"]) == ("recognized", False)
    assert parent["data"]["follow_ups"][-1]["outcome"] == "pass"


def test_a_violation_established_during_validity_revokes_the_title(titled):
    assert start_follow_up(titled, "kunming_revocation", APPLICANT, "2027-09-01T09:00",
                           expect=403)["error"]
    revocation = start_follow_up(titled, "kunming_revocation", CITY, "2027-09-01T09:00")
    assert revocation.case(COUNTY)["tasks"][0]["name"] == "investigate_violation"
    revocation.complete(CITY, "investigate_violation", km.VIOLATION, "2027-09-20T09:00")
    revocation.complete(CITY, "record_cancellation", km.CANCELLATION, "2027-10-10T09:00")

    parent = titled.case()
    assert (parent["status"], parent["ended"]) == ("revoked", True)
    assert parent["data"]["revocation"]["revocation_ground"] == "illegal_act"
    assert parent["data"]["revocation"]["facts"] == km.VIOLATION["facts"]
    # A title that is no longer valid cannot be revoked again.
    again = start_follow_up(titled, "kunming_revocation", CITY, "2027-10-11T09:00", expect=422)
    assert "parent_id" in again["errors"]
    assert_verifies(titled)


def test_a_violation_not_established_leaves_the_title_valid(titled):
    revocation = start_follow_up(titled, "kunming_revocation", CITY, "2027-09-01T09:00")
    done = revocation.complete(CITY, "investigate_violation",
                               {**km.VIOLATION, "decision": "no_revoke",
                                "decision_reason": "举报不实。"}, "2027-09-20T09:00")

    assert (done["status"], done["ended"], done["data"]["outcome"]) == (
        "recognized", True, "not_revoked")
    assert titled.case()["status"] == "recognized"


def test_a_result_arriving_before_the_worker_fired_a_due_timer_is_handled_once(titled):
    """The 1 January timer is due but not fired yet when a follow-up ends: the timer fires
    first, as the worker would have, then the result is routed; the title runs on once."""
    titled.api.now = at("2027-09-01T09:00")
    started = titled.api.post(CITY, "/api/cases",
                              {"process": "kunming_evaluation", "parent_id": titled.id},
                              expect=201)
    evaluation = CaseDriver(titled.api, "kunming_evaluation", APPLICANT, CITY)
    evaluation.id = started["id"]

    evaluation.complete(CITY, "record_evaluation", km.EVALUATION_PASS, "2027-09-20T09:00")

    parent = titled.case()
    assert sorted(w["element"] for w in parent["waiting"]) == ["child_done", "title_date"]
    assert [f["outcome"] for f in parent["data"]["follow_ups"]] == ["pass"]
    assert titled.child("kunming_annual_summary").case()["data"]["summary_year"] == 2026
    kinds = [e["kind"] for e in titled.api.get(CITY, f"/api/cases/{titled.id}/events")]
    assert kinds[-3:] == ["timers_fired", "child_started", "message_received"]
    assert_verifies(titled)
