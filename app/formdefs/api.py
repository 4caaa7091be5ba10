"""Validating a JSON object with the same WTForms class the web page uses.

The JSON is turned into form data (a table row's cell becomes `rows-0-col`), validated, and
the errors are named JSON-style: `field`, `table[2].column` (0-based position in the list
sent), `table` for the row count.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal

import wtforms

from app.errors import N_, Rejected
from app.formdefs import fields as f_
from app.formdefs.definition import FieldDef, FormDef
from app.formdefs.factory import Choices, build_form_class, hidden_names
from app.formdefs.messages import language, message
from app.formdefs.text_list import has_line_break
from app.formdefs.values import form_data

FORM_MESSAGE = N_("Please correct the marked fields.")


class _FormData(dict):
    """The multi-dict WTForms reads: key -> list of strings."""

    def getlist(self, key: str) -> list[str]:
        return list(self.get(key, ()))


class _WrongType(Exception):
    """A JSON value of the wrong type for its field."""


def _text(value) -> list[str]:
    if not isinstance(value, str):
        raise _WrongType
    return [value]


def _integer(value) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise _WrongType
    return [str(value)]


def _number(value) -> list[str]:
    if isinstance(value, float) and math.isfinite(value):
        return [f_.decimal_text(Decimal(repr(value)))]
    return _integer(value)


def _strings(value) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _WrongType
    return list(value)


def _boolean(value) -> list[str]:
    if not isinstance(value, bool):
        raise _WrongType
    return ["y" if value else ""]


# type -> (JSON value -> form data values, message key when the JSON type is wrong)
ENCODERS: dict[str, tuple[Callable[[object], list[str]], str]] = {
    "text": (_text, "not_text"), "textarea": (_text, "not_text"), "select": (_text, "choice"),
    "date": (_text, "date"), "integer": (_integer, "integer"), "decimal": (_number, "decimal"),
    "percent": (_number, "decimal"), "multiselect": (_strings, "not_list"),
    "file": (_strings, "not_list"), "boolean": (_boolean, "not_boolean"),
}


class _Encoding:
    """The form data being built and the JSON type errors found on the way."""

    def __init__(self, lang: str):
        self.lang = lang
        self.formdata = _FormData()
        self.reasons: list[tuple[str, str]] = []

    def reject(self, where: str, key: str) -> None:
        self.reasons.append((where, message(key, self.lang)))

    def unknown(self, where: str, data: Mapping, names: tuple[str, ...]) -> None:
        for key in sorted(map(str, data.keys() - set(names))):
            self.reject(f"{where}{key}", "unknown_field")


def _encode_value(field: FieldDef, value, key: str, where: str, out: _Encoding,
                  keep: bool = False) -> None:
    """Add a scalar or list value; `keep` adds an empty value so a table row keeps its place."""
    encode, wrong = ENCODERS[field.type]
    values: list[str] = []
    if value is not None:
        try:
            values = encode(value)
        except _WrongType:
            out.reject(where, wrong)
    if values or keep:
        out.formdata.setdefault(key, []).extend(values or [""])


def _encode_table(field: FieldDef, value, key: str, where: str, out: _Encoding,
                  keep: bool = False) -> None:
    if value is None:
        return
    if not isinstance(value, list):
        out.reject(where, "not_rows")
        return
    most = field.option("max_rows")
    if most is not None and len(value) > most:  # refused before any row is looked at
        out.reasons.append((where, message("max_rows", out.lang, max=most)))
        return
    names = tuple(column.name for column in field.columns)
    for index, row in enumerate(value):
        if not isinstance(row, Mapping):
            out.reject(f"{where}[{index}]", "not_row")
            row = {}
        out.unknown(f"{where}[{index}].", row, names)
        for column in field.columns:
            _encode_value(column, row.get(column.name), f"{key}-{index}-{column.name}",
                          f"{where}[{index}].{column.name}", out, keep=True)


def _encode_list(field: FieldDef, value, key: str, where: str, out: _Encoding) -> None:
    """Join the items with line breaks, as the web page's textarea posts them (line n is
    element n); an element that is not one line of text is refused by its position."""
    if value is None:
        return
    if not isinstance(value, list):
        out.reject(where, "not_list")
        return
    most = field.option("max_items")
    filled = sum(1 for item in value if not isinstance(item, str) or item.strip())
    if most is not None and filled > most:  # refused before any item is looked at
        out.reasons.append((where, message("max_items", out.lang, max=most)))
        return
    for position, item in enumerate(value, 1):
        problem = "not_text" if not isinstance(item, str) else (
            "item_line" if has_line_break(item) else None)
        if problem:
            out.reasons.append((where, message("list_item", out.lang, n=position,
                                               problem=message(problem, out.lang))))
    lines = [item if isinstance(item, str) and not has_line_break(item) else ""
             for item in value]
    out.formdata[key] = ["\n".join(lines)]


_STRUCTURED = {"table": _encode_table, "list": _encode_list}


def _encode(form: FormDef, data: Mapping, lang: str) -> _Encoding:
    out = _Encoding(lang)
    out.unknown("", data, form.names())
    for field in form.fields:
        encode = _STRUCTURED.get(field.type, _encode_value)
        encode(field, data.get(field.name), field.name, field.name, out)
    return out


# ------------------------------------------------------------------------------ errors


def _flatten(name: str, errors) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for position, item in enumerate(errors):
        if isinstance(item, str):
            found.append((name, item))
            continue
        for column, messages in item.items():
            found.extend(_flatten(f"{name}[{position}].{column}", messages))
    return found


def field_reasons(form_instance) -> list[tuple[str, str]]:
    """Return (field, message) for every error of a validated form instance, cells as `t[2].c`."""
    return [reason for name, errors in form_instance.errors.items()
            for reason in _flatten(name, errors)]


def _root(name: str) -> str:
    return re.split(r"[\[.]", name, maxsplit=1)[0]


def _covered(name: str, by: list[tuple[str, str]]) -> bool:
    return any(name == other or name.startswith((other + "[", other + ".")) for other, _ in by)


def validate_data(form: FormDef, data: Mapping, choices: Choices | None = None,
                  lang: str = "zh", case_data: Mapping | None = None) -> dict:
    """Return the typed clean values of a JSON object; raise Rejected listing every problem.

    `case_data` is the case's data, where min_from / max_from find their dates.
    """
    lang = language(lang)
    if not isinstance(data, Mapping):
        raise Rejected(FORM_MESSAGE, [("_", message("not_object", lang))])
    encoding = _encode(form, data, lang)
    instance = build_form_class(form, wtforms.Form, choices, lang, case_data)(
        formdata=encoding.formdata)
    instance.validate()
    hidden = hidden_names(instance)  # a hidden field's badly typed value is ignored with it
    reasons = [r for r in encoding.reasons if _root(r[0]) not in hidden]
    reasons += [r for r in field_reasons(instance) if not _covered(r[0], reasons)]
    if reasons:
        raise Rejected(FORM_MESSAGE, reasons)
    return form_data(instance, form)


def input_name(reason_field: str) -> str:
    """Return the HTML input name of an error's field: `t[2].c` -> `t-2-c`."""
    return re.sub(r"\[(\d+)\]\.?", r"-\1-", reason_field).rstrip("-")
