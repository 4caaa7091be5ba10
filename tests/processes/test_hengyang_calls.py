"""Hengyang's call (seed 004 第三部分): recommendations are due by the call's deadline, "过期不予
受理", and each county sends the summary table of its programme — 附件2 for bases, 附件4 for core
service institutions — in the seed's column order."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.processes import examples_hengyang as hy
from tests.processes.driver import CaseDriver
from tests.processes.test_hengyang import CITY, in_notice, recommended

INSTITUTION = "hengyang_institution_recognition"
ANNEX_2 = ["序号", "单位名称", "联系人", "联系电话", "基地基本情况（简要）"]
ANNEX_4 = ["序号", "单位名称", "机构类型（综合/专业）", "2022年服务收入（万元）",
           "截至2022年底服务资产（万元）", "截至2022年底服务人员（人）", "成立时间",
           "主要服务项目（技术创新/数字化赋能/品牌能力提升/上市融资）", "联系人", "联系电话"]
WINDOW = {"year": 2026, "opens_on": "2026-03-01", "closes_on": "2026-03-31",
          "recommend_by": "2026-04-30"}


def open_call(api, process: str) -> dict:
    return api.post(CITY, "/api/calls", {"process": process, **WINDOW}, expect=201)


def summary(api, call_id: int, county: str) -> list[list]:
    response = api.client.get(f"/api/calls/{call_id}/summary.xlsx", headers=api.headers(county))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_institution_summary_table_follows_annex_4_column_by_column(api):
    call = open_call(api, INSTITUTION)
    recommended(CaseDriver(api, INSTITUTION, "hy_applicant2", CITY), hy.INSTITUTION_APPLICATION,
                "hy_county_leiyang")

    rows = summary(api, call["id"], "hy_county_leiyang")

    assert rows[0][0] == "衡阳市中小微企业核心服务机构推荐汇总表"
    assert rows[1][0].startswith("填报单位：耒阳市")
    assert rows[2] == ANNEX_4
    application = hy.INSTITUTION_APPLICATION
    assert rows[3] == [1, application["agency_name"], "专业", 200, 400, 12, "2015-06-01",
                       "技术创新、上市融资", application["contact_person"],
                       application["contact_phone"]]


def test_the_base_summary_table_follows_annex_2_with_the_brief_description(api):
    call = open_call(api, "hengyang_base_recognition")
    recommended(CaseDriver(api, "hengyang_base_recognition", "hy_applicant", CITY))

    rows = summary(api, call["id"], "hy_county_zhengxiang")

    assert rows[2] == ANNEX_2
    assert rows[3][:2] == [1, hy.BASE_APPLICATION["operator_name"]]
    assert rows[3][4].startswith("服务人员9人，入驻企业60户，孵化面积45000平方米。")
    assert rows[-1][0].startswith("注：基地基本情况简要填写")


def test_a_recommendation_after_the_calls_deadline_is_refused_in_the_seeds_words(api):
    window = {**WINDOW, "closes_on": "2026-03-05", "recommend_by": "2026-03-11"}
    call = api.post(CITY, "/api/calls", {"process": "hengyang_base_recognition", **window},
                    expect=201)
    case = CaseDriver(api, "hengyang_base_recognition", "hy_applicant", CITY)
    case.start("2026-03-01T09:00")
    case.complete("hy_applicant", "submit_application", hy.BASE_APPLICATION, "2026-03-02T09:00")
    case.complete("hy_county_zhengxiang", "county_review", hy.COUNTY_APPROVE, "2026-03-10T09:00")

    refused = case.complete("hy_county_zhengxiang", "county_recommendation", hy.RECOMMENDATION,
                            "2026-03-12T09:00", expect=422)

    assert "过期不予受理" in str(refused)
    assert case.ready() == ["county_recommendation"]
    assert case.case(CITY)["call_id"] == call["id"]


def test_the_public_notice_of_an_institution_call_speaks_of_institutions(api):
    call = open_call(api, INSTITUTION)
    case = CaseDriver(api, INSTITUTION, "hy_applicant2", CITY)
    in_notice(case, application=hy.INSTITUTION_APPLICATION, county="hy_county_leiyang")

    page = api.client.get(f"/notice/calls/{call['id']}").get_data(as_text=True)
    listed = api.get(None, f"/api/calls/{call['id']}/notice")

    assert "<th scope=\"col\">机构</th>" in page
    assert hy.INSTITUTION_APPLICATION["agency_name"] in page
    assert [(row["subject"], row["subject_name"]) for row in listed["bases"]] == [
        ("institution", hy.INSTITUTION_APPLICATION["agency_name"])]
