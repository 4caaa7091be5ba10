"""The correction loop, per-field errors and another county's official kept out, in Chromium.

No timer is involved: every step here is a person's, stamped with the wall clock.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import forms
from tests.browser.forms import fill_form, submit, task_form
from tests.browser.support import (
    claim_in_worklist,
    field,
    login,
    open_application,
    open_case,
    snap,
)
from tests.processes import examples_kunming as km

pytestmark = pytest.mark.browser

SMALL_MICRO = forms.label("km_application", "small_micro_count")  # 其中入驻小微企业户数
PHONE = forms.label("km_application", "contact_phone")  # 联系电话（手机）
AUDIT = forms.label("km_application", "audit_report")  # 基地运营主体上一年度财务审计报告复印件
REVIEW_REASON = forms.label("km_county_review", "decision_reason")
CORRECTIONS = forms.label("km_county_review", "corrections")  # 需补正的字段和材料
REASON = "入驻小微企业仅30家，不足40家（第六条第三项），请核实后补正。"


def submit_application(page: Page, pdf, **changes) -> str:
    """As km_applicant (五华区), file the example application with `changes`; return its ref."""
    login(page, "km_applicant")
    ref = open_application(page)
    fill_form(page, "km_application", {**km.APPLICATION, **changes}, pdf)
    submit(page)
    return ref


def county_opens_review(page: Page, ref: str) -> None:
    login(page, "km_county_wuhua")
    claim_in_worklist(page, ref, "县级初审")


def precheck_row(page: Page, condition: str):
    return page.get_by_test_id("precheck-table").get_by_role("row").filter(has_text=condition)


def mark(page: Page, rows: list[tuple[str, str]]) -> None:
    """Fill the county review's table of items to correct: (item label, note) per row."""
    group, body = forms.table_rows(task_form(page), CORRECTIONS)
    for index, (item, note) in enumerate(rows):
        if index:
            group.get_by_role("button", name="添加一行").click()
        forms.cell(body.nth(index), "字段或材料").select_option(label=item)
        forms.cell(body.nth(index), "补正要求").fill(note)


def replace_file(page: Page, name: str, path) -> None:
    box = task_form(page).locator(f'[data-field="{name}"]')
    box.get_by_role("button", name="删除").click()  # the one file submitted before
    expect(box.get_by_role("listitem")).to_have_count(0)
    forms.upload(task_form(page), forms.spec("km_application", name), path)


def test_returned_application_is_corrected_and_then_approved(page, tmp_path):
    pdf = forms.write_pdf(tmp_path)
    ref = submit_application(page, pdf, small_micro_count=30)

    county_opens_review(page, ref)
    expect(page.get_by_test_id("precheck-verdict")).to_contain_text("有条件不符合")
    expect(precheck_row(page, "入驻小微企业户数")).to_contain_text("不符合")
    reason = field(task_form(page), REVIEW_REASON)
    expect(reason).to_be_hidden()  # show_if: only for a return or a rejection
    fill_form(page, "km_county_review", {"assessment": "入驻小微企业户数不足。",
                                         "decision": "return"})
    expect(reason).to_be_visible()
    reason.fill(REASON)
    task_form(page).get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_test_id("form-problem")).to_contain_text("未提交")  # no item marked
    mark(page, [(SMALL_MICRO, "按实际入驻情况填写，不少于40家。"),
                (PHONE, "请填写能接通的手机号码。"),
                (f"材料：{AUDIT}", "上传审计报告全文（含附注）。")])
    submit(page)
    expect(page.get_by_test_id("flash-success")).to_contain_text(
        f"案卷 {ref} 当前环节：补正申请材料")

    login(page, "km_applicant")
    asked = page.get_by_test_id("asked-now").get_by_role("row").filter(has_text=ref)
    expect(asked).to_contain_text("补正申请材料")
    asked.get_by_role("link", name="填写").click()
    expect(page.get_by_test_id("task-title")).to_contain_text("补正申请材料")
    notice = page.get_by_test_id("correction-notice")
    expect(notice).to_contain_text("补正告知")
    expect(notice.get_by_test_id("correction-reason")).to_contain_text(REASON)
    expect(notice.get_by_test_id("correction-deadline")).to_contain_text(
        re.compile(r"请在 30 个工作日内补正\s*（截止 \d{4}-\d{2}-\d{2}，剩余 \d+ 个工作日）"))
    items = notice.get_by_test_id("correction-items").get_by_role("listitem")
    expect(items).to_have_text([f"{SMALL_MICRO}：按实际入驻情况填写，不少于40家。",
                                f"{PHONE}：请填写能接通的手机号码。",
                                f"{AUDIT}：上传审计报告全文（含附注）。"])
    expect(page.get_by_test_id("marked-field")).to_have_count(3)
    expect(page.get_by_test_id("folded-fields").first).not_to_have_attribute("open", "")
    snap(page, "correction-notice-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    box = page.get_by_test_id("correction-notice").bounding_box()
    # Right under the page's title: on a phone's first screen, above every other block.
    assert box is not None and box["y"] + 200 < 844, box
    first = page.locator("main .card, main section, main form").first
    expect(first).to_have_attribute("data-testid", "correction-notice")
    snap(page, "correction-notice-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    items.filter(has_text=PHONE).get_by_role("link").click()
    form = task_form(page)
    count = field(form, SMALL_MICRO)
    expect(count).to_have_value("30")  # the earlier answer comes back for correction
    count.fill("50")
    field(form, PHONE).fill("13912345678")
    replace_file(page, "audit_report", forms.write_pdf(tmp_path, "审计报告全文.pdf"))
    submit(page)
    expect(page.get_by_test_id("flash-success")).to_contain_text(f"案卷 {ref} 当前环节：县级初审")
    expect(page.get_by_test_id("asked-now")).not_to_contain_text(ref)

    county_opens_review(page, ref)
    expect(page.get_by_test_id("precheck-verdict")).to_contain_text("各项条件均符合")
    expect(precheck_row(page, "入驻小微企业户数")).to_contain_text("50")
    changes = page.get_by_test_id("changes-table").locator("tbody tr")
    expect(changes).to_have_count(3)  # only what changed: no other field or file
    expect(changes.filter(has_text=PHONE)).to_contain_text("13800000000")
    expect(changes.filter(has_text=PHONE)).to_contain_text("13912345678")
    expect(changes.filter(has_text=SMALL_MICRO).locator("td")).to_have_text(["30", "50"])
    audit_row = changes.filter(has_text=AUDIT).locator("td")
    expect(audit_row.first).to_contain_text(pdf.name)
    expect(audit_row.last).to_contain_text("审计报告全文.pdf")
    expect(audit_row.last).not_to_contain_text(pdf.name)
    expect(page.get_by_test_id("asked-unchanged")).to_have_count(0)
    # the application below opens at the three parts that changed, each marked
    opened = page.get_by_test_id("earlier-data").locator("details.data-group[open] > summary")
    expect(opened).to_have_text([re.compile(rf"^\s*{part}\s*\d+ 项\s*已修改 1 项\s*$")
                                 for part in ("基本情况", "入驻企业", "申报材料")])
    expect(page.get_by_test_id("earlier-data").locator("dt", has_text=PHONE)).to_contain_text(
        "已修改")
    decision = field(task_form(page), forms.label("km_county_review", "decision"))
    expect(decision).to_have_value("")  # the new round decides afresh
    expect(field(task_form(page), REVIEW_REASON)).to_be_hidden()
    snap(page, "correction-changes-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    snap(page, "correction-changes-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    fill_form(page, "km_county_review", {"materials_complete": True, **km.COUNTY_APPROVE})
    submit(page)
    expect(page.get_by_test_id("flash-success")).to_contain_text(
        f"案卷 {ref} 当前环节：满意度抽查与推荐意见")

    open_case(page, ref)
    story = page.get_by_test_id("correction-round")
    expect(story).to_contain_text("要求补正")
    expect(story.get_by_role("listitem")).to_have_text([
        f"{SMALL_MICRO}：按实际入驻情况填写，不少于40家。", f"{PHONE}：请填写能接通的手机号码。",
        f"{AUDIT}：上传审计报告全文（含附注）。"])
    expect(story.get_by_test_id("correction-answer")).to_contain_text(
        f"修改了：{PHONE}、{SMALL_MICRO}、{AUDIT}")
    expect(page.get_by_test_id("timeline-changed")).to_have_count(1)
    snap(page, "correction-case-page", page.get_by_test_id("case-corrections"))


def test_a_bad_input_shows_a_chinese_error_at_the_field_and_keeps_what_was_typed(page, tmp_path):
    pdf = forms.write_pdf(tmp_path)
    login(page, "km_applicant")
    open_application(page)
    fill_form(page, "km_application", {**km.APPLICATION, "contact_phone": "1380000"}, pdf)
    task_form(page).get_by_role("button", name="提交", exact=True).click()

    expect(page.get_by_test_id("form-problem")).to_contain_text("未提交")
    expect(page.get_by_test_id("form-problem")).to_contain_text("请修改标出的内容。")
    form = task_form(page)
    phone = field(form, PHONE)
    expect(phone).to_have_value("1380000")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_accessible_description(re.compile("请填写11位手机号码"))
    expect(form.get_by_role("alert").filter(has_text="请填写11位手机号码")).to_have_count(1)
    # everything else typed, ticked, added and uploaded is still there
    expect(field(form, forms.label("km_application", "base_name"))).to_have_value(
        km.APPLICATION["base_name"])
    expect(field(form, SMALL_MICRO)).to_have_value("50")
    forms.reveal(form, "yearly_operations")
    _, operations = forms.table_rows(form, forms.label("km_application", "yearly_operations"))
    expect(forms.cell(operations.nth(1), "年度")).to_have_value("2025")
    forms.reveal(form, "lead_industries")
    industries = form.get_by_role("group", name=re.compile("^主导产业"))
    expect(industries.get_by_label("软件及信息技术服务", exact=True)).to_be_checked()
    forms.reveal(form, "application_report")
    report = form.locator('[data-field="application_report"]')
    expect(report.get_by_role("listitem").filter(has_text=pdf.name)).to_have_count(1)
    expect(field(form, forms.label("km_application", "commitment"))).to_be_checked()

    forms.reveal(form, "contact_phone")
    phone.fill(km.APPLICATION["contact_phone"])
    submit(page)
    expect(page.get_by_test_id("flash-success")).to_contain_text("当前环节：县级初审")


def test_county_official_of_another_county_gets_the_friendly_403_page(page, tmp_path):
    ref = submit_application(page, forms.write_pdf(tmp_path))
    page.get_by_test_id("my-cases").get_by_role("link", name=ref).click()
    case_url = page.url
    login(page, "km_county_wuhua")
    task_link = page.get_by_test_id("tasks-claimable").get_by_role("row").filter(
        has_text=ref).get_by_role("link", name="县级初审")
    task_url = task_link.get_attribute("href")

    login(page, "km_county_panlong")
    expect(page.get_by_test_id("section-claimable")).not_to_contain_text(ref)
    for url in (case_url, task_url):
        response = page.goto(url)
        assert response.status == 403
        expect(page.get_by_test_id("error-page")).to_contain_text("无权访问")
        expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
        expect(page.get_by_role("link", name="返回首页")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text(ref)
        expect(page.locator("body")).not_to_contain_text("Traceback")
