"""Calls for applications (申报批次) through the JSON API: the window, the county deadline
with the seed's words, the batch recommendation, the summary table, the ranking and the
public notice list (seeds 000 五(二), 003 第十条、第十一条, 004 三)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.extensions import db
from app.models import Case, Event
from app.services import catalog, tasks
from tests.processes import examples_kunming as km
from tests.processes import examples_liaocheng as lc
from tests.processes.driver import (  # noqa: F401 - template_db is a fixture
    CaseDriver,
    api_on,
    app_from_template,
    at,
    find_user,
    template_db,
)

KM_CITY, KM_COUNTY, KM_APPLICANT = "km_city", "km_county_wuhua", "km_applicant"
LC_CITY, LC_COUNTY, LC_APPLICANT = "lc_city", "lc_county_dongchangfu", "lc_applicant"
WINDOW = {"year": 2026, "opens_on": "2026-03-01", "closes_on": "2026-03-31",
          "recommend_by": "2026-04-30"}
KUNMING_ANNEX_2 = ["序号", "基地名称", "地址", "运营机构名称", "负责人", "联系人",
                   "联系电话（手机）", "是否满足各项申报条件", "是否同意推荐", "备注"]


@pytest.fixture
def api(template_db, tmp_path, monkeypatch):  # noqa: F811
    """The JSON API on a fresh copy of the loaded database, with a clock the test sets."""
    with api_on(app_from_template(template_db, tmp_path), monkeypatch) as client:
        yield client


def open_call(api, process: str, city: str, **changes) -> dict:
    return api.post(city, "/api/calls", {"process": process, **WINDOW, **changes}, expect=201)


def lc_at_recommendation(api, when: str = "2026-03-02T09:00") -> CaseDriver:
    case = CaseDriver(api, "liaocheng_recognition", LC_APPLICANT, LC_CITY)
    case.start(when)
    case.complete(LC_APPLICANT, "submit_application", lc.APPLICATION, "2026-03-02T10:00")
    case.complete(LC_COUNTY, "county_review", lc.COUNTY_APPROVE, "2026-03-10T09:00")
    case.complete(LC_COUNTY, "site_audit", lc.SITE_AUDIT, "2026-03-20T09:00")
    return case


def km_recommended(api, operator: str = "昆明示例创业园运营有限公司") -> CaseDriver:
    case = CaseDriver(api, "kunming_recognition", KM_APPLICANT, KM_CITY)
    case.start("2026-03-02T09:00")
    case.complete(KM_APPLICANT, "submit_application",
                  {**km.APPLICATION, "operator_name": operator}, "2026-03-02T10:00")
    case.complete(KM_COUNTY, "county_review", km.COUNTY_APPROVE, "2026-03-10T09:00")
    case.complete(KM_COUNTY, "site_inspection", km.site_inspection(), "2026-04-10T09:00")
    return case


# --- opening a call ----------------------------------------------------------------------------

def test_the_city_opens_a_call_and_everyone_in_its_jurisdiction_reads_it(api):
    call = open_call(api, "kunming_recognition", KM_CITY, title="2026年度示范基地认定")

    assert (call["status"], call["year"], call["recommend_by"], call["created_by"]) == (
        "open", 2026, "2026-04-30", KM_CITY)  # the API clock reads 2026-03-01 09:00
    listed = api.get(KM_APPLICANT, "/api/calls")
    assert [c["title"] for c in listed] == ["2026年度示范基地认定"]
    assert api.get(LC_CITY, "/api/calls") == []


@pytest.mark.parametrize("username", [KM_APPLICANT, KM_COUNTY, "km_expert1", LC_CITY])
def test_only_the_city_of_the_procedure_opens_its_calls(api, username):
    answer = api.post(username, "/api/calls", {"process": "kunming_recognition", **WINDOW},
                      expect=403)

    assert "只有" in answer["error"]
    assert api.get(KM_CITY, "/api/calls") == []


def test_bad_call_input_is_refused_field_by_field_in_chinese(api):
    answer = api.post(KM_CITY, "/api/calls", {
        "process": "kunming_recognition", "year": "明年", "opens_on": "2026/03/01",
        "closes_on": "2026-02-30", "recommend_by": ""}, expect=422)

    assert set(answer["errors"]) == {"year", "opens_on", "closes_on", "recommend_by"}
    assert "年份" in answer["errors"]["year"][0]
    assert "YYYY-MM-DD" in answer["errors"]["opens_on"][0]


def test_a_window_closing_before_it_opens_and_a_second_call_of_a_year_are_refused(api):
    backwards = api.post(KM_CITY, "/api/calls", {"process": "kunming_recognition", **WINDOW,
                                                 "closes_on": "2026-02-01"}, expect=422)
    early = api.post(KM_CITY, "/api/calls", {"process": "kunming_recognition", **WINDOW,
                                             "recommend_by": "2026-03-30"}, expect=422)
    open_call(api, "kunming_recognition", KM_CITY)
    again = api.post(KM_CITY, "/api/calls", {"process": "kunming_recognition", **WINDOW},
                     expect=422)

    assert "不能早于开始日期" in backwards["errors"]["closes_on"][0]
    assert "recommend_by" in early["errors"]
    assert "已有" in again["errors"]["year"][0]


# --- the application window ----------------------------------------------------------------------

@pytest.mark.parametrize("when, status", [
    ("2026-02-28T23:59", 422), ("2026-03-01T00:00", 201),
    ("2026-03-31T23:59", 201), ("2026-04-01T00:00", 422)])
def test_applications_start_only_inside_the_window_boundary_days_included(api, when, status):
    call = open_call(api, "kunming_recognition", KM_CITY, title="2026年度申报")
    api.now = at(when)

    answer = api.post(KM_APPLICANT, "/api/cases", {"process": "kunming_recognition"},
                      expect=status)

    if status == 201:
        assert answer["call_id"] == call["id"]
    else:
        assert "2026年度申报" in answer["error"] and "2026-03-01" in answer["error"]
        assert ("下一" in answer["error"]) == when.startswith("2026-02")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_a_procedure_without_a_call_accepts_applications_at_any_time(api):
    open_call(api, "kunming_recognition", KM_CITY)
    case = CaseDriver(api, "liaocheng_recognition", LC_APPLICANT, LC_CITY)

    started = case.start("2026-12-31T23:00")

    assert started["call_id"] is None and started["status"] == "draft"


def test_closing_the_window_early_stops_new_applications_but_not_started_cases(api):
    call = open_call(api, "kunming_recognition", KM_CITY)
    case = CaseDriver(api, "kunming_recognition", KM_APPLICANT, KM_CITY)
    case.start("2026-03-02T09:00")

    closed = api.post(KM_CITY, f"/api/calls/{call['id']}/close")
    refused = api.post("km_applicant2", "/api/cases", {"process": "kunming_recognition"},
                       expect=422)
    moved = case.complete(KM_APPLICANT, "submit_application", km.APPLICATION,
                          "2026-03-03T09:00")

    assert closed["status"] == "closed" and closed["closed_at"]
    assert "2026-03-31" in refused["error"]
    assert moved["stage"] != "" and moved["call_id"] == call["id"]


# --- the county deadline -------------------------------------------------------------------------

def test_a_recommendation_the_day_after_the_deadline_is_refused_with_the_seeds_words(api):
    open_call(api, "liaocheng_recognition", LC_CITY)
    case = lc_at_recommendation(api)
    before = case.case()

    answer = case.complete(LC_COUNTY, "county_recommendation", lc.RECOMMENDATION,
                           "2026-05-01T00:00", expect=422)

    assert "逾期不予受理" in answer["error"] and "2026-04-30" in answer["error"]
    after = case.case()
    assert (after["lock_version"], after["stage"]) == (before["lock_version"], before["stage"])
    assert case.ready() == ["county_recommendation"]


def test_a_recommendation_on_the_deadline_day_is_accepted(api):
    open_call(api, "liaocheng_recognition", LC_CITY)
    case = lc_at_recommendation(api)

    answer = case.complete(LC_COUNTY, "county_recommendation", lc.RECOMMENDATION,
                           "2026-04-30T23:59")

    assert "county_recommendation" not in [t["name"] for t in answer["tasks"]]


def test_not_recommending_after_the_deadline_stays_possible(api):
    open_call(api, "kunming_recognition", KM_CITY)
    case = CaseDriver(api, "kunming_recognition", KM_APPLICANT, KM_CITY)
    case.start("2026-03-02T09:00")
    case.complete(KM_APPLICANT, "submit_application", km.APPLICATION, "2026-03-02T10:00")
    case.complete(KM_COUNTY, "county_review", km.COUNTY_APPROVE, "2026-03-10T09:00")

    refused = case.complete(KM_COUNTY, "site_inspection", km.site_inspection(),
                            "2026-05-01T08:00", expect=422)
    answer = case.complete(KM_COUNTY, "site_inspection",
                           km.site_inspection(decision="reject"), "2026-05-01T08:00")

    assert "逾期不予受理" in refused["error"]
    assert answer["status"] == "rejected"


# --- the batch ---------------------------------------------------------------------------------

def test_the_county_recommends_a_batch_in_one_go_each_case_journaled(api):
    call = open_call(api, "liaocheng_recognition", LC_CITY)
    first, second = lc_at_recommendation(api), lc_at_recommendation(api)
    letter = api.upload(LC_COUNTY, first.id, "推荐函.pdf")["id"]
    batch = api.get(LC_COUNTY, f"/api/calls/{call['id']}/batch")
    data = {**lc.RECOMMENDATION, "recommendation_letter": [letter]}

    moved = api.post(LC_COUNTY, f"/api/calls/{call['id']}/recommend",
                     {"tasks": [t["id"] for t in batch], "data": data})

    assert sorted(c["id"] for c in moved) == sorted([first.id, second.id])
    for case in (first, second):
        assert "county_recommendation" not in case.ready()
        stored = case.case()["data"]["county_recommendation"]
        assert stored["document_no"] == lc.RECOMMENDATION["document_no"]
        events = db.session.scalars(sa.select(Event).where(
            Event.case_id == case.id, Event.task == "county_recommendation")).all()
        assert [e.actor for e in events] == [LC_COUNTY]
    shared = second.case()["data"]["county_recommendation"]["recommendation_letter"]
    assert shared != [letter]  # the second case holds its own record of the same file
    assert api.post(LC_COUNTY, f"/api/cases/{second.id}/verify")["ok"] is True


def test_a_batch_refused_for_one_case_changes_none(api):
    call = open_call(api, "liaocheng_recognition", LC_CITY)
    cases = [lc_at_recommendation(api), lc_at_recommendation(api)]
    tasks = [t["id"] for t in api.get(LC_COUNTY, f"/api/calls/{call['id']}/batch")]
    api.now = at("2026-05-01T09:00")
    letter = api.upload(LC_COUNTY, cases[0].id)["id"]

    late = api.post(LC_COUNTY, f"/api/calls/{call['id']}/recommend",
                    {"tasks": tasks, "data": {**lc.RECOMMENDATION,
                                              "recommendation_letter": [letter]}}, expect=422)
    empty = api.post(LC_COUNTY, f"/api/calls/{call['id']}/recommend",
                     {"tasks": [], "data": {}}, expect=422)

    assert "逾期不予受理" in str(late["errors"])
    assert "至少" in empty["error"]
    assert all(case.ready() == ["county_recommendation"] for case in cases)


def test_another_county_cannot_recommend_the_batch(api):
    call = open_call(api, "liaocheng_recognition", LC_CITY)
    case = lc_at_recommendation(api)
    task = case.task(LC_COUNTY, "county_recommendation")

    answer = api.post("lc_county_linqing", f"/api/calls/{call['id']}/recommend",
                      {"tasks": [task["id"]], "data": lc.RECOMMENDATION}, expect=403)

    assert answer["error"] and case.ready() == ["county_recommendation"]
    assert api.get("lc_county_linqing", f"/api/calls/{call['id']}/batch") == []


# --- the summary table -------------------------------------------------------------------------

def _summary(api, call_id: int, username: str = KM_COUNTY) -> bytes:
    response = api.client.get(f"/api/calls/{call_id}/summary.xlsx",
                              headers=api.headers(username))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data()


def test_the_summary_table_has_the_seeds_columns_in_order_with_one_row_per_base(api):
    call = open_call(api, "kunming_recognition", KM_CITY)
    km_recommended(api, "甲运营公司")
    km_recommended(api, "乙运营公司")

    sheet = load_workbook(io.BytesIO(_summary(api, call["id"]))).active

    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "昆明市小型微型企业创业创新示范基地推荐汇总表"
    assert rows[1][0].startswith("推荐单位（公章）：五华区")
    assert rows[2] == KUNMING_ANNEX_2
    assert [(r[0], r[3], r[7], r[8]) for r in rows[3:5]] == [
        (1, "甲运营公司", "是", "是"), (2, "乙运营公司", "是", "是")]
    assert rows[-1][0].startswith("注：本表由县（市）区")


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice, Debian package libreoffice-calc) is not "
                           "installed here; make test installs it")
def test_the_summary_table_opens_in_libreoffice(api, tmp_path):
    call = open_call(api, "kunming_recognition", KM_CITY)
    km_recommended(api, "甲运营公司")
    workbook = tmp_path / "summary.xlsx"
    workbook.write_bytes(_summary(api, call["id"]))

    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir",
                    str(tmp_path), str(workbook)], check=True, capture_output=True, timeout=120)

    rows = list(csv.reader((tmp_path / "summary.csv").read_text("utf-8").splitlines()))
    assert rows[2] == KUNMING_ANNEX_2
    assert rows[3][1] == km.APPLICATION["base_name"] and rows[3][3] == "甲运营公司"


# --- the ranking (择优) -------------------------------------------------------------------------

def km_scored(api, scores: list[int]) -> CaseDriver:
    case = km_recommended(api)
    case.complete(KM_CITY, "assign_experts", km.ASSIGN_EXPERTS, "2026-05-01T09:00")
    for expert, score in zip(km.EXPERTS, scores, strict=False):
        case.complete(expert, "expert_review", km.expert_opinion(score), "2026-05-10T09:00")
    return case


def test_the_city_sees_the_batch_ranked_by_the_experts_average(api):
    call = open_call(api, "kunming_recognition", KM_CITY)
    low, high, partial = km_scored(api, [70, 80, 75]), km_scored(api, [90, 85, 95]), \
        km_scored(api, [88])

    ranking = api.get(KM_CITY, f"/api/calls/{call['id']}/ranking")

    assert [r["case_id"] for r in ranking] == [high.id, partial.id, low.id]
    assert [r["average"] for r in ranking] == [90.0, 88.0, 75.0]
    assert sorted(ranking[0]["scores"].values()) == [85, 90, 95]
    assert ranking[0]["rank"] == 1


@pytest.mark.parametrize("username", ["km_expert1", KM_COUNTY, KM_APPLICANT])
def test_experts_counties_and_applicants_do_not_see_the_ranking(api, username):
    call = open_call(api, "kunming_recognition", KM_CITY)
    km_scored(api, [70, 80, 75])

    answer = api.get(username, f"/api/calls/{call['id']}/ranking", expect=403)

    assert "排名" in answer["error"] or "专家" in answer["error"]


# --- the public notice ---------------------------------------------------------------------------

def test_the_public_notice_lists_every_base_of_the_call_in_notice(api):
    call = open_call(api, "kunming_recognition", KM_CITY)
    noticed = km_scored(api, [80, 81, 82])
    noticed.complete(KM_CITY, "expert_decision", km.EXPERT_APPROVE, "2026-06-01T09:00")
    noticed.complete(KM_CITY, "site_verification", km.VERIFY_APPROVE, "2026-09-10T09:00")
    noticed.complete(KM_CITY, "publish_notice", km.NOTICE, "2026-09-28T09:00")
    km_recommended(api, "未公示运营公司")

    answer = api.get(None, f"/api/calls/{call['id']}/notice")

    assert answer["call"]["id"] == call["id"]
    assert answer["bases"] == [{
        "subject_name": km.APPLICATION["base_name"], "subject": "base",
        "operator_name": km.APPLICATION["operator_name"], "county": "wuhua",
        "county_name": "五华区", "notice_start": "2026-09-28",
        "notice_end": answer["bases"][0]["notice_end"], "in_notice": True}]
    assert answer["bases"][0]["notice_end"] >= "2026-10-12"


def km_at_site_inspection(api) -> CaseDriver:
    case = CaseDriver(api, "kunming_recognition", KM_APPLICANT, KM_CITY)
    case.start("2026-03-02T09:00")
    case.complete(KM_APPLICANT, "submit_application", km.APPLICATION, "2026-03-02T10:00")
    case.complete(KM_COUNTY, "county_review", km.COUNTY_APPROVE, "2026-03-10T09:00")
    return case


def test_the_batch_takes_each_cases_own_working_papers_from_its_draft(api):
    call = open_call(api, "kunming_recognition", KM_CITY)
    first, second = km_at_site_inspection(api), km_at_site_inspection(api)
    county = find_user(KM_COUNTY)
    own = {key: value for key, value in km.site_inspection().items()
           if key in ("inspection_date", "inspectors", "satisfaction_sample", "site_findings")}
    for case in (first, second):
        tasks.save_draft(county, case.task(KM_COUNTY, "site_inspection")["id"], own,
                         at("2026-04-01T09:00"))
    table = api.upload(KM_COUNTY, second.id, "附件2.pdf")["id"]
    batch = [t["id"] for t in api.get(KM_COUNTY, f"/api/calls/{call['id']}/batch")]

    api.now = at("2026-04-10T09:00")
    moved = api.post(KM_COUNTY, f"/api/calls/{call['id']}/recommend", {"tasks": batch, "data": {
        "meets_conditions": True, "recommendation_opinion": "同意推荐。", "decision": "approve",
        "recommendation_summary_table": [table]}})

    assert len(moved) == 2
    for case in (first, second):
        stored = case.case()["data"]["site_inspection"]
        assert stored["inspectors"] == own["inspectors"]
        assert stored["recommendation_opinion"] == "同意推荐。"
        assert case.ready() == ["assign_experts"]
    sheet = load_workbook(io.BytesIO(_summary(api, call["id"]))).active
    assert [row[0].value for row in sheet.iter_rows(min_row=4, max_row=5)] == [1, 2]


def test_a_batch_without_a_cases_working_papers_names_that_case(api):
    call = open_call(api, "kunming_recognition", KM_CITY)
    case = km_at_site_inspection(api)
    table = api.upload(KM_COUNTY, case.id, "附件2.pdf")["id"]
    task = case.task(KM_COUNTY, "site_inspection")["id"]

    answer = api.post(KM_COUNTY, f"/api/calls/{call['id']}/recommend", {"tasks": [task], "data": {
        "recommendation_opinion": "同意推荐。", "decision": "approve",
        "recommendation_summary_table": [table]}}, expect=422)

    assert any(key.startswith(case.case()["ref"] + ".") for key in answer["errors"])
    assert case.ready() == ["site_inspection"]


def test_a_template_column_fills_one_cell_from_several_values(api):
    call = open_call(api, "kunming_recognition", KM_CITY)
    km_recommended(api)
    version = catalog.latest_process("kunming_recognition")
    version.options = {**version.options, "summary_table": {"columns": [
        {"header": "基地基本情况（简要）", "template": "入驻企业{application.enterprise_count}户，"
                                                  "服务人员{application.service_staff_count}人{application.none}"}]}}
    db.session.commit()

    sheet = load_workbook(io.BytesIO(_summary(api, call["id"]))).active

    assert sheet.cell(row=4, column=1).value == (
        f"入驻企业{km.APPLICATION['enterprise_count']}户，"
        f"服务人员{km.APPLICATION['service_staff_count']}人")
