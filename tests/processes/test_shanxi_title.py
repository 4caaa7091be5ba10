"""A recognised Shanxi provincial base: quarterly indicators, annual summary, evaluation with
rectification and revocation, and the closed-base revocation, through the JSON API with timers.

Seed 001 (晋企发〔2021〕5号) 第四部分: the base reports its work summary by 15 January, and every
quarter the resident enterprises, revenue, taxes and employees; the province evaluates, a failing
base rectifies within a deadline and is revoked if it still fails; a closed base is revoked on the
county's proposal, agreed by the city, by the province.
"""

from __future__ import annotations

import pytest

from tests.processes import examples_shanxi as sx
from tests.processes.driver import CaseDriver, at
from tests.processes.test_shanxi import (
    APPLICANT,
    CITY,
    COUNTY,
    PROVINCE,
    assert_verifies,
    create_officials,
    recognized,
)


@pytest.fixture
def titled(api) -> CaseDriver:
    """A base recognised on 2026-06-25 (the seed sets no validity period)."""
    create_officials(api)
    case = CaseDriver(api, "shanxi_recognition", APPLICANT, PROVINCE)
    recognized(case)
    return case


def children(case: CaseDriver, process: str) -> list[CaseDriver]:
    """Return drivers for the case's children of `process`, oldest first."""
    found = []
    for child_id in case.case()["children"]:
        child = CaseDriver(case.api, process, case.applicant, case.observer)
        child.id = child_id
        if child.case()["process"] == process:
            found.append(child)
    return found


def start_follow_up(case: CaseDriver, process: str, username: str, when: str,
                    expect: int = 201):
    case.api.run_timers(when)
    case.api.now = at(when)
    return case.follow_up(username, process, expect)


def run_quarters(titled: CaseDriver, *timers: str) -> None:
    """Run the timers quarter by quarter, as the timer worker does (a timer fired late plans
    from the day it fired, so a jump over several quarters would start only one report)."""
    for timer in timers:
        assert titled.api.run_timers(timer) >= 1


def report_quarter(titled: CaseDriver, timer: str, when: str, figures: dict) -> CaseDriver:
    titled.api.run_timers(timer)
    child = children(titled, "shanxi_quarterly_indicators")[-1]
    child.complete(APPLICANT, "submit_indicators", figures, when)
    return child


# --- quarterly indicators (第四部分（季度指标）) ------------------------------------------

def test_the_title_waits_for_the_first_day_of_the_next_quarter(titled):
    parent = titled.case()
    assert parent["next_timer_at"] == "2026-06-30T16:00:00+00:00"
    assert parent["data"]["next_quarter_on"] == "2026-07-01"
    assert children(titled, "shanxi_quarterly_indicators") == []


def test_every_quarter_starts_the_report_of_the_quarter_just_ended(titled):
    seen = []
    for timer, period, due in [("2026-07-01T00:00", "2026Q2", "2026-07-15"),
                               ("2026-10-01T00:00", "2026Q3", "2026-10-15"),
                               ("2027-01-01T00:00", "2026Q4", "2027-01-15"),
                               ("2027-04-01T00:00", "2027Q1", "2027-04-15")]:
        assert titled.api.run_timers(timer) >= 1
        child = children(titled, "shanxi_quarterly_indicators")[-1]
        data = child.case()["data"]
        assert (data["period"], data["report_due_on"]) == (period, due)
        task = child.task(APPLICANT, "submit_indicators")
        assert task["due_at"].startswith(str(at(due + "T23:59:59").date()))
        seen.append(child.id)
        child.complete(APPLICANT, "submit_indicators", sx.quarter(40, "500", "20", 400),
                       f"{due}T10:00")

    assert len(set(seen)) == 4
    parent = titled.case()
    assert parent["next_timer_at"] == "2027-06-30T16:00:00+00:00"
    assert [f["outcome"] for f in parent["data"]["follow_ups"]
            if f["procedure"] == "shanxi_quarterly_indicators"] == ["reported"] * 4


def test_a_quarterly_report_records_the_four_indicators_and_whether_it_was_late(titled):
    on_time = report_quarter(titled, "2026-07-01T00:00", "2026-07-15T18:00",
                             sx.quarter(42, "612.5", "30.2", 415))
    late = report_quarter(titled, "2026-10-01T00:00", "2026-10-16T09:00",
                          sx.quarter(45, "700", "35", 430))

    first = on_time.case()
    assert (first["status"], first["ended"], first["stage"]) == (
        "recognized", True, "季度指标已报送")
    report = first["data"]["quarterly_report"]
    assert {k: report[k] for k in ("enterprise_count", "revenue_wan", "taxes_wan",
                                   "employee_count")} == {
        "enterprise_count": 42, "revenue_wan": "612.5", "taxes_wan": "30.2",
        "employee_count": 415}
    assert first["data"]["report_late"] is False
    assert late.case()["data"]["report_late"] is True
    assert_verifies(on_time)


def test_the_base_page_charts_the_quarterly_indicators(titled):
    report_quarter(titled, "2026-07-01T00:00", "2026-07-10T09:00", sx.quarter(40, "500", "20", 400))
    report_quarter(titled, "2026-10-01T00:00", "2026-10-10T09:00", sx.quarter(44, "650", "26", 430))
    report_quarter(titled, "2027-01-01T00:00", "2027-01-10T09:00", sx.quarter(48, "800", "31", 455))
    client = titled.api.app.test_client()
    client.post("/login", data={"username": PROVINCE, "password": "demo1234"})

    page = client.get(f"/cases/{titled.id}").get_data(as_text=True)

    assert 'data-testid="trend"' in page
    assert page.count('data-testid="trend-chart"') == 4
    for label in ("入驻企业户数", "营业收入（万元）", "上缴税金（万元）", "从业人员数"):
        assert label in page
    assert page.index("2026Q2") < page.index("2026Q3") < page.index("2026Q4")
    assert page.count("<rect ") == 4 * 3
    assert "<td>800</td>" in page and "<td>455</td>" in page


def test_a_base_without_reports_shows_no_chart(titled):
    client = titled.api.app.test_client()
    client.post("/login", data={"username": PROVINCE, "password": "demo1234"})
    page = client.get(f"/cases/{titled.id}").get_data(as_text=True)
    assert 'data-testid="case-facts"' in page and 'data-testid="trend"' not in page


# --- annual summary (第四部分（工作总结）) ----------------------------------------------------

def test_each_first_of_january_starts_last_years_summary_due_on_15_january(titled):
    run_quarters(titled, "2026-07-01T00:00", "2026-10-01T00:00", "2027-01-01T00:00")

    [summary] = children(titled, "shanxi_annual_summary")
    data = summary.case()["data"]
    assert (data["summary_year"], data["summary_due_on"]) == (2026, "2027-01-15")
    task = summary.task(APPLICANT, "submit_summary")
    assert task["due_at"].startswith("2027-01-15")
    assert len(children(titled, "shanxi_quarterly_indicators")) == 3


def test_a_summary_after_15_january_is_late_and_the_county_acknowledges_it(titled):
    titled.api.run_timers("2027-01-01T00:00")
    [summary] = children(titled, "shanxi_annual_summary")

    titled.api.run_timers("2027-01-16T09:00")
    titled.api.now = at("2027-01-16T09:00")
    overdue = titled.api.get(COUNTY, "/api/tasks/overdue")
    assert summary.id in [t["case_id"] for t in overdue]
    answer = summary.complete(APPLICANT, "submit_summary", sx.SUMMARY, "2027-01-16T09:00")
    assert [(t["name"], t["lane"]) for t in answer["tasks"]] == [("county_acknowledge", "county")]
    assert summary.case()["data"]["summary_late"] is True
    done = summary.complete(COUNTY, "county_acknowledge", sx.COUNTY_SUMMARY, "2027-01-20T09:00")

    assert (done["status"], done["ended"], done["data"]["outcome"]) == (
        "recognized", True, "acknowledged")
    assert ("shanxi_annual_summary", "acknowledged") in [
        (f["procedure"], f["outcome"]) for f in titled.case()["data"]["follow_ups"]]


def test_a_summary_on_15_january_is_on_time(titled):
    titled.api.run_timers("2027-01-01T00:00")
    [summary] = children(titled, "shanxi_annual_summary")
    summary.complete(APPLICANT, "submit_summary", sx.SUMMARY, "2027-01-15T23:00")
    assert summary.case()["data"]["summary_late"] is False


# --- evaluation → rectification → revocation (第四部分（绩效考核）) ----------------------

def test_a_passed_evaluation_keeps_the_title(titled):
    evaluation = start_follow_up(titled, "shanxi_evaluation", PROVINCE, "2027-03-01T09:00")
    done = evaluation.complete(PROVINCE, "record_evaluation", sx.EVALUATION_PASS,
                               "2027-03-05T09:00")
    assert (done["status"], done["ended"], done["data"]["outcome"]) == ("recognized", True,
                                                                         "passed")
    assert titled.case()["status"] == "recognized"


def test_only_the_province_starts_an_evaluation(titled):
    refused = start_follow_up(titled, "shanxi_evaluation", CITY, "2027-03-01T09:00", expect=403)
    assert refused["error"]
    start_follow_up(titled, "shanxi_evaluation", APPLICANT, "2027-03-01T09:00", expect=403)


def test_a_failed_evaluation_is_rectified_within_the_deadline(titled):
    evaluation = start_follow_up(titled, "shanxi_evaluation", PROVINCE, "2027-03-01T09:00")
    answer = evaluation.complete(PROVINCE, "record_evaluation", sx.evaluation_fail("2027-06-30"),
                                 "2027-03-05T09:00")
    assert [(t["name"], t["lane"]) for t in answer["tasks"]] == [("rectify", "applicant")]
    assert evaluation.task(APPLICANT, "rectify")["due_at"].startswith("2027-06-30")

    evaluation.complete(APPLICANT, "rectify", sx.RECTIFICATION, "2027-06-20T09:00")
    done = evaluation.complete(PROVINCE, "recheck", sx.RECHECK_PASS, "2027-07-05T09:00")

    assert (done["status"], done["data"]["outcome"]) == ("recognized", "rectified")
    assert titled.case()["status"] == "recognized"


def test_a_base_still_failing_after_rectification_is_revoked(titled):
    evaluation = start_follow_up(titled, "shanxi_evaluation", PROVINCE, "2027-03-01T09:00")
    evaluation.complete(PROVINCE, "record_evaluation", sx.evaluation_fail(), "2027-03-05T09:00")
    evaluation.complete(APPLICANT, "rectify", sx.RECTIFICATION, "2027-06-20T09:00")
    answer = evaluation.complete(PROVINCE, "recheck", sx.RECHECK_FAIL, "2027-07-05T09:00")
    assert [t["name"] for t in answer["tasks"]] == ["record_revocation"]

    done = evaluation.complete(PROVINCE, "record_revocation", sx.REVOCATION, "2027-07-20T09:00")

    assert (done["status"], done["data"]["outcome"]) == ("revoked", "revoke")
    parent = titled.case()
    assert (parent["status"], parent["ended"], parent["stage"]) == ("revoked", True, "称号撤销")
    assert parent["data"]["revoked_on"] == "2027-07-20"
    assert parent["data"]["revoked_reason"] == "经整改仍不合格（晋企发〔2027〕30号）"
    assert parent["data"]["revocation"]["case_ref"] == done["ref"]
    assert_verifies(titled)


def test_a_rectification_not_reported_by_the_deadline_goes_to_the_recheck(titled):
    evaluation = start_follow_up(titled, "shanxi_evaluation", PROVINCE, "2027-03-01T09:00")
    evaluation.complete(PROVINCE, "record_evaluation", sx.evaluation_fail("2027-06-30"),
                        "2027-03-05T09:00")

    titled.api.run_timers("2027-06-30T23:59:59")
    assert evaluation.ready() == ["rectify"]
    titled.api.run_timers("2027-07-01T00:00")

    assert evaluation.ready() == ["recheck"]
    assert evaluation.case()["data"]["rectification"] == {"rectification_missing": True}


# --- a closed base: county → city → province (第四部分（关停撤销）) -----------------------

def test_a_closed_base_is_revoked_on_the_countys_proposal_agreed_by_the_city(titled):
    closure = start_follow_up(titled, "shanxi_closed_revocation", COUNTY, "2027-02-01T09:00")
    answer = closure.complete(COUNTY, "county_proposal", sx.CLOSURE, "2027-02-01T10:00")
    assert [(t["name"], t["lane"]) for t in answer["tasks"]] == [("city_review", "city")]
    answer = closure.complete(CITY, "city_review", sx.CLOSURE_CITY_APPROVE, "2027-02-10T09:00")
    assert [(t["name"], t["lane"]) for t in answer["tasks"]] == [
        ("province_decision", "province")]
    closure.complete(PROVINCE, "province_decision", sx.CLOSURE_PROVINCE_APPROVE,
                     "2027-03-01T09:00")

    done = closure.complete(PROVINCE, "record_revocation", sx.CLOSED_REVOCATION,
                            "2027-03-10T09:00")

    assert (done["status"], done["data"]["outcome"]) == ("revoked", "revoke")
    parent = titled.case()
    assert (parent["status"], parent["ended"]) == ("revoked", True)
    assert parent["data"]["revoked_reason"] == "基地已关停倒闭，无法整改（晋企发〔2027〕5号）"


@pytest.mark.parametrize(("city", "province", "stage"), [
    (sx.CLOSURE_CITY_REJECT, None, "市级不同意撤销"),
    (sx.CLOSURE_CITY_APPROVE, sx.CLOSURE_PROVINCE_REJECT, "不予撤销")])
def test_a_closure_proposal_not_agreed_leaves_the_title(titled, city, province, stage):
    closure = start_follow_up(titled, "shanxi_closed_revocation", COUNTY, "2027-02-01T09:00")
    closure.complete(COUNTY, "county_proposal", sx.CLOSURE, "2027-02-01T10:00")
    done = closure.complete(CITY, "city_review", city, "2027-02-10T09:00")
    if province:
        done = closure.complete(PROVINCE, "province_decision", province, "2027-03-01T09:00")

    assert (done["status"], done["ended"], done["stage"], done["data"]["outcome"]) == (
        "rejected", True, stage, "dismissed")
    assert titled.case()["status"] == "recognized"


def test_only_the_bases_own_county_proposes_a_closed_base_revocation(titled):
    start_follow_up(titled, "shanxi_closed_revocation", sx.OTHER_COUNTY, "2027-02-01T09:00",
                    expect=403)
    start_follow_up(titled, "shanxi_closed_revocation", PROVINCE, "2027-02-01T09:00",
                    expect=403)
    start_follow_up(titled, "shanxi_closed_revocation", COUNTY, "2027-02-01T09:00")
