"""The form editor and the decision table editor in a real browser:
a broken form is marked at its line and a new field shows in the preview; trying the
pre-check table on a case with too few employees shows the failing condition."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.services import designs
from app.web import api as api_module
from tests.browser.support import login, snap
from tests.processes import examples_kunming as km
from tests.processes.driver import Api, CaseDriver, find_user
from tests.processes.test_kunming import APPLICANT, CITY

pytestmark = pytest.mark.browser

DESIGNER = "km_designer"
WIDTHS = {"desktop": 1280, "phone": 390}
FORM_PAGE = "/processes/kunming_recognition/forms/km_notice/edit"
TABLE_PAGE = "/processes/kunming_recognition/decisions/precheck.dmn/edit"
# Saving a draft checks the whole procedure: 1.5–2 s on an idle 2-core machine, several
# times that with the rest of the suite running beside it.
SAVING_MS = 30_000
SHOTS = os.environ.get("EDITOR_SHOTS")  # a folder for the screenshots people look at


def _shot(page: Page, name: str) -> None:
    snap(page, name)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _set_yaml(page: Page, text: str) -> None:
    page.evaluate("""(text) => { const view = window.formEditor;
        view.dispatch({changes: {from: 0, to: view.state.doc.length, insert: text}}); }""", text)


@pytest.fixture(scope="module")
def few_employees(live_server) -> str:
    """The reference of a Kunming case whose application states 450 employees (below 500)."""
    with live_server.app.app_context():
        api = Api(live_server.app)
        saved, api_module._now = api_module._now, lambda: api.now
        try:
            case = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
            case.start("2026-03-02T09:00")
            case.complete(APPLICANT, "submit_application", km.APPLICATION_FEW_EMPLOYEES,
                          "2026-03-02T10:00")
            return case.case()["ref"]
        finally:
            api_module._now = saved


@pytest.mark.parametrize("device", WIDTHS)
def test_the_form_editor_marks_a_broken_line_and_previews_a_new_field(page, device):
    page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    login(page, DESIGNER)
    page.goto(FORM_PAGE)
    problems = page.get_by_test_id("form-problems")
    expect(problems).to_contain_text("没有问题")
    expect(page.get_by_test_id("form-preview")).to_contain_text("公示发布日期")
    source = page.evaluate("window.formEditor.state.doc.toString()")
    line = next(n for n, text in enumerate(source.splitlines(), 1) if "name: notice_start" in text)

    _set_yaml(page, source.replace("type: date", "type: dat", 1))
    expect(problems).to_contain_text(f"第 {line} 行")
    expect(problems).to_contain_text("dat")
    expect(page.locator(".cm-lint-marker-error")).to_have_count(1)
    _shot(page, f"form-editor-problem-{device}")

    _set_yaml(page, source.rstrip() + "\n  - name: extra_note\n    type: text\n"
                                      "    label: 公示补充说明\n")
    expect(problems).to_contain_text("没有问题")
    expect(page.get_by_test_id("form-preview").get_by_label("公示补充说明")).to_be_visible()
    page.locator("summary", has_text="JSON Schema").click()
    expect(page.get_by_test_id("form-schema")).to_contain_text('"extra_note"')
    _shot(page, f"form-editor-{device}")


def test_the_form_editor_saves_the_text_as_a_draft_of_the_procedure(page, live_server):
    login(page, DESIGNER)
    page.goto(FORM_PAGE)
    expect(page.get_by_test_id("form-problems")).to_contain_text("没有问题")
    source = page.evaluate("window.formEditor.state.doc.toString()")
    _set_yaml(page, source.replace("label: 公示标题", "label: 公示文件标题", 1))
    page.get_by_label("草稿说明").fill("公示标题改为公示文件标题")
    page.get_by_role("button", name="保存草稿").click()
    status = page.locator("#save-status")
    expect(status).to_contain_text("已保存为草稿第", timeout=SAVING_MS)
    with live_server.app.app_context():
        [draft] = [v for v in designs.versions(find_user(DESIGNER), "kunming_recognition")
                   if v["status"] == "draft"]
        assert draft["note"] == "公示标题改为公示文件标题"
        files = designs.files(find_user(DESIGNER), "kunming_recognition", draft["version"])
        assert "label: 公示文件标题" in files["forms/km_notice.yaml"]


@pytest.mark.parametrize("device", WIDTHS)
def test_trying_the_precheck_table_shows_the_failing_employee_condition(page, few_employees,
                                                                         device):
    page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    login(page, DESIGNER)
    page.goto(TABLE_PAGE)
    expect(page.locator("[data-decision-editor][data-ready='true']")).to_have_count(1)
    expect(page.locator(".tjs-table")).to_contain_text("吸纳从业人员")
    page.get_by_label("近期案件").select_option(label=page.locator(
        "#try-case option", has_text=few_employees).inner_text())
    page.get_by_role("button", name="试运行", exact=True).click()

    result = page.get_by_test_id("trial-table")
    employees = result.locator("tr[data-rule='rule_employee_count']")
    expect(employees).to_contain_text("✗")
    expect(employees).to_contain_text(">= 500")
    expect(employees).to_contain_text("450")
    expect(result.locator("tr[data-rule='rule_small_micro_count']")).to_contain_text("✓")
    expect(page.locator("#dmn-editor td.trial-failed[data-row-id='rule_employee_count']")
           ).not_to_have_count(0)
    _shot(page, f"decision-editor-{device}")
    snap(page, f"decision-try-{device}", page.get_by_test_id("try-panel"))


def test_the_table_checks_clean_and_saves_as_a_draft(page):
    login(page, DESIGNER)
    page.goto(TABLE_PAGE)
    expect(page.locator("[data-decision-editor][data-ready='true']")).to_have_count(1)
    page.get_by_role("button", name="检查", exact=True).click()
    expect(page.locator("#check-status")).to_contain_text("检查通过")
    expect(page.get_by_test_id("dmn-problems")).to_contain_text("没有问题")

    page.get_by_label("草稿说明").fill("预审表原样另存")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#save-status")).to_contain_text("已保存为草稿第", timeout=SAVING_MS)
    expect(page.locator("#save-status").get_by_role("link", name="版本与发布")).to_be_visible()
