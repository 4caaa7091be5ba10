"""Every path of the Shanxi provincial base procedure, end to end through the JSON API.

Seed 001 (晋企发〔2021〕5号) with seed 000's conditions: county review against the
“3个三 / 8个有 / 6个要” checklist, the six site checks (六查看) with the inspectors' names, the
county's recommendation, the city's review and recommendation, then the province (acceptance,
experts, public notice of 10 working days as a product default, recognition). A site inside a
recognised provincial base cannot apply (8个有 item 2); a loss-making pure-rental entity ends as
市级重点培育对象 (6个要 item 3).
"""

from __future__ import annotations

import pytest

from tests.processes import examples_shanxi as sx
from tests.processes.driver import CaseDriver

APPLICANT, COUNTY, CITY, PROVINCE = sx.APPLICANT, sx.COUNTY, sx.CITY, sx.PROVINCE


def create_officials(api) -> None:
    """Create the county and city officials with `flask users create` (see examples_shanxi)."""
    runner = api.app.test_cli_runner()
    for name, arguments in sx.OFFICIALS.items():
        result = runner.invoke(args=["users", "create", name, *arguments, "--password",
                                     "Shanxi-demo-2026!"])
        assert result.exit_code == 0, result.output


@pytest.fixture
def case(api) -> CaseDriver:
    create_officials(api)
    return CaseDriver(api, "shanxi_recognition", APPLICANT, PROVINCE)


def submitted(case: CaseDriver, application: dict = sx.APPLICATION) -> dict:
    case.start("2026-03-01T09:00")
    return case.complete(APPLICANT, "submit_application", application, "2026-03-02T09:00")


def at_site_inspection(case: CaseDriver) -> dict:
    submitted(case)
    return case.complete(COUNTY, "county_review", sx.COUNTY_APPROVE, "2026-03-10T09:00")


def at_county_recommendation(case: CaseDriver) -> dict:
    at_site_inspection(case)
    return case.complete(COUNTY, "site_inspection", sx.site_inspection(), "2026-03-20T09:00")


def at_city_review(case: CaseDriver) -> dict:
    at_county_recommendation(case)
    return case.complete(COUNTY, "county_recommend", sx.RECOMMEND, "2026-03-25T09:00")


def at_province_review(case: CaseDriver) -> dict:
    at_city_review(case)
    return case.complete(CITY, "city_review", sx.CITY_APPROVE, "2026-04-01T09:00")


def at_expert_decision(case: CaseDriver) -> dict:
    at_province_review(case)
    case.complete(PROVINCE, "province_review", sx.PROVINCE_APPROVE, "2026-04-10T09:00")
    case.complete(PROVINCE, "assign_experts", sx.ASSIGN_EXPERTS, "2026-04-15T09:00")
    for number, expert in enumerate(sx.EXPERTS):
        answer = case.complete(expert, "expert_review", sx.expert_opinion(80 + number),
                               "2026-05-06T09:00")
    return answer


def in_notice(case: CaseDriver) -> dict:
    at_expert_decision(case)
    case.complete(PROVINCE, "expert_decision", sx.EXPERT_APPROVE, "2026-05-20T09:00")
    return case.complete(PROVINCE, "publish_notice", sx.NOTICE, "2026-06-01T09:00")


def recognized(case: CaseDriver) -> dict:
    in_notice(case)
    assert case.api.run_timers(sx.NOTICE_ENDS) == 1
    return case.complete(PROVINCE, "recognition", sx.RECOGNIZE, "2026-06-25T09:00")


def assert_ended(answer: dict, status: str, stage: str) -> None:
    assert (answer["status"], answer["ended"], answer["tasks"], answer["stage"]) == (
        status, True, [], stage)


def assert_verifies(case: CaseDriver) -> None:
    answer = case.api.post(sx.AUDITOR, f"/api/cases/{case.id}/verify")
    assert answer["ok"] is True, [s for s in answer["steps"] if not s["ok"]]


# --- the whole way, county → city → province -------------------------------------------

def test_a_recommended_base_goes_from_the_county_through_the_city_to_the_province(case):
    started = case.start()
    assert started["ref"].startswith("SX-2026-")

    answer = case.complete(APPLICANT, "submit_application", sx.APPLICATION, "2026-03-02T09:00")
    assert (answer["status"], answer["stage"]) == ("in_review", "县级审核（3个三、8个有、6个要）")
    assert [(t["name"], t["lane"]) for t in answer["tasks"]] == [("county_review", "county")]
    answer = case.complete(COUNTY, "county_review", sx.COUNTY_APPROVE, "2026-03-10T09:00")
    assert [t["name"] for t in answer["tasks"]] == ["site_inspection"]
    answer = case.complete(COUNTY, "site_inspection", sx.site_inspection(), "2026-03-20T09:00")
    assert [t["name"] for t in answer["tasks"]] == ["county_recommend"]
    answer = case.complete(COUNTY, "county_recommend", sx.RECOMMEND, "2026-03-25T09:00")
    assert [(t["name"], t["lane"]) for t in answer["tasks"]] == [("city_review", "city")]
    answer = case.complete(CITY, "city_review", sx.CITY_APPROVE, "2026-04-01T09:00")
    assert [(t["name"], t["lane"]) for t in answer["tasks"]] == [("province_review", "province")]
    case.complete(PROVINCE, "province_review", sx.PROVINCE_APPROVE, "2026-04-10T09:00")
    answer = case.complete(PROVINCE, "assign_experts", sx.ASSIGN_EXPERTS, "2026-04-15T09:00")
    assert sorted((t["name"], t["lane"]) for t in answer["tasks"]) == [
        ("expert_review", "expert")] * 3
    for expert in sx.EXPERTS:
        case.complete(expert, "expert_review", sx.expert_opinion(), "2026-05-06T09:00")
    case.complete(PROVINCE, "expert_decision", sx.EXPERT_APPROVE, "2026-05-20T09:00")
    answer = case.complete(PROVINCE, "publish_notice", sx.NOTICE, "2026-06-01T09:00")
    assert (answer["status"], answer["tasks"]) == ("public_notice", [])
    assert answer["data"]["notice_working_days"] == 10
    assert answer["data"]["notice_ends_at"] == "2026-06-13T00:00:00+08:00"

    assert case.api.run_timers("2026-06-12T23:59:59") == 0
    assert case.api.run_timers(sx.NOTICE_ENDS) == 1
    assert case.ready() == ["recognition"]
    done = case.complete(PROVINCE, "recognition", sx.RECOGNIZE, "2026-06-25T09:00")

    assert (done["status"], done["ended"]) == ("recognized", False)
    assert done["stage"] == "省级双创基地称号有效"
    assert done["data"]["certificate_no"] == sx.RECOGNIZE["certificate_no"]
    assert_verifies(case)


def test_each_level_works_only_on_its_own_division(case):
    at_city_review(case)

    assert [t["name"] for t in case.api.tasks(CITY) if t["case_id"] == case.id] == ["city_review"]
    assert [t for t in case.api.tasks(sx.OTHER_CITY) if t["case_id"] == case.id] == []
    assert [t for t in case.api.tasks(sx.OTHER_COUNTY) if t["case_id"] == case.id] == []
    case.api.get(sx.OTHER_COUNTY, f"/api/cases/{case.id}", expect=403)
    case.api.get(sx.OTHER_CITY, f"/api/cases/{case.id}", expect=403)
    task = case.task(CITY, "city_review")
    case.api.post(sx.OTHER_CITY, f"/api/tasks/{task['id']}/complete",
                  {"data": sx.CITY_APPROVE}, expect=403)
    case.api.post(COUNTY, f"/api/tasks/{task['id']}/complete", {"data": sx.CITY_APPROVE},
                  expect=403)


def test_the_county_review_is_the_three_eight_six_checklist_item_by_item(case):
    submitted(case)
    task = case.task(COUNTY, "county_review")

    schema = case.api.get(COUNTY, f"/api/tasks/{task['id']}")["schema"]

    for item in sx.CHECKLIST:
        assert schema["properties"][item]["enum"] == ["yes", "no"]
        assert item in schema["required"] and f"{item}_remark" in schema["properties"]
    assert len(sx.CHECKLIST) == 3 + 8 + 6
    assert schema["properties"]["decision"]["enum"] == ["approve", "return", "reject"]
    assert {"site_in_recognised_base", "loss_making_pure_rental", "precheck_override",
            "precheck_override_reason"} <= set(schema["properties"])


def test_the_site_inspection_needs_the_six_checks_and_the_inspectors_names(case):
    at_site_inspection(case)
    unsigned = {**sx.site_inspection(), "inspectors": []}

    refused = case.complete(COUNTY, "site_inspection", unsigned, "2026-03-20T09:00", expect=422)

    assert "inspectors" in refused["errors"]
    schema = case.api.get(COUNTY, f"/api/tasks/{case.task(COUNTY, 'site_inspection')['id']}")
    assert set(sx.SIX_CHECKS) <= set(schema["schema"]["required"])
    case.complete(COUNTY, "site_inspection", sx.site_inspection(), "2026-03-20T09:00")
    inspection = case.case()["data"]["site_inspection"]
    assert [row["inspector_name"] for row in inspection["inspectors"]] == ["王强", "赵敏"]


# --- returns and refusals at each level --------------------------------------------------

def test_a_county_return_goes_back_to_the_applicant_and_through_the_precheck_again(case):
    submitted(case)
    answer = case.complete(COUNTY, "county_review", sx.COUNTY_RETURN, "2026-03-10T09:00")
    assert [(t["name"], t["lane"]) for t in answer["tasks"]] == [
        ("correct_application", "applicant")]

    corrected = case.complete(APPLICANT, "correct_application",
                              {**sx.APPLICATION, "cultivation_months": 9}, "2026-03-15T09:00")

    assert [t["name"] for t in corrected["tasks"]] == ["county_review"]
    months = next(c for c in case.case(COUNTY)["precheck"]["conditions"]
                  if c["id"] == "cultivation_months")
    assert months["actual"] == 9


def test_a_county_rejection_ends_the_case(case):
    submitted(case)
    answer = case.complete(COUNTY, "county_review", sx.COUNTY_REJECT, "2026-03-10T09:00")
    assert_ended(answer, "rejected", "未获县级推荐")


def test_a_site_inside_a_recognised_provincial_base_cannot_apply(case):
    submitted(case, {**sx.APPLICATION, "site_in_recognised_base": True,
                     "recognised_base_name": "晋中国家级示范双创园"})
    declared = next(c for c in case.case(COUNTY)["precheck"]["conditions"]
                    if c["id"] == "site_in_recognised_base")
    assert declared["passed"] is False

    answer = case.complete(COUNTY, "county_review", sx.COUNTY_INSIDE_BASE, "2026-03-10T09:00")

    assert_ended(answer, "rejected", "已认定基地范围内不得申报")
    assert answer["data"]["outcome"] == "inside_recognised_base"
    seen = case.case(APPLICANT)
    assert "晋中国家级示范双创园" in seen["data"]["outcome_reason"]
    assert "8个有”第2项" in seen["data"]["outcome_reason"]


def test_a_loss_making_pure_rental_entity_ends_as_a_city_cultivation_target(case):
    submitted(case, {**sx.APPLICATION, "loss_making": True, "pure_rental": True})
    flagged = next(c for c in case.case(COUNTY)["precheck"]["conditions"]
                   if c["id"] == "loss_making_pure_rental")
    assert (flagged["actual"], flagged["passed"]) == ("是", False)

    answer = case.complete(COUNTY, "county_review", sx.COUNTY_LOSS_RENTAL, "2026-03-10T09:00")

    assert_ended(answer, "rejected", "市级重点培育对象")
    data = answer["data"]
    assert (data["outcome"], data["city_cultivation_target"], data["cultivation_year"]) == (
        "city_cultivation_target", True, 2026)
    seen = case.case(APPLICANT)
    assert seen["stage"] == "市级重点培育对象"
    assert "扭亏为盈后再行参加下一年度的申报" in seen["data"]["outcome_reason"]


def test_a_failed_site_inspection_ends_the_case(case):
    at_site_inspection(case)
    answer = case.complete(COUNTY, "site_inspection", sx.site_inspection("reject"),
                           "2026-03-20T09:00")
    assert_ended(answer, "rejected", "现场查看未通过")


def test_a_county_that_does_not_recommend_ends_the_case(case):
    at_county_recommendation(case)
    answer = case.complete(COUNTY, "county_recommend", sx.NOT_RECOMMEND, "2026-03-25T09:00")
    assert_ended(answer, "rejected", "未获县级推荐")


def test_the_city_returns_to_the_county_recommendation_or_rejects(case):
    at_city_review(case)
    answer = case.complete(CITY, "city_review", sx.CITY_RETURN, "2026-04-01T09:00")
    assert [(t["name"], t["lane"]) for t in answer["tasks"]] == [("county_recommend", "county")]
    case.complete(COUNTY, "county_recommend", sx.RECOMMEND, "2026-04-03T09:00")

    answer = case.complete(CITY, "city_review", sx.CITY_REJECT, "2026-04-05T09:00")

    assert_ended(answer, "rejected", "未获市级推荐")


def test_the_province_returns_to_the_city_or_refuses(case):
    at_province_review(case)
    answer = case.complete(PROVINCE, "province_review", sx.PROVINCE_RETURN, "2026-04-10T09:00")
    assert [(t["name"], t["lane"]) for t in answer["tasks"]] == [("city_review", "city")]
    case.complete(CITY, "city_review", sx.CITY_APPROVE, "2026-04-12T09:00")

    answer = case.complete(PROVINCE, "province_review", sx.PROVINCE_REJECT, "2026-04-15T09:00")

    assert_ended(answer, "rejected", "省局不予受理")


def test_a_failed_expert_review_ends_the_case(case):
    at_expert_decision(case)
    answer = case.complete(PROVINCE, "expert_decision", sx.EXPERT_REJECT, "2026-05-20T09:00")
    assert_ended(answer, "rejected", "评审未通过")
    assert len(answer["data"]["expert_opinions"]) == 3


def test_the_province_may_refuse_recognition_after_the_notice(case):
    in_notice(case)
    case.api.run_timers(sx.NOTICE_ENDS)
    answer = case.complete(PROVINCE, "recognition", sx.NOT_RECOGNIZE, "2026-06-20T09:00")
    assert_ended(answer, "rejected", "不予认定")


# --- the pre-check and its override ------------------------------------------------------

def test_approving_over_a_failed_precheck_needs_the_override_and_a_reason(case):
    submitted(case, {**sx.APPLICATION, "cultivation_months": 5})
    assert case.case(COUNTY)["precheck"]["passed"] is False

    refused = case.complete(COUNTY, "county_review", sx.COUNTY_APPROVE, "2026-03-10T09:00",
                            expect=422)
    assert "precheck_override" in refused["errors"]
    answer = case.complete(COUNTY, "county_review", sx.COUNTY_OVERRIDE, "2026-03-10T09:00")

    assert [t["name"] for t in answer["tasks"]] == ["site_inspection"]


# --- a call (申报批次): the province opens it, the county recommends by its deadline ----------

WINDOW = {"year": 2026, "opens_on": "2026-03-01", "closes_on": "2026-03-15",
          "recommend_by": "2026-03-25"}


def test_the_province_opens_the_call_and_the_county_recommends_by_its_deadline(case):
    case.api.post(CITY, "/api/calls", {"process": "shanxi_recognition", **WINDOW}, expect=403)
    call = case.api.post(PROVINCE, "/api/calls", {"process": "shanxi_recognition", **WINDOW},
                         expect=201)
    at_county_recommendation(case)
    assert case.case()["call_id"] == call["id"]

    late = case.complete(COUNTY, "county_recommend", sx.RECOMMEND, "2026-03-26T00:00",
                         expect=422)
    assert "2026-03-25" in late["error"]
    answer = case.complete(COUNTY, "county_recommend", sx.RECOMMEND, "2026-03-25T23:59")

    assert [t["name"] for t in answer["tasks"]] == ["city_review"]
