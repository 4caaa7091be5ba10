"""A table's computed row minimum (`min_rows_from`): how many rows the case data requires.

    min_rows_from:
      path: application.small_micro_count    # a number in the case data
      percent: 10                            # of it, rounded up (default 100)
      at_least: 1                            # never fewer (default 0)
      when: {field: decision, in: [approve]} # only while this holds (as show_if)
      text: 应抽查{min}家             # shown above the table
      message: 应抽查{min}家，本次{count}家   # the refusal
      text_en: ...   message_en: ...

So a sample that a procedure sizes from the case data (e.g. ⌈10 % of the resident
enterprises⌉) is refused before submission with the reason, instead of silently coming back.
A path that names no number sets no minimum (as `min_from` for dates); `min_rows` still
holds beside it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from wtforms.validators import ValidationError

from app.formdefs.bounds import lookup
from app.formdefs.conditions import condition_holds
from app.formdefs.definition import FieldDef

DEFAULT_TEXT = {"zh": "至少需要{min}行", "en": "At least {min} rows are needed"}
DEFAULT_MESSAGE = {"zh": "至少需要{min}行，本次{count}行。",
                   "en": "At least {min} rows are needed; {count} given."}


def required_rows(field: FieldDef, case_data: Mapping | None) -> int | None:
    """Return the rows `field` needs with `case_data`, or None when it computes no minimum."""
    rule = field.option("min_rows_from")
    if not isinstance(rule, Mapping):
        return None
    value = lookup(case_data, rule["path"])
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    share = math.ceil(value * rule.get("percent", 100) / 100 - 1e-9)
    return max(share, rule.get("at_least", 0))


def _own(rule: Mapping, key: str, lang: str, default: Mapping) -> str:
    text = rule.get(f"{key}_en") if lang == "en" else None
    return text or rule.get(key) or default[lang]


def shown_text(field: FieldDef, case_data: Mapping | None, lang: str) -> str | None:
    """Return the line shown above the table ("应抽查5家"), or None."""
    least = required_rows(field, case_data)
    if least is None:
        return None
    return _own(field.option("min_rows_from"), "text", lang, DEFAULT_TEXT).replace(
        "{min}", str(least))


def refusal(field: FieldDef, least: int, count: int, lang: str) -> str:
    """Return the message refusing `count` rows where `least` are needed."""
    text = _own(field.option("min_rows_from"), "message", lang, DEFAULT_MESSAGE)
    return text.replace("{min}", str(least)).replace("{count}", str(count))


class ComputedRows:
    """Refuses fewer filled rows than the computed minimum, while its `when` holds."""

    def __init__(self, field: FieldDef, case_data: Mapping | None, lang: str):
        self.field, self.lang = field, lang
        self.least = required_rows(field, case_data)
        self.when = field.option("min_rows_from", {}).get("when")

    def __call__(self, form, bound) -> None:
        if self.least is None:
            return
        if self.when and not (self.when["field"] in form._fields and condition_holds(
                self.when, form[self.when["field"]].data)):
            return
        count = len(bound.filled_entries())
        if count < self.least:
            raise ValidationError(refusal(self.field, self.least, count, self.lang))
