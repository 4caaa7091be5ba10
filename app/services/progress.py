"""Moving a case forward: persist an engine Step, sync work items, start child cases.

Shared by starting a case, completing a task, firing timers and delivering
messages, so every way a case moves records the same things the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from app import engine, formdefs
from app.errors import N_
from app.extensions import db
from app.models import Case, ProcessVersion, RefCounter, User, WorkItem
from app.services import (
    TIPS,
    audit,
    calendar_days,
    catalog,
    loop_reasons,
    oversight_rollups,
    preloaded,
    records,
    row_writes,
    subjects,
)

STATUSES = ("draft", "in_review", "public_notice", "recognized", "rejected", "withdrawn",
            "expired", "revoked")
# How a record names a status (the web has its own labels for the interface).
STATUS_NAMES = {"recognized": N_("title recognised"), "rejected": N_("not recognised"),
                "withdrawn": N_("withdrawn"), "expired": N_("title expired"),
                "revoked": N_("title revoked")}


def _next_ref(prefix: str, now: dt.datetime) -> str:
    """Draw the next case number of `prefix` and the year in one atomic upsert.

    On PostgreSQL the upsert locks the counter row until commit, so concurrent starts queue
    for it; on SQLite the write transaction (BEGIN IMMEDIATE) already excludes them.
    """
    key = f"{prefix}-{now.year}"
    insert = (postgresql.insert if db.session.get_bind().dialect.name == "postgresql"
              else sqlite.insert)(RefCounter).values(prefix_year=key, last=1)
    last = db.session.scalar(insert.on_conflict_do_update(
        index_elements=[RefCounter.prefix_year], set_={"last": RefCounter.last + 1})
        .returning(RefCounter.last))
    return f"{key}-{last:04d}"


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _stage(step: engine.Step, previous: str) -> str:
    """Return the ready tasks' names, else what the case waits for, else the end it reached."""
    names = list(dict.fromkeys(t.title for t in step.ready))
    if not names:
        names = list(dict.fromkeys(w.name for w in step.waiting))
    if not names and step.ended:
        ends = [e.name for e in step.events if e.element_type == "EndEvent" and e.name]
        return ends[-1][:200] if ends else previous
    return "、".join(names)[:200]


def _mirror(case: Case, step: engine.Step) -> None:
    data = step.data
    case.data = data
    case.status = data.get("case_status") if data.get("case_status") in STATUSES else case.status
    case.stage = _stage(step, case.stage)
    fields = subjects.case_field_paths(catalog.jurisdiction(case.jurisdiction).case_fields,
                                       case.process_version.options)
    for column in ("county", "base_name"):
        value = formdefs.lookup(data, fields[column]) if column in fields else None
        if value:
            setattr(case, column, str(value))
    case.valid_from = _date(data.get("valid_from")) or case.valid_from
    case.valid_until = _date(data.get("valid_until")) or case.valid_until
    case.certificate_no = data.get("certificate_no") or case.certificate_no


def _due_at(task: engine.ReadyTask, now: dt.datetime) -> dt.datetime | None:
    """A dueDate names the deadline itself, so it wins over a count of working days."""
    if task.due_at is not None:
        return task.due_at
    if task.due_working_days:
        return calendar_days.due_after(now, task.due_working_days)
    return None


def _utc(instant: dt.datetime | None) -> dt.datetime | None:
    """As the database gives it back (an answer built from memory shows the same text)."""
    return instant.astimezone(dt.timezone.utc) if instant is not None else None


def _sync_work_items(case: Case, step: engine.Step, now: dt.datetime,
                     items: list[WorkItem] | None = None) -> None:
    ready = {t.id: t for t in step.ready}
    if items is None:  # read for a batch of timer fires (services/preloaded.py), or now
        items = preloaded.take(preloaded.ITEMS, case.id)
    if items is preloaded.MISSING or items is None:
        open_items = db.session.scalars(sa.select(WorkItem).where(
            WorkItem.case_id == case.id, WorkItem.status == "ready")).all()
        items = None
    else:  # as the query would find them now
        open_items = [item for item in items if item.status == "ready"]
    for item in open_items:
        if item.id not in ready:
            item.status, item.completed_at = "cancelled", now
    known = {item.id for item in open_items}
    for task in step.ready:
        if task.id in known:
            continue
        item = WorkItem(
            id=task.id, case_id=case.id, name=task.name, title=task.title, lane=task.lane,
            jurisdiction=case.jurisdiction, county=case.county, applicant_id=case.applicant_id,
            form=task.form, variable=task.variable, assignee=task.assignee,
            documentation=task.documentation or "", status="ready", created_at=now,
            due_at=_utc(_due_at(task, now)), not_before=_utc(task.not_before),
            claimed_by_id=None, draft=None, completed_by_id=None, completed_at=None)
        db.session.add(item)
        if items is not None:
            items.append(item)
    # County may change when the application names it: keep open items in scope.
    for item in open_items:
        item.county = case.county


def apply_step(case: Case, step: engine.Step, now: dt.datetime, actor: str, kind: str,
               items: list[WorkItem] | None = None, **event) -> None:
    """Persist `step` onto `case`, append the `kind` event, then start children / notify parent.

    `items`: every work item of the case, when the caller read them already under the lock;
    the new ones are added to it.
    """
    case.state, case.state_hash = step.state, step.fingerprint
    case.next_timer_at, case.ended = step.next_timer_at, step.ended
    case.waiting = [{"element": w.element, "name": w.name, "kind": w.kind,
                     "due": w.due.isoformat() if w.due else None} for w in step.waiting]
    case.completed_elements = list(step.completed_elements)
    case.updated_at = now
    with db.session.no_autoflush:  # one UPDATE of the case, not one before a lookup and one after
        _mirror(case, step)
    # No flush here: the case and its work items are written with the event (row_writes),
    # else by the next query's flush; a batch whose reads were preloaded writes all its
    # cases at commit, each table's rows in one statement.
    _sync_work_items(case, step, now, items)
    if step.loop_backs:  # why the step sent the case back (services/loop_reasons.py)
        event["data"] = {**(event.get("data") or {}),
                         loop_reasons.LOOP_BACKS: loop_reasons.recorded(step)}
    audit.append_event(case, kind, actor, now, calendar=calendar_days.hash_in_force(), **event)
    if not preloaded.active():  # a batch writes all its rows at COMMIT, a table at a time
        row_writes.write_loaded(case)
    for name, payload in step.messages:
        if name == "start_case" and isinstance(payload, Mapping):
            start_child(case, payload, now, actor)
        elif case.parent_id is not None:
            _tell_parent(case, name, payload if isinstance(payload, Mapping) else {}, now)
    if step.ended:
        _close_open_children(case, now)
    if step.ended and case.parent_id is not None:
        _tell_parent(case, "child_completed", {**case.data, "status": case.status}, now)


# Settings a process may override in meta.yaml (`settings:`); a diagram reads them as
# `settings["..."]`. Publication day counts: the common reading of government notices.
DEFAULT_SETTINGS = {"notice_counts_publication_day": True}


def _settings(version: ProcessVersion) -> dict:
    return {**DEFAULT_SETTINGS, **((version.options or {}).get("settings") or {})}


def title_snapshot(case: Case) -> dict:
    """Return what a child case is told of the title held by `case` when it starts."""
    data = case.data or {}
    application = data.get("application") if isinstance(data.get("application"), Mapping) else {}
    return {"ref": case.ref, "process": case.process_key, "status": case.status,
            "base_name": case.base_name or application.get("base_name"),
            "operator_name": application.get("operator_name"),
            "credit_code": application.get("credit_code"), "county": case.county,
            "certificate_no": case.certificate_no, "recognized_on": data.get("recognized_on"),
            "valid_from": case.valid_from.isoformat() if case.valid_from else None,
            "valid_until": case.valid_until.isoformat() if case.valid_until else None,
            "application": dict(application)}


def new_case(version: ProcessVersion, applicant: User | None, now: dt.datetime, actor: str,
             data: Mapping | None = None, parent: Case | None = None,
             call_id: int | None = None, items: list | None = None) -> Case:
    """Create and start a case of `version` (of call `call_id`); return it (flushed, not
    committed). `items`, a list, receives its work items."""
    jurisdiction = catalog.jurisdiction(version.jurisdiction)
    ref = _next_ref(jurisdiction.ref_prefix, now)
    initial = {"case_ref": ref, "jurisdiction": jurisdiction.key, "settings": _settings(version),
               **dict(data or {})}
    if applicant is not None:
        initial.setdefault("applicant", {"username": applicant.username, "name": applicant.name,
                                         "credit_code": applicant.credit_code})
    step = engine.start(catalog.spec_of(version), initial, now, calendar_days.overrides())
    case = Case(ref=ref, process_version=version, process_key=version.key,
                jurisdiction=jurisdiction.key, applicant_id=applicant.id if applicant else None,
                county=(parent.county if parent else applicant.county if applicant else None),
                base_name=parent.base_name if parent else "",
                parent_id=parent.id if parent else None, status="draft", state=step.state,
                state_hash=step.fingerprint, created_at=now, call_id=call_id)
    db.session.add(case)
    db.session.flush()
    if parent is not None:  # a parent preloaded as childless has a child now
        preloaded.forget(preloaded.CHILDLESS, parent.id)
    # A new case has no event and no work item yet: nothing to read about it.
    db.session.info.setdefault(TIPS, {})[case.id] = None
    items = [] if items is None else items
    oversight_rollups.remember_new(db.session(), case, items)
    apply_step(case, step, now, actor, "case_started", items=items, data={
        "process": version.key, "version": version.version, "initial": initial,
        "parent": parent.ref if parent else None})
    return case


def start_child(parent: Case, payload: Mapping, now: dt.datetime, actor: str) -> Case:
    """Start the child case a parent's `start_case` message asks for."""
    version = catalog.latest_process(str(payload.get("process")))
    data = dict(payload.get("data") or {})
    data["parent_ref"] = parent.ref
    data["title"] = title_snapshot(parent)
    child = new_case(version, parent.applicant, now, actor, data, parent=parent)
    audit.append_event(parent, "child_started", actor, now,
                       data={"child": child.ref, "process": version.key})
    return child


def fire_due_timers(case: Case, now: dt.datetime) -> None:
    """Fire the timers of `case` that are due at `now`, recorded as the timer worker does."""
    before = set(case.completed_elements)
    step = engine.fire_due_timers(catalog.spec_of(case.process_version), case.state, now,
                                  calendar_days.overrides())
    fired = sorted(set(step.completed_elements) - before)
    apply_step(case, step, now, "system", "timers_fired", data={"elements": fired})


def deliver(case: Case, name: str, payload: Mapping, now: dt.datetime, actor: str) -> bool:
    """Deliver message `name` to `case`; return whether the case was waiting for it."""
    if case.next_timer_at is not None and case.next_timer_at <= now:
        # The worker has not fired a due timer yet: fire it first, as it would have. An
        # event-based gateway given the message while its due timer is pending takes both
        # branches (SpiffWorkflow), and the case would run twice from there.
        fire_due_timers(case, now)
    step = engine.deliver_message(catalog.spec_of(case.process_version), case.state, name,
                                  payload, now, calendar_days.overrides())
    if step is None:
        audit.append_event(case, "message_ignored", actor, now, data={"name": name})
        return False
    apply_step(case, step, now, actor, "message_received",
               data={"name": name, "payload": dict(payload)})
    return True


WITHDRAWN_WITH_PARENT = N_("The case %(parent)s this case belongs to has ended (%(status)s), "
                           "so this case ended with it.")


def _close_open_children(parent: Case, now: dt.datetime) -> None:
    """Withdraw, with the reason recorded, the open children whose purpose ended with the
    parent; a child whose process says `survives_parent` runs its own course."""
    if preloaded.take(preloaded.CHILDLESS, parent.id) is True:
        return  # none when its batch was read, and none started since
    children = db.session.scalars(sa.select(Case).where(
        Case.parent_id == parent.id, Case.ended.is_(False))).all()
    for child in children:
        if (child.process_version.options or {}).get("survives_parent"):
            continue
        reason = records.recorded(WITHDRAWN_WITH_PARENT, parent=parent.ref,
                                  status=records.recorded(STATUS_NAMES.get(parent.status,
                                                                           parent.status)))
        child.status, child.ended, child.next_timer_at = "withdrawn", True, None
        child.data = {**child.data, "case_status": "withdrawn", "withdrawn_reason": reason}
        for item in db.session.scalars(sa.select(WorkItem).where(
                WorkItem.case_id == child.id, WorkItem.status == "ready")):
            item.status, item.completed_at = "cancelled", now
        audit.append_event(child, "closed_with_parent", "system", now,
                           data={"parent": parent.ref, "parent_status": parent.status,
                                 "reason": reason})


def _tell_parent(child: Case, name: str, payload: Mapping, now: dt.datetime) -> None:
    """Deliver message `name` from `child` to its parent, naming the child."""
    parent = db.session.get(Case, child.parent_id, with_for_update={"key_share": True})
    deliver(parent, name, {**payload, "process": child.process_key, "ref": child.ref}, now,
            "system")
