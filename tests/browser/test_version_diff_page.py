"""The version comparison page in a real browser: bpmn-js-differ colours the two diagrams,
the lists show old → new, on a desktop and a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests.browser.support import login, snap
from tests.second_version import KEY, load_second_version

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture(scope="module")
def second(live_server, tmp_path_factory):
    """Version 2 of the Kunming recognition procedure published on the live server."""
    with live_server.app.app_context():
        load_second_version(tmp_path_factory.mktemp("second"))
        db.session.remove()


# Both diagrams show the same place at the same scale (their viewport matrices agree).
SAME_VIEW = """() => {
  const m = (id) => document.querySelector(id + ' g.viewport').transform.baseVal
    .consolidate().matrix;
  const a = m('#diff-old'), b = m('#diff-new');
  return Math.abs(a.a - b.a) < 1e-3 && Math.abs(a.e - b.e) < 0.5 && Math.abs(a.f - b.f) < 0.5;
}"""


def _view(page, diagram: str) -> tuple[float, float, float]:
    matrix = page.evaluate(f"""() => {{
      const m = document.querySelector('{diagram} g.viewport').transform.baseVal.consolidate()
        .matrix;
      return [m.a, m.e, m.f]; }}""")
    return tuple(matrix)


def _marked(diagram, element: str, marker: str) -> None:
    shape = diagram.locator(f'g.djs-element[data-element-id="{element}"]')
    expect(shape).to_have_class(re.compile(rf"\b{marker}\b"))


@pytest.mark.parametrize("device", WIDTHS)
def test_the_diff_page_colours_changes_and_lists_old_and_new(page, second, device):
    page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    login(page, "km_designer")
    page.goto(f"/processes/{KEY}/diff?from=1&to=2")
    expect(page.locator("body")).to_have_attribute("data-diff-ready", "true")

    old, new = page.locator("#diff-old"), page.locator("#diff-new")
    _marked(new, "set_public_notice", "diff-changed")
    _marked(new, "confirm_notice", "diff-added")
    _marked(old, "flow_set_public_notice_to_notice_split", "diff-removed")
    expect(old.locator('g.djs-element[data-element-id="confirm_notice"]')).to_have_count(0)

    script = page.locator('tr[data-element="set_public_notice"] [data-property="script"]')
    expect(script.locator(".del")).to_contain_text('notice["notice_start"], 10,')
    expect(script.locator(".ins")).to_contain_text('notice["notice_start"], 15,')
    incoming = page.locator('tr[data-element="notice_split"] [data-property="incoming"]')
    expect(incoming.locator(".old-value")).to_have_text("flow_set_public_notice_to_notice_split")
    expect(incoming.locator(".new-value")).to_have_text("flow_confirm_notice_to_notice_split")
    expect(page.get_by_test_id("diff-forms")).to_contain_text("公示渠道")
    row = page.locator('[data-row="rule_small_micro_count"]')
    expect(row.locator(".old-value").first).to_have_text('"≥ 40 家"')
    expect(row.locator(".new-value").first).to_have_text('"≥ 30 家"')
    expect(page.get_by_test_id("diff-legend")).to_contain_text("新增")
    before = _view(page, "#diff-old")
    new.hover()
    page.mouse.wheel(0, 200)  # scrolling one diagram moves the other along
    page.wait_for_function(SAME_VIEW)
    page.wait_for_timeout(1000)  # and the echo of the move settles without drifting
    assert page.evaluate(SAME_VIEW)
    assert max(abs(a - b) for a, b in zip(_view(page, "#diff-old"), before, strict=True)) > 1
    # nothing scrolls sideways, on a phone either
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[device]
    snap(page, f"version-diff-{device}")
