"""Showing form definitions and case values in the user's language (Jinja globals)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import Flask
from flask_babel import gettext as _
from markupsafe import Markup

from app.formdefs.conditions import visible_in_data
from app.web.i18n import current_lang


def _get(obj, name: str, default=None):
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _option(spec, name: str, default=None):
    if hasattr(spec, "option"):
        return spec.option(name, default)
    return _get(spec, name, default)


def text_of(obj, name: str = "label") -> str:
    """Return obj.<name>_en for English users when present, else obj.<name>."""
    if obj is None:
        return ""
    if hasattr(obj, f"{name}_for"):
        return getattr(obj, f"{name}_for")(current_lang())
    english = _get(obj, f"{name}_en") if current_lang() == "en" else None
    return english or _get(obj, name) or ""


def choice_options(spec, choices: Mapping | None = None) -> list[tuple[str, str]]:
    """Return [(value, label)] of a select / multiselect field in the user's language."""
    source = _option(spec, "choices_from")
    if source:
        return [(str(v), str(label)) for v, label in (choices or {}).get(source, [])]
    return [(str(_get(c, "value")), text_of(c)) for c in _option(spec, "choices") or []]


def choice_label(spec, value, choices: Mapping | None = None) -> str:
    """Return the label of `value` among the field's choices (the value itself if unknown)."""
    for option, label in choice_options(spec, choices):
        if option == str(value):
            return label
    return str(value)


def scalar(spec, value, choices: Mapping | None = None) -> str:
    """Return a non-file, non-table value as text."""
    kind = _get(spec, "type")
    if value is None or value == "" or value == []:
        return "—"
    if kind == "boolean" or isinstance(value, bool):
        return _("Yes") if value else _("No")
    if kind == "select":
        return choice_label(spec, value, choices)
    if kind == "multiselect" and isinstance(value, list):
        return "、".join(choice_label(spec, v, choices) for v in value) if current_lang() == "zh" \
            else ", ".join(choice_label(spec, v, choices) for v in value)
    if kind == "percent":
        return f"{value} %"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def visible_fields(form, values: Mapping) -> list:
    """Return the fields of `form` stored in `values` whose show_if holds."""
    names = visible_in_data(form, values)
    return [f for f in form.fields if f.name in names and f.name in values]


@dataclass
class FieldGroup:
    """The shown fields of one section of a form, and the correction marks among them."""

    title: str
    fields: list
    marks: dict = field(default_factory=dict)  # field name: corrections.Round.marks kind

    def count(self, kind: str) -> int:
        """Return how many of the fields are marked `kind`."""
        return list(self.marks.values()).count(kind)


def field_groups(form, values: Mapping, marks: Mapping | None = None) -> list[FieldGroup]:
    """Return the shown fields of `form` in `values` grouped by the form's sections (one
    untitled group when it declares none), each with the `marks` of its fields."""
    shown = visible_fields(form, values)
    sections = getattr(form, "sections", ()) or ()
    if not sections:
        return [FieldGroup("", shown, _marks_of(shown, marks))]
    by_name = {f.name: f for f in shown}
    groups = [[by_name[n] for n in s.fields if n in by_name] for s in sections]
    return [FieldGroup(text_of(s, "title"), specs, _marks_of(specs, marks))
            for s, specs in zip(sections, groups, strict=True) if specs]


def _marks_of(specs: list, marks: Mapping | None) -> dict:
    return {f.name: marks[f.name] for f in specs if marks and f.name in marks}


def script_xml(text: str) -> Markup:
    """Return XML to embed raw in a <script type="text/xml">: only "</script" must not occur."""
    return Markup(re.sub(r"</(script)", r"&lt;/\1", text or "", flags=re.IGNORECASE))


FORMS_CHANGED = re.compile(r"forms (?P<forms>.+) changed with (?P<key>\S+) v(?P<version>\d+)")


def version_note(note: str) -> str:
    """Return a version's note in the page's language when the product wrote it itself."""
    if note == "loaded from processes/":
        return _("Loaded from the files in processes/")
    found = FORMS_CHANGED.fullmatch(note or "")
    if found:
        return _("Forms %(forms)s changed with %(key)s v%(version)s", **found.groupdict())
    return note


def register(app: Flask) -> None:
    """Make the helpers available to every template."""
    app.jinja_env.globals.update(text_of=text_of, choice_options=choice_options,
                                 choice_label=choice_label, scalar=scalar,
                                 visible_fields=visible_fields,
                                 field_groups=field_groups)
    app.add_template_filter(script_xml, "script_xml")
    app.add_template_filter(version_note, "version_note")
