"""What a form definition may say: the keys of each field type, their value checks, name rules.

Every check returns a message id (English, marked with N_) or None; the parameters `key`,
`type`, `name` and `field` are filled in by the caller.
"""

from __future__ import annotations

import builtins
import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import wtforms

from app.errors import N_

if TYPE_CHECKING:
    from app.formdefs.definition import FieldDef

Check = Callable[[object, str], "str | None"]  # (value, field type) -> message id or None

NAME = re.compile(r"[a-z][a-z0-9_]*")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EXTENSION = re.compile(r"[a-z0-9]+")
DATA_PATH = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*")  # notice.notice_start

BUILTINS = frozenset(dir(builtins))
# The script sandbox's helpers (app/engine/sandbox.py): a data name equal to one would shadow it.
HELPERS = frozenset({"today", "add_days", "add_years", "add_working_days", "end_of_day",
                     "start_of_year", "is_working_day"})
# SpiffWorkflow's serializer marks its own objects with a "typename" key inside task data.
ENGINE_NAMES = frozenset({"typename"})
# Attributes and constructor arguments of WTForms / Flask-WTF forms: a field of such a name
# would replace them; validate_<x> and filter_<x> would be taken as inline validators/filters.
FORM_ATTRIBUTES = frozenset(
    {n for n in dir(wtforms.Form) if not n.startswith("_")}
    | {"hidden_tag", "is_submitted", "validate_on_submit", "csrf_token", "formdata", "obj",
       "prefix", "data", "meta", "extra_filters"})
RESERVED_PREFIXES = ("validate_", "filter_")

NAME_RULES: tuple[tuple[Callable[[str], bool], str], ...] = (
    (lambda n: not NAME.fullmatch(n), N_("the field name %(name)s must match [a-z][a-z0-9_]*")),
    (lambda n: n in BUILTINS,
     N_("the field name %(name)s is a Python builtin; scripts could not use it")),
    (lambda n: n in ENGINE_NAMES, N_("the field name %(name)s is reserved by the workflow engine")),
    (lambda n: n in HELPERS, N_("the field name %(name)s is a script helper function")),
    (lambda n: n in FORM_ATTRIBUTES or n.startswith(RESERVED_PREFIXES),
     N_("the field name %(name)s is reserved by the form library")),
)

# correctable: the fields and materials of the applicant's form a review may mark for
# correction (a form with `corrects`, docs/FORMS.md "Correction")
CHOICE_SOURCES = frozenset({"counties", "experts", "correctable"})
FORMATS = frozenset({"credit_code"})
# docs/FORMS.md: the file types and size an attachment may have unless the form says otherwise.
DEFAULT_ACCEPT = ["pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx"]
DEFAULT_MAX_SIZE_MB = 20
# docs/FORMS.md "Limits": what a field holds at most unless the form says otherwise, and the
# most a form may allow. Without a bound a 20,000-row staff list was stored and its case page
# then took seconds to build; 200 rows cover the longest real lists (a base's staff, partner
# agencies, yearly figures), and a roster that needs more sets max_rows up to the cap.
DEFAULT_MAX_ROWS = 200
MAX_ROWS_CAP = 1000
DEFAULT_MAX_LENGTH = {"text": 200, "textarea": 2000, "list": 200}  # list: of each item
MAX_LENGTH_CAP = 20_000
# A list of short texts (credit codes of related entities, ...): 100 items unless the form
# says otherwise, at most 1000, as for tables.
DEFAULT_MAX_ITEMS = 100
MAX_ITEMS_CAP = 1000
CAPS = {"min_rows": MAX_ROWS_CAP, "max_rows": MAX_ROWS_CAP,
        "min_length": MAX_LENGTH_CAP, "max_length": MAX_LENGTH_CAP,
        "min_items": MAX_ITEMS_CAP, "max_items": MAX_ITEMS_CAP}
# The controlling field of a show_if and the Python type its values must have.
CONTROLLER_TYPES = {"select": str, "boolean": bool, "text": str}


@dataclass(frozen=True)
class TypeRules:
    """The keys a field type accepts, those it needs, its defaults, whether tables may hold it."""

    keys: frozenset[str]
    needs: tuple[str, ...] = ()
    defaults: dict = field(default_factory=dict)
    in_tables: bool = True


COMMON_KEYS = frozenset({"name", "type", "label", "label_en", "help", "help_en", "required",
                         "show_if"})
_TEXT = frozenset({"min_length", "max_length", "pattern", "pattern_message",
                   "pattern_message_en", "format", "prefill"})
# a list's rules apply to each item; min_length is left out since empty items are dropped
_LIST = frozenset({"max_length", "pattern", "pattern_message", "pattern_message_en", "format",
                   "min_items", "max_items"})
_RANGE = frozenset({"min", "max"})
_CHOICE = frozenset({"choices", "choices_from", "prefill"})
# What a field may be pre-filled with from the applicant's registration (docs/FORMS.md).
PREFILL_SOURCES = ("organisation", "credit_code", "county", "contact_name", "contact_phone")

TYPES: dict[str, TypeRules] = {
    "text": TypeRules(_TEXT),
    "textarea": TypeRules(_TEXT),
    "integer": TypeRules(_RANGE),
    "decimal": TypeRules(_RANGE),
    "percent": TypeRules(_RANGE, defaults={"min": 0, "max": 100}),
    "date": TypeRules(_RANGE | {"min_from", "max_from"}),
    "select": TypeRules(_CHOICE),
    "multiselect": TypeRules(_CHOICE | {"min_choices", "max_choices"}),
    "boolean": TypeRules(frozenset()),
    "list": TypeRules(_LIST, in_tables=False),
    "file": TypeRules(frozenset({"accept", "max_size_mb", "max_files"}), in_tables=False,
                      defaults={"accept": DEFAULT_ACCEPT, "max_size_mb": DEFAULT_MAX_SIZE_MB}),
    "table": TypeRules(frozenset({"columns", "min_rows", "max_rows", "min_rows_from"}),
                       needs=("columns",),
                       in_tables=False),
}


def name_problem(name) -> str | None:
    """Return the message id of the first naming rule `name` breaks, or None."""
    if not isinstance(name, str):
        return N_("the field name %(name)s must be text")
    for broken, problem in NAME_RULES:
        if broken(name):
            return problem
    return None


# ------------------------------------------------------------------------------ values


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return _is_int(value) or (isinstance(value, float) and math.isfinite(value))


def _text(value, _type: str) -> str | None:
    return None if isinstance(value, str) else N_("%(key)s must be text")


def _label(value, _type: str) -> str | None:
    ok = isinstance(value, str) and value.strip()
    return None if ok else N_("%(key)s must be a non-empty text")


def _flag(value, _type: str) -> str | None:
    return None if isinstance(value, bool) else N_("%(key)s must be true or false")


def _count(value, _type: str) -> str | None:
    ok = _is_int(value) and value >= 0
    return None if ok else N_("%(key)s must be a whole number, 0 or more")


def _capped(cap: int) -> Check:
    def check(value, _type: str) -> str | None:
        ok = _is_int(value) and 0 <= value <= cap
        return None if ok else N_("%(key)s must be a whole number from 0 to %(most)s")
    return check


def _positive(value, _type: str) -> str | None:
    ok = _is_int(value) and value >= 1
    return None if ok else N_("%(key)s must be a whole number, 1 or more")


def _positive_number(value, _type: str) -> str | None:
    return None if _is_number(value) and value > 0 else N_("%(key)s must be a number above 0")


def _identifier(value, _type: str) -> str | None:
    ok = isinstance(value, str) and NAME.fullmatch(value)
    return None if ok else N_("%(key)s must match [a-z][a-z0-9_]*")


def _names(value, _type: str) -> str | None:
    ok = isinstance(value, list) and all(isinstance(v, str) and v for v in value)
    return None if ok else N_("%(key)s must be a list of names")


def _regex(value, _type: str) -> str | None:
    try:
        re.compile(value)
    except (re.error, TypeError):
        return N_("%(key)s must be a valid regular expression")
    return None


def _format(value, _type: str) -> str | None:
    return None if value in FORMATS else N_("%(key)s must be credit_code")


def _choice_source(value, _type: str) -> str | None:
    return None if value in CHOICE_SOURCES else N_("%(key)s must be counties, experts or "
                                                   "correctable")


def as_date(value) -> dt.date | None:
    """Return `value` (a date or an ISO "YYYY-MM-DD" string) as a date, or None if it is neither."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


_BOUND_CHECKS: dict[str, tuple[Callable[[object], bool], str]] = {
    "date": (lambda v: as_date(v) is not None,
             N_("%(key)s of a date field must be an ISO date such as 2026-01-31")),
    "integer": (_is_int, N_("%(key)s of an integer field must be a whole number")),
}


def _bound(value, ftype: str) -> str | None:
    valid, problem = _BOUND_CHECKS.get(ftype, (_is_number, N_("%(key)s must be a number")))
    return None if valid(value) else problem


def _choice_ok(item) -> bool:
    return (isinstance(item, dict) and not item.keys() - {"value", "label", "label_en"}
            and isinstance(item.get("value"), str) and bool(item["value"])
            and isinstance(item.get("label"), str) and bool(item["label"].strip())
            and isinstance(item.get("label_en", ""), str))


def _choices(value, _type: str) -> str | None:
    if not isinstance(value, list) or not value or not all(map(_choice_ok, value)):
        return N_("choices must be a non-empty list of {value, label, label_en} with text values "
                  "(quote yes, no, on, off)")
    values = [item["value"] for item in value]
    return None if len(set(values)) == len(values) else N_("choice values must be unique")


def _extensions(value, _type: str) -> str | None:
    ok = (isinstance(value, list) and value
          and all(isinstance(v, str) and EXTENSION.fullmatch(v) for v in value))
    return None if ok else N_("%(key)s must be a list of lower-case file extensions without dots")


def _condition(value, _type: str) -> str | None:
    problem = N_("show_if must be {field: F, in: [values]} or {field: F, equals: value}")
    if not isinstance(value, dict) or not isinstance(value.get("field"), str) or len(value) != 2:
        return problem
    if "in" in value:
        return None if isinstance(value["in"], list) and value["in"] else problem
    if "equals" in value:
        return None if not isinstance(value["equals"], (list, dict)) else problem
    return problem


def _data_path(value, _type: str) -> str | None:
    ok = isinstance(value, str) and DATA_PATH.fullmatch(value)
    return None if ok else N_("%(key)s must be a dotted path into the case data, such as "
                              "notice.notice_start")


def _prefill(value, _type: str) -> str | None:
    if value in PREFILL_SOURCES:
        return None
    return N_("prefill must be one of: organisation, credit_code, county, contact_name, "
              "contact_phone")


ROW_MINIMUM_TEXTS = ("text", "text_en", "message", "message_en")


def _row_minimum(value, _type: str) -> str | None:
    """min_rows_from (formdefs/row_minimum.py): a data path, a share of it and its texts."""
    problem = N_("min_rows_from must be {path, percent, at_least, when, text, message} with a "
                 "dotted path into the case data, a percent above 0 and a whole at_least")
    if not isinstance(value, dict) or _data_path(value.get("path"), _type) \
            or value.keys() - {"path", "percent", "at_least", "when", *ROW_MINIMUM_TEXTS}:
        return problem
    if "percent" in value and _positive_number(value["percent"], _type):
        return problem
    if "at_least" in value and _capped(MAX_ROWS_CAP)(value["at_least"], _type):
        return problem
    if "when" in value and _condition(value["when"], _type):
        return N_("min_rows_from: when must be {field: F, in: [values]} or {field: F, equals: "
                  "value}")
    if any(not isinstance(value.get(k, ""), str) for k in ROW_MINIMUM_TEXTS):
        return problem
    return None


def _anything(_value, _type: str) -> str | None:
    return None


KEY_CHECKS: dict[str, Check] = {
    "label": _label, "label_en": _text, "help": _text, "help_en": _text, "required": _flag,
    "min_length": _capped(MAX_LENGTH_CAP), "max_length": _capped(MAX_LENGTH_CAP),
    "pattern": _regex, "pattern_message": _text,
    "pattern_message_en": _text, "format": _format, "min": _bound, "max": _bound,
    "choices": _choices, "choices_from": _choice_source, "min_choices": _count,
    "max_choices": _count, "accept": _extensions, "max_size_mb": _positive_number,
    "max_files": _positive, "min_rows": _capped(MAX_ROWS_CAP),
    "max_rows": _capped(MAX_ROWS_CAP), "min_items": _capped(MAX_ITEMS_CAP),
    "max_items": _capped(MAX_ITEMS_CAP), "show_if": _condition, "min_from": _data_path,
    "max_from": _data_path, "min_rows_from": _row_minimum, "prefill": _prefill,
}
FORM_KEYS: dict[str, Check] = {"key": _identifier, "title": _label, "title_en": _text,
                               "show_data": _names, "fields": _anything, "corrects": _identifier,
                               "sections": _anything}  # checked by formdefs.sections
REQUIRED_FORM_KEYS = ("key", "title")  # a missing `fields` is reported by the field parser

# ------------------------------------------------------------------------------ combinations

RANGE_PAIRS = (("min", "max"), ("min_length", "max_length"), ("min_choices", "max_choices"),
               ("min_rows", "max_rows"), ("min_items", "max_items"))


def _comparable(value, ftype: str):
    if ftype == "date":
        return as_date(value)
    return value if _is_number(value) else None


def _range_problems(raw: dict, ftype: str) -> list[tuple[str, dict]]:
    found = []
    for low, high in RANGE_PAIRS:
        pair = (_comparable(raw.get(low), ftype), _comparable(raw.get(high), ftype))
        if None not in pair and pair[0] > pair[1]:
            found.append((N_("%(low)s must not be greater than %(high)s"),
                          {"low": low, "high": high}))
    return found


def _choice_problems(raw: dict, ftype: str) -> list[tuple[str, dict]]:
    sources = ("choices" in raw) + ("choices_from" in raw)
    if sources != 1:
        return [(N_("a %(type)s field needs either choices or choices_from"), {"type": ftype})]
    count = len(raw["choices"]) if isinstance(raw.get("choices"), list) else None
    least = raw.get("min_choices")
    if count is not None and _is_int(least) and least > count:
        return [(N_("min_choices is larger than the number of choices"), {})]
    return []


_TYPE_PROBLEMS: dict[str, Callable[[dict, str], list[tuple[str, dict]]]] = {
    "select": _choice_problems, "multiselect": _choice_problems,
}


def cross_problems(raw: dict, ftype: str) -> list[tuple[str, dict]]:
    """Return (message id, params) for keys that contradict each other (min above max, ...)."""
    extra = _TYPE_PROBLEMS.get(ftype, lambda _raw, _ftype: [])
    return _range_problems(raw, ftype) + extra(raw, ftype)


def normalised_bounds(options: dict, ftype: str) -> dict:
    """Return min/max of a date field as ISO strings (YAML reads unquoted dates as dates)."""
    if ftype != "date":
        return {}
    return {k: as_date(options[k]).isoformat() for k in ("min", "max") if k in options}


def _limits(ftype: str) -> list[tuple[str, str, int]]:
    limits = [("min_length", "max_length", DEFAULT_MAX_LENGTH[ftype])] \
        if ftype in DEFAULT_MAX_LENGTH else []
    if ftype == "table":
        limits.append(("min_rows", "max_rows", DEFAULT_MAX_ROWS))
    if ftype == "list":
        limits.append(("min_items", "max_items", DEFAULT_MAX_ITEMS))
    return limits


def default_limits(options: dict, ftype: str) -> dict:
    """Return max_length / max_rows / max_items defaults for a field that sets none (never below
    its min)."""
    return {most: max(default, options.get(least) or 0)
            for least, most, default in _limits(ftype) if options.get(most) is None}


def condition_problem(condition: dict, controller: FieldDef | None) -> str | None:
    """Return the message id of what is wrong with a show_if on `controller`, or None."""
    if controller is None:
        return N_("show_if refers to %(field)s, which is not a field above this one")
    expected = CONTROLLER_TYPES.get(controller.type)
    if expected is None:
        return N_("show_if may only depend on a select, boolean or text field, "
                  "and %(field)s is none of these")
    values = condition["in"] if "in" in condition else [condition["equals"]]
    if not all(type(value) is expected for value in values):
        return N_("the show_if values do not fit the type of %(field)s")
    static = controller.options.get("choices")
    if static and not set(values) <= {choice["value"] for choice in static}:
        return N_("show_if uses a value that is not a choice of %(field)s")
    return None
