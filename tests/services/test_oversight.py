"""The oversight dashboard's figures on a small data set driven through the JSON API.

Two Kunming bases of 五华区 recognised on 2026-11-20 (the second revoked on 2027-10-10), one of
盘龙区 whose county review spans National Day 2026, and a Shanxi draft. Working days follow
the product's calendar: 2026-10-01..07 are holidays, Saturday 2026-10-10 is a working day.
"""

from __future__ import annotations

import pytest

from app.models import Case
from app.services import oversight
from app.services.oversight import BadFilter
from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver, at, find_user

APPLICANT, COUNTY, CITY = "km_applicant", "km_county_wuhua", "km_city"
PANLONG = {**km.APPLICATION, "county": "panlong", "base_name": "盘龙众创空间",
           "credit_code": "91350100M000100Y43", "operator_name": "昆明盘龙众创空间管理有限公司"}
LATER = [(COUNTY, "site_inspection", km.site_inspection(), "2026-04-10T09:00"),
         (CITY, "assign_experts", km.ASSIGN_EXPERTS, "2026-05-01T09:00")] + [
    (expert, "expert_review", km.expert_opinion(80 + n), "2026-05-10T09:00")
    for n, expert in enumerate(km.EXPERTS)] + [
    (CITY, "expert_decision", km.EXPERT_APPROVE, "2026-06-01T09:00"),
    (CITY, "site_verification", km.VERIFY_APPROVE, "2026-09-10T09:00"),
    (CITY, "publish_notice", km.NOTICE, "2026-09-28T09:00")]


def _in_step(cases: list[CaseDriver], steps) -> None:
    for username, name, data, when in steps:
        for case in cases:
            case.complete(username, name, data, when)


def _recognise_two(api) -> tuple[CaseDriver, CaseDriver]:
    """Two 五华区 titles, moved in step; county reviews of 6 and 1 working days."""
    first, second = (CaseDriver(api, "kunming_recognition", APPLICANT, CITY) for _ in range(2))
    for case in (first, second):
        case.start("2026-03-01T09:00")  # a Sunday: submitted the next working day
        case.complete(APPLICANT, "submit_application", km.APPLICATION, "2026-03-02T09:00")
    second.complete(COUNTY, "county_review", km.COUNTY_APPROVE, "2026-03-03T09:00")
    first.complete(COUNTY, "county_review", km.COUNTY_APPROVE, "2026-03-10T09:00")
    _in_step([first, second], LATER)
    assert api.run_timers("2026-10-16T00:00") == 2
    _in_step([first, second], [(CITY, "register_objections", km.NO_OBJECTION, "2026-10-16T09:00"),
                               (CITY, "collective_decision", km.RECOGNIZE, "2026-11-20T09:00")])
    return first, second


def _revoke(api, case: CaseDriver) -> None:
    api.run_timers("2027-09-01T09:00")
    api.now = at("2027-09-01T09:00")
    revocation = case.follow_up(CITY, "kunming_revocation")
    revocation.complete(CITY, "investigate_violation", km.VIOLATION, "2027-09-20T09:00")
    revocation.complete(CITY, "record_cancellation", km.CANCELLATION, "2027-10-10T09:00")


@pytest.fixture
def scenario(api):
    """The data set of the module docstring; returns the cases' ids by name."""
    return build(api)


def build(api) -> dict[str, int]:
    """Drive the data set of the module docstring; return the cases' ids by name."""
    first, second = _recognise_two(api)
    panlong = CaseDriver(api, "kunming_recognition", "km_applicant2", CITY)
    panlong.start("2026-09-29T09:00")
    panlong.complete("km_applicant2", "submit_application", PANLONG, "2026-09-30T10:00")
    # Across National Day: 10-08 and 10-09 are the only working days after 09-30.
    panlong.complete("km_county_panlong", "county_review", km.COUNTY_APPROVE, "2026-10-09T09:00")
    shanxi = CaseDriver(api, "shanxi_recognition", "sx_applicant", "sx_province")
    shanxi.start("2026-05-01T09:00")
    api.run_timers("2027-01-01T00:00")  # each title's 2026 annual summary is asked for
    first.child("kunming_annual_summary").complete(APPLICANT, "submit_summary", km.SUMMARY,
                                                    "2027-01-20T09:00")
    _revoke(api, second)
    return {"first": first.id, "second": second.id, "panlong": panlong.id, "shanxi": shanxi.id}


def _figures(username: str, jurisdiction: str | None = None, year: int | None = None,
             now: str = "2026-11-02T09:00") -> dict:
    return oversight.dashboard(find_user(username), jurisdiction, year, at(now))


def _step(figures: dict, task: str) -> dict:
    [step] = [s for s in figures["step_durations"]
              if (s["process"], s["task"]) == ("kunming_recognition", task)]
    return step


def test_the_city_sees_its_cases_by_county_and_stage(scenario):
    figures = _figures(CITY)

    assert [(r["jurisdiction"], r["county"], r["county_name"], r["cases"], r["statuses"])
            for r in figures["by_county"]] == [
        ("kunming", "panlong", "盘龙区", 1, {"in_review": 1}),
        ("kunming", "wuhua", "五华区", 2, {"recognized": 1, "revoked": 1})]
    stages = {case.id: case.stage for case in Case.query.filter(Case.parent_id.is_(None))}
    assert stages[scenario["panlong"]] == "满意度抽查与推荐意见"
    expected = {}
    for key in ("first", "second", "panlong"):
        expected[stages[scenario[key]]] = expected.get(stages[scenario[key]], 0) + 1
    assert {r["stage"]: r["cases"] for r in figures["by_stage"]} == expected
    assert {r["stage"]: r["open"] for r in figures["by_stage"]}[stages[scenario["panlong"]]] == 1
    assert [j["key"] for j in figures["jurisdictions"]] == ["kunming"]


def test_median_working_days_per_step_follow_the_holiday_calendar(scenario):
    figures = _figures(CITY)

    # County reviews of 6 (03-02 → 03-10), 1 (03-02 → 03-03) and 2 working days (09-30 →
    # 10-09 across National Day): calendar days would say 9, weekdays alone 7.
    review = _step(figures, "county_review")
    assert (review["completed"], review["median_working_days"], review["lane"]) == (3, 2.0,
                                                                                    "county")
    # Opened on Sunday 03-01 and submitted Monday: 1; opened 09-29, submitted 09-30: 1.
    assert _step(figures, "submit_application")["median_working_days"] == 1.0
    assert _step(figures, "collective_decision")["completed"] == 2


def test_overdue_tasks_now_name_the_step_and_the_working_days_overdue(scenario):
    figures = _figures(CITY, now="2026-11-02T09:00")

    # The 盘龙区 site inspection came on 2026-10-09 with 15 working days (Saturday 10-10 is
    # one): due by the end of 10-29; on Monday 11-02 it is 2 working days late (10-30, 11-02).
    assert [(r["county"], r["task"], r["tasks"], r["earliest_due_at"],
             r["most_working_days_overdue"]) for r in figures["overdue"]] == [
        ("panlong", "site_inspection", 1, "2026-10-29T16:00:00+00:00", 2)]
    assert _figures(CITY, now="2026-10-29T23:00")["overdue"] == []


def test_annual_reports_and_titles_per_year(scenario):
    figures = _figures(CITY)

    assert figures["annual_reports"] == [{"year": 2027, "due": 2, "received": 1, "missing": 1}]
    assert figures["titles"] == [
        {"year": 2026, "recognitions": 2, "expiries": 0, "revocations": 0},
        {"year": 2027, "recognitions": 0, "expiries": 0, "revocations": 1},
        {"year": 2029, "recognitions": 0, "expiries": 1, "revocations": 0}]


def test_the_year_filter_keeps_that_year_only(scenario):
    figures = _figures(CITY, year=2027)

    assert figures["titles"] == [{"year": 2027, "recognitions": 0, "expiries": 0,
                                  "revocations": 1}]
    assert figures["by_county"] == []  # every case was opened in 2026
    assert {s["task"] for s in figures["step_durations"]} >= {"investigate_violation",
                                                              "submit_summary"}
    assert "county_review" not in {s["task"] for s in figures["step_durations"]}
    assert _figures(CITY, year=2026)["annual_reports"] == []


def test_a_kunming_auditor_sees_no_shanxi_figures_and_cannot_ask_for_them(scenario):
    figures = _figures("km_auditor")

    assert {r["jurisdiction"] for r in figures["by_county"]} == {"kunming"}
    assert [j["key"] for j in figures["jurisdictions"]] == ["kunming"]
    with pytest.raises(BadFilter) as refused:
        _figures("km_auditor", jurisdiction="shanxi")
    assert "kunming" in refused.value.text()
    everything = _figures("admin")
    assert {r["jurisdiction"] for r in everything["by_county"]} == {"kunming", "shanxi"}
    assert _figures("admin", jurisdiction="shanxi")["by_county"][0]["statuses"] == {"draft": 1}


@pytest.mark.parametrize("username", ["km_applicant", "km_county_wuhua", "km_expert1",
                                      "km_designer"])
def test_applicants_county_officials_experts_and_designers_are_refused(api, username):
    answer = api.get(username, "/api/oversight", expect=403)

    assert "可以查看监管统计" in answer["error"]

