"""Task use cases: the worklist, claiming, drafts and completing a task."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app import calendar, engine, formdefs
from app.errors import N_, Conflict, NotFound, Rejected
from app.extensions import db
from app.models import Attachment, Case, Event, User, WorkItem
from app.services import (
    access,
    audit,
    calendar_days,
    calls,
    catalog,
    corrections,
    listed_tasks,
    lock_case_of_task,
    oversight_rollups,
    paging,
    plain_rows,
    precheck,
    progress,
    retried,
    row_reads,
    titles,
    transaction,
    visibility,
)
from app.services.held import Held


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def task_json(item: WorkItem) -> dict:
    """Return a work item (a WorkItem or a listed_tasks.ListedTask) as the JSON API shows it."""
    return {
        "id": item.id, "case_id": item.case_id, "case_ref": item.case.ref, "name": item.name,
        "title": item.title, "lane": item.lane, "form": item.form, "due_at": _iso(item.due_at),
        "status": item.status, "assignee": item.assignee,
        "claimed_by": item.claimed_by.username if item.claimed_by else None,
        "county": item.county, "stage": item.case.stage, "base_name": item.case.base_name,
        "process": item.case.process_key, "created_at": _iso(item.created_at),
        "not_before": _iso(item.not_before),
    }


# The list orders as keyset segments (app/services/paging.py); each ends with the unique id.
DUE_ORDER = (
    paging.Segment("due", (WorkItem.due_at, WorkItem.created_at, WorkItem.id),
                   where=WorkItem.due_at.is_not(None)),
    paging.Segment("undated", (WorkItem.created_at, WorkItem.id), where=WorkItem.due_at.is_(None)),
)
ORDERS = {
    "due": DUE_ORDER,
    "created": (paging.Segment("created", (WorkItem.created_at, WorkItem.id), descending=True),),
    "case": (paging.Segment("case", (Case.ref, WorkItem.id),
                            values=lambda item: (item.case.ref, item.id)),),
}
MAX_PER_PAGE = 500


def task_filter(user: User, process: str | None = None, stage: str | None = None,
                county: str | None = None, mine: bool = False, cases: bool = True):
    """Return an unordered SELECT of the ready work items `user` may work on, filtered;
    joined with their cases, which a list shows. Without `cases` (a count) the join is
    made only to filter by procedure: every work item has its case, and reading each
    case for nothing made a count of a thousand items cost three times as much."""
    query = sa.select(WorkItem)
    if cases or process:
        query = query.join(Case, Case.id == WorkItem.case_id)
    query = query.where(WorkItem.status == "ready", access.workable_items(user))
    if process:
        query = query.where(Case.process_key == process)
    if stage:
        query = query.where(WorkItem.title == stage)
    if county:
        query = query.where(WorkItem.county == county)
    if mine:
        query = query.where(WorkItem.claimed_by_id == user.id)
    return query


def task_filter_by_ids(ids: list[str]):
    """Return a SELECT of the work items `ids` joined with their cases (for
    `listed_tasks.listed`)."""
    return sa.select(WorkItem).join(Case, Case.id == WorkItem.case_id).where(
        WorkItem.id.in_(ids))


def task_page(user: User, size: int = 100, after: str | None = None,
              before: str | None = None, sort: str = "due", where=None,
              **filters) -> paging.Page:
    """Return the page of `size` ready work items `user` may work on after (or before) a
    cursor, in `sort` order, also matching clause `where`; raise InvalidCursor."""
    segments = ORDERS.get(sort, DUE_ORDER)
    cursor = (paging.decode(after, segments)
              or paging.decode(before, segments, "before", backwards=True))
    query = task_filter(user, **filters)
    if where is not None:
        query = query.where(where)
    return paging.page(listed_tasks.listed(query), segments, min(max(size, 1), MAX_PER_PAGE),
                       cursor, listed_tasks.read)


def task_query(user: User, process: str | None = None, stage: str | None = None,
               county: str | None = None, mine: bool = False, sort: str = "due"):
    """Return a SELECT of the ready work items `user` may work on, filtered and sorted."""
    query = task_filter(user, process, stage, county, mine)
    order = {"due": (WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.created_at),
             "created": (WorkItem.created_at.desc(),),
             "case": (Case.ref,)}.get(sort, (WorkItem.created_at,))
    return query.order_by(*order)


def list_tasks(user: User, page: int = 1, per_page: int = 100,
               **filters) -> list[listed_tasks.ListedTask]:
    """Return one page of the ready work items `user` may work on (at most 500 a page)."""
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    if page <= 1:
        return task_page(user, per_page, **filters).rows
    query = listed_tasks.listed(task_query(user, **filters))
    return listed_tasks.read(query.limit(per_page).offset((page - 1) * per_page))


def stage_counts(user: User, cap: int = paging.CAP) -> dict[str, int]:
    """Return {task title: count} of the ready work items `user` may work on, each count
    stopping at cap + 1: one index seek per stage and at most cap + 1 entries counted."""
    mine = sa.and_(WorkItem.status == "ready", access.workable_items(user))
    counts: dict[str, int] = {}
    title = db.session.scalar(sa.select(sa.func.min(WorkItem.title)).where(mine))
    while title is not None:
        counts[title] = paging.capped_count(sa.select(WorkItem.id).where(
            mine, WorkItem.title == title), cap)
        title = db.session.scalar(sa.select(sa.func.min(WorkItem.title)).where(
            mine, WorkItem.title > title))
    return counts


# Inner joins: indexed lookups. Built once: building it cost more than running it.
_TASK = sa.select(WorkItem).where(WorkItem.id == sa.bindparam("task_id")).options(
    joinedload(WorkItem.case, innerjoin=True).joinedload(Case.process_version, innerjoin=True))


def get_task(user: User, task_id: str) -> WorkItem:
    """Return work item `task_id` if `user` may see its case; raise NotFound / NotAllowed.
    Its case's process version, which names the task's form, comes in the same statement."""
    item = db.session.scalars(_TASK, {"task_id": str(task_id)}).first()
    if item is None:
        raise NotFound(N_("No such task."))
    if user.role in ("applicant", "expert"):
        # An applicant never reads an official's form; an expert reviews independently.
        access.require_work(user, item)
    elif not access.can_work(user, item):
        access.require_case(user, item.case)
    return item


def form_for(item: WorkItem, lang: str = "zh", items: list[WorkItem] | None = None):
    """Return (FormDef, choices) of a work item's form (`items`: all of its case's, if read)."""
    form = catalog.case_form(item.case, item.form)
    sources = {f.option("choices_from") for field in form.fields
               for f in (field, *field.columns)}
    return form, {**catalog.choices_for(item.jurisdiction, lang, "experts" in sources),
                  **(corrections.choices(item.case, form, lang, items) if form.corrects
                     else {})}


def current_values(view: visibility.View, item: WorkItem) -> dict:
    """Return the values a work item's form holds now, as far as the reader may see them.

    A draft, else what completed this very item (a multi-instance item shares its variable
    with its siblings), else the case data the item will fill (a correction loop).
    """
    if item.draft is not None:
        return visibility.item_values(view, item, item.draft)
    if item.status == "completed":
        event = db.session.scalars(sa.select(Event).where(
            Event.case_id == item.case_id, Event.task_id == item.id,
            Event.kind == "task_completed").order_by(Event.seq.desc()).limit(1)).first()
        return visibility.item_values(view, item, event.data.get("form") if event else None)
    current = visibility.case_data(view).get(item.variable)
    if not isinstance(current, Mapping) or not item.form:
        return dict(current) if isinstance(current, Mapping) else {}
    return corrections.fresh_decision(catalog.case_form(item.case, item.form), current)


def task_detail(user: User, item: WorkItem, lang: str = "zh") -> dict:
    """Return the task as `GET /api/tasks/<id>` shows it: with JSON Schema and current values."""
    form, choices = form_for(item, lang)
    current = current_values(visibility.view_of(user, item.case), item)
    return {**task_json(item),
            "schema": formdefs.json_schema(form, choices, lang, item.case.data),
            "data": formdefs.default_values(form, current),
            "documentation": item.documentation, "case_lock_version": item.case.lock_version}


def _check_files(case: Case, form, data: Mapping) -> None:
    reasons = []
    for field in form.fields:
        if field.type != "file" or not data.get(field.name):
            continue
        ids = [str(i) for i in data[field.name]]
        found = set(db.session.scalars(sa.select(Attachment.id).where(
            Attachment.id.in_(ids), Attachment.case_id == case.id,
            Attachment.deleted_at.is_(None))))
        if set(ids) - found:
            reasons.append((field.name, N_("An attachment does not exist or belongs to another "
                                           "case; upload it again.")))
    if reasons:
        raise Rejected(N_("Invalid attachments."), reasons)


def _require_override(case: Case, form, clean: Mapping) -> None:
    """Approving over a failed automatic pre-check needs the override and its reason.

    The pre-check is advisory and the official decides (DESIGN.md, Rules), but never
    silently: on every form that offers `precheck_override`, whatever its diagram does next.
    """
    if "precheck_override" not in form.names() or not precheck.failed(case):
        return
    if clean.get("decision") != "approve":
        return
    reasons = []
    if not clean.get("precheck_override"):
        reasons.append(("precheck_override", N_("The automatic pre-check failed: to approve, "
                                                "tick the override and give the reason.")))
    elif not str(clean.get("precheck_override_reason") or "").strip():
        reasons.append(("precheck_override_reason", N_("Give the reason for overriding the "
                                                       "pre-check.")))
    if reasons:
        raise Rejected(N_("Please correct the marked fields."), reasons)


def _require_open_since(item: WorkItem, now: dt.datetime) -> None:
    """A task with notBefore waits for that instant (e.g. the end of a public notice, so that
    an objection received on its last day is still recorded); a draft may be saved earlier."""
    if item.not_before is not None and now < item.not_before:
        when = item.not_before.astimezone(calendar.SHANGHAI).strftime("%Y-%m-%d %H:%M")
        raise Rejected(N_("This task can be completed from %(when)s; until then you can save "
                          "a draft."), [("_", N_("This task can be completed from %(when)s; "
                                                 "until then you can save a draft."),
                                         {"when": when})], when=when)


def _lock_case_of(task_id: str) -> Case:
    """Lock the task's case before reading the task: every writer of a case takes the case row
    first, so they queue in one order and each reads what the one before it committed."""
    case = lock_case_of_task(task_id)
    if case is None:
        raise NotFound(N_("No such task."))
    return case


# Read as plain columns (services/row_reads.py). Built once: building the statement cost
# more than running it.
_ITEM = row_reads.Row(WorkItem)
_ITEMS_OF = sa.select(*_ITEM.columns).where(WorkItem.case_id == sa.bindparam("case_id"))


def _items_of(case: Case) -> list[WorkItem]:
    """Read every work item of the locked `case` once: the task itself, the open ones the
    step will sync, the forms the case's tasks filled (corrections), and what the case
    counts in the oversight rollups before it moves."""
    session = db.session()
    items = [_ITEM.load(session, row, {"case": case})
             for row in plain_rows(_ITEMS_OF, {"case_id": case.id})]
    oversight_rollups.remember_loaded(session, case, items)
    return items


def _open_item(user: User, task_id: str, items: list[WorkItem] | None = None) -> WorkItem:
    """Return the ready work item `task_id` that `user` may work on (from `items`, its case's
    read already, or read afresh); raise NotFound, NotAllowed or Conflict."""
    if items is not None:
        item = next((i for i in items if i.id == str(task_id)), None)
    else:
        item = db.session.get(WorkItem, str(task_id), populate_existing=True)
    if item is None:
        raise NotFound(N_("No such task."))
    access.require_work(user, item)
    if item.status != "ready":
        who = item.completed_by.name if item.completed_by else "?"
        raise Conflict(N_("This task was already completed by %(who)s; your submission was not "
                          "saved."),
                       who=who)
    return item


def _claimed_by_other(item: WorkItem) -> Conflict:
    holder = item.claimed_by
    return Conflict(N_("This task is claimed by %(who)s."), who=holder.name or holder.username)


def seen_digest(user: User, case: Case) -> str:
    """Return a digest of what `user` may see of `case`'s data (the task page's context).

    A form filled in against an older digest was filled in against data that has since
    changed for this reader. Another expert's opinion, which the reader never sees, does
    not change it: independent parallel tasks do not go stale because of each other.
    """
    visible = visibility.case_data(visibility.view_of(user, case))
    text = json.dumps(visible, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _require_current(user: User, case: Case, expected_version: int | None,
                     expected_seen: str | None) -> None:
    stale_version = expected_version is not None and case.lock_version != expected_version
    if stale_version or (expected_seen is not None and expected_seen != seen_digest(user, case)):
        raise Conflict(N_("The case changed while you were filling in the form; reload and "
                          "check before submitting."))


@retried
def complete_task(user: User, task_id: str, data: Mapping, now: dt.datetime,
                  lang: str = "zh", expected_version: int | None = None,
                  expected_seen: str | None = None, held: Held | None = None) -> Case:
    """Validate `data`, complete the task and move the case on; return the case, kept loaded
    as committed. `held` receives the case's ready work items and children after the step
    (the answer needs no query for them).

    Raises NotFound, NotAllowed, Rejected (nothing changed) or Conflict (already done,
    claimed by someone else, or the case changed since `expected_version` / the data the
    user saw, `expected_seen` from `seen_digest`).
    """
    with transaction(keep=True):
        case = _lock_case_of(task_id)
        items = _items_of(case)
        item = _open_item(user, task_id, items)
        if item.claimed_by_id not in (None, user.id):
            raise _claimed_by_other(item)
        _require_open_since(item, now)
        _require_current(user, case, expected_version, expected_seen)
        form, choices = form_for(item, lang, items)
        clean = formdefs.validate_data(form, dict(data), choices, lang, case.data)
        _require_override(case, form, clean)
        calls.require_recommendation_in_time(case, item, form.names(), clean, now)
        titles.require_credit_code_free(case, clean, now)
        titles.require_no_related_title(case, clean, now)
        _check_files(case, form, clean)
        step = engine.complete(catalog.spec_of(case.process_version), case.state, item.id,
                               clean, now, calendar_days.overrides())
        item.status, item.completed_by_id, item.completed_at = "completed", user.id, now
        item.draft = None
        progress.apply_step(case, step, now, user.username, "task_completed", items=items,
                            task=item.name, task_id=item.id,
                            data={"form": clean, "assignee": item.assignee,
                                  "title": item.title})
        if held is not None:
            held.keep(case, items)
    return case


def _set_claim(item: WorkItem, holder: User | None, expected: list[int | None]) -> bool:
    """Compare and set: give the claim to `holder` only if its holder is one of `expected`."""
    held = sa.or_(*[WorkItem.claimed_by_id.is_(None) if who is None
                    else WorkItem.claimed_by_id == who for who in expected])
    result = db.session.execute(
        sa.update(WorkItem).where(WorkItem.id == item.id, WorkItem.status == "ready", held)
        .values(claimed_by_id=holder.id if holder else None)
        .execution_options(synchronize_session="evaluate"))
    return result.rowcount == 1


@retried
def claim_task(user: User, task_id: str, now: dt.datetime) -> WorkItem:
    """Claim a ready work item for `user`; raise Conflict naming who holds it otherwise."""
    with transaction():
        _lock_case_of(task_id)
        item = _open_item(user, task_id)
        if not _set_claim(item, user, [None, user.id]):
            raise _claimed_by_other(item)
        _log(item, "claimed", user, now)
    return item


@retried
def release_task(user: User, task_id: str, now: dt.datetime) -> WorkItem:
    """Release `user`'s claim on a work item; raise Conflict if `user` does not hold it."""
    with transaction():
        _lock_case_of(task_id)
        item = _open_item(user, task_id)
        if not _set_claim(item, None, [user.id]):
            raise Conflict(N_("You have not claimed this task."))
        _log(item, "released", user, now)
    return item


def save_draft(user: User, task_id: str, data: Mapping, now: dt.datetime) -> WorkItem:
    """Keep unfinished form input on the work item (not validated, not in the case)."""
    with transaction():
        item = _open_item(user, task_id)
        item.draft = dict(data)
    return item


def _log(item: WorkItem, kind: str, user: User, now: dt.datetime) -> None:
    audit.append_event(item.case, kind, user.username, now, task=item.name, task_id=item.id)
