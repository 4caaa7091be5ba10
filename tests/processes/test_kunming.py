"""Every path of the Kunming procedure, end to end through the JSON API.

Seed 003 (昆工信规〔2022〕1号): county initial review with the pre-check (Art. 10),
satisfaction spot-check of ≥ 10 % of resident enterprises with ≥ 80 % satisfied,
expert review, site verification, public notice of ≥ 10 working days with
objections investigated, collective decision, 3-year validity and re-application
in the expiry year (a child case).
"""

from __future__ import annotations

import pytest

from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver

APPLICANT, COUNTY, CITY = "km_applicant", "km_county_wuhua", "km_city"


@pytest.fixture
def case(api) -> CaseDriver:
    return CaseDriver(api, "kunming_recognition", APPLICANT, CITY)


def submitted(case: CaseDriver) -> dict:
    case.start("2026-03-01T09:00")
    return case.complete(APPLICANT, "submit_application", km.APPLICATION, "2026-03-02T09:00")


def at_site_inspection(case: CaseDriver) -> dict:
    submitted(case)
    return case.complete(COUNTY, "county_review", km.COUNTY_APPROVE, "2026-03-10T09:00")


def at_expert_review(case: CaseDriver) -> dict:
    at_site_inspection(case)
    case.complete(COUNTY, "site_inspection", km.site_inspection(), "2026-04-10T09:00")
    return case.complete(CITY, "assign_experts", km.ASSIGN_EXPERTS, "2026-05-01T09:00")


def experts_done(case: CaseDriver) -> dict:
    at_expert_review(case)
    for number, expert in enumerate(km.EXPERTS):
        answer = case.complete(expert, "expert_review", km.expert_opinion(80 + number),
                               "2026-05-10T09:00")
    return answer


def in_notice(case: CaseDriver) -> dict:
    experts_done(case)
    case.complete(CITY, "expert_decision", km.EXPERT_APPROVE, "2026-06-01T09:00")
    case.complete(CITY, "site_verification", km.VERIFY_APPROVE, "2026-09-10T09:00")
    return case.complete(CITY, "publish_notice", km.NOTICE, "2026-09-28T09:00")


def recognized(case: CaseDriver) -> dict:
    in_notice(case)
    assert case.api.run_timers("2026-10-16T00:00") == 1
    case.complete(CITY, "register_objections", km.NO_OBJECTION, "2026-10-16T09:00")
    return case.complete(CITY, "collective_decision", km.RECOGNIZE, "2026-11-20T09:00")


def assert_ended(answer: dict, status: str) -> None:
    assert (answer["status"], answer["ended"], answer["tasks"]) == (status, True, [])


def assert_verifies(case: CaseDriver) -> None:
    """The auditor's replay of the whole history matches the recorded states."""
    answer = case.api.post("km_auditor", f"/api/cases/{case.id}/verify")
    assert answer["ok"] is True, [s for s in answer["steps"] if not s["ok"]]


# --- start, submission, pre-check -------------------------------------------------------------

def test_a_new_case_is_a_draft_waiting_for_the_application(case):
    started = case.start()

    assert started["ref"].startswith("KM-2026-")
    assert (started["status"], started["stage"]) == ("draft", "填报申请材料")
    assert started["ended"] is False
    assert [(t["name"], t["lane"], t["form"]) for t in started["tasks"]] == [
        ("submit_application", "applicant", "km_application")]
    assert started["precheck"] is None and started["parent_id"] is None


def test_the_application_form_is_offered_as_json_schema(case):
    case.start()
    task = case.task(APPLICANT, "submit_application")

    detail = case.api.get(APPLICANT, f"/api/tasks/{task['id']}")

    assert detail["form"] == "km_application"
    schema = detail["schema"]
    assert {"base_name", "credit_code", "county", "commitment"} <= set(schema["required"])
    assert {"small_micro_count", "resident_enterprises", "audit_report"} <= set(
        schema["properties"])


def test_the_county_review_form_follows_the_decision_conventions(case):
    submitted(case)
    task = case.task(COUNTY, "county_review")

    detail = case.api.get(COUNTY, f"/api/tasks/{task['id']}")

    properties = detail["schema"]["properties"]
    assert properties["decision"]["enum"] == ["approve", "return", "reject"]
    assert {"decision", "assessment"} <= set(detail["schema"]["required"])
    assert {"decision_reason", "precheck_override", "precheck_override_reason"} <= set(properties)
    assert detail["due_at"] is not None and detail["lane"] == "county"


def test_the_case_list_filters_by_status_and_process(case):
    submitted(case)

    def listed(query: str) -> list[int]:
        return [c["id"] for c in case.api.get(CITY, f"/api/cases?{query}")]

    assert listed("status=in_review&process=kunming_recognition") == [case.id]
    assert listed("status=recognized") == []
    assert listed("process=kunming_rereview") == []


def test_submission_runs_the_precheck_condition_by_condition(case):
    answer = submitted(case)

    assert (answer["status"], answer["stage"]) == ("in_review", "县级初审")
    precheck = case.case(COUNTY)["precheck"]
    assert precheck["passed"] is True
    assert len(precheck["conditions"]) == 15
    for condition in precheck["conditions"]:
        assert set(condition) == {"id", "label", "required", "actual", "passed"}
        assert condition["passed"] is True
    employees = next(c for c in precheck["conditions"] if c["id"] == "employee_count")
    assert employees["actual"] == 800


def test_the_applicant_sees_neither_the_precheck_nor_the_officials_notes(case):
    submitted(case)
    case.complete(COUNTY, "county_review", km.COUNTY_RETURN, "2026-03-10T09:00")

    mine = case.case(APPLICANT)

    assert mine["precheck"] is None
    assert mine["data"]["county_review"] == {
        "decision": "return", "decision_reason": km.COUNTY_RETURN["decision_reason"],
        "corrections": km.COUNTY_RETURN["corrections"]}  # the notice, not the assessment
    assert "precheck_conditions" not in mine["data"]


def test_approving_a_failed_precheck_needs_an_override(case):
    case.start()
    case.complete(APPLICANT, "submit_application", km.APPLICATION_FEW_EMPLOYEES, "2026-03-02T09:00")
    precheck = case.case(COUNTY)["precheck"]
    assert precheck["passed"] is False
    assert [c["id"] for c in precheck["conditions"] if not c["passed"]] == ["employee_count"]

    refused = case.complete(COUNTY, "county_review", km.COUNTY_APPROVE, "2026-03-10T09:00",
                            expect=422)
    assert list(refused["errors"]) == ["precheck_override"]
    assert case.ready() == ["county_review"] and "county_review" not in case.case(COUNTY)["data"]

    on = case.complete(COUNTY, "county_review", km.COUNTY_OVERRIDE, "2026-03-11T09:00")
    assert [t["name"] for t in on["tasks"]] == ["site_inspection"]
    assert on["data"]["county_review"]["precheck_override"] is True


# --- outcomes of the county review ------------------------------------------------------------

def test_correction_loop_returns_to_the_applicant_and_back_to_review(case):
    submitted(case)

    returned = case.complete(COUNTY, "county_review", km.COUNTY_RETURN, "2026-03-10T09:00")
    assert (returned["status"], returned["stage"]) == ("in_review", "补正申请材料")
    assert [t["lane"] for t in returned["tasks"]] == ["applicant"]
    corrected = case.complete(APPLICANT, "correct_application",
                              {**km.APPLICATION, "employee_count": 820}, "2026-03-15T09:00")
    assert [t["name"] for t in corrected["tasks"]] == ["county_review"]
    conditions = {c["id"]: c for c in case.case(COUNTY)["precheck"]["conditions"]}
    assert conditions["employee_count"]["actual"] == 820 and len(conditions) == 15
    approved = case.complete(COUNTY, "county_review", km.COUNTY_APPROVE, "2026-03-20T09:00")

    assert (approved["status"], approved["stage"]) == ("in_review", "满意度抽查与推荐意见")
    assert approved["data"]["application"]["employee_count"] == 820


def test_county_rejection_ends_the_case_rejected(case):
    submitted(case)

    answer = case.complete(COUNTY, "county_review", km.COUNTY_REJECT, "2026-03-10T09:00")

    assert_ended(answer, "rejected")
    assert answer["data"]["rejected_at"] == "county_review"
    assert case.api.tasks(COUNTY) == []


@pytest.mark.parametrize("decision", ["approve", "return"])
def test_falsified_material_is_a_one_vote_veto(case, decision):
    submitted(case)
    veto = {**km.COUNTY_FALSIFIED, "decision": decision}
    if decision != "approve":
        veto.update(decision_reason="材料虚假。", corrections=km.COUNTY_RETURN["corrections"])

    answer = case.complete(COUNTY, "county_review", veto, "2026-03-10T09:00")

    assert_ended(answer, "rejected")
    assert answer["data"]["county_review"]["falsified"] is True
    assert case.api.tasks(APPLICANT) == []


# --- satisfaction spot-check (≥ 10 % sampled, ≥ 80 % satisfied) ------------------------------

def test_a_satisfaction_sample_below_eighty_percent_rejects_the_case(case):
    at_site_inspection(case)

    answer = case.complete(COUNTY, "site_inspection", km.site_inspection(5, 3), "2026-04-10T09:00")

    assert_ended(answer, "rejected")
    assert answer["data"]["rejected_at"] == "site_inspection"
    assert answer["data"]["sample_check"] == {"required": 5, "sampled": 5, "satisfied": 3,
                                              "ratio_ok": True, "satisfaction_ok": False}


def test_a_sample_of_fewer_than_ten_percent_is_refused_with_its_reason(case):
    at_site_inspection(case)

    refused = case.complete(COUNTY, "site_inspection", km.site_inspection(4, 4),
                            "2026-04-10T09:00", expect=422)

    assert refused["errors"] == {"satisfaction_sample": [
        "应抽查5家，本次4家（第十条：抽查比例不低于入驻小微企业数的10%）"]}
    assert case.ready() == ["site_inspection"]
    assert "site_inspection" not in case.case(COUNTY)["data"]
    schema = case.task(COUNTY, "site_inspection")
    detail = case.api.get(COUNTY, f"/api/tasks/{schema['id']}")
    table = detail["schema"]["properties"]["satisfaction_sample"]
    assert (table["x-min-rows"], table["x-min-rows-text"][:6]) == (5, "应抽查5家（")


def test_a_sample_too_small_does_not_matter_when_not_recommending(case):
    at_site_inspection(case)

    answer = case.complete(COUNTY, "site_inspection", km.site_inspection(1, 1, "reject"),
                           "2026-04-10T09:00")

    assert_ended(answer, "rejected")


def test_exactly_eighty_percent_satisfied_passes_the_spot_check(case):
    at_site_inspection(case)

    answer = case.complete(COUNTY, "site_inspection", km.site_inspection(5, 4), "2026-04-10T09:00")

    assert [t["name"] for t in answer["tasks"]] == ["assign_experts"]
    assert answer["stage"] == "组织专家评审"


# --- expert review ----------------------------------------------------------------------------

def test_each_expert_sees_and_completes_only_their_own_review(case):
    at_expert_review(case)
    assert case.ready() == ["expert_review"] * 3

    offered = {expert: [t for t in case.api.tasks(expert) if t["case_id"] == case.id]
               for expert in km.EXPERTS}
    assert {e: [t["assignee"] for t in tasks] for e, tasks in offered.items()} == {
        e: [e] for e in km.EXPERTS}
    assert case.api.tasks(CITY) == [] or all(
        t["name"] != "expert_review" for t in case.api.tasks(CITY))

    # Expert 1 cannot complete expert 2's instance, nor open it.
    other = offered["km_expert2"][0]
    case.api.post("km_expert1", f"/api/tasks/{other['id']}/complete",
                  {"data": km.expert_opinion()}, expect=403)
    for number, expert in enumerate(km.EXPERTS):
        answer = case.complete(expert, "expert_review", km.expert_opinion(80 + number),
                               "2026-05-10T09:00")
        assert [t["name"] for t in case.api.tasks(expert)] == []

    assert [t["name"] for t in answer["tasks"]] == ["expert_decision"]
    # Experts review independently: each sees only their own opinion, the city sees them all.
    assert [o["score"] for o in answer["data"]["expert_opinions"]] == [82]
    assert "application" in answer["data"]
    assert [o["score"] for o in case.case(CITY)["data"]["expert_opinions"]] == [80, 81, 82]


def test_expert_rejection_ends_the_case_rejected(case):
    experts_done(case)

    answer = case.complete(CITY, "expert_decision", km.EXPERT_REJECT, "2026-06-01T09:00")

    assert_ended(answer, "rejected")
    assert answer["data"]["rejected_at"] == "expert_decision"


# --- public notice ----------------------------------------------------------------------------

def test_publishing_the_notice_starts_ten_working_days(case):
    answer = in_notice(case)

    assert answer["status"] == "public_notice"
    assert [t["name"] for t in answer["tasks"]] == ["register_objections"]
    assert answer["next_timer_at"] == "2026-10-15T16:00:00+00:00"  # 2026-10-16 00:00 +08:00
    assert [w["element"] for w in answer["waiting"]] == ["notice_period_ends"]


def test_the_notice_timer_fires_at_midnight_after_the_tenth_working_day(case):
    in_notice(case)
    assert case.case()["data"]["notice_ends_on"] == "2026-10-15"

    assert case.api.run_timers("2026-10-15T23:59:59") == 0
    still = case.case()
    assert (still["status"], [w["element"] for w in still["waiting"]]) == (
        "public_notice", ["notice_period_ends"])

    assert case.api.run_timers("2026-10-16T00:00") == 1
    closed = case.case()
    assert [t["name"] for t in closed["tasks"]] == ["register_objections"]
    assert closed["waiting"] == []
    assert case.api.run_timers("2026-10-16T00:00") == 0
    registered = case.complete(CITY, "register_objections", km.NO_OBJECTION, "2026-10-16T09:00")
    assert [t["name"] for t in registered["tasks"]] == ["collective_decision"]


def test_happy_path_recognizes_with_certificate_and_three_year_validity(case):
    answer = recognized(case)

    assert answer["status"] == "recognized"
    assert (answer["valid_from"], answer["valid_until"]) == ("2026-11-20", "2029-11-19")
    assert answer["certificate_no"] == km.RECOGNIZE["certificate_no"]
    assert answer["data"]["recognized_on"] == "2026-11-20"
    # The title lives on: the case waits for the re-application window of the expiry year.
    # The title lives on: the case waits for the next 1 January, the end of validity and the
    # results of follow-up procedures.
    assert (answer["ended"], answer["tasks"]) == (False, [])
    assert {w["element"] for w in answer["waiting"]} == {"title_date", "child_done"}
    assert answer["next_timer_at"] == "2026-12-31T16:00:00+00:00"  # 2027-01-01 00:00 +08:00
    assert_verifies(case)


def test_attachments_of_the_application_can_be_downloaded_by_the_reviewer(case):
    answer = submitted(case)
    [report_id] = answer["data"]["application"]["audit_report"]

    response = case.api.client.get(f"/api/attachments/{report_id}",
                                   headers=case.api.headers(COUNTY))
    content = response.data
    response.close()

    assert response.status_code == 200
    assert content.startswith(b"%PDF")


def test_an_objection_found_groundless_leads_to_recognition(case):
    in_notice(case)

    assert case.api.run_timers("2026-10-16T00:00") == 1
    registered = case.complete(CITY, "register_objections", km.OBJECTION, "2026-10-16T09:00")
    assert registered["status"] == "public_notice"
    assert case.ready() == ["investigate_objections"]
    cleared = case.complete(CITY, "investigate_objections", km.INVESTIGATE_OK, "2026-10-20T09:00")
    assert [t["name"] for t in cleared["tasks"]] == ["collective_decision"]
    answer = case.complete(CITY, "collective_decision", km.RECOGNIZE, "2026-11-20T09:00")

    assert answer["status"] == "recognized"


def test_an_objection_upheld_rejects_the_case(case):
    in_notice(case)
    case.api.run_timers("2026-10-16T00:00")
    case.complete(CITY, "register_objections", km.OBJECTION, "2026-10-16T09:00")

    answer = case.complete(CITY, "investigate_objections", km.INVESTIGATE_REJECT,
                           "2026-10-20T09:00")

    assert_ended(answer, "rejected")
    assert answer["data"]["rejected_at"] == "investigate_objections"
    assert answer["valid_until"] is None and answer["certificate_no"] is None


def test_the_applicant_reads_officials_outcomes_but_not_their_internal_notes(case):
    submitted(case)
    case.complete(COUNTY, "county_review", km.COUNTY_RETURN, "2026-03-10T09:00")

    events = case.api.get(APPLICANT, f"/api/cases/{case.id}/events")
    [review] = [e for e in events if e["task"] == "county_review"]
    assert review["redacted"] is True
    assert review["data"]["form"] == {"decision": "return",
                                      "decision_reason": km.COUNTY_RETURN["decision_reason"],
                                      "corrections": km.COUNTY_RETURN["corrections"]}
    [own] = [e for e in events if e["task"] == "submit_application"]
    assert own["redacted"] is False and own["data"]["form"]["base_name"] == "昆明示例创业园"
    city_view = case.api.get(CITY, f"/api/cases/{case.id}/events")
    assert [e for e in city_view if e["task"] == "county_review"][0]["data"]["form"][
        "assessment"] == km.COUNTY_RETURN["assessment"]


# --- validity, yearly summaries, expiry and re-application (child cases) ----------------------

def years_pass(case: CaseDriver, *years: int) -> None:
    """Fire the 1 January timer of each year (each starts that year's annual summary)."""
    for year in years:
        assert case.api.run_timers(f"{year}-01-01T00:00") >= 1


def run_steps(case: CaseDriver, steps: list) -> dict:
    """Complete (username, task, data, when) steps; a step without a task runs the timers."""
    answer = {}
    for username, task, data, when in steps:
        if task is None:
            case.api.run_timers(when)
        else:
            answer = case.complete(username, task, data, when)
    return answer


def test_the_title_expires_when_no_reapplication_is_completed(case):
    recognized(case)
    years_pass(case, 2027, 2028)

    case.api.run_timers("2028-12-31T23:59:59")
    assert len(case.case()["children"]) == 2  # the summaries of 2026 and 2027
    case.api.run_timers("2029-01-01T00:00")
    child = case.child("kunming_rereview")
    case.api.run_timers("2029-11-19T23:59:59")
    assert case.case()["status"] == "recognized"
    assert case.api.run_timers("2029-11-20T00:00") == 1

    # The old title has ended, but the expiry year's re-application stays open until 31 December.
    ended = case.case()
    assert (ended["status"], ended["ended"], ended["valid_until"]) == (
        "expired", False, "2029-11-19")
    assert child.case()["status"] == "draft" and child.ready() == ["submit_rereview"]

    assert case.api.run_timers("2029-12-31T23:59:59") == 0
    assert case.api.run_timers("2030-01-01T00:00") == 1
    withdrawn = child.case(APPLICANT)
    assert (withdrawn["status"], withdrawn["ended"], withdrawn["tasks"]) == ("withdrawn", True, [])
    assert withdrawn["data"]["withdrawn_reason"].startswith(
        "有效期满当年（2029年）内未提交再次申报材料")
    answer = case.case()
    assert_ended(answer, "expired")
    assert "已撤回" in answer["data"]["expired_reason"]
    assert [t for t in case.api.tasks(APPLICANT) if t["case_id"] == child.id] == []
    assert_verifies(case)
    assert_verifies(child)


def test_reapplication_opens_as_a_child_case_in_the_expiry_year(case):
    recognized(case)
    years_pass(case, 2027, 2028)

    case.api.run_timers("2029-01-01T00:00")

    parent = case.case()
    child = case.child("kunming_rereview")
    opened = child.case()
    assert child.id in parent["children"] and opened["parent_id"] == case.id
    assert (opened["process"], opened["status"], opened["ended"]) == (
        "kunming_rereview", "draft", False)
    assert opened["ref"].startswith("KM-2029-")
    assert opened["data"]["parent_ref"] == parent["ref"]
    assert opened["data"]["reapplication_deadline"] == "2030-01-01T00:00:00+08:00"
    # The form is the application form, pre-filled with the base's current data.
    [task] = [t for t in case.api.tasks(APPLICANT) if t["case_id"] == child.id]
    assert (task["name"], task["form"]) == ("submit_rereview", "km_application")
    detail = case.api.get(APPLICANT, f"/api/tasks/{task['id']}")
    assert detail["data"]["base_name"] == km.APPLICATION["base_name"]
    assert parent["status"] == "recognized" and parent["data"]["reapplication_open"] is True


def test_an_approved_reapplication_extends_the_parents_validity(case):
    recognized(case)
    years_pass(case, 2027, 2028, 2029)
    child = case.child("kunming_rereview")

    finished = run_steps(child, km.reapplication_steps())

    assert (finished["status"], finished["ended"]) == ("recognized", True)
    parent = case.case()
    assert (parent["status"], parent["ended"]) == ("recognized", False)
    assert (parent["valid_from"], parent["valid_until"]) == ("2029-11-20", "2032-11-19")
    assert parent["certificate_no"] == km.RECOGNIZE_AGAIN["certificate_no"]
    assert parent["data"]["renewal_count"] == 1
    assert parent["data"]["application"]["employee_count"] == km.REAPPLICATION["employee_count"]
    assert parent["data"]["title_history"] == [{
        "certificate_no": km.RECOGNIZE["certificate_no"], "recognized_on": "2026-11-20",
        "valid_from": "2026-11-20", "valid_until": "2029-11-19"}]
    # The old end of validity no longer expires anything; the next new year does come.
    assert case.api.run_timers("2029-11-20T00:00") == 0
    assert case.case()["status"] == "recognized"
    assert case.case()["next_timer_at"] == "2029-12-31T16:00:00+00:00"
    assert_verifies(case)
    assert_verifies(child)


def test_a_rejected_reapplication_lets_the_title_expire_at_the_end_of_validity(case):
    recognized(case)
    years_pass(case, 2027, 2028, 2029)
    child = case.child("kunming_rereview")

    finished = run_steps(child, km.reapplication_steps(km.REJECT_AGAIN))

    assert (finished["status"], finished["ended"]) == ("rejected", True)
    parent = case.case()
    assert (parent["status"], parent["valid_until"]) == ("recognized", "2029-11-19")
    assert case.api.run_timers("2029-11-19T23:59:59") == 0
    assert case.api.run_timers("2029-11-20T00:00") == 1
    answer = case.case()
    assert_ended(answer, "expired")
    assert answer["data"]["expired_reason"].startswith("有效期至2029-11-19届满")
    assert_verifies(case)
