"""One Kunming case walked in Chromium from registration to recognition, role by role.

Time: the server stamps every completion with the wall clock, and a timer already due
when its step completes fires at once. So the dates that drive timers are taken from
today (Asia/Shanghai): the notice is published today, which makes the end of the notice
period (10 working days, official holidays observed, app.calendar) fall some days
ahead; the operator's CLI then fires it with `timers run --now`, once a second too early
(nothing moves) and once exactly at the end of the period. Recognition is dated today,
so its own timers (re-review window, end of validity) lie years ahead and stay waiting.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from app import calendar
from app.web import tasks as task_pages
from tests.browser import forms
from tests.browser.forms import fill_form, submit, task_form
from tests.browser.support import (
    claim_in_worklist,
    field,
    label_pattern,
    login,
    open_application,
    open_case,
    snap,
)
from tests.processes import examples_kunming as km

pytestmark = pytest.mark.browser

CREDIT_CODE = "91350100M000100Y43"
ORGANISATION = "昆明滇池浏览器众创空间运营有限公司"
BASE_NAME = "昆明滇池浏览器众创空间"
APPLICANT = "km_dianchi_space"
APPLICANT_PASSWORD = "Dianchi2026"
TODAY = dt.datetime.now(calendar.SHANGHAI).date()
NOTICE = {**km.NOTICE, "notice_start": TODAY.isoformat()}
NOTICE_ENDS = calendar.working_period_end(TODAY, 10)  # 24:00 of the 10th working day
RECOGNIZE = {**km.RECOGNIZE, "meeting_date": TODAY.isoformat(), "recognized_on": TODAY.isoformat()}
VALID = f"{TODAY} — {calendar.add_years(TODAY, 3) - dt.timedelta(days=1)}"
EXPERTS = ("km_expert1", "km_expert2", "km_expert3")


def application() -> dict:
    """The example application, as the registered organisation files it (two enterprises)."""
    return {**km.APPLICATION, "base_name": BASE_NAME, "operator_name": ORGANISATION,
            "credit_code": CREDIT_CODE,
            "resident_enterprises": [*km.APPLICATION["resident_enterprises"],
                                     {"enterprise_name": "昆明滇池数据服务有限公司",
                                      "entered_on": "2022-07-15", "employees": 18}]}


# --- steps ------------------------------------------------------------------------------------

def register_organisation(page: Page) -> None:
    page.goto("/login")
    page.get_by_role("link", name="申报单位注册").click()
    expect(page.get_by_role("heading", name="申报单位注册")).to_be_visible()
    wrong_code = CREDIT_CODE[:-1] + "4"  # a wrong check digit
    field(page, "单位名称").fill(ORGANISATION)
    field(page, "统一社会信用代码").fill(wrong_code)
    field(page, "联系人").fill("李四")
    field(page, "联系电话").fill("13800000000")
    field(page, "所属市").select_option(label="昆明市")
    field(page, "县（市、区）").select_option(label="五华区")
    field(page, "用户名").fill(APPLICANT)
    field(page, "密码").fill(APPLICANT_PASSWORD)
    field(page, "确认密码").fill(APPLICANT_PASSWORD)
    page.get_by_role("button", name="注册").click()

    code = field(page, "统一社会信用代码")  # refused with a Chinese reason, the input kept
    expect(code).to_have_accessible_description(re.compile("统一社会信用代码无效"))
    expect(code).to_have_value(wrong_code)
    expect(field(page, "单位名称")).to_have_value(ORGANISATION)
    expect(field(page, "县（市、区）")).to_have_value("wuhua")
    code.fill(CREDIT_CODE)
    field(page, "密码").fill(APPLICANT_PASSWORD)  # passwords are never sent back to the page
    field(page, "确认密码").fill(APPLICANT_PASSWORD)
    snap(page, "01-register")
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_test_id("flash-success")).to_have_text("单位注册成功，请登录。")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()


def start_application(page: Page) -> str:
    """Open an application on the start page; return the new case's reference."""
    expect(page.get_by_test_id("user-name")).to_have_text(ORGANISATION)
    expect(page.get_by_test_id("user-role")).to_contain_text("申报主体")
    expect(page.get_by_test_id("my-cases")).to_contain_text("您尚未发起申报。")
    snap(page, "02-applicant-start")
    return open_application(page)


def file_application(page: Page, ref: str, pdf) -> None:
    fill_form(page, "km_application", application(), pdf)
    snap(page, "03-application-filled")
    submit(page)
    expect(page.get_by_test_id("flash-success")).to_contain_text(f"案卷 {ref} 当前环节：县级初审")
    row = page.get_by_test_id("my-cases").get_by_role("row").filter(has_text=ref)
    expect(row).to_contain_text(BASE_NAME)
    expect(row.get_by_test_id("status-badge")).to_have_text("审核中")
    expect(row).to_contain_text("县级初审")
    applicant_follows_progress(page, ref)


def applicant_follows_progress(page: Page, ref: str) -> None:
    """The applicant's case page: a row of milestones, the county's now; no diagram, no ids."""
    page.get_by_test_id("my-cases").get_by_role("link", name=ref).click()
    milestones = page.get_by_test_id("milestones").locator("li")
    expect(milestones).to_have_text([re.compile(r"提交申报"), re.compile(r"县级审核\s*县级初审"),
                                     re.compile("市级评审"), re.compile("社会公示"),
                                     re.compile("结果")])
    expect(page.locator('[data-state="current"]')).to_have_attribute("data-key", "county")
    expect(page.locator("#case-diagram")).to_have_count(0)
    expect(page.get_by_test_id("timeline")).not_to_contain_text("submit_application")
    snap(page, "03b-applicant-progress")
    page.set_viewport_size({"width": 390, "height": 844})
    snap(page, "03c-applicant-progress-phone", page.get_by_test_id("case-progress"))
    page.set_viewport_size({"width": 1280, "height": 900})


def open_assigned(page: Page, ref: str, task: str) -> None:
    """Open a task assigned to the user (no claiming) from the worklist."""
    page.goto("/worklist")
    rows = page.get_by_test_id("tasks-claimable").get_by_role("row").filter(has_text=ref)
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(task)
    rows.get_by_role("link", name="办理", exact=True).click()
    expect(page.get_by_test_id("task-title")).to_contain_text(task)


def county_review(page: Page, ref: str) -> None:
    login(page, "km_county_wuhua")
    expect(page.get_by_test_id("user-role")).to_contain_text("县级主管部门")
    expect(page.get_by_test_id("user-scope")).to_contain_text("五华区")
    claim_in_worklist(page, ref, "县级初审")
    precheck = page.get_by_test_id("precheck")
    expect(precheck).to_contain_text("系统自动预审（逐项）")
    expect(precheck.get_by_test_id("precheck-verdict")).to_contain_text("各项条件均符合")
    rows = precheck.get_by_test_id("precheck-table").locator("tbody tr")
    expect(rows.first).to_contain_text("基地成立时间")
    assert rows.count() >= 10
    expect(rows.filter(has_text="符合")).to_have_count(rows.count())
    expect(rows.filter(has_text="不符合")).to_have_count(0)
    expect(page.get_by_test_id("earlier-data")).to_contain_text(BASE_NAME)
    application_folded(page)
    snap(page, "04-county-review")
    fill_form(page, "km_county_review", {"materials_complete": True, **km.COUNTY_APPROVE})
    submit(page)
    expect(page.get_by_test_id("flash-success")).to_contain_text("满意度抽查与推荐意见")


def application_folded(page: Page) -> None:
    """The application reads in the six parts of its form, the first open; 全部展开 opens all."""
    earlier = page.get_by_test_id("earlier-data")
    groups = earlier.locator("details.data-group")
    expect(groups.locator("summary")).to_have_text([
        re.compile(rf"^\s*{title}\s*{count} 项\s*$") for title, count in (
            ("基本情况", 16), ("运营情况", 16), ("服务功能", 15), ("入驻企业", 7),
            ("申报材料", 10), ("承诺", 1))])
    expect(groups.first).to_have_attribute("open", "")
    expect(earlier.get_by_text(CREDIT_CODE)).to_be_visible()
    expect(earlier.locator("details.data-group[open]")).to_have_count(1)
    # one screen of evidence above the form instead of seven (7,100 px before the folding)
    assert page.evaluate("document.documentElement.scrollHeight") < 2500
    earlier.get_by_role("button", name="全部展开").click()
    expect(earlier.locator("details.data-group[open]")).to_have_count(6)
    expect(earlier.get_by_role("button", name="全部收起")).to_be_visible()
    expect(earlier.get_by_role("link", name="申报材料.pdf").first).to_be_visible()
    earlier.get_by_role("button", name="全部收起").click()
    expect(earlier.locator("details.data-group[open]")).to_have_count(0)


def site_inspection(page: Page, ref: str, pdf) -> None:
    page.goto("/worklist")
    row = page.get_by_test_id("tasks-claimable").get_by_role("row").filter(has_text=ref)
    row.get_by_role("link", name="满意度抽查与推荐意见").click()
    page.get_by_role("button", name="签收").click()  # claim on the task page itself
    expect(page.get_by_test_id("flash-success")).to_contain_text("您已签收")
    # 50 small and micro enterprises: at least 5 must be sampled (Art. 10); 2 are refused.
    expect(page.get_by_test_id("rows-minimum-satisfaction_sample")).to_contain_text("应抽查5家")
    fill_form(page, "km_site_inspection", km.site_inspection(sampled=2, satisfied=2), pdf)
    task_form(page).get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_test_id("form-problem")).to_contain_text("未提交")
    group, sample = forms.table_rows(forms.task_form(page), forms.label(
        "km_site_inspection", "satisfaction_sample"))
    expect(group).to_contain_text("应抽查5家，本次2家（第十条：抽查比例不低于入驻小微企业数的10%）")
    snap(page, "04b-sample-too-small")
    rows = km.site_inspection(sampled=5, satisfied=5)["satisfaction_sample"]
    fill_form(page, "km_site_inspection", {"satisfaction_sample": rows})
    expect(sample).to_have_count(5)
    submit(page)
    expect(page.get_by_test_id("flash-success")).to_contain_text("组织专家评审")


def assign_experts(page: Page, ref: str) -> None:
    login(page, "km_city")
    expect(page.get_by_test_id("user-role")).to_contain_text("市级主管部门")
    page.goto("/worklist")
    expect(page.get_by_test_id("stage-counts")).to_contain_text("组织专家评审")
    snap(page, "05-city-worklist")
    page.goto("/language/en")  # the English interface names the steps in English
    page.goto("/worklist")
    row = page.get_by_test_id("tasks-claimable").get_by_role("row").filter(has_text=ref)
    expect(row).to_contain_text("Organise the expert review")
    expect(page.get_by_test_id("stage-counts")).to_contain_text("Organise the expert review")
    expect(page.get_by_test_id("stage-counts")).not_to_contain_text("组织专家评审")
    snap(page, "05b-city-worklist-en")
    page.goto("/language/zh")
    claim_in_worklist(page, ref, "组织专家评审")
    expect(page.get_by_test_id("earlier-data")).to_contain_text("同意推荐。")
    fill_form(page, "km_assign_experts", km.ASSIGN_EXPERTS)
    submit(page)
    expect(page.get_by_test_id("flash-success")).to_contain_text("专家评审")


def expert_reviews(page: Page, ref: str) -> None:
    """Each expert reviews alone: only their own task, an empty form, no other opinion shown."""
    first_task = ""
    for number, username in enumerate(EXPERTS, start=1):
        login(page, username)
        expect(page.get_by_test_id("user-role")).to_contain_text("评审专家")
        open_case(page, ref)  # while this expert reviews, the earlier experts' opinions are hidden
        expect(page.locator("main")).not_to_contain_text("号意见")
        if first_task:  # the first expert's task, opened by its URL, shows nothing of theirs
            page.goto(first_task)
            expect(page.locator("main")).not_to_contain_text("专家1号意见")
            expect(task_form(page)).to_have_count(0)
        open_assigned(page, ref, "专家评审")
        first_task = first_task or page.url
        expect(page.get_by_test_id("earlier-data")).to_contain_text(BASE_NAME)
        expect(field(task_form(page), forms.label("km_expert_review", "opinion"))).to_have_value("")
        opinion = {**km.expert_opinion(80 + number),
                   "opinion": f"专家{number}号意见：服务功能完善，示范作用明显。"}
        fill_form(page, "km_expert_review", opinion)
        submit(page)
        expect(page.get_by_test_id("section-claimable")).not_to_contain_text(ref)


def city_decides(page: Page, ref: str) -> None:
    login(page, "km_city")
    claim_in_worklist(page, ref, "择优提出推荐认定名单")
    earlier = page.get_by_test_id("earlier-data")
    for number in (1, 2, 3):
        expect(earlier).to_contain_text(f"专家{number}号意见")
    scores = page.get_by_test_id("score-table")  # experts scored 81, 82 and 83
    expect(scores.get_by_test_id("score-row")).to_have_count(3)
    for number in (1, 2, 3):
        expect(scores.get_by_test_id("score-row").nth(number - 1)).to_contain_text(
            f"{80 + number}")
    expect(scores.get_by_test_id("score-average")).to_have_text("82.00")
    expect(scores).to_contain_text("专家2号意见：服务功能完善，示范作用明显。")
    snap(page, "06b-expert-decision")
    fill_form(page, "km_expert_decision", km.EXPERT_APPROVE)
    submit(page)
    claim_in_worklist(page, ref, "现场核查")
    fill_form(page, "km_site_verification", km.VERIFY_APPROVE)
    submit(page)
    claim_in_worklist(page, ref, "社会公示")
    fill_form(page, "km_notice", NOTICE)
    submit(page)
    expect(page.get_by_test_id("flash-success")).to_contain_text("登记公示期异议")


def notice_is_running(page: Page, ref: str) -> None:
    open_case(page, ref)
    expect(page.get_by_test_id("case-facts").get_by_test_id("status-badge")).to_have_text("公示中")
    expect(page.get_by_test_id("waiting-list")).to_contain_text("公示期满（10个工作日）")
    last_day = calendar.add_working_days(TODAY, 10)
    expect(page.get_by_test_id("waiting-list")).to_contain_text(f"截止 {last_day}")
    diagram = page.locator("#case-diagram")
    timer = diagram.locator('g.djs-element[data-element-id="notice_period_ends"]')
    expect(timer).to_have_class(re.compile(r"\bstate-waiting\b"))
    expect(diagram.locator(".diagram-due").filter(has_text=f"截止 {last_day}")).to_be_visible()
    snap(page, "06-public-notice-diagram", page.get_by_role("region", name="流程图"))


def register_no_objection(page: Page, ref: str, monkeypatch) -> None:
    # The register opens when the notice has ended (notBefore): the task pages' clock moves
    # to that morning, as the timer worker's did.
    monkeypatch.setattr(task_pages, "now", lambda: NOTICE_ENDS + dt.timedelta(hours=9))
    claim_in_worklist(page, ref, "登记公示期异议")
    objection_list = forms.label("km_objections", "objection_list")  # show_if has_objection
    expect(page.get_by_role("group", name=label_pattern(objection_list))).to_be_hidden()
    fill_form(page, "km_objections", km.NO_OBJECTION)
    submit(page)


def fire_notice_timer(page: Page, live_server, ref: str) -> None:
    too_early = NOTICE_ENDS - dt.timedelta(seconds=1)
    assert live_server.run_timers(too_early.isoformat()) == 0
    assert live_server.run_timers(NOTICE_ENDS.isoformat()) == 1
    assert live_server.run_timers(NOTICE_ENDS.isoformat()) == 0
    page.goto("/worklist")
    row = page.get_by_test_id("tasks-claimable").get_by_role("row").filter(has_text=ref)
    expect(row).to_contain_text("登记公示期异议")


def recognize(page: Page, ref: str) -> None:
    claim_in_worklist(page, ref, "集体决策与授牌")
    fill_form(page, "km_recognition", RECOGNIZE)
    submit(page)


def applicant_sees_recognition(page: Page, ref: str) -> None:
    login(page, APPLICANT, APPLICANT_PASSWORD)
    row = page.get_by_test_id("my-cases").get_by_role("row").filter(has_text=ref)
    expect(row.get_by_test_id("status-badge")).to_have_text("已认定")
    expect(row.get_by_test_id("case-stage")).to_contain_text("称号有效期内")
    expect(row.get_by_test_id("case-validity")).to_have_text(f"有效期 {VALID}")
    expect(row.get_by_test_id("case-certificate")).to_have_text(
        f"认定文号 {RECOGNIZE['certificate_no']}")
    snap(page, "07a-applicant-list-recognized")
    page.set_viewport_size({"width": 390, "height": 844})
    snap(page, "07b-applicant-list-recognized-phone", page.get_by_test_id("my-cases"))
    page.set_viewport_size({"width": 1280, "height": 900})
    row.get_by_role("link", name=ref).click()
    facts = page.get_by_test_id("case-facts")
    expect(facts).to_contain_text("已认定")
    expect(facts).to_contain_text("有效期")
    expect(facts).to_contain_text(VALID)
    expect(facts).to_contain_text(RECOGNIZE["certificate_no"])
    expect(page.get_by_test_id("case-stage")).to_have_text("称号有效期内")
    expect(page.get_by_test_id("milestones").locator('[data-state="done"]')).to_have_count(5)
    expect(page.get_by_test_id("milestones")).to_contain_text("已认定")
    expect(page.locator("#case-diagram")).to_have_count(0)
    snap(page, "07-applicant-recognized")


def auditor_checks(page: Page, ref: str) -> None:
    login(page, "km_auditor")
    expect(page.get_by_test_id("user-role")).to_contain_text("审计监察")
    open_case(page, ref)
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("创建案卷")
    expect(timeline).to_contain_text("办理完成：县级初审")
    expect(timeline).to_contain_text("期限届满")
    expect(timeline).to_contain_text("办理完成：集体决策与授牌")
    diagram = page.locator("#case-diagram")
    expect(diagram.locator(".djs-container svg").first).to_be_visible()
    for element in ("submit_application", "county_review", "publish_notice",
                    "notice_period_ends", "collective_decision"):
        shape = diagram.locator(f'g.djs-element[data-element-id="{element}"]')
        expect(shape).to_have_class(re.compile(r"\bstate-completed\b"))
    snap(page, "08-auditor-case")
    snap(page, "08-auditor-case-diagram", page.get_by_role("region", name="流程图"))
    diagram_zooms(page)
    page.get_by_role("button", name="核验办理记录").click()
    result = page.get_by_test_id("verify-result")
    expect(result).to_contain_text("办理记录完整可信。")
    steps = page.get_by_test_id("verify-steps").locator("tbody tr")
    expect(steps.first).to_be_visible()
    assert steps.count() >= 12
    expect(steps.filter(has_text="不一致")).to_have_count(0)
    expect(steps.filter(has_text="一致")).to_have_count(steps.count())
    snap(page, "09-auditor-verify")


def diagram_zooms(page: Page) -> None:
    """The diagram opens readable (100 %) and zooms with its buttons and keys."""
    diagram = page.locator("#case-diagram")
    viewport = diagram.locator("g.viewport").first
    expect(diagram).to_have_attribute("data-zoom", "1.00")
    page.get_by_test_id("zoom-in").click()
    expect(diagram).to_have_attribute("data-zoom", "1.25")
    page.get_by_test_id("zoom-fit").click()
    expect(diagram).not_to_have_attribute("data-zoom", "1.25")
    assert float(diagram.get_attribute("data-zoom")) < 1
    diagram.focus()
    page.keyboard.press("0")
    expect(diagram).to_have_attribute("data-zoom", "1.00")
    page.keyboard.press("-")
    expect(diagram).to_have_attribute("data-zoom", "0.80")
    before = viewport.get_attribute("transform")
    page.keyboard.press("ArrowRight")
    expect(viewport).not_to_have_attribute("transform", before)
    # lanes are named after their level: in the page's language, not "county"
    lane = diagram.locator('g[data-element-id="lane_county"] text').first
    expect(lane).to_have_text("县级主管部门")
    page.set_viewport_size({"width": 390, "height": 844})
    snap(page, "08b-auditor-case-diagram-phone", page.get_by_role("region", name="流程图"))
    page.set_viewport_size({"width": 1280, "height": 900})


# --- the walk ---------------------------------------------------------------------------------

def test_kunming_case_walks_from_registration_to_recognition(page, live_server, tmp_path,
                                                            monkeypatch):
    pdf = forms.write_pdf(tmp_path)
    register_organisation(page)
    login(page, APPLICANT, APPLICANT_PASSWORD)
    ref = start_application(page)
    assert re.fullmatch(r"KM-\d{4}-\d{4}", ref)
    file_application(page, ref, pdf)
    county_review(page, ref)
    site_inspection(page, ref, pdf)
    assign_experts(page, ref)
    expert_reviews(page, ref)
    city_decides(page, ref)
    notice_is_running(page, ref)
    fire_notice_timer(page, live_server, ref)
    register_no_objection(page, ref, monkeypatch)
    recognize(page, ref)
    applicant_sees_recognition(page, ref)
    auditor_checks(page, ref)
