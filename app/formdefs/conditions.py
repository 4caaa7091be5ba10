"""show_if: which fields of a form exist, given the values of the fields they depend on."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from app.formdefs.definition import FormDef


def condition_values(condition: Mapping) -> list:
    """Return the values for which a show_if condition holds."""
    return list(condition["in"]) if "in" in condition else [condition["equals"]]


def condition_holds(condition: Mapping, value) -> bool:
    """Return True if `value` satisfies the show_if `condition` (1 does not equal true)."""
    return any(type(v) is type(value) and v == value for v in condition_values(condition))


def visible_names(form: FormDef, value_of: Callable[[str], object]) -> set[str]:
    """Return the names of the fields that exist; `value_of(name)` gives a field's current value.

    A field whose controlling field is itself hidden is hidden too (parse_form guarantees
    that a controlling field comes earlier, so one pass in order suffices).
    """
    shown: set[str] = set()
    for field in form.fields:
        condition = field.show_if
        if condition is None or (condition["field"] in shown
                                 and condition_holds(condition, value_of(condition["field"]))):
            shown.add(field.name)
    return shown


def visible_in_data(form: FormDef, data: Mapping) -> set[str]:
    """Return the names of the fields that exist for the stored values in `data`."""
    return visible_names(form, data.get)
