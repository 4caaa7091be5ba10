"""Form values as case data stores them (docs/FORMS.md "Values in case data"), both ways.

An optional field left empty is stored as null, except text (""), multiselect, list, file
and table ([]) and boolean (false).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from app.formdefs import fields as f_
from app.formdefs.conditions import visible_names
from app.formdefs.definition import FieldDef, FormDef

Cleaner = Callable[[FieldDef, object], object]  # (field, bound WTForms field) -> stored value


def _text(_field: FieldDef, bound) -> str:
    return bound.data or ""


def _choice(_field: FieldDef, bound) -> str | None:
    return bound.data or None


def _integer(_field: FieldDef, bound) -> int | None:
    return bound.data


def _decimal(_field: FieldDef, bound) -> str | None:
    return None if bound.data is None else f_.decimal_text(bound.data)


def _date(_field: FieldDef, bound) -> str | None:
    return None if bound.data is None else bound.data.isoformat()


def _list(_field: FieldDef, bound) -> list[str]:
    return list(bound.data or [])


def _boolean(_field: FieldDef, bound) -> bool:
    return bool(bound.data)


def _rows(field: FieldDef, bound) -> list[dict]:
    return [{column.name: CLEANERS[column.type](column, entry.form[column.name])
             for column in field.columns}
            for entry in bound.filled_entries()]


CLEANERS: dict[str, Cleaner] = {
    "text": _text, "textarea": _text, "select": _choice, "integer": _integer,
    "decimal": _decimal, "percent": _decimal, "date": _date, "multiselect": _list,
    "boolean": _boolean, "file": _list, "table": _rows, "list": _list,
}


def form_data(form_instance, form: FormDef) -> dict:
    """Return the typed values of a validated form instance, without fields hidden by show_if."""
    shown = visible_names(form, lambda name: form_instance[name].data)
    return {field.name: CLEANERS[field.type](field, form_instance[field.name])
            for field in form.fields if field.name in shown}


# ------------------------------------------------------------------------------ pre-filling

TRUE_WORDS = frozenset({"y", "yes", "true", "on", "1"})


def _as_text(_field: FieldDef, value) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeError(value)
    return str(value)


def _as_integer(_field: FieldDef, value) -> int:
    return f_.to_integer(value)


def _as_decimal(_field: FieldDef, value) -> str:
    return f_.decimal_text(f_.to_decimal(value))


def _as_date(_field: FieldDef, value) -> str:
    return f_.to_date(value).isoformat()


def _as_strings(_field: FieldDef, value) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise TypeError(value)
    return f_.unique(values)


def _as_ids(_field: FieldDef, value) -> list[str]:
    return f_.to_ids(value)


def _as_boolean(_field: FieldDef, value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in TRUE_WORDS
    raise TypeError(value)


def _as_rows(field: FieldDef, value) -> list[dict]:
    if not isinstance(value, (list, tuple)):
        raise TypeError(value)
    return [_known_values(field.columns, row) for row in value if isinstance(row, Mapping)]


PREFILLERS: dict[str, Cleaner] = {
    "text": _as_text, "textarea": _as_text, "select": _as_text, "integer": _as_integer,
    "decimal": _as_decimal, "percent": _as_decimal, "date": _as_date,
    "multiselect": _as_strings, "boolean": _as_boolean, "file": _as_ids, "table": _as_rows,
    "list": _as_strings,
}


def _prefill(field: FieldDef, value):
    if value is None:
        return None
    try:
        return PREFILLERS[field.type](field, value)
    except (TypeError, ValueError, ArithmeticError):
        return None  # a value that no longer fits the form is not offered


def _known_values(fields: tuple[FieldDef, ...], data: Mapping) -> dict:
    values = {field.name: _prefill(field, data.get(field.name)) for field in fields}
    return {name: value for name, value in values.items() if value is not None}


def default_values(form: FormDef, data: Mapping | None) -> dict:
    """Return the values of `data` that fit `form`'s fields, as stored in case data, to pre-fill it.

    Unknown keys and values that no longer fit a field are left out. The result can be shown
    by the JSON API and passed as `data=` to a class from build_form_class.
    """
    return _known_values(form.fields, data if isinstance(data, Mapping) else {})
