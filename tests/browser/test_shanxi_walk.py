"""One Shanxi provincial case walked in Chromium from a Jinzhong county to the province.

The Yuci county account and the Jinzhong city account are Jinzhong's (processes/jinzhong):
an official's scope is a division, so the same accounts work on the Shanxi procedure at their
own level. The notice is published today; the operator's CLI fires its end.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from app import calendar
from tests.browser.forms import fill_form, submit, task_form, write_pdf
from tests.browser.support import (
    claim_in_worklist,
    field,
    label_pattern,
    login,
    open_case,
    snap,
)
from tests.processes import examples_shanxi as sx

pytestmark = pytest.mark.browser

COUNTY, CITY = "jz_county_yuci", "jz_city"
TODAY = dt.datetime.now(calendar.SHANGHAI).date()
NOTICE = {**sx.NOTICE, "notice_start": TODAY.isoformat()}
NOTICE_ENDS = calendar.working_period_end(TODAY, 10)
RECOGNIZE = {**sx.RECOGNIZE, "recognized_on": TODAY.isoformat()}
EXPERT_NAMES = {"sx_expert1": "评审专家 郭伟", "sx_expert2": "评审专家 韩静",
                "sx_expert3": "评审专家 武强"}


def file_application(page: Page, pdf) -> str:
    login(page, sx.APPLICANT)
    page.goto("/applicant/")
    # A Yuci base may apply to the Jinzhong city procedure and the Shanxi provincial one.
    expect(page.get_by_test_id("start-jinzhong_recognition")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("start-shanxi_recognition").click()
    expect(page.get_by_test_id("task-title")).to_contain_text("填报申请材料")
    ref = page.get_by_test_id("task-case-ref").inner_text().strip()
    data = {k: v for k, v in sx.APPLICATION.items() if k != "county"}
    field(task_form(page), "所在县（市、区）").select_option(value="yuci")
    fill_form(page, "sx_application", data, pdf)
    submit(page)
    return ref


def county_steps(page: Page, ref: str, pdf) -> None:
    login(page, COUNTY)
    claim_in_worklist(page, ref, "县级审核（3个三、8个有、6个要）")
    precheck = page.get_by_test_id("precheck")
    expect(precheck.get_by_test_id("precheck-verdict")).to_contain_text("各项条件均符合")
    expect(precheck).to_contain_text("入驻（带动）企业户数：楼宇型")
    snap(page, "shanxi-01-county-review")
    fill_form(page, "sx_county_review", sx.COUNTY_APPROVE)
    submit(page)
    claim_in_worklist(page, ref, "现场查看（六查看）")
    fill_form(page, "sx_site_inspection", sx.site_inspection(), pdf)
    submit(page)
    claim_in_worklist(page, ref, "县级行文推荐")
    fill_form(page, "sx_county_recommendation", sx.RECOMMEND, pdf)
    submit(page)


def city_step(page: Page, ref: str) -> None:
    login(page, CITY)
    claim_in_worklist(page, ref, "市级审核推荐")
    expect(page.get_by_test_id("earlier-data")).to_contain_text("同意推荐。")
    fill_form(page, "sx_city_review", sx.CITY_APPROVE)
    submit(page)


def province_accepts(page: Page, ref: str) -> None:
    login(page, sx.PROVINCE)
    claim_in_worklist(page, ref, "省局受理审核")
    fill_form(page, "sx_province_review", sx.PROVINCE_APPROVE)
    submit(page)
    claim_in_worklist(page, ref, "组织专家评审")
    group = task_form(page).get_by_role("group", name=label_pattern("评审专家"))
    for name in EXPERT_NAMES.values():
        group.get_by_label(name, exact=True).check()
    submit(page)


def experts_review(page: Page, ref: str) -> None:
    for username in EXPERT_NAMES:
        login(page, username)
        page.goto("/worklist")
        row = page.get_by_test_id("tasks-claimable").get_by_role("row").filter(has_text=ref)
        row.get_by_role("link", name="办理", exact=True).click()
        fill_form(page, "sx_expert_review", sx.expert_opinion())
        submit(page)


def province_recognises(page: Page, live_server, ref: str) -> None:
    login(page, sx.PROVINCE)
    claim_in_worklist(page, ref, "评审结论")
    fill_form(page, "sx_expert_decision", sx.EXPERT_APPROVE)
    submit(page)
    claim_in_worklist(page, ref, "社会公示")
    fill_form(page, "sx_notice", NOTICE)
    submit(page)
    assert live_server.run_timers((NOTICE_ENDS - dt.timedelta(seconds=1)).isoformat()) == 0
    assert live_server.run_timers(NOTICE_ENDS.isoformat()) == 1
    claim_in_worklist(page, ref, "发文认定")
    fill_form(page, "sx_recognition", RECOGNIZE)
    submit(page)


def test_a_shanxi_base_goes_from_the_yuci_county_through_jinzhong_to_the_province(
        page, live_server, tmp_path):
    pdf = write_pdf(tmp_path)
    ref = file_application(page, pdf)
    assert ref.startswith("SX-")

    county_steps(page, ref, pdf)
    city_step(page, ref)
    province_accepts(page, ref)
    experts_review(page, ref)
    province_recognises(page, live_server, ref)

    open_case(page, ref)
    facts = page.get_by_test_id("case-facts")
    expect(facts.get_by_test_id("status-badge")).to_have_text("已认定")
    # a title in force reads as such, not as the name of the event its case waits at
    expect(page.get_by_test_id("case-stage")).to_have_text("称号有效期内")
    expect(facts).to_contain_text(RECOGNIZE["certificate_no"])
    snap(page, "shanxi-02-recognised")
    login(page, COUNTY)  # the county account that worked on it still sees the title in Yuci
    open_case(page, ref)
    expect(page.get_by_test_id("case-facts")).to_contain_text("榆次区")
