"""The generated form of a task page: built from the form definition, bound, read back."""

from __future__ import annotations

import re

from flask import request
from flask_babel import gettext
from flask_wtf import FlaskForm

from app import formdefs
from app.errors import Rejected
from app.services.task_view import TaskPage
from app.web.i18n import current_lang

CELL = re.compile(r"^([a-z][a-z0-9_]*)\[(\d+)\]\.([a-z][a-z0-9_]*)$")


def _form_class(page: TaskPage) -> type:
    return formdefs.build_form_class(page.form, FlaskForm, page.choices, current_lang(),
                                     page.case.data)


def _pad_tables(form) -> None:
    # Every table shows at least one row: the page script copies a row to add more.
    for spec in form._formdef.fields:
        if spec.type == "table" and not form[spec.name].entries:
            form[spec.name].append_entry()


def for_display(page: TaskPage):
    """Return the form pre-filled with the draft or the earlier answer."""
    form = _form_class(page)(formdata=None,
                             data=formdefs.default_values(page.form, page.initial))
    _pad_tables(form)
    return form


def from_request(page: TaskPage):
    """Return the form bound to the posted input."""
    form = _form_class(page)()
    _pad_tables(form)
    return form


def values(form, page: TaskPage) -> dict:
    """Return the typed values of the form, without fields hidden by show_if."""
    return formdefs.form_data(form, page.form)


def seen() -> str | None:
    """Return the digest of the case data the form was filled in against (hidden input)."""
    return request.form.get("seen") or None


def _cell(form, name: str):
    match = CELL.match(name)
    if not match or match[1] not in form._fields:
        return None
    entries = form[match[1]].entries
    index = int(match[2])
    if index >= len(entries) or match[3] not in entries[index].form._fields:
        return None
    return entries[index].form[match[3]]


def apply_reasons(form, error: Rejected) -> list[str]:
    """Put the service's reasons onto fields and table cells; return those that fit none."""
    leftover: list[str] = []
    for name, messages in error.by_field(gettext).items():
        target = form._fields.get(name) or _cell(form, name)
        if target is None:
            leftover.extend(messages)
        else:
            target.errors = [*target.errors, *messages]
    return leftover


def for_preview(form_def, choices: dict, lang: str):
    """Return a task form of `form_def` with empty values and no case (the form editor)."""
    form_class = formdefs.build_form_class(form_def, FlaskForm, choices, lang, {})
    form = form_class(formdata=None, data=formdefs.default_values(form_def, {}),
                      meta={"csrf": False})
    _pad_tables(form)
    return form


# ------------------------------------------------------------------ errors and sections


def _cell_errors(field, spec) -> list[tuple[str, str, str]]:
    found = []
    for row, entry in enumerate(field.entries, start=1):
        for column in spec.columns:
            cell = entry.form[column.name]
            label = gettext("%(column)s (row %(n)s)", column=column.label_for(current_lang()),
                            n=row)
            found += [(cell.id, label, message) for message in cell.errors]
    return found


def _target(field, spec) -> str:
    # What a link of the error summary moves to: the control a person types into.
    if spec.type == "file":
        return f"{field.id}-picker"
    if spec.type in ("multiselect", "table"):
        return f"field-{spec.name}"
    return field.id


def error_list(form, page: TaskPage, names=None) -> list[tuple[str, str, str]]:
    """Return (element id, label, message) of every error of the fields `names` (all by
    default), in the order of the form."""
    found: list[tuple[str, str, str]] = []
    for spec in page.form.fields:
        if names is not None and spec.name not in names:
            continue
        field = form[spec.name]
        label = spec.label_for(current_lang())
        own = [m for m in field.errors if isinstance(m, str)]
        found += [(_target(field, spec), label, message) for message in own]
        if spec.type == "table":
            found += _cell_errors(field, spec)
    return found


def check_section(form, page: TaskPage, name: str) -> list[tuple[str, str, str]]:
    """Validate the posted form, keep only the errors of section `name` on its fields and
    return them (error_list); raise KeyError for an unknown section."""
    section = page.form.section(name)
    form.validate()
    for spec in page.form.fields:
        if spec.name not in section.fields:
            form[spec.name].errors = []
            if spec.type == "table":
                for entry in form[spec.name].entries:
                    for cell in entry.form:
                        cell.errors = []
    return error_list(form, page, section.fields)


def next_section(page: TaskPage, name: str) -> str | None:
    """Return the name of the section after `name`, None after the last."""
    names = [s.name for s in page.form.sections]
    index = names.index(name) + 1
    return names[index] if index < len(names) else None
