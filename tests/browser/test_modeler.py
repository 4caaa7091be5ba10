"""The procedure modeler in Chromium: a designer changes the Kunming notice period
from 10 to 15 working days and adds a task through the palette and the properties panel,
checks and saves a draft that a second designer approves and publishes; a broken draft is
marked on its elements and cannot be published; the timer preview shows a date.

Everything on the diagram is done with the mouse and the panel; km_designer2 approves and
publishes on the versions page. The broken draft's refusal is asked of the JSON API.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import login, snap
from tests.processes.driver import Api

pytestmark = pytest.mark.browser

KEY = "kunming_recognition"
EDIT = f"/processes/{KEY}/edit"
CHECK_TIMEOUT = 90_000  # the server check parses and checks the whole jurisdiction


def _open(page: Page, username: str = "km_designer") -> None:
    login(page, username)
    page.goto(EDIT)
    expect(page.get_by_test_id("modeler")).to_have_attribute("data-ready", "true",
                                                             timeout=30_000)


def _show(page: Page, element: str) -> None:
    """Scroll the diagram to `element` at 100 % and click it."""
    page.evaluate("""(id) => { const m = window.modeler, c = m.get('canvas');
        c.zoom(1); c.scrollToElement(m.get('elementRegistry').get(id),
        {top: 300, bottom: 300, left: 300, right: 300}); }""", element)
    page.locator(f'.djs-element[data-element-id="{element}"]').click()
    expect(page.locator(".bio-properties-panel-header-label")).not_to_have_text("")


def _add_user_task_on_flow(page: Page, flow: str, name: str) -> str:
    """Drop a palette task onto `flow`, name it, make it a user task; return its id."""
    box = page.locator(f'.djs-element[data-element-id="{flow}"]').bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.locator('.djs-palette [data-action="create.task"]').click()
    page.mouse.move(x, y + 5)
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.keyboard.type(name)
    page.keyboard.press("Enter")
    page.locator(".djs-context-pad [data-action='replace']").click()
    page.locator(".djs-popup [data-id='replace-with-user-task']").click()
    return page.evaluate("() => window.modeler.get('selection').get()[0].id")


def _type(page: Page, entry: str, element: str, attribute: str | None, value: str) -> None:
    """Fill a panel field and wait until the diagram holds the value (the panel writes it
    after a pause in typing)."""
    page.locator(f"#bio-properties-panel-{entry}").fill(value)
    if attribute:
        page.wait_for_function("([id, name, value]) => window.modeler.get('elementRegistry')"
                               ".get(id).businessObject.get(name) === value",
                               arg=[element, attribute, value])


def _check(page: Page) -> None:
    page.get_by_test_id("check").click()
    expect(page.get_by_test_id("problems-summary")).to_contain_text("服务器检查",
                                                                    timeout=CHECK_TIMEOUT)


def _api(live_server) -> Api:
    return Api(live_server.app)


def test_designer_changes_the_notice_period_adds_a_task_and_a_second_designer_publishes(
        page: Page, live_server):
    _open(page)
    _show(page, "set_public_notice")
    script = page.locator("#bio-properties-panel-product-script")
    expect(script).to_have_value(re.compile(r'notice\["notice_start"\], 10,'))
    script.fill(script.input_value().replace('notice["notice_start"], 10,',
                                             'notice["notice_start"], 15,'))
    task = _add_user_task_on_flow(page, "flow_set_public_notice_to_notice_split", "公示材料归档")
    expect(page.get_by_test_id("lane-value")).to_have_text("市级（city）")
    page.locator("#bio-properties-panel-product-form").select_option("km_notice")
    page.get_by_test_id("form-preview-button").click()
    expect(page.get_by_test_id("form-preview")).to_contain_text("公示发布日期")
    page.locator("#bio-properties-panel-product-clause").fill("产品默认：公示材料归档备查。")
    # the English interface's texts, written in the panel (docs/PROCESSES.md "English names")
    _type(page, "product-english-name", task, "en:name", "Archive the notice")
    _type(page, "product-due-rule", task, None, "产品默认：收到后 5 个工作日内办理")
    _type(page, "product-due-rule-english", task, "en:dueRule",
          "Product default: handle within 5 working days of receipt")
    snap(page, "modeler-form-picker")
    page.get_by_test_id("note").fill("公示期改为15个工作日，增加公示材料归档")
    page.get_by_test_id("save-draft").click()

    expect(page.get_by_test_id("modeler-status")).to_contain_text("已保存为草稿 v2",
                                                                  timeout=CHECK_TIMEOUT)
    expect(page.get_by_test_id("problems-summary")).to_have_text("没有发现问题（服务器检查）")
    expect(page.get_by_test_id("problems").locator("li")).to_have_count(0)
    expect(page.get_by_test_id("versions-link")).to_be_visible()
    page.get_by_test_id("versions-link").click()
    expect(page.locator('tr[data-version="2"]')).to_have_attribute("data-status", "draft")
    expect(page.get_by_test_id("approve-2")).to_have_count(0)  # not the author's own draft

    login(page, "km_designer2")
    page.goto(f"/processes/{KEY}/versions")
    page.get_by_test_id("approve-2").click()
    page.get_by_test_id("publish-2").click()
    expect(page.locator('tr[data-version="2"]')).to_have_attribute("data-status", "published")
    with live_server.app.app_context():
        api = _api(live_server)
        rows = api.get("km_designer", f"/api/processes/{KEY}/versions")
        files = api.get("km_designer", f"/api/processes/{KEY}/versions/2/files")
    assert [(r["version"], r["status"], r["author"], r["approver"]) for r in rows][:2] == [
        (2, "published", "km_designer", "km_designer2"), (1, "retired", "system", None)]
    bpmn = files["files"]["recognition.bpmn"]
    assert 'add_working_days(notice["notice_start"], 15,' in bpmn
    assert f'id="{task}" name="公示材料归档"' in bpmn
    assert '<spiffworkflow:property name="formId" value="km_notice" />' in bpmn
    # the editor keeps the English names (docs/PROCESSES.md "English names")
    assert 'xmlns:en="urn:process-language:en"' in bpmn
    assert 'en:name="County first review"' in bpmn
    [tag] = re.findall(rf'<bpmn:userTask id="{task}"[^>]*>', bpmn)
    assert 'en:name="Archive the notice"' in tag
    assert 'en:dueRule="Product default: handle within 5 working days of receipt"' in tag


def test_a_broken_draft_is_marked_on_its_elements_and_cannot_be_published(
        page: Page, live_server):
    _open(page)
    _show(page, "notice_period_ends")
    page.locator("#bio-properties-panel-product-timer").fill("notice ends")
    page.evaluate("""() => { const m = window.modeler;
        const task = m.get('elementRegistry').get('register_objections');
        const values = task.businessObject.extensionElements.get('values');
        const form = values.find((v) => v.$type === 'spiffworkflow:Properties')
          .get('properties').find((p) => p.name === 'formId');
        m.get('modeling').updateModdleProperties(task, form, { value: 'km_no_such_form' }); }""")
    # The drawing-time rules already see both problems.
    problems = page.get_by_test_id("problems")
    expect(problems).to_contain_text("notice ends")
    expect(problems).to_contain_text("km_no_such_form")
    _check(page)

    expect(problems.locator('li[data-element="notice_period_ends"]')).not_to_have_count(0)
    expect(problems.locator('li[data-element="register_objections"]')).not_to_have_count(0)
    for element in ("notice_period_ends", "register_objections"):
        expect(page.locator(f'.djs-element[data-element-id="{element}"]')).to_have_class(
            re.compile("problem-marker"))
    problems.locator('li[data-element="register_objections"] button').first.click()
    assert page.evaluate("() => window.modeler.get('selection').get()[0].id") \
        == "register_objections"
    snap(page, "modeler-broken-draft")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("modeler-status")).to_contain_text("已保存为草稿",
                                                                  timeout=CHECK_TIMEOUT)
    draft = int(page.get_by_test_id("modeler-status").inner_text().split("v")[-1].rstrip("。"))
    with live_server.app.app_context():
        api = _api(live_server)
        approved = api.client.post(f"/api/processes/{KEY}/versions/{draft}/approve",
                                   headers=api.headers("km_designer2"))
        published = api.client.post(f"/api/processes/{KEY}/versions/{draft}/publish",
                                    headers=api.headers("km_designer2"))
        rows = api.get("km_designer", f"/api/processes/{KEY}/versions")
    refused = published if approved.status_code == 200 else approved
    assert refused.status_code == 422
    assert "notice_period_ends" in refused.get_data(as_text=True)
    assert next(r["status"] for r in rows if r["version"] == draft) == "draft"


def test_the_timer_preview_shows_the_date_on_the_real_calendar(page: Page):
    _open(page)
    _show(page, "notice_period_ends")
    expect(page.get_by_test_id("timer-help")).to_contain_text("add_working_days")
    page.get_by_test_id("timer-start").fill("2026-09-28")
    page.get_by_test_id("timer-data").fill('{"notice_ends_at": "2026-10-09T00:00:00+08:00"}')
    page.get_by_test_id("timer-preview-button").click()

    # 28 September to 8 October 2026: the National Day holiday leaves 4 working days.
    expect(page.get_by_test_id("timer-preview")).to_contain_text("2026-10-08")
    snap(page, "modeler-timer-preview", page.locator("#properties"))


def test_the_minimap_opens_and_keyboard_shortcuts_delete_and_undo(page: Page):
    _open(page)
    page.locator(".djs-minimap .toggle[title=\"打开小地图\"]").click()
    expect(page.locator(".djs-minimap")).to_have_class(re.compile("open"))
    _show(page, "register_objections")
    element = page.locator('.djs-element[data-element-id="register_objections"]')

    page.keyboard.press("Delete")
    expect(element).to_have_count(0)
    page.keyboard.press("Control+z")
    expect(element).to_have_count(1)
    # Unsaved changes: leaving the page asks first.
    assert page.evaluate("""() => { const event = new Event('beforeunload', {cancelable: true});
        window.dispatchEvent(event); return event.defaultPrevented; }""")
