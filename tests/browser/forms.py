"""Fill a generated task form in the browser as a person would: by the labels of forms/<key>.yaml.

Every control is found by its visible label (`get_by_label`), tables by their fieldset
legend (`get_by_role("group")`), table cells by their per-row label, files through the
page's upload control with a real PDF. That the locators work proves the labels are
wired to the controls.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import yaml
from playwright.sync_api import Locator, Page, expect

from app.config import ROOT
from tests.browser.support import field, label_pattern

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@cache
def definition(form_key: str) -> dict:
    """Return forms/<form_key>.yaml as loaded YAML."""
    return yaml.safe_load((ROOT / "forms" / f"{form_key}.yaml").read_text(encoding="utf-8"))


def spec(form_key: str, name: str) -> dict:
    """Return the definition of field `name` of form `form_key`."""
    return next(f for f in definition(form_key)["fields"] if f["name"] == name)


def label(form_key: str, name: str) -> str:
    """Return the Chinese label of field `name` of form `form_key`."""
    return spec(form_key, name)["label"]


@cache
def run_time_choices(jurisdiction: str = "kunming") -> dict[str, str]:
    """Return value -> label of the run-time choice lists (counties, experts) of meta.yaml."""
    meta = yaml.safe_load((ROOT / "processes" / jurisdiction / "meta.yaml").read_text("utf-8"))
    counties = {c["code"]: c["name"] for c in meta["counties"]}
    experts = {u["username"]: u["name"] for u in meta["demo_users"] if u["role"] == "expert"}
    return {**counties, **experts}


def choice_label(field_spec: Mapping, value: str) -> str:
    """Return the visible label of `value` among the field's own or run-time choices."""
    if "choices" not in field_spec:
        return run_time_choices()[value]
    return next(c["label"] for c in field_spec["choices"] if c["value"] == value)


def task_form(page: Page) -> Locator:
    """Return the generated form of a task page, once its script has run: the deferred script
    that wires the file pickers and the conditions runs before the document counts as loaded,
    and a page opened by a click may show its fields before that (a file chosen then would
    never be uploaded)."""
    page.wait_for_load_state("domcontentloaded")
    return page.locator("form[data-task-form]")


def write_pdf(folder: Path, name: str = "申报材料.pdf") -> Path:
    """Write a small real PDF file and return its path."""
    path = folder / name
    path.write_bytes(PDF)
    return path


# --- one filler per field type ------------------------------------------------------------------

def _set(control: Locator, field_spec: Mapping, value) -> None:
    """Set one control: a select by its visible option, a checkbox, or typed text."""
    if field_spec["type"] == "select":
        control.select_option(label=choice_label(field_spec, value))
    elif field_spec["type"] == "boolean":
        control.set_checked(bool(value))
    else:
        control.fill(str(value))


def _scalar(scope: Locator, field_spec: Mapping, value, pdf: Path | None) -> None:
    _set(field(scope, field_spec["label"]), field_spec, value)


def _multiselect(scope: Locator, field_spec: Mapping, values, pdf: Path | None) -> None:
    group = scope.get_by_role("group", name=label_pattern(field_spec["label"]))
    for value in values:
        group.get_by_label(choice_label(field_spec, value), exact=True).check()


def cell(row: Locator, column_label: str) -> Locator:
    """Return the control of a table row labelled "<column> (第 n 行)"."""
    return row.get_by_label(re.compile(r"^" + re.escape(column_label) + r" \(第 \d+ 行\)$"))


def table_rows(scope: Locator, table_label: str) -> tuple[Locator, Locator]:
    """Return (the table's group, its body rows)."""
    group = scope.get_by_role("group", name=label_pattern(table_label))
    return group, group.locator("tbody tr")


def _table(scope: Locator, field_spec: Mapping, rows: list, pdf: Path | None) -> None:
    group, body = table_rows(scope, field_spec["label"])
    while body.count() < len(rows):
        count = body.count()
        group.get_by_role("button", name="添加一行").click()
        expect(body).to_have_count(count + 1)
    columns = {c["name"]: c for c in field_spec["columns"]}
    for index, values in enumerate(rows):
        for name, value in values.items():
            _set(cell(body.nth(index), columns[name]["label"]), columns[name], value)


def upload(scope: Locator, field_spec: Mapping, path: Path) -> None:
    """Upload `path` through the field's file picker; wait until the page lists it."""
    field(scope, field_spec["label"]).set_input_files(str(path))
    box = scope.locator(f'[data-field="{field_spec["name"]}"]')
    expect(box.get_by_role("status")).to_contain_text("已上传")
    expect(box.get_by_role("listitem").filter(has_text=path.name)).to_be_visible()


def _file(scope: Locator, field_spec: Mapping, value, pdf: Path | None) -> None:
    if value:
        upload(scope, field_spec, pdf)


FILLERS = {"file": _file, "table": _table, "multiselect": _multiselect}


def reveal(scope: Locator, name: str) -> None:
    """Open the step (section) of a form in steps that holds field `name`, as a person clicks
    its name in the step list; a form without steps shows every field already."""
    section = scope.locator(f'[data-section]:has([data-field="{name}"])')
    if section.count():  # the page script shows one step at a time once it has run
        expect(scope).to_have_class(re.compile(r"\bjs-steps\b"))
    if section.count() and section.is_hidden():
        step = section.get_attribute("data-section")
        scope.locator(f'[data-form-steps] [data-step-link="{step}"]').click()
        expect(section).to_be_visible()


def fill_form(page: Page, form_key: str, data: Mapping, pdf: Path | None = None) -> None:
    """Fill the task form `form_key` with `data` (case-data values; a file field gets `pdf`)."""
    scope = task_form(page)
    for name, value in data.items():
        field_spec = spec(form_key, name)
        reveal(scope, name)
        FILLERS.get(field_spec["type"], _scalar)(scope, field_spec, value, pdf)


def submit(page: Page) -> None:
    """Press 提交 and expect the success message."""
    task_form(page).get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_test_id("flash-success")).to_contain_text("提交成功")
