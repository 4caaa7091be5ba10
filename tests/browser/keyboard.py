"""Fill a generated task form with the keyboard alone: Tab from the top of the page to
提交, typing into fields, arrowing through selects, Space on check boxes and file pickers,
Enter on “添加一行” and on “下一步” in a form in steps. No click and no locator fill:
what a keyboard user can do, only."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from playwright.sync_api import Page, expect

FOCUSED = """() => { const e = document.activeElement; return {
  tag: e.tagName, type: e.type || '', name: e.name || '', id: e.id || '',
  value: e.value, checked: !!e.checked, add: e.getAttribute('data-add-row'),
  next: e.hasAttribute('data-next-section') ? e.value : '',
  rows: e.getAttribute('data-add-row') ? document.querySelectorAll('[data-rows-for="'
    + e.getAttribute('data-add-row') + '"] tbody tr[data-row]').length : 0,
  covered: (() => { const bar = document.querySelector('.form-actions');
    if (!bar || bar.contains(e)) return false;
    const r = e.getBoundingClientRect(), b = bar.getBoundingClientRect();
    // a region taller than the room above the bar (a step the page's address focuses)
    // cannot fit there; only what fits is asked to
    return r.height > 0 && r.height < b.top && r.bottom > b.top + 1 && r.top < b.bottom;
  })() }; }"""
PICKER = "-picker"
MOST_STEPS = 800


def targets(data: Mapping) -> tuple[dict, dict, set]:
    """Return ({control name: value}, {table: rows wanted}, {file fields}) of case data."""
    values, rows, files = {}, {}, set()
    for name, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], Mapping):
            rows[name] = len(value)
            for index, row in enumerate(value):
                values.update({f"{name}-{index}-{column}": cell for column, cell in row.items()})
        elif isinstance(value, list) and value == ["@file"]:
            files.add(name)
        else:
            values[name] = value
    return values, rows, files


def _type(page: Page, value) -> None:
    page.keyboard.press("Control+A")
    page.keyboard.type(str(value))


def _date(page: Page, value: str) -> None:
    # A date input takes its parts in the browser's own order (en: month, day, year; zh:
    # year, month, day), whatever the page's language: try one, then the other. Two digits
    # move on to the next part; a year needs the arrow key.
    year, month, day = value.split("-")
    for order in ((month, day, year), (year, month, day)):
        for _ in range(3):
            page.keyboard.press("ArrowLeft")
        for part in order:
            page.keyboard.type(part)
            if part is year:
                page.keyboard.press("ArrowRight")
        if page.evaluate("() => document.activeElement.value") == value:
            return


def _select(page: Page, value: str) -> None:
    for _ in range(60):
        if page.evaluate("() => document.activeElement.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no option {value!r} reached with the arrow keys")


def _box(page: Page, focused: dict, values: Mapping) -> None:
    wanted = values[focused["name"]]
    on = focused["value"] in wanted if isinstance(wanted, list) else bool(wanted)
    if on != focused["checked"]:
        page.keyboard.press("Space")


def _upload(page: Page, field_name: str) -> None:
    page.keyboard.press("Space")  # opens the file chooser, answered by fill_by_keyboard's
    box = page.locator(f'[data-field="{field_name}"]')
    expect(box.get_by_role("status")).to_contain_text("已上传")


def _enter(page: Page, focused: dict, values: Mapping) -> None:
    """Put the wanted value into the focused control."""
    value = values[focused["name"]]
    if focused["type"] == "checkbox":
        _box(page, focused, values)
    elif focused["tag"] == "SELECT":
        _select(page, str(value))
    elif focused["type"] == "date":
        _date(page, str(value))
    else:
        _type(page, value)
    shown = page.evaluate("() => document.activeElement.value")
    if focused["type"] != "checkbox":
        assert shown == str(value), f"{focused['name']}: {shown!r} instead of {value!r}"


def fill_by_keyboard(page: Page, data: Mapping, pdf: Path, submit_id: str = "submit-task") -> int:
    """Tab through the page filling `data` (case-data values, "@file" lists uploaded as
    `pdf`); press Enter on the submit button; return how many Tab presses it took."""
    values, rows, files = targets(data)
    # Answer every file chooser with the PDF; listening before the first one opens makes
    # the browser hand it over instead of showing a dialog.
    page.on("filechooser", lambda chooser: chooser.set_files(str(pdf)))
    page.locator("body").focus()
    for step in range(MOST_STEPS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        # the form's sticky action bar never hides the control the keyboard is on (asked
        # again after two frames: a status line may still be changing the bar's height)
        if focused["covered"]:
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => "
                          "requestAnimationFrame(r)))")
            focused = page.evaluate(FOCUSED)
        assert not focused["covered"], \
            f"{focused['tag']} {focused['id'] or focused['name']} is under the form's action bar"
        if focused["next"]:  # a form in steps: 下一步 checks this step and opens the next
            page.keyboard.press("Enter")
            expect(page.locator(f'[data-section="{focused["next"]}"]')).to_be_hidden()
            # the next step's page focuses its step when loaded: Tab on from there
            page.wait_for_load_state("load")
            continue
        if focused["id"] == submit_id:
            page.keyboard.press("Enter")
            return step + 1
        if focused["add"] and focused["rows"] < rows.get(focused["add"], 0):
            page.keyboard.press("Enter")  # the new row's first control takes the focus
            focused = page.evaluate(FOCUSED)
        if focused["id"].endswith(PICKER) and focused["id"][:-len(PICKER)] in files:
            _upload(page, focused["id"][:-len(PICKER)])
            files.discard(focused["id"][:-len(PICKER)])
        elif focused["name"] in values:
            _enter(page, focused, values)
    raise AssertionError(f"the submit button #{submit_id} was not reached by Tab")
