"""Every path of the Jinzhong recognition procedure, end to end through the JSON API.

Seed 000 (市工信企业发〔2025〕91号): the base applies to its county (第三部分); the county
reviews the materials with the 初审表 (附件5), inspects the site with the 现场考察表 (附件6)
and recommends in writing; falsified material is a one-vote veto (第五部分（一）); the city
organises the expert review, the public notice and the recognition. Notice length (5
working days), correction and validity (3 years) are product defaults.
"""

from __future__ import annotations

import pytest

from tests.processes import examples_jinzhong as jz
from tests.processes.driver import CaseDriver

APPLICANT, COUNTY, CITY = "jz_applicant", "jz_county_yuci", "jz_city"


@pytest.fixture
def case(api) -> CaseDriver:
    return CaseDriver(api, "jinzhong_recognition", APPLICANT, CITY)


def submitted(case: CaseDriver, application: dict = jz.APPLICATION) -> dict:
    case.start("2026-03-01T09:00")
    return case.complete(APPLICANT, "submit_application", application, "2026-03-02T09:00")


def inspected(case: CaseDriver) -> dict:
    submitted(case)
    case.complete(COUNTY, "county_review", jz.COUNTY_APPROVE, "2026-03-10T09:00")
    return case.complete(COUNTY, "site_inspection", jz.site_inspection(), "2026-03-20T09:00")


def experts_done(case: CaseDriver) -> dict:
    inspected(case)
    case.complete(COUNTY, "county_recommendation", jz.RECOMMEND, "2026-03-25T09:00")
    case.complete(CITY, "assign_experts", jz.ASSIGN_EXPERTS, "2026-04-01T09:00")
    for number, expert in enumerate(jz.EXPERTS):
        answer = case.complete(expert, "expert_review", jz.expert_opinion(80 + number),
                               "2026-04-10T09:00")
    return answer


def in_notice(case: CaseDriver) -> dict:
    experts_done(case)
    case.complete(CITY, "expert_decision", jz.EXPERT_APPROVE, "2026-04-20T09:00")
    return case.complete(CITY, "publish_notice", jz.NOTICE, "2026-04-24T09:00")


def notice_over(case: CaseDriver, objections: dict = jz.NO_OBJECTION) -> dict:
    in_notice(case)
    assert case.api.run_timers(jz.NOTICE_ENDS) == 1
    return case.complete(CITY, "register_objections", objections, "2026-05-06T09:00")


def recognized(case: CaseDriver) -> dict:
    notice_over(case)
    return case.complete(CITY, "recognition", jz.RECOGNIZE, "2026-05-20T09:00")


def assert_rejected(answer: dict, at: str) -> None:
    assert (answer["status"], answer["ended"], answer["tasks"]) == ("rejected", True, [])
    assert answer["data"]["rejected_at"] == at


# --- the approval path ---------------------------------------------------------------------------

def test_a_new_case_has_a_jz_reference_and_waits_for_the_application(case):
    started = case.start()

    assert started["ref"].startswith("JZ-2026-")
    assert [(t["name"], t["lane"], t["form"]) for t in started["tasks"]] == [
        ("submit_application", "applicant", "jz_application")]


def test_a_complete_application_passes_every_precheck_condition(case):
    answer = submitted(case)

    assert (answer["status"], answer["stage"]) == ("in_review", "县级审核资料（初审表）")
    precheck = case.case(COUNTY)["precheck"]
    assert [c["id"] for c in precheck["conditions"]] == [
        "operator_registered_on", "legal_person_accounts", "enterprise_count", "small_micro_share",
        "service_staff_count", "mentor_count", "partner_agency_count", "lease",
        "workstation_startup_count", "service_functions", "rent_inquiry", "rent_discount"]
    assert precheck["passed"] is True
    assert case.case(COUNTY)["data"]["type_rules"] == {
        "label": "楼宇型", "enterprise_min": 25, "inquiry_kind": "building"}


def test_the_county_review_form_is_the_preliminary_review_table(case):
    submitted(case)
    task = case.task(COUNTY, "county_review")

    schema = case.api.get(COUNTY, f"/api/tasks/{task['id']}")["schema"]

    for item in jz.REVIEW_ITEMS:
        assert {f"{item}_pages", f"{item}_ok"} <= set(schema["required"])
        assert schema["properties"][f"{item}_ok"]["enum"] == ["yes", "no"]
    assert schema["properties"]["decision"]["enum"] == ["approve", "return", "reject", "veto"]
    assert {"precheck_override", "precheck_override_reason", "decision_reason"} <= set(
        schema["properties"])


def test_an_approved_case_goes_through_inspection_recommendation_experts_and_notice(case):
    answer = inspected(case)
    assert [(t["name"], t["lane"]) for t in answer["tasks"]] == [
        ("county_recommendation", "county")]
    recommended = case.complete(COUNTY, "county_recommendation", jz.RECOMMEND, "2026-03-25T09:00")
    assert [(t["name"], t["lane"]) for t in recommended["tasks"]] == [("assign_experts", "city")]


def test_recognition_grants_a_three_year_title_with_its_certificate(case):
    answer = recognized(case)

    assert (answer["status"], answer["ended"]) == ("recognized", False)
    data = answer["data"]
    assert (data["recognized_on"], data["valid_from"], data["valid_until"]) == (
        "2026-05-20", "2026-05-20", "2029-05-19")
    assert data["certificate_no"] == jz.RECOGNIZE["certificate_no"]
    assert answer["stage"] == "称号有效期内"
    assert case.api.post("jz_auditor", f"/api/cases/{case.id}/verify")["ok"] is True
    mine = case.case(APPLICANT)
    assert (mine["valid_until"], mine["certificate_no"]) == (
        "2029-05-19", jz.RECOGNIZE["certificate_no"])


def test_the_title_expires_at_the_end_of_its_three_years(case):
    recognized(case)
    for year in (2027, 2028, 2029):
        case.api.run_timers(f"{year}-01-01T00:00")

    assert case.case()["status"] == "recognized"
    case.api.run_timers("2029-05-20T00:00")

    ended = case.case()
    assert (ended["status"], ended["ended"]) == ("expired", True)
    assert "2029-05-19" in ended["data"]["expired_reason"]


def test_each_county_official_works_only_on_the_cases_of_their_county(api):
    pingyao = CaseDriver(api, "jinzhong_recognition", "jz_applicant2", CITY)
    pingyao.start()
    pingyao.complete("jz_applicant2", "submit_application",
                     {**jz.APPLICATION, "county": "pingyao", "base_name": "平遥古城文创空间",
                      "base_type": "cultural_creative"}, "2026-03-02T09:00")

    assert [t["case_id"] for t in api.tasks("jz_county_pingyao")] == [pingyao.id]
    assert api.tasks(COUNTY) == []
    assert pingyao.case()["data"]["type_rules"]["enterprise_min"] == 30


# --- county outcomes -----------------------------------------------------------------------------

def test_return_for_correction_and_resubmission_runs_the_precheck_again(case):
    submitted(case)

    returned = case.complete(COUNTY, "county_review", jz.COUNTY_RETURN, "2026-03-10T09:00")
    assert [(t["name"], t["lane"]) for t in returned["tasks"]] == [
        ("correct_application", "applicant")]
    assert case.case(APPLICANT)["data"]["county_review"] == {
        "decision": "return", "decision_reason": jz.COUNTY_RETURN["decision_reason"],
        "corrections": jz.COUNTY_RETURN["corrections"]}
    corrected = case.complete(APPLICANT, "correct_application",
                              {**jz.APPLICATION, "enterprise_count": 45}, "2026-03-12T09:00")

    assert [t["name"] for t in corrected["tasks"]] == ["county_review"]
    counts = {c["id"]: c["actual"] for c in case.case(COUNTY)["precheck"]["conditions"]}
    assert counts["enterprise_count"] == 45


def test_an_application_not_corrected_within_ten_working_days_is_withdrawn(case):
    submitted(case)
    case.complete(COUNTY, "county_review", jz.COUNTY_RETURN, "2026-03-10T09:00")
    # Returned on Tuesday 10 March: the 10 working days run from 11 to 24 March.
    assert case.api.run_timers("2026-03-24T23:59") == 0
    assert case.api.run_timers("2026-03-25T00:00") == 1

    answer = case.case(APPLICANT)
    assert (answer["status"], answer["ended"]) == ("withdrawn", True)
    assert "2026-03-24" in answer["data"]["withdrawn_reason"]


def test_county_rejection_ends_the_case(case):
    submitted(case)

    assert_rejected(case.complete(COUNTY, "county_review", jz.COUNTY_REJECT, "2026-03-10T09:00"),
                    "county_review")


def test_falsified_material_in_the_review_is_a_one_vote_veto_the_applicant_reads(case):
    submitted(case)

    answer = case.complete(COUNTY, "county_review", jz.COUNTY_VETO, "2026-03-10T09:00")

    assert_rejected(answer, "county_review")
    assert answer["data"]["veto"] == {"stage": "county_review", "decided_on": "2026-03-10",
                                      "reason": jz.COUNTY_VETO["decision_reason"]}
    mine = case.case(APPLICANT)
    assert mine["data"]["county_review"] == {"decision": "veto",
                                             "decision_reason": jz.COUNTY_VETO["decision_reason"]}


def test_falsified_material_found_on_site_is_a_one_vote_veto(case):
    submitted(case)
    case.complete(COUNTY, "county_review", jz.COUNTY_APPROVE, "2026-03-10T09:00")

    veto = jz.site_inspection("veto", "租赁协议原件与复印件不一致。")
    answer = case.complete(COUNTY, "site_inspection", veto, "2026-03-20T09:00")

    assert_rejected(answer, "site_inspection")
    assert answer["data"]["veto"]["reason"] == "租赁协议原件与复印件不一致。"


def test_the_site_inspection_form_has_the_twelve_items_and_the_inspectors(case):
    submitted(case)
    case.complete(COUNTY, "county_review", jz.COUNTY_APPROVE, "2026-03-10T09:00")
    task = case.task(COUNTY, "site_inspection")

    schema = case.api.get(COUNTY, f"/api/tasks/{task['id']}")["schema"]

    items = {name for name in schema["properties"]
             if name.startswith("site_") and name != "site_inspection_form"}
    assert items == {name for name in jz.site_inspection() if name.startswith("site_")} - {
        "site_inspection_form"}
    assert len(items) == 12 and items <= set(schema["required"])
    assert {"inspectors", "inspected_on"} <= set(schema["required"])
    bad = case.complete(COUNTY, "site_inspection", {**jz.site_inspection(), "inspectors": []},
                        "2026-03-20T09:00", expect=422)
    assert "inspectors" in bad["errors"]


def test_a_site_that_does_not_conform_is_not_recommended(case):
    submitted(case)
    case.complete(COUNTY, "county_review", jz.COUNTY_APPROVE, "2026-03-10T09:00")

    refusal = jz.site_inspection("reject", "实际入驻率低。")
    assert_rejected(case.complete(COUNTY, "site_inspection", refusal, "2026-03-20T09:00"),
                    "site_inspection")


def test_the_county_may_decline_to_recommend(case):
    inspected(case)

    assert_rejected(case.complete(COUNTY, "county_recommendation", jz.NOT_RECOMMEND,
                                  "2026-03-25T09:00"), "county_recommendation")


def test_approving_over_a_failed_precheck_needs_the_relaxation_reason(case):
    submitted(case, {**jz.APPLICATION, "enterprise_count": 24, "small_micro_count": 24})
    assert [c["id"] for c in case.case(COUNTY)["precheck"]["conditions"] if not c["passed"]] == [
        "enterprise_count"]

    refused = case.complete(COUNTY, "county_review", jz.COUNTY_APPROVE, "2026-03-10T09:00",
                            expect=422)
    assert list(refused["errors"]) == ["precheck_override"]
    on = case.complete(COUNTY, "county_review", jz.COUNTY_OVERRIDE, "2026-03-11T09:00")
    assert [t["name"] for t in on["tasks"]] == ["site_inspection"]


# --- city outcomes -------------------------------------------------------------------------------

def test_each_expert_reviews_their_own_instance_and_a_failed_review_rejects(case):
    experts_done(case)

    assert_rejected(case.complete(CITY, "expert_decision", jz.EXPERT_REJECT, "2026-04-20T09:00"),
                    "expert_decision")
    assert len(case.case()["data"]["expert_opinions"]) == 3


def test_the_notice_lasts_five_working_days_and_objections_wait_for_its_end(case):
    answer = in_notice(case)
    assert answer["status"] == "public_notice"
    assert answer["data"]["notice_ends_on"] == "2026-04-30"

    early = case.complete(CITY, "register_objections", jz.NO_OBJECTION, "2026-04-30T09:00",
                          expect=422)
    assert "2026-05-01" in str(early)
    assert case.api.run_timers("2026-04-30T23:59") == 0
    assert case.api.run_timers(jz.NOTICE_ENDS) == 1
    done = case.complete(CITY, "register_objections", jz.NO_OBJECTION, "2026-05-06T09:00")
    assert [t["name"] for t in done["tasks"]] == ["recognition"]


def test_an_unfounded_objection_leads_to_recognition(case):
    notice_over(case, jz.OBJECTION)
    case.complete(CITY, "investigate_objections", jz.OBJECTION_UNFOUNDED, "2026-05-10T09:00")

    assert case.complete(CITY, "recognition", jz.RECOGNIZE, "2026-05-20T09:00")["status"] == \
        "recognized"


def test_an_upheld_objection_rejects_the_case(case):
    notice_over(case, jz.OBJECTION)

    assert_rejected(case.complete(CITY, "investigate_objections", jz.OBJECTION_UPHELD,
                                  "2026-05-10T09:00"), "investigate_objections")


def test_the_city_may_refuse_recognition(case):
    notice_over(case)

    assert_rejected(case.complete(CITY, "recognition", jz.NOT_RECOGNIZE, "2026-05-20T09:00"),
                    "recognition")
