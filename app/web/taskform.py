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
