"""补正: what a review asked the applicant to correct, and what the applicant then changed.

A review form that may return a case declares `corrects: <case-data key>` (docs/FORMS.md,
"Returns for correction"); its `corrections` table lists the marked items, each an `item`
chosen from the fields and materials of the applicant's form that fills that key
(`choices_from: correctable`) with a `note`. Everything here reads the events as the
reader may see them (services/visibility.py), so an applicant reads the notice addressed
to them and never the officials' working papers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from app import calendar
from app.errors import NotFound
from app.extensions import db
from app.formdefs import FieldDef, FormDef
from app.formdefs.definition import CORRECTIONS
from app.formdefs.messages import message
from app.models import Case, WorkItem
from app.services import calendar_days, catalog, visibility

# The fields of a review that decide it: a new round starts without them (issue: a second
# review was prefilled with the previous 退回补正).
DECISION = "decision"
RETURN = "return"  # the decision of every county review's 退回补正 (forms/*_county_review.yaml)


@dataclass
class Marked:
    """One field or material a review asked to correct."""

    name: str
    label: str
    note: str
    is_file: bool
    changed: bool | None = None  # once resubmitted: whether the applicant changed it


@dataclass
class Change:
    """One field or material the applicant changed in a resubmission."""

    spec: FieldDef
    label: str
    before: object
    after: object
    asked: bool


@dataclass
class Round:
    """One return for correction and, once there is one, the resubmission that answered it."""

    asked_at: dt.datetime
    asked_by: str  # the review's title, e.g. 县级初审
    actor: str
    asked_seq: int
    reason: str
    items: list[Marked]
    form: FormDef | None  # the applicant's form
    before: dict
    key: str = ""  # the case-data key corrected
    answered_at: dt.datetime | None = None
    answered_seq: int | None = None
    changes: list[Change] = field(default_factory=list)

    @property
    def unchanged(self) -> list[Marked]:
        """Return the marked items the resubmission left as they were."""
        return [m for m in self.items if m.changed is False]

    @property
    def marks(self) -> dict[str, str]:
        """Return {field name: "changed", "asked" or "unchanged"} to mark in the case data:
        what the resubmission changed, what is asked (no resubmission yet), and what was asked
        but the resubmission left as it was."""
        kept = "asked" if self.answered_at is None else "unchanged"
        return {m.name: kept for m in self.items if not m.changed} \
            | {c.spec.name: "changed" for c in self.changes}


@dataclass
class Notice:
    """The 补正告知 the applicant reads at the top of the reopened task."""

    round: Round
    due_at: dt.datetime | None
    working_days: int | None  # the period the procedure allows
    days_left: int | None
    rule: str  # the task's documentation: the clause, or 产品默认


def _form(case: Case, key: str | None) -> FormDef | None:
    try:
        return catalog.case_form(case, key) if key else None
    except NotFound:  # a form removed since: the round is still told, without labels
        return None


# The form of the latest task filling a key; every task page asks. Built once: building it
# cost more than running it.
_FILLING_FORM = (sa.select(WorkItem.form).where(
    WorkItem.case_id == sa.bindparam("case_id"), WorkItem.variable == sa.bindparam("key"),
    WorkItem.form.is_not(None)).order_by(WorkItem.created_at.desc()).limit(1))


def applicant_form(case: Case, key: str, items: list[WorkItem] | None = None) -> FormDef | None:
    """Return the form of the latest task of `case` that fills case-data `key`, or None;
    `items`: every work item of the case, read already."""
    if items is not None:
        filling = [i for i in items if i.variable == key and i.form is not None]
        latest = max(filling, key=lambda i: i.created_at, default=None)
        return _form(case, latest.form if latest else None)
    form_key = db.session.scalar(_FILLING_FORM, {"case_id": case.id, "key": key})
    return _form(case, form_key)


def _item_label(spec: FieldDef, lang: str) -> str:
    label = spec.label_for(lang)
    return message("material", lang, label=label) if spec.type == "file" else label


def choices(case: Case, form: FormDef | None = None, lang: str = "zh",
            items: list[WorkItem] | None = None) -> dict[str, list[tuple[str, str]]]:
    """Return {"correctable": [(field name, label)]}: the items `form` may mark, or (no form,
    or one that corrects nothing) those of the case's reviews, to label marked items; else {}.
    `items`: every work item of the case, when read already."""
    key = form.corrects if form is not None else ""
    if not key:
        if items is None:
            items = list(db.session.scalars(sa.select(WorkItem).where(
                WorkItem.case_id == case.id)))
        key = next((f.corrects for f in _review_forms(case, list(items)).values()), "")
    corrected = applicant_form(case, key, items) if key else None
    if corrected is None:
        return {}
    return {"correctable": [(s.name, _item_label(s, lang)) for s in corrected.fields]}


def fresh_decision(form: FormDef, values: Mapping) -> dict:
    """Return `values` without the decision and the fields shown by it when `form` is a
    review that `corrects` (its new round decides afresh; the other findings are kept)."""
    if not form.corrects:
        return dict(values)
    dropped = {DECISION, CORRECTIONS} | {s.name for s in form.fields
                                         if (s.show_if or {}).get("field") == DECISION}
    return {k: v for k, v in values.items() if k not in dropped}


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _same(before, after) -> bool:
    return (_empty(before) and _empty(after)) or before == after


def _marked(rows, form: FormDef | None, lang: str) -> list[Marked]:
    specs = {s.name: s for s in form.fields} if form else {}
    found = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, Mapping) or not row.get("item"):
            continue
        spec = specs.get(str(row["item"]))
        found.append(Marked(str(row["item"]), spec.label_for(lang) if spec else str(row["item"]),
                            str(row.get("note") or ""), bool(spec and spec.type == "file")))
    return found


def _answer(current: Round, data: Mapping, event, lang: str) -> None:
    current.answered_at, current.answered_seq = event.at, event.seq
    form = current.form
    for spec in form.fields if form else ():
        before, after = current.before.get(spec.name), data.get(spec.name)
        if not _same(before, after):
            current.changes.append(Change(spec, spec.label_for(lang), before, after,
                                          any(m.name == spec.name for m in current.items)))
    changed = {c.spec.name for c in current.changes}
    for mark in current.items:
        mark.changed = mark.name in changed


def _review_forms(case: Case, items: list[WorkItem]) -> dict[str, FormDef]:
    """{work item id: form} of the items whose form `corrects` some key."""
    forms = {}
    for item in items:
        form = _form(case, item.form)
        if form is not None and form.corrects:
            forms[item.id] = form
    return forms


def rounds(view: visibility.View, lang: str = "zh",
           shown: list[visibility.ShownEvent] | None = None,
           case_items: list[WorkItem] | None = None) -> list[Round]:
    """Return the case's returns for correction, oldest first, as `view`'s reader sees them
    (`shown`: visibility.events(view), `case_items`: all the case's work items, when the
    caller has them already)."""
    case = view.case
    if case_items is None:
        case_items = list(db.session.scalars(sa.select(WorkItem).where(
            WorkItem.case_id == case.id)))
    items = {i.id: i for i in case_items}
    reviews = _review_forms(case, list(items.values()))
    if not reviews:
        return []
    latest: dict[str, dict] = {}  # case-data key: the applicant's last submitted form
    found: list[Round] = []
    for seen in visibility.events(view) if shown is None else shown:
        event, item = seen.event, items.get(seen.event.task_id)
        if event.kind != "task_completed" or item is None:
            continue
        data = (seen.data or {}).get("form") or {}
        review = reviews.get(item.id)
        if review is not None and (data.get(DECISION) == RETURN or data.get(CORRECTIONS)):
            form = applicant_form(case, review.corrects)
            found.append(Round(event.at, item.title, event.actor, event.seq,
                               str(data.get("decision_reason") or ""),
                               _marked(data.get(CORRECTIONS), form, lang), form,
                               dict(latest.get(review.corrects, {})), review.corrects))
        elif found and found[-1].answered_at is None and item.variable == found[-1].key:
            _answer(found[-1], data, event, lang)
        latest[item.variable] = data
    return found


def notice(found: list[Round], item: WorkItem, now: dt.datetime) -> Notice | None:
    """Return the 补正告知 of a ready task that answers the latest of `found` (rounds()),
    or None."""
    last = found[-1] if found else None
    if item.status != "ready" or last is None or last.answered_at is not None \
            or item.variable != last.key:
        return None
    due, allowed, left = item.due_at, None, None
    if due is not None:
        known = calendar_days.overrides()
        start = last.asked_at.astimezone(calendar.SHANGHAI).date() + dt.timedelta(days=1)
        allowed = calendar.working_days_between(start, calendar_days.last_day(due), known)
        # the period runs from the day after the return: on that day, today is not counted
        left = min(calendar_days.working_days_left(due, now, known), allowed)
    return Notice(last, due, allowed, left, item.documentation or "")


def comparison(found: list[Round], item: WorkItem, form: FormDef) -> Round | None:
    """Return the answered return of `found` (rounds()) that review task `item` (of `form`)
    looks at again, with its before/after; or None."""
    last = found[-1] if found else None
    if item.status != "ready" or not form.corrects or last is None \
            or last.answered_seq is None or last.key != form.corrects:
        return None
    return last
