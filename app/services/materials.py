"""A case's files by the material they prove, and deleting an upload nobody submitted.

A material is a file field of a form (its label from the form definition). The journal
says which files each submission of the form gave the field: a later submission that
no longer names a file replaced it (superseded, kept for audit). Files no submission
names yet are "not yet submitted"; only those may be deleted, by whoever uploaded them,
and the deletion is journaled as a case event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.errors import N_, Conflict, NotAllowed, NotFound
from app.extensions import db
from app.models import Attachment, Case, Event, User, WorkItem
from app.services import access, audit, catalog, transaction, visibility

UNSUBMITTED = ""  # the key of the group of files no submission names
READ_ONLY = ("auditor",)


@dataclass
class File:
    record: Attachment
    superseded_at: dt.datetime | None = None
    deletable: bool = False


@dataclass
class Material:
    key: str  # "<data key>.<field name>", UNSUBMITTED for files no submission names
    label: str
    form_title: str = ""
    current: list[File] = field(default_factory=list)
    superseded: list[File] = field(default_factory=list)


@dataclass
class _Seen:
    label: str
    form_title: str
    ids: list[str] = field(default_factory=list)
    replaced: dict[str, dt.datetime] = field(default_factory=dict)


def _file_fields(case: Case, item: WorkItem | None, lang: str) -> list[tuple[str, str, str]]:
    """Return (material key, label, form title) of the file fields of the item's form."""
    if item is None or not item.form:
        return []
    try:
        form = catalog.case_form(case, item.form)
    except NotFound:  # a form removed since: its files stay "not yet submitted"
        return []
    return [(f"{item.variable}.{spec.name}", spec.label_for(lang), form.title_for(lang))
            for spec in form.fields if spec.type == "file"]


def _submitted(case: Case, events: list[Event], lang: str) -> dict[str, _Seen]:
    """Return the file fields' submissions in order: the files each names last, and when a
    later submission dropped each earlier one."""
    items = {i.id: i for i in access.case_items(case)}
    seen: dict[str, _Seen] = {}
    for event in events:
        form = (event.data or {}).get("form")
        if event.kind != "task_completed" or not isinstance(form, Mapping):
            continue
        for key, label, title in _file_fields(case, items.get(event.task_id), lang):
            ids = [str(i) for i in form.get(key.rpartition(".")[2]) or []]
            entry = seen.setdefault(key, _Seen(label, title))
            entry.replaced.update({i: event.at for i in entry.ids if i not in ids})
            entry.ids = ids
    return seen


def _material(key: str, entry: _Seen, files: dict[str, Attachment]) -> Material:
    current = [File(files[i]) for i in entry.ids if i in files]
    superseded = [File(files[i], at) for i, at in entry.replaced.items()
                  if i in files and i not in entry.ids]
    return Material(key, entry.label, entry.form_title, current, superseded)


def materials(user: User, case: Case, lang: str = "zh") -> list[Material]:
    """Return the case's files `user` may see, by material, then those not yet submitted."""
    view = visibility.view_of(user, case)
    files = {i: r for i, r in visibility.case_attachments(view).items() if r.case_id == case.id}
    shown = [s.event for s in visibility.events(view)]
    seen = _submitted(case, shown, lang)
    found = [_material(key, entry, files) for key, entry in seen.items()]
    named = set(referenced(case))
    loose = [File(r, deletable=r.uploaded_by_id == user.id and user.role not in READ_ONLY)
             for i, r in files.items() if i not in named]
    found = [m for m in found if m.current or m.superseded]
    if loose:
        found.append(Material(UNSUBMITTED, "", "", loose))
    return found


def referenced(case: Case) -> list[str]:
    """Return the ids of the files any submission of the case names (whoever may read it)."""
    ids: list[str] = []
    for event in audit.case_events(case):
        form = (event.data or {}).get("form")
        if event.kind == "task_completed" and isinstance(form, Mapping):
            ids += [str(i) for value in form.values() if isinstance(value, list)
                    for i in value if isinstance(i, str)]
    return ids


def deletable_attachment(user: User, attachment_id: str) -> Attachment:
    """Return the upload `user` may delete; raise NotFound, NotAllowed or Conflict."""
    record = db.session.get(Attachment, attachment_id)
    if record is None or record.deleted_at is not None:
        raise NotFound(N_("No such attachment."))
    case = db.session.get(Case, record.case_id)
    access.require_contribution(user, case)
    if record.uploaded_by_id != user.id:
        raise NotAllowed(N_("Only the person who uploaded a file may delete it."))
    if record.id in referenced(case):
        raise Conflict(N_("This file was submitted as material and stays on record. Upload a "
                          "new file in the form to replace it."))
    return record


def delete_attachment(user: User, attachment_id: str, now: dt.datetime) -> Attachment:
    """Delete an upload no submission names (its row stays, journaled as a case event);
    return it. Raise NotFound, NotAllowed or Conflict."""
    record = deletable_attachment(user, attachment_id)
    case = db.session.get(Case, record.case_id)
    with transaction():
        record.deleted_at, record.deleted_by_id = now, user.id
        audit.append_event(case, "attachment_deleted", user.username, now,
                           data={"id": record.id, "name": record.name, "sha256": record.sha256})
    return record
