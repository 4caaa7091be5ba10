"""What each reader may see of a case: data keys, events and their fields, attachments, tasks.

Officials of the case's scope, auditors and administrators see everything. An
applicant sees its own submissions and uploads and the officials' outcomes (decision,
reason, recognition facts); never their assessments, working papers, pre-check
internals or flags, nor the experts' instances. An expert reviews independently: the
data their own forms show, their own opinions and the officials' outcomes; never
another expert's opinion, instance or upload. Every read path asks this module, so a
rule changes here or nowhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.models import Attachment, Case, Event, User, WorkItem
from app.services import access, audit, catalog

FULL_ROLES = ("county", "city", "province", "auditor", "admin")
# An official's form shows a limited reader only its outcome, the recognition facts and
# what was published anyway (the public notice is addressed to everyone). A return's
# marked items (corrections) are its notice to the applicant.
OUTCOME_KEYS = ("decision", "decision_reason", "corrections", "recognized_on", "certificate_no",
                "valid_from", "valid_until", "notice_start", "notice_url", "notice_title",
                # a revocation or cancellation is addressed to the base it concerns
                "revocation_ground", "decision_document_no", "decision_date", "plaque_recalled",
                "announcement_url", "announcement_date", "late")
# The scalar case data an applicant may read; every other scalar steers the procedure.
PUBLIC_FACTS = ("case_ref", "case_status", "jurisdiction", "parent_ref", "recognized_on",
                "certificate_no", "valid_from", "valid_until", "withdrawn_reason",
                "expired_reason", "revoked_reason", "revoked_on", "renewal_count",
                "outcome_reason")
# A follow-up case's snapshot of the base's own title (its own application and facts).
OWN_SNAPSHOTS = ("title",)
# Events whose data names no one's content (timers, claims, child cases).
PLAIN_KINDS = ("claimed", "released", "timers_fired", "child_started", "closed_with_parent",
               "message_ignored")
# A message between parent and child cases carries the other case's data: only its result.
MESSAGE_KEYS = ("process", "ref", "status")
FULL, OUTCOME, HIDDEN = "full", "outcome", "hidden"


@dataclass(frozen=True)
class View:
    """What one reader may see of one case."""

    user: User
    case: Case
    full: bool
    own_keys: frozenset[str] = frozenset()
    own_forms: frozenset[str] = frozenset()


@dataclass
class ShownEvent:
    """An audit event as a reader sees it: `data` may be a redacted copy."""

    event: Event
    data: dict
    redacted: bool


def chain(case: Case) -> list[Case]:
    """Return `case` and its ancestors (a child case carries its parent's data)."""
    found, current = [case], case
    while current.parent_id is not None and len(found) < 5:
        current = db.session.get(Case, current.parent_id)
        found.append(current)
    return found


def _fingerprint(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _show_data(item: WorkItem) -> tuple[str, ...]:
    return catalog.case_form(item.case, item.form).show_data


def view_of(user: User, case: Case) -> View:
    """Return what `user` may see of `case`; raise NotAllowed when they may not read it."""
    access.require_case(user, case)
    if user.role in FULL_ROLES:
        return View(user, case, True)
    items = db.session.scalars(sa.select(WorkItem).where(
        WorkItem.case_id.in_([c.id for c in chain(case)]))).all()
    completed = [e for e in audit.case_events(case) if e.kind == "task_completed"] \
        if _expert_role(user) else []
    return _limited_view(user, case, list(items), completed)


def views_of(user: User, cases: list[Case]) -> dict[int, View]:
    """Return {case id: view_of(user, case)} for a page of cases, reading the work items and
    completions that limited readers' views need in one query each; raise NotAllowed."""
    if user.role in FULL_ROLES:
        for case in cases:
            access.require_case(user, case)
        return {case.id: View(user, case, True) for case in cases}
    chains = {case.id: chain(case) for case in cases}
    ids = {c.id for found in chains.values() for c in found}
    items: dict[int, list[WorkItem]] = {i: [] for i in ids}
    for item in db.session.scalars(sa.select(WorkItem).where(WorkItem.case_id.in_(ids))):
        items[item.case_id].append(item)
    completed: dict[int, list[Event]] = {i: [] for i in ids}
    if _expert_role(user):
        for event in db.session.scalars(sa.select(Event).where(
                Event.case_id.in_(ids), Event.kind == "task_completed").order_by(Event.seq)):
            completed[event.case_id].append(event)
    views = {}
    for case in cases:
        access.require_case(user, case, items[case.id])
        found = [i for c in chains[case.id] for i in items[c.id]]
        views[case.id] = _limited_view(user, case, found, completed[case.id])
    return views


def _expert_role(user: User) -> bool:
    return user.role == "expert"


def _limited_view(user: User, case: Case, items: list[WorkItem], completed: list[Event]) -> View:
    """The view of a reader outside FULL_ROLES, from the work items of the case's chain and
    the case's task completions."""
    if user.role == "applicant":
        keys = {i.variable for i in items if i.lane == "applicant" and i.variable}
        return View(user, case, False, frozenset(keys))
    mine = [i for i in items if i.assignee == user.username]
    keys = {key for item in mine if item.form for key in _show_data(item)}
    forms = {_fingerprint(e.data.get("form")) for e in completed
             if user.username in (e.actor, e.data.get("assignee"))}
    return View(user, case, False, frozenset(keys), frozenset(forms))


def _is_expert(view: View) -> bool:
    return view.user.role == "expert"


def outcome(values: Mapping) -> dict:
    """Return the outcome fields of an official's form."""
    return {k: values[k] for k in OUTCOME_KEYS if k in values}


def _shown_value(view: View, key: str, value):
    """Return the part of one data value `view` may see, or None."""
    if key in view.own_keys or (key in OWN_SNAPSHOTS and view.user.role == "applicant"):
        return value
    if isinstance(value, Mapping):
        return outcome(value) or None
    if isinstance(value, list):
        own = [v for v in value if _fingerprint(v) in view.own_forms]
        return own or None
    if _is_expert(view) or key in PUBLIC_FACTS:
        return value
    return None


def filter_data(view: View, data: Mapping) -> dict:
    """Return the keys and values of case-shaped `data` that `view` may see."""
    if view.full:
        return dict(data)
    shown = {}
    for key, value in data.items():
        part = _shown_value(view, key, value)
        if part is not None:
            shown[key] = part
    return shown


def case_data(view: View) -> dict:
    """Return the case data the reader may see."""
    return filter_data(view, view.case.data or {})


def shows_precheck(view: View) -> bool:
    """Return whether the reader may see the automatic pre-check."""
    return view.full or "precheck_conditions" in view.own_keys


def item_level(view: View, item: WorkItem | None) -> str:
    """Return how much of a work item's form the reader sees: FULL, OUTCOME or HIDDEN."""
    if view.full:
        return FULL
    if item is None:
        return OUTCOME
    if view.user.role == "applicant":
        if item.lane == "applicant":
            return FULL
        # Who reviews as an expert, and how many, is not the applicant's to know.
        return HIDDEN if item.lane == "expert" else OUTCOME
    if _is_expert(view) and item.assignee == view.user.username:
        return FULL
    if item.lane == "expert":
        return HIDDEN
    return FULL if item.variable in view.own_keys else OUTCOME


def sees_loop_reason(view: View, item: WorkItem | None) -> bool:
    """Return whether the reader may read why `item` was reopened (services/loop_reasons.py):
    whoever reads its form in full; the reason quotes the working papers that caused it."""
    return item is not None and item_level(view, item) == FULL


def tasks(view: View, items: Iterable[WorkItem]) -> list[WorkItem]:
    """Return the work items of `items` the reader may know of."""
    return [i for i in items if item_level(view, i) != HIDDEN]


def item_values(view: View, item: WorkItem, values: Mapping | None) -> dict:
    """Return the part of a work item's form values the reader may see."""
    values = values if isinstance(values, Mapping) else {}
    level = item_level(view, item)
    return dict(values) if level == FULL else outcome(values) if level == OUTCOME else {}


def may_see_attachment(view: View, record: Attachment, uploader_role: str | None) -> bool:
    """Return whether the reader may list and download `record` (uploaded by `uploader_role`)."""
    if view.full or record.uploaded_by_id == view.user.id:
        return True
    # Applicants read their own uploads only: officials' files are working papers. An expert
    # reads the applicant's and the officials' files, never another expert's.
    return _is_expert(view) and uploader_role != "expert"


def _uploader_roles(records: list[Attachment]) -> dict[int, str]:
    ids = {r.uploaded_by_id for r in records if r.uploaded_by_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.role).where(User.id.in_(ids))).all())


def attachments(view: View, records: Iterable[Attachment]) -> dict[str, Attachment]:
    """Return {id: attachment} of the `records` the reader may see."""
    records = list(records)
    roles = _uploader_roles(records)
    return {r.id: r for r in records
            if may_see_attachment(view, r, roles.get(r.uploaded_by_id))}


def case_attachments(view: View) -> dict[str, Attachment]:
    """Return {id: attachment} of the case and its ancestors that the reader may see."""
    rows = db.session.scalars(sa.select(Attachment).where(
        Attachment.case_id.in_([c.id for c in chain(view.case)]),
        Attachment.deleted_at.is_(None)).order_by(Attachment.created_at))
    return attachments(view, rows)


def _message(data: Mapping) -> dict:
    payload = data.get("payload") if isinstance(data.get("payload"), Mapping) else {}
    return {"name": data.get("name"), "payload": {k: payload[k] for k in MESSAGE_KEYS
                                                  if k in payload}}


def _limited_data(view: View, event: Event, items: dict, files: set) -> dict | None:
    """Return what a limited reader sees of `event`'s data, or None to hide the event."""
    # Loop-back reasons are read through sees_loop_reason, task by task.
    data = {k: v for k, v in (event.data or {}).items() if k != "loop_backs"}
    if event.task_id is not None:
        item = items.get(event.task_id)
        if item_level(view, item) == HIDDEN:
            return None
        if event.kind == "expert_replaced":
            return _replacement(view, data)
        if event.kind != "task_completed":
            return data
        return {**{k: data[k] for k in ("title", "assignee") if k in data},
                "form": item_values(view, item, data.get("form"))}
    if event.kind in ("attachment_added", "attachment_deleted"):
        return data if data.get("id") in files else None
    if event.kind == "case_started":
        return {**data, "initial": filter_data(view, data.get("initial") or {})}
    if event.kind == "message_received":
        return _message(data)
    return data if event.kind in PLAIN_KINDS else {}


def _replacement(view: View, data: Mapping) -> dict:
    """An expert learns that a review became theirs, never whose it was nor why (which may
    judge the other expert); applicants never see experts' instances at all."""
    mine = data.get("to") == view.user.username
    return {"task": data.get("task"), **({"to": data["to"]} if mine else {})}


def events(view: View, found: list[Event] | None = None) -> list[ShownEvent]:
    """Return the case's audit events the reader may see, redacted where needed."""
    found = audit.case_events(view.case) if found is None else found
    if view.full:
        return [ShownEvent(e, e.data, False) for e in found]
    items = {i.id: i for i in access.case_items(view.case)}
    records = db.session.scalars(sa.select(Attachment).where(Attachment.case_id == view.case.id))
    files = set(attachments(view, records))
    shown = []
    for event in found:
        data = _limited_data(view, event, items, files)
        if data is not None:
            shown.append(ShownEvent(event, data, data != (event.data or {})))
    return shown
