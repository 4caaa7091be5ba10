"""Every path of the Hengyang innovation base procedure, end to end through the JSON API.

Seed 004 (衡市工信中小企业〔2023〕12号): application to the county, county review of
authenticity and completeness with the pre-check (第二部分（一）), county recommendation to the
city (第三部分), then the product defaults where the seed is silent (expert review, a public
notice of 10 working days, objections), recognition with three-year validity (第一部分第三段)
and its expiry.
"""

from __future__ import annotations

import pytest

from tests.processes import examples_hengyang as hy
from tests.processes.driver import CaseDriver

APPLICANT, COUNTY, CITY = "hy_applicant", "hy_county_zhengxiang", "hy_city"


@pytest.fixture
def case(api) -> CaseDriver:
    return CaseDriver(api, "hengyang_base_recognition", APPLICANT, CITY)


def submitted(case: CaseDriver, application: dict = hy.BASE_APPLICATION) -> dict:
    case.start("2026-03-01T09:00")
    return case.complete(case.applicant, "submit_application", application, "2026-03-02T09:00")


def recommended(case: CaseDriver, application: dict = hy.BASE_APPLICATION,
                county: str = COUNTY) -> dict:
    submitted(case, application)
    case.complete(county, "county_review", hy.COUNTY_APPROVE, "2026-03-10T09:00")
    return case.complete(county, "county_recommendation", hy.RECOMMENDATION, "2026-03-12T09:00")


def experts_done(case: CaseDriver, **kwargs) -> dict:
    recommended(case, **kwargs)
    case.complete(CITY, "assign_experts", hy.ASSIGN_EXPERTS, "2026-04-10T09:00")
    for score, expert in zip((80, 85, 90), hy.EXPERTS, strict=True):
        answer = case.complete(expert, "expert_review", hy.expert_opinion(score),
                               "2026-05-10T09:00")
    return answer


def in_notice(case: CaseDriver, **kwargs) -> dict:
    experts_done(case, **kwargs)
    case.complete(CITY, "expert_decision", hy.EXPERT_APPROVE, "2026-06-01T09:00")
    return case.complete(CITY, "publish_notice", hy.NOTICE, "2026-09-27T10:00")


def recognized(case: CaseDriver, recognize: dict = hy.RECOGNIZE, **kwargs) -> dict:
    in_notice(case, **kwargs)
    assert case.api.run_timers("2026-10-16T00:00") == 1
    case.complete(CITY, "register_objections", hy.NO_OBJECTION, "2026-10-16T09:00")
    return case.complete(CITY, "recognition", recognize, "2026-10-20T10:00")


def assert_ended(answer: dict, status: str) -> None:
    assert (answer["status"], answer["ended"], answer["tasks"]) == (status, True, [])


def names(answer: dict) -> list[str]:
    return sorted(t["name"] for t in answer["tasks"])


# --- submission, pre-check, county ------------------------------------------------------------

def test_a_submitted_base_application_waits_for_its_county_with_a_passed_precheck(case):
    started = case.start()
    assert (started["status"], started["ref"][:8]) == ("draft", "HY-2026-")

    answer = case.complete(APPLICANT, "submit_application", hy.BASE_APPLICATION, "2026-03-02T09:00")

    assert (answer["status"], answer["stage"]) == ("in_review", "县级审核")
    assert [(t["name"], t["lane"], t["county"]) for t in answer["tasks"]] == [
        ("county_review", "county", "zhengxiang")]
    precheck = case.case(COUNTY)["precheck"]
    assert precheck["passed"] is True
    assert [c["id"] for c in precheck["conditions"]] == [
        "registered_in_city", "operator_registered_one_year", "service_staff_count",
        "insured_staff_count", "site_area_m2", "self_held_share", "enterprise_count",
        "employee_count", "small_micro_share", "deep_campaign_count", "deep_campaign_enterprises"]
    assert case.case()["base_name"] == "蒸湘创业创新园"


def test_the_application_book_keeps_two_years_of_figures_partners_and_service_items(case):
    submitted(case)

    application = case.case(COUNTY)["data"]["application"]

    assert [row["year"] for row in application["operating_years"]] == [2024, 2025]
    assert application["partner_agencies"][0]["agency_name"] == "衡阳某会计师事务所"
    assert [row["item"] for row in application["service_items"]] == ["basic", "financing"]


def test_an_application_book_with_one_year_of_figures_is_refused(case):
    case.start()
    one_year = {**hy.BASE_APPLICATION,
                "operating_years": hy.BASE_APPLICATION["operating_years"][:1]}

    answer = case.complete(APPLICANT, "submit_application", one_year, "2026-03-02T09:00",
                           expect=422)

    assert "operating_years" in answer["errors"]


def test_a_related_entity_with_an_invalid_credit_code_is_refused(case):
    case.start()
    bad = {**hy.BASE_APPLICATION, "related_entities": [
        {"entity_name": "某公司", "credit_code": "91430405MA4T5U6W70"}]}

    answer = case.complete(APPLICANT, "submit_application", bad, "2026-03-02T09:00", expect=422)

    assert list(answer["errors"]) == ["related_entities[0].credit_code"]


def test_a_malformed_code_in_the_related_list_is_refused_by_its_position_and_nothing_changes(
        case):
    case.start()
    before = case.case()
    bad = {**hy.BASE_APPLICATION,
           "related_credit_codes": [hy.RELATED_CREDIT_CODE, "91430405MA4T5U6W70"]}

    answer = case.complete(APPLICANT, "submit_application", bad, "2026-03-02T09:00", expect=422)

    assert answer["errors"] == {"related_credit_codes": [
        "第 2 项：统一社会信用代码无效：应为18位，且校验位正确。"]}
    after = case.case()
    assert (after["status"], after["data"], case.ready()) == (
        before["status"], before["data"], ["submit_application"])


def test_the_related_codes_are_stored_as_a_list_of_upper_case_codes(case):
    case.start()
    codes = {**hy.BASE_APPLICATION,
             "related_credit_codes": [hy.RELATED_CREDIT_CODE.lower(), "", hy.OTHER_CREDIT_CODE]}

    case.complete(APPLICANT, "submit_application", codes, "2026-03-02T09:00")

    stored = case.case(COUNTY)["data"]["application"]["related_credit_codes"]
    assert stored == [hy.RELATED_CREDIT_CODE, hy.OTHER_CREDIT_CODE]


# Equality passes (以上 / 不少于), one below fails; the other figures stay comfortable.
BOUNDARIES = [
    ("service_staff_count", {"service_staff_count": 6}, {"service_staff_count": 5}),
    ("insured_staff_count", {"insured_staff_count": 2}, {"insured_staff_count": 1}),
    ("site_area_m2", {"site_area_m2": "20000", "self_held_area_m2": "10000"},
     {"site_area_m2": "19999", "self_held_area_m2": "10000"}),
    ("self_held_share", {"site_area_m2": "40000", "self_held_area_m2": "8000"},
     {"site_area_m2": "40000", "self_held_area_m2": "7999"}),
    ("enterprise_count", {"enterprise_count": 20, "small_micro_count": 18},
     {"enterprise_count": 19, "small_micro_count": 18}),
    ("employee_count", {"employee_count": 200}, {"employee_count": 199}),
    ("small_micro_share", {"enterprise_count": 60, "small_micro_count": 42},
     {"enterprise_count": 60, "small_micro_count": 41}),
    ("deep_campaign_count", {"deep_campaign_count": 1}, {"deep_campaign_count": 0}),
    ("deep_campaign_enterprises", {"deep_campaign_enterprises": 30},
     {"deep_campaign_enterprises": 29}),
    # 成立1年以上: submitted on 2026-03-02, so registered on 2025-03-02 is one year exactly.
    ("operator_registered_one_year", {"operator_registered_on": "2025-03-02"},
     {"operator_registered_on": "2025-03-03"}),
    ("registered_in_city", {"registered_in_city": True}, {"registered_in_city": False}),
]


@pytest.mark.parametrize(("condition", "at", "below"), BOUNDARIES, ids=[b[0] for b in BOUNDARIES])
def test_each_base_condition_passes_at_its_threshold_and_fails_one_below(api, condition, at,
                                                                          below):
    passing = CaseDriver(api, "hengyang_base_recognition", APPLICANT, CITY)
    submitted(passing, {**hy.BASE_APPLICATION, **at})
    failing = CaseDriver(api, "hengyang_base_recognition", "hy_applicant2", CITY)
    submitted(failing, {**hy.BASE_APPLICATION, **below, "credit_code": hy.OTHER_CREDIT_CODE})

    assert passing.case(COUNTY)["precheck"]["passed"] is True
    failed = [c["id"] for c in failing.case(COUNTY)["precheck"]["conditions"] if not c["passed"]]
    assert failed == [condition]


def test_approving_over_a_failed_precheck_needs_the_override_and_its_reason(case):
    submitted(case, {**hy.BASE_APPLICATION, "self_held_area_m2": "100"})

    refused = case.complete(COUNTY, "county_review", hy.COUNTY_APPROVE, "2026-03-10T09:00",
                            expect=422)
    approved = case.complete(COUNTY, "county_review", {
        **hy.COUNTY_APPROVE, "precheck_override": True,
        "precheck_override_reason": "自持面积以不动产权证书为准，核实为 9500 平方米。"})

    assert list(refused["errors"]) == ["precheck_override"]
    assert names(approved) == ["county_recommendation"]


def test_the_county_rejects_and_the_case_ends_rejected(case):
    submitted(case)

    answer = case.complete(COUNTY, "county_review", hy.COUNTY_REJECT, "2026-03-10T09:00")

    assert_ended(answer, "rejected")


def test_a_returned_application_is_corrected_and_prechecked_again(case):
    submitted(case, {**hy.BASE_APPLICATION, "employee_count": 150})
    returned = case.complete(COUNTY, "county_review", hy.COUNTY_RETURN, "2026-03-10T09:00")
    assert [(t["name"], t["lane"]) for t in returned["tasks"]] == [
        ("correct_application", "applicant")]

    answer = case.complete(APPLICANT, "correct_application", hy.BASE_APPLICATION,
                           "2026-03-12T09:00")

    assert names(answer) == ["county_review"]
    assert case.case(COUNTY)["precheck"]["passed"] is True


def test_a_return_not_corrected_within_ten_working_days_withdraws_the_application(case):
    submitted(case)
    # Returned on Thu 24 Sep 2026; that day does not count; 25 Sep (中秋) and 1-7 Oct are
    # holidays, Sat 10 Oct is a working day: the tenth working day is Thu 15 Oct.
    case.complete(COUNTY, "county_review", hy.COUNTY_RETURN, "2026-09-24T16:00")
    assert case.case()["data"]["correction_due_on"] == "2026-10-15"

    assert case.api.run_timers("2026-10-15T23:59") == 0
    assert case.api.run_timers("2026-10-16T00:00") == 1

    answer = case.case(APPLICANT)
    assert_ended(answer, "withdrawn")
    assert "2026-10-15" in answer["data"]["withdrawn_reason"]


# --- city: experts, notice, objections, recognition -------------------------------------------

def test_the_recommendation_goes_to_the_city_for_its_expert_panel(case):
    answer = recommended(case)

    assert [(t["name"], t["lane"]) for t in answer["tasks"]] == [("assign_experts", "city")]
    assert case.case(CITY)["data"]["county_recommendation"]["document_no"] == "蒸工信发〔2026〕8号"


def test_each_expert_reviews_and_the_city_sees_the_average(case):
    answer = experts_done(case)

    assert names(answer) == ["expert_decision"]
    summary = case.case(CITY)["data"]["expert_summary"]
    assert (summary["count"], summary["average_score"], summary["recommend_count"]) == (3, 85.0, 3)


def test_the_city_rejects_after_the_expert_review(case):
    experts_done(case)

    answer = case.complete(CITY, "expert_decision", hy.EXPERT_REJECT, "2026-06-01T09:00")

    assert_ended(answer, "rejected")


def test_the_notice_runs_ten_working_days_and_objections_close_only_after_it(case):
    answer = in_notice(case)
    assert answer["status"] == "public_notice"
    data = case.case()["data"]
    # 28-30 Sep, 8-10 Oct (Sat 10 Oct works), 12-15 Oct: ten working days end with 15 Oct.
    assert (data["notice_ends_at"], data["notice_last_day"]) == (
        "2026-10-16T00:00:00+08:00", "2026-10-15")

    early = case.complete(CITY, "register_objections", hy.NO_OBJECTION, "2026-10-15T17:00",
                          expect=422)
    assert case.api.run_timers("2026-10-15T23:59") == 0
    assert case.api.run_timers("2026-10-16T00:00") == 1
    done = case.complete(CITY, "register_objections", hy.NO_OBJECTION, "2026-10-16T09:00")

    assert "2026-10-16" in early["error"]
    assert names(done) == ["recognition"]


def test_an_unfounded_objection_is_investigated_and_recognition_follows(case):
    in_notice(case)
    case.api.run_timers("2026-10-16T00:00")
    case.complete(CITY, "register_objections", hy.OBJECTION, "2026-10-16T09:00")

    answer = case.complete(CITY, "investigate_objections", hy.INVESTIGATE_OK, "2026-10-19T09:00")

    assert names(answer) == ["recognition"]


def test_an_upheld_objection_ends_the_case_rejected(case):
    in_notice(case)
    case.api.run_timers("2026-10-16T00:00")
    case.complete(CITY, "register_objections", hy.OBJECTION, "2026-10-16T09:00")

    answer = case.complete(CITY, "investigate_objections", hy.INVESTIGATE_REJECT,
                           "2026-10-19T09:00")

    assert_ended(answer, "rejected")


def test_an_objection_received_after_the_notice_is_refused(case):
    in_notice(case)
    case.api.run_timers("2026-10-16T00:00")
    late = {"has_objection": True, "objection_list": [
        {"received_on": "2026-10-16", "objector": "某企业", "content": "逾期异议。"}]}

    answer = case.complete(CITY, "register_objections", late, "2026-10-16T09:00", expect=422)

    assert answer["errors"] == {"objection_list[0].received_on": ["日期不能晚于 2026-10-15。"]}


def test_the_city_may_still_decline_recognition_after_the_notice(case):
    answer = recognized(case, hy.RECOGNITION_REJECT)

    assert_ended(answer, "rejected")


def test_recognition_grants_three_years_then_the_title_expires(case):
    answer = recognized(case)

    assert (answer["status"], answer["stage"], answer["ended"]) == (
        "recognized", "称号有效期内", False)
    shown = case.case()
    assert (shown["valid_from"], shown["valid_until"], shown["certificate_no"]) == (
        "2026-10-20", "2029-10-19", "HYJD-2026-003")
    [title] = case.api.get(CITY, "/api/titles")
    assert (title["subject_name"], title["subject"], title["status"]) == (
        "蒸湘创业创新园", "base", "recognized")

    assert case.api.run_timers("2029-10-19T23:59") == 0
    assert case.api.run_timers("2029-10-20T00:00") == 1

    expired = case.case(APPLICANT)
    assert_ended(expired, "expired")
    assert "2029-10-19" in expired["data"]["expired_reason"]


def test_the_case_history_replays_for_the_auditor(case):
    recognized(case)

    answer = case.api.post("hy_auditor", f"/api/cases/{case.id}/verify")

    assert answer["ok"] is True, [s for s in answer["steps"] if not s["ok"]]
