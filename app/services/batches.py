"""The county's batch of a call: the cases at its recommendation step, recommended in one go.

Each chosen task is completed on its own, with the same opinion, through the ordinary
`complete_task` (so each is validated, journaled and moved like any other). The batch
is checked first, case by case, so that a refusal (a missing field, the deadline)
leaves every case unchanged. Fields the batch form leaves empty come from each task's
saved draft: per-case working papers (a satisfaction sample) stay per case. A file
given once is shared by every case of the batch (content-addressed, no copy).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping, Sequence

import sqlalchemy as sa

from app import formdefs
from app.errors import N_, NotAllowed, Rejected
from app.extensions import db
from app.models import Attachment, Call, Case, User, WorkItem
from app.services import access, audit, calls, catalog, tasks, transaction


def recommend_task(call: Call) -> str | None:
    """Return the name of the recommendation step of `call`'s procedure (None if undeclared)."""
    return calls.settings(catalog.latest_process(call.process_key)).get("recommend_task")


def candidates(user: User, call: Call) -> list[WorkItem]:
    """Return the ready recommendation tasks of `call`'s cases that `user` may complete."""
    name = recommend_task(call)
    if not name or user.role != "county":
        return []
    return list(db.session.scalars(
        sa.select(WorkItem).join(Case, Case.id == WorkItem.case_id)
        .where(Case.call_id == call.id, WorkItem.name == name, WorkItem.status == "ready",
               access.workable_items(user)).order_by(Case.ref)))


def batch_form(call: Call):
    """Return the FormDef the batch page asks once: the recommendation step's form, limited
    to meta.yaml's `calls.batch_fields` when given; None when no case is at that step yet."""
    name = recommend_task(call)
    item = db.session.scalars(sa.select(WorkItem).join(Case, Case.id == WorkItem.case_id)
                              .where(Case.call_id == call.id, WorkItem.name == name)
                              .limit(1)).first() if name else None
    if item is None or not item.form:
        return None
    form = catalog.form(item.form)
    wanted = calls.settings(catalog.latest_process(call.process_key)).get("batch_fields")
    if not wanted:
        return form
    return dataclasses.replace(form, fields=tuple(f for f in form.fields if f.name in wanted))


def _merged(item: WorkItem, data: Mapping) -> dict:
    given = {key: value for key, value in data.items() if value not in (None, "", [])}
    return {**(item.draft or {}), **given}


def _attachment_ids(form, data: Mapping) -> list[str]:
    return [str(value) for field in form.fields if field.type == "file"
            for value in (data.get(field.name) or [])]


def _share_files(user: User, item: WorkItem, form, data: Mapping, now: dt.datetime) -> dict:
    """Return `data` with each attachment of another case of the batch replaced by a record
    of the same content on `item`'s case."""
    out = dict(data)
    for field in (f for f in form.fields if f.type == "file" and data.get(f.name)):
        ids = []
        for attachment_id in data[field.name]:
            record = db.session.get(Attachment, str(attachment_id))
            if record is None or record.case_id == item.case_id:
                ids.append(str(attachment_id))
                continue
            copy = Attachment(id=str(uuid.uuid4()), case_id=item.case_id, sha256=record.sha256,
                              name=record.name, size=record.size,
                              content_type=record.content_type, uploaded_by_id=user.id,
                              created_at=now)
            db.session.add(copy)
            audit.append_event(item.case, "attachment_added", user.username, now,
                               data={"id": copy.id, "name": copy.name, "sha256": copy.sha256,
                                     "size": copy.size, "shared_from": record.case_id})
            ids.append(copy.id)
        out[field.name] = ids
    return out


def _require_own_files(user: User, chosen: Sequence[WorkItem], form, data: Mapping) -> None:
    case_ids = {item.case_id for item in chosen}
    for attachment_id in _attachment_ids(form, data):
        record = db.session.get(Attachment, attachment_id)
        if record is None or record.case_id not in case_ids:
            raise Rejected(N_("Invalid attachments."), [("_", N_(
                "An attachment does not exist or belongs to another case; upload it again."))])


def _check_each(chosen: Sequence[WorkItem], form, data: Mapping, now: dt.datetime,
                lang: str) -> None:
    for item in chosen:
        merged = _merged(item, data)
        try:
            clean = formdefs.validate_data(form, merged, catalog.choices_for(
                item.jurisdiction, lang), lang, item.case.data)
            calls.require_recommendation_in_time(item.case, item, form.names(), clean, now)
        except Rejected as error:  # name the case: "KM-2026-0003.decision_reason"
            reasons = [(f"{item.case.ref}.{field or '_'}", *rest)
                       for field, *rest in error.reasons]
            raise Rejected(error.message, reasons, **error.params) from None


def _chosen(user: User, call: Call, task_ids: Sequence[str]) -> list[WorkItem]:
    if not task_ids:
        raise Rejected(N_("Choose at least one case."),
                       [("tasks", N_("Choose at least one case."))])
    open_items = {item.id: item for item in candidates(user, call)}
    missing = [task_id for task_id in task_ids if str(task_id) not in open_items]
    if missing:
        raise NotAllowed(N_("A chosen case is not at this call's recommendation step in your "
                            "area."))
    return [open_items[str(task_id)] for task_id in dict.fromkeys(map(str, task_ids))]


def recommend(user: User, call_id: int, task_ids: Sequence[str], data: Mapping,
              now: dt.datetime, lang: str = "zh") -> list[Case]:
    """Complete the chosen recommendation tasks of a call with the same `data`; return the
    cases. Raise Rejected (nothing changed) or NotAllowed."""
    call = calls.get_call(call_id)
    if user.role != "county":
        raise NotAllowed(N_("Only county officials recommend a batch."))
    chosen = _chosen(user, call, task_ids)
    form = catalog.form(chosen[0].form)
    _require_own_files(user, chosen, form, data)
    _check_each(chosen, form, data, now, lang)
    moved = []
    for item in chosen:
        with transaction():
            shared = _share_files(user, item, form, _merged(item, data), now)
        moved.append(tasks.complete_task(user, item.id, shared, now, lang))
    return moved
