"""Calls in a real browser: the city opens a call, the county recommends its batch, the city
ranks it, the public reads the notice list; each page at 1280 and 390 px."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.support import login
from tests.processes import examples_kunming as km
from tests.processes import examples_liaocheng as lc
from tests.processes.driver import Api, CaseDriver

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-calls")
WIDTHS = (1280, 390)
WINDOW = {"year": 2026, "opens_on": "2026-01-01", "closes_on": "2026-12-31",
          "recommend_by": "2027-01-31"}


def shoot(page, name: str) -> None:
    """Save the page at each width under /tmp/shots-calls/."""
    SHOTS.mkdir(exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture(scope="module")
def batch(live_server) -> dict:
    """Calls of Kunming and Liaocheng; two Liaocheng cases at the recommendation step and
    two scored Kunming cases, one in public notice (the API on the wall clock)."""
    with live_server.app.app_context():
        api = Api(live_server.app)
        lc_call = api.post("lc_city", "/api/calls", {"process": "liaocheng_recognition",
                                                     **WINDOW}, expect=201)
        km_call = api.post("km_city", "/api/calls", {"process": "kunming_recognition",
                                                     "title": "2026年度示范基地认定",
                                                     **WINDOW}, expect=201)
        for _ in range(2):
            case = CaseDriver(api, "liaocheng_recognition", "lc_applicant", "lc_city")
            case.id = api.post("lc_applicant", "/api/cases",
                               {"process": "liaocheng_recognition"}, expect=201)["id"]
            case.complete("lc_applicant", "submit_application", lc.APPLICATION)
            case.complete("lc_county_dongchangfu", "county_review", lc.COUNTY_APPROVE)
            case.complete("lc_county_dongchangfu", "site_audit", lc.SITE_AUDIT)
        scored = []
        for scores in ([78, 82, 80], [92, 88, 90]):
            case = CaseDriver(api, "kunming_recognition", "km_applicant", "km_city")
            case.id = api.post("km_applicant", "/api/cases",
                               {"process": "kunming_recognition"}, expect=201)["id"]
            case.complete("km_applicant", "submit_application", km.APPLICATION)
            case.complete("km_county_wuhua", "county_review", km.COUNTY_APPROVE)
            case.complete("km_county_wuhua", "site_inspection", km.site_inspection())
            case.complete("km_city", "assign_experts", km.ASSIGN_EXPERTS)
            for expert, score in zip(km.EXPERTS, scores, strict=False):
                case.complete(expert, "expert_review", km.expert_opinion(score))
            scored.append(case)
        best = scored[1]
        best.complete("km_city", "expert_decision", km.EXPERT_APPROVE)
        best.complete("km_city", "site_verification", km.VERIFY_APPROVE)
        best.complete("km_city", "publish_notice", km.NOTICE)
        return {"lc": lc_call["id"], "km": km_call["id"], "best": best.case()["ref"]}


def test_the_city_opens_a_call_and_is_told_what_is_wrong(page, batch):
    login(page, "km_city")
    page.goto("/calls/new")
    page.locator("#year").fill("明年")
    page.get_by_label("申报开始日期").fill("2027-03-01")
    page.get_by_label("申报截止日期").fill("2027-02-01")
    page.get_by_test_id("call-save").click()

    expect(page.locator("body")).to_contain_text("请填写 2000 至 2100 之间的年份")
    shoot(page, "calls-new-errors")
    page.locator("#year").fill("2027")
    page.get_by_label("申报截止日期").fill("2027-03-31")
    page.get_by_label("县级推荐截止日期").fill("2027-04-30")
    page.get_by_test_id("call-save").click()

    expect(page.get_by_test_id("call-table")).to_contain_text("2027-04-30")
    shoot(page, "calls-index-city")
    page.get_by_test_id("call-edit").first.click()
    expect(page.get_by_test_id("call-form")).to_contain_text("昆明市小型微型企业创业创新示范基地认定")
    shoot(page, "calls-edit")


def test_the_county_recommends_its_batch_in_one_go(page, batch, tmp_path):
    login(page, "lc_county_dongchangfu")
    page.goto(f"/calls/{batch['lc']}/batch")
    shoot(page, "calls-batch-county")
    for box in page.get_by_test_id("batch-candidates").locator("input[type=checkbox]").all():
        box.check()
    page.get_by_label("初审意见及推荐意见").fill("初审合格，同意推荐。")
    page.get_by_label("推荐文号").fill("东工信发〔2026〕30号")
    page.get_by_label("推荐日期").fill("2026-11-20")
    letter = tmp_path / "推荐函.pdf"
    letter.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.locator("#file-recommendation_letter").set_input_files(str(letter))
    page.get_by_test_id("batch-recommend").click()

    expect(page.locator("body")).to_contain_text("已推荐 2 个案卷")
    expect(page.get_by_test_id("batch-recommended").locator("li")).to_have_count(2)
    shoot(page, "calls-batch-done")


def test_the_city_sees_the_ranking_and_the_public_the_notice_list(page, batch):
    login(page, "km_city")
    page.goto(f"/calls/{batch['km']}/ranking")
    rows = page.get_by_test_id("ranking-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("90")
    shoot(page, "calls-ranking")
    page.goto("/calls")
    shoot(page, "calls-index")
    page.context.clear_cookies()
    page.goto(f"/notice/calls/{batch['km']}")

    expect(page.get_by_test_id("notice-row")).to_have_count(1)
    expect(page.get_by_test_id("notice-table")).to_contain_text("五华区")
    shoot(page, "calls-notice-public")
