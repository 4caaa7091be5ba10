"""An applicant fills the Kunming application on a 390 px phone, section by section, loses
the session before submitting, logs in again and finds every input kept; then submits."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.forms import fill_form, reveal, submit, task_form, write_pdf
from tests.browser.support import field, login, new_tab, open_application, snap
from tests.processes import examples_kunming as km

pytestmark = pytest.mark.browser

BASIC = ("base_name", "county", "operator_name", "credit_code", "operator_nature",
         "legal_representative", "operator_registered_on", "registered_address",
         "contact_person", "contact_phone", "base_established_on", "main_sector",
         "lead_industries", "main_business")


@pytest.fixture
def phone(browser, live_server):
    with new_tab(browser, live_server, 390, 844) as tab:
        yield tab


def test_applicant_fills_in_steps_loses_the_session_and_keeps_every_input(phone, tmp_path):
    page = phone
    page.clock.install()  # time flows as usual; the walk jumps ahead to the expiry warning
    login(page, "km_applicant")
    open_application(page)
    form = task_form(page)
    steps = form.locator("[data-form-steps]")
    expect(steps.locator("[data-steps-progress]")).to_have_text("第 1 步，共 6 步")
    expect(steps.get_by_role("listitem")).to_have_text(
        [re.compile(r"1\s*基本情况"), re.compile(r"2\s*运营情况"), re.compile(r"3\s*服务功能"),
         re.compile(r"4\s*入驻企业"), re.compile(r"5\s*申报材料"), re.compile(r"6\s*承诺")])
    expect(field(form, "运营单位名称")).to_have_value("昆明示例创业园运营有限公司")  # registration
    expect(field(form, "入驻企业户数")).to_be_hidden()  # one section at a time

    # 下一步 with the section half filled: the summary counts and links its problems only.
    form.get_by_role("button", name="下一步：运营情况").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    # On a phone 提交/保存草稿 follow the step being filled: no bar over fields or summary.
    actions = form.locator(".form-actions").bounding_box()
    step_end = form.get_by_role("button", name="下一步：运营情况").bounding_box()
    assert actions["y"] > step_end["y"] + step_end["height"], (actions, step_end)
    heading = summary.get_by_role("heading")
    count = int(re.search(r"有 (\d+) 处", heading.inner_text())[1])
    expect(summary.get_by_role("link")).to_have_count(count)
    expect(summary.get_by_role("link", name="基地名称: 此项为必填项。")).to_be_visible()
    expect(summary).not_to_contain_text("入驻企业户数")
    snap(page, "guided-application-phone-section-errors")
    summary.get_by_role("link", name="基地名称: 此项为必填项。").click()
    expect(field(form, "基地名称")).to_be_focused()
    field(form, "基地名称").fill(km.APPLICATION["base_name"])
    expect(heading).to_have_text(f"还有 {count - 1} 处需要修改。")  # cleared as it is fixed
    expect(form.locator("#base_name-errors")).to_have_count(0)

    fill_form(page, "km_application", {k: km.APPLICATION[k] for k in BASIC})
    expect(form.locator("[data-autosave-note]")).to_have_text(re.compile(r"^已自动保存 \d\d:\d\d$"))
    form.get_by_role("button", name="下一步：运营情况").click()
    expect(steps.locator("[data-steps-progress]")).to_have_text("第 2 步，共 6 步")
    expect(field(form, "创业创新专职服务人员（人）")).to_be_visible()
    expect(page.get_by_test_id("error-summary")).to_have_count(0)
    snap(page, "guided-application-phone-step-2")

    # Idle for 26 of the 30 minutes: the page warns and 续期 renews the session.
    page.clock.fast_forward("26:00")
    warning = page.get_by_test_id("session-warning")
    expect(warning).to_contain_text("为了安全，如果本页面一直没有操作，您将在")
    snap(page, "guided-application-phone-session-warning", warning)
    warning.get_by_role("button", name="续期").click()
    expect(warning).to_be_hidden()
    expect(form.locator("[data-autosave-note]")).to_have_text("已续期，登录继续有效。")

    rest = {k: v for k, v in km.APPLICATION.items() if k not in BASIC}
    fill_form(page, "km_application", rest, write_pdf(tmp_path))
    expect(form).to_have_attribute("data-autosave", "saved")
    expect(form.locator("[data-autosave-note]")).to_have_text(re.compile(r"^已自动保存"))

    # The session ends while the form is open: 提交 keeps the input and asks to log in.
    page.context.clear_cookies(name="session")
    form.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_test_id("flash-warning")).to_contain_text(
        "您填写的内容已保存为草稿：请重新登录，登录后将回到该任务，内容已恢复。")
    snap(page, "guided-application-phone-session-ended")
    field(page, "用户名").fill("km_applicant")
    field(page, "密码").fill("demo1234")
    page.get_by_role("button", name="登录", exact=True).click()

    expect(page.get_by_test_id("draft-restored")).to_contain_text("已恢复您保存的草稿")
    form = task_form(page)
    steps = form.locator("[data-form-steps]")
    expect(field(form, "基地名称")).to_have_value(km.APPLICATION["base_name"])
    expect(field(form, "主营业务及商业模式")).to_have_value(km.APPLICATION["main_business"])
    expect(form.get_by_label("企业名称 (第 1 行)").first).to_have_value(
        km.APPLICATION["resident_enterprises"][0]["enterprise_name"])
    reveal(form, "audit_report")
    expect(form.locator('[data-field="audit_report"]').get_by_role("listitem")).to_have_count(1)
    expect(steps.locator("[data-steps-progress]")).to_have_text("第 5 步，共 6 步")
    expect(form.locator("#commitment")).to_be_checked()
    page.set_viewport_size({"width": 1280, "height": 900})
    snap(page, "guided-application-desktop-restored")
    submit(page)
    expect(page.get_by_test_id("flash-success")).to_contain_text("县级初审")
