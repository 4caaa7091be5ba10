"""Moving running cases of a procedure onto a newer published version.

A dry run (`plan`) says per case whether it can move and why not; `migrate` moves the
selected cases, one transaction per case, each move an audited "migrated" event that the
replay verification re-executes (services/audit.py). A case can move when every element
it waits at exists in the new version with the same type and, for a task, a form that keeps
the fields already saved in its draft.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa

from app import engine
from app.errors import N_, AppError, Rejected
from app.extensions import db
from app.models import Case, ProcessVersion, User, WorkItem
from app.services import (
    calendar_days,
    catalog,
    designs,
    lock_case,
    progress,
    records,
    retried,
    transaction,
)

Translate = Callable[[str], str]
MISSING = {
    "user_task": N_("The waiting task “%(name)s” does not exist in the new version."),
    "timer": N_("The timer “%(name)s” the case waits for does not exist in the new version."),
    "message": N_("The message “%(name)s” the case waits for does not exist in the new "
                  "version."),
}
MISSING_STEP = N_("The step “%(name)s” the case waits at does not exist in the new version.")
OTHER_TYPE = N_("“%(name)s” is another kind of element in the new version.")
DRAFT_FIELDS = N_("The form of “%(name)s” in the new version no longer has fields already "
                  "saved in a draft: %(fields)s.")
NO_CASE = N_("There is no case %(id)s.")
OTHER_VERSION = N_("The case is on %(key)s version %(version)s, not on the version to move "
                   "from.")
ENDED = N_("The case has ended; ended cases stay on their version.")


def _zh(message: str) -> str:
    return records.recorded(message)


def versions_for(user: User, key: str, from_version: int, to_version: int) -> tuple:
    """Return the (from, to) ProcessVersion records a migration by `user` moves between.

    Raises NotFound, NotAllowed (not a designer or administrator of the procedure's
    jurisdiction) or Rejected (`to` not published, or not newer than `from`).
    """
    designs.require_writer(user, key)
    old, new = (designs.version_record(user, key, n) for n in (from_version, to_version))
    if new.version <= old.version:
        message = N_("Cases move only to a newer version: %(to)s is not newer than %(from)s.")
        params = {"to": new.version, "from": old.version}
        raise Rejected(message, [("to", message, params)], **params)
    if new.status != "published":
        message = N_("Version %(version)s is not published; cases move only to a published "
                     "version.")
        raise Rejected(message, [("to", message, {"version": new.version})], version=new.version)
    return old, new


def _case_ids(old: ProcessVersion, cases) -> list[int]:
    if cases == "all":
        return list(db.session.scalars(sa.select(Case.id).where(
            Case.process_version_id == old.id, Case.ended.is_(False)).order_by(Case.id)))
    return list(dict.fromkeys(cases))


def _form_problem(case: Case, element: engine.OpenElement, old: ProcessVersion,
                  new: ProcessVersion) -> tuple[str, dict] | None:
    """A changed form must keep the fields a person already saved in the task's draft."""
    old_pin = (element.old_form, (old.forms or {}).get(element.old_form))
    new_pin = (element.new_form, (new.forms or {}).get(element.new_form))
    if element.kind != "user_task" or old_pin == new_pin:
        return None
    drafts = db.session.scalars(sa.select(WorkItem.draft).where(
        WorkItem.case_id == case.id, WorkItem.name == element.element,
        WorkItem.status == "ready", WorkItem.draft.is_not(None))).all()
    saved = {name for draft in drafts for name in (draft or {})}
    kept = set(catalog.form(*new_pin).names()) if element.new_form else set()
    lost = sorted(saved - kept)
    if not lost:
        return None
    labels = {f.name: f.label for f in catalog.form(*old_pin).fields} if element.old_form else {}
    return DRAFT_FIELDS, {"name": element.name,
                          "fields": "、".join(labels.get(name, name) for name in lost)}


def _problems(case: Case, elements, old, new) -> list[tuple[str, dict]]:
    problems = []
    for element in elements:
        if element.problem == "missing":
            problems.append((MISSING.get(element.kind, MISSING_STEP), {"name": element.name}))
        elif element.problem == "type":
            problems.append((OTHER_TYPE, {"name": element.name}))
        elif (form := _form_problem(case, element, old, new)) is not None:
            problems.append(form)
    return problems


def _refusal(case: Case | None, case_id: int, old: ProcessVersion) -> tuple[str, dict] | None:
    if case is None:
        return NO_CASE, {"id": case_id}
    if case.process_version_id != old.id:
        return OTHER_VERSION, {"key": case.process_key, "version": case.process_version.version}
    if case.ended:
        return ENDED, {}
    return None


def assess(case: Case | None, case_id: int, old, new) -> tuple[list[tuple[str, dict]], tuple]:
    """Return (problems as (message id, params), the elements the case waits at)."""
    refusal = _refusal(case, case_id, old)
    if refusal is not None:
        return [refusal], ()
    elements = engine.migration_check(old.spec, case.state, new.spec)
    return _problems(case, elements, old, new), elements


def _row(case_id: int, problems, translate: Translate) -> dict:
    """Return the row of one case: its id and reference (None for an unknown id), whether
    it can move (or moved) and the reasons why not, in the reader's language."""
    case = db.session.get(Case, case_id)
    reason = "；".join(AppError(message, **params).text(translate) for message, params in problems)
    return {"case_id": case_id, "ref": case.ref if case else None, "ok": not problems,
            "reason": reason}


def plan(user: User, key: str, from_version: int, to_version: int, cases,
         translate: Translate = _zh) -> list[dict]:
    """Return [{"case_id", "ref", "ok", "reason"}] for moving `cases` (ids or "all"); change
    nothing.

    Raises NotFound, NotAllowed or Rejected as `versions_for`.
    """
    old, new = versions_for(user, key, from_version, to_version)
    return [_row(case_id, assess(db.session.get(Case, case_id), case_id, old, new)[0],
                 translate) for case_id in _case_ids(old, cases)]


def migrate(user: User, key: str, from_version: int, to_version: int, cases,
            now: dt.datetime, translate: Translate = _zh) -> list[dict]:
    """Move each of `cases` that can move, one transaction each; return the rows as `plan`."""
    old, new = versions_for(user, key, from_version, to_version)
    ids, old_id, new_id = _case_ids(old, cases), old.id, new.id
    return [_row(case_id, _migrate_one(user, case_id, old_id, new_id, now), translate)
            for case_id in ids]


def _mapping(elements) -> list[dict]:
    return [{"element": e.element, "name": e.name, "kind": e.kind, "changed": e.changed,
             "old_form": e.old_form, "new_form": e.new_form} for e in elements]


@retried
def _migrate_one(user: User, case_id: int, old_id: int, new_id: int,
                 now: dt.datetime) -> list[tuple[str, dict]]:
    """Move one case under its row lock (as completing a task does); return its problems."""
    with transaction():
        case = lock_case(case_id)
        old, new = db.session.get(ProcessVersion, old_id), db.session.get(ProcessVersion, new_id)
        problems, elements = assess(case, case_id, old, new)
        if problems:
            return problems
        try:
            step = engine.migrate(old.spec, case.state, new.spec, now, calendar_days.overrides())
        except AppError as error:
            return [(error.message, error.params)]
        case.process_version = new
        progress.apply_step(case, step, now, user.username, "migrated", data={
            "from": old.version, "to": new.version, "mapping": _mapping(elements),
            "actor": user.username})
        _follow(case, step, {e.element for e in elements if e.changed}, new)
    return []


def _follow(case: Case, step: engine.Step, changed: set[str], new: ProcessVersion) -> None:
    """Open work items keep their id, form and due date unless their element changed."""
    ready = {task.id: task for task in step.ready}
    for item in db.session.scalars(sa.select(WorkItem).where(
            WorkItem.case_id == case.id, WorkItem.status == "ready", WorkItem.name.in_(changed))):
        task = ready.get(item.id)
        if task is None:
            continue
        item.title, item.lane, item.form = task.title, task.lane, task.form
        item.documentation, item.not_before = task.documentation or "", task.not_before
        item.due_at = task.due_at or (calendar_days.due_after(item.created_at,
                                                              task.due_working_days)
                                      if task.due_working_days else None)


def report(user: User, key: str, from_version: int | None, to_version: int | None,
           translate: Translate = _zh) -> dict:
    """Return the migration page's data: the two versions and a dry-run row per running case
    of `from` (ref, stage, what it waits at); missing numbers default to the newest published
    version and the one before it. Raises as `versions_for`."""
    to_version = to_version or catalog.latest_process(key).version
    old, new = versions_for(user, key, from_version or max(to_version - 1, 1), to_version)
    rows = []
    for case in db.session.scalars(sa.select(Case).where(
            Case.process_version_id == old.id, Case.ended.is_(False)).order_by(Case.id)):
        problems, elements = assess(case, case.id, old, new)
        rows.append({**_row(case.id, problems, translate), "stage": case.stage,
                     "waiting": [e.name for e in elements]})
    return {"old": old, "new": new, "rows": rows}
