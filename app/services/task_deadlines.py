"""A work item's deadline as the person doing it reads it: the working days left (or late)
and the rule that sets it.

The rule is the user task's `dueRule` property in the process file: the clause that sets
the deadline, or a deadline the product adds, labelled 产品默认 (docs/PROCESSES.md); its
English text is the task's attribute `en:dueRule`, beside its `en:name`. The
count is calendar_days.working_days_left, the one working-day computation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

from app import calendar
from app.models import WorkItem
from app.services import calendar_days, element_names

# "Due soon": within this many working days, today counted (the worklist's filter and badge).
SOON_WORKING_DAYS = 3
RULE_PROPERTY = "dueRule"
ENGLISH_RULE = f"{{{element_names.LANGUAGE_NS}}}dueRule"


@dataclass(frozen=True)
class Deadline:
    """A deadline read at one instant: the working days left (the last day counted) or, once
    passed, the working days late (0 while only non-working days have passed)."""

    due_at: dt.datetime | None
    days: int | None  # left; negative: late
    rule: str
    passed: bool = False

    @property
    def state(self) -> str:
        """Return "none", "overdue", "soon" (within SOON_WORKING_DAYS) or "open"."""
        if self.days is None:
            return "none"
        if self.passed:
            return "overdue"
        return "soon" if self.days <= SOON_WORKING_DAYS else "open"

    @property
    def late(self) -> int:
        """Return the working days late (0 before the deadline)."""
        return -self.days if self.passed and self.days else 0


def deadline(due_at: dt.datetime | None, now: dt.datetime, rule: str = "",
             known: calendar.Overrides | None = None) -> Deadline:
    """Return the deadline `due_at` (or none) read at `now`, with the rule that sets it."""
    if due_at is None:
        return Deadline(None, None, rule)
    days = calendar_days.working_days_left(due_at, now, known)
    return Deadline(due_at, days, rule, passed=due_at <= now)


def of_item(item: WorkItem, now: dt.datetime,
            known: calendar.Overrides | None = None) -> Deadline:
    """Return the deadline of work item `item` read at `now`."""
    return deadline(item.due_at, now, rule_of(item) if item.due_at else "", known)


def soon_until(now: dt.datetime, known: calendar.Overrides | None = None) -> dt.datetime:
    """Return the instant the SOON_WORKING_DAYS-th working day from today (counted) ends."""
    known = calendar_days.overrides() if known is None else known
    today = now.astimezone(calendar.SHANGHAI).date()
    return calendar.working_period_end(today, SOON_WORKING_DAYS, known)


def rule_of(item: WorkItem, lang: str = "zh") -> str:
    """Return the rule that sets `item`'s deadline in `lang` (the Chinese one when it has no
    English text), "" when its process names none."""
    version = item.case.process_version
    zh, en = _rules(version.id, version.bpmn).get(item.name, ("", ""))
    return (en if lang == "en" else "") or zh


@lru_cache(maxsize=64)
def _rules(version_id: int, bpmn: str) -> dict[str, tuple[str, str]]:
    """{user task id: its dueRule and the rule's English text} of a BPMN text (a published
    version never changes)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:  # a parser per call: lxml parsers are not to be shared between threads
        root = etree.fromstring(bpmn.encode("utf-8"), parser)
    except etree.XMLSyntaxError:
        return {}
    rules = {}
    for task in root.iter("{*}userTask"):
        for prop in task.iter("{*}property"):
            if prop.get("name") == RULE_PROPERTY and prop.get("value", "").strip():
                rules[task.get("id")] = (prop.get("value").strip(),
                                         (task.get(ENGLISH_RULE) or "").strip())
    return rules
