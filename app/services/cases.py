"""Case use cases: start, read, list, and the case as the API shows it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import defer, lazyload, selectinload

from app.errors import N_, NotAllowed, NotFound
from app.extensions import db
from app.models import Case, ProcessVersion, User, WorkItem
from app.services import (
    access,
    calls,
    catalog,
    divisions,
    legal_basis,
    paging,
    progress,
    retried,
    titles,
    transaction,
    visibility,
)
from app.services.held import Held, child_ids
from app.services.precheck import summary as precheck
from app.services.tasks import task_json

PAGE_SIZE = 50
NEWEST_FIRST = (paging.Segment("newest", (Case.updated_at, Case.id), descending=True),)


@retried
def start_case(user: User, process_key: str, now: dt.datetime,
               held: Held | None = None) -> Case:
    """Start a case of the latest version of `process_key` for applicant `user`; return it,
    kept loaded as committed. `held` receives its ready work items and children."""
    if user.role != "applicant":
        raise NotAllowed(N_("Only applicants can start an application."))
    items = []
    with transaction(keep=True):
        version = catalog.latest_process(process_key)
        if not version.startable or version.jurisdiction not in divisions.jurisdictions_of(user):
            raise NotAllowed(N_("This procedure cannot be started in your jurisdiction."))
        legal_basis.require_open(version, now)
        titles.require_no_valid_title(user, process_key, now)
        call = calls.open_call_for(process_key, now)
        case = progress.new_case(version, user, now, user.username,
                                 call_id=call.id if call else None, items=items)
        if held is not None:
            held.keep(case, items)
    return case


def get_case(user: User, case_id: int) -> Case:
    """Return case `case_id` if `user` may read it; raise NotFound / NotAllowed."""
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound(N_("No such case."))
    access.require_case(user, case)
    return case


def get_case_by_ref(user: User, ref: str) -> Case:
    """Return the case with reference `ref` if `user` may read it."""
    case = db.session.scalars(sa.select(Case).where(Case.ref == ref)).first()
    if case is None:
        raise NotFound(N_("No such case."))
    access.require_case(user, case)
    return case


def case_query(user: User, status: str | None = None, process: str | None = None,
               county: str | None = None, year: int | None = None, q: str | None = None):
    """Return a SELECT of the cases `user` may read, filtered."""
    query = sa.select(Case).where(access.visible_cases(user))
    if status:
        query = query.where(Case.status == status)
    if process:
        query = query.where(Case.process_key == process)
    if county:
        query = query.where(Case.county == county)
    if year:
        start = dt.datetime(year, 1, 1, tzinfo=dt.timezone.utc)
        query = query.where(Case.created_at >= start,
                            Case.created_at < start.replace(year=year + 1))
    if q:
        like = f"%{q.strip()}%"
        query = query.where(sa.or_(Case.ref.ilike(like), Case.base_name.ilike(like)))
    return query.order_by(Case.updated_at.desc(), Case.id.desc())


def case_page(user: User, after: str | None = None, before: str | None = None,
              light: bool = False, **filters) -> paging.Page:
    """Return the page of PAGE_SIZE cases `user` may read after (or before) a cursor, newest
    activity first; `light` leaves their data unread; raise InvalidCursor."""
    cursor = (paging.decode(after, NEWEST_FIRST)
              or paging.decode(before, NEWEST_FIRST, "before", backwards=True))
    query = case_query(user, **filters).order_by(None)
    if light:
        query = query.options(defer(Case.data))
    return paging.page(query, NEWEST_FIRST, PAGE_SIZE, cursor)


def list_cases(user: User, page: int = 1, **filters) -> list[Case]:
    """Return one page of the cases `user` may read, newest activity first."""
    if page <= 1:
        return case_page(user, **filters).rows
    query = case_query(user, **filters).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    return list(db.session.scalars(query))


def visible_events(user: User, case: Case) -> list[dict]:
    """Return the case's audit events as `user` may read them.

    An event whose data the reader sees only in part is marked "redacted" (its hash then
    covers data the reader cannot see); events the reader may not know of are left out.
    """
    return [{"seq": s.event.seq, "at": s.event.at.isoformat(), "actor": s.event.actor,
             "kind": s.event.kind, "task": s.event.task, "task_id": s.event.task_id,
             "data": s.data,
             "state_hash": s.event.state_hash, "hash": s.event.hash, "redacted": s.redacted,
             "calendar": s.event.calendar}
            for s in visibility.events(visibility.view_of(user, case))]


def children_of(case: Case) -> list[Case]:
    """Return the child cases of `case`."""
    return list(db.session.scalars(sa.select(Case).where(Case.parent_id == case.id)
                                   .order_by(Case.id)))


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def case_json(user: User, case: Case, held: Held | None = None) -> dict:
    """Return the case as the JSON API shows it to `user`; raise NotAllowed. `held`: its
    ready work items and children, when the use case read them under its lock."""
    if held is None:
        return cases_json(user, [case])[0]
    return cases_json(user, [case], ready={case.id: held.ready},
                      children={case.id: held.children})[0]


def _ready_items(case_ids: list[int]) -> dict[int, list[WorkItem]]:
    found: dict[int, list[WorkItem]] = {i: [] for i in case_ids}
    for item in db.session.scalars(sa.select(WorkItem).where(
            WorkItem.case_id.in_(case_ids), WorkItem.status == "ready")
            # Their cases are the page's, already in the session: no join to read them again.
            .options(lazyload(WorkItem.case), selectinload(WorkItem.claimed_by))
            .order_by(WorkItem.created_at, WorkItem.id)):
        found[item.case_id].append(item)
    return found


def cases_json(user: User, found: list[Case], summary: bool = False,
               ready: dict[int, list[WorkItem]] | None = None,
               children: dict[int, list[int]] | None = None) -> list[dict]:
    """Return `found` as the JSON API lists them to `user`: their children, ready tasks and
    views read in one query each for the whole page (`ready`: {case id: its ready items},
    `children`: {case id: its children's ids}, when held already); `summary` leaves out
    their data and pre-check. Raise NotAllowed."""
    ids = [c.id for c in found]
    views = visibility.views_of(user, found)
    items = ready or _ready_items(ids)
    children = children if children is not None else child_ids(ids)
    return [_entry(views[c.id], items[c.id], children[c.id], summary) for c in found]


def _entry(view: visibility.View, items: list[WorkItem], children: list[int],
           summary: bool) -> dict:
    case = view.case
    version: ProcessVersion = case.process_version
    entry = {
        "id": case.id, "ref": case.ref, "parent_id": case.parent_id,
        "children": children, "process": case.process_key,
        "version": version.version, "title": version.title, "jurisdiction": case.jurisdiction,
        "county": case.county, "base_name": case.base_name, "status": case.status,
        "stage": case.stage, "data": None if summary else visibility.case_data(view),
        "tasks": [task_json(i) for i in visibility.tasks(view, items)], "ended": case.ended,
        "precheck": None if summary or not visibility.shows_precheck(view) else precheck(case),
        "valid_from": _iso(case.valid_from), "valid_until": _iso(case.valid_until),
        "certificate_no": case.certificate_no, "next_timer_at": _iso(case.next_timer_at),
        "waiting": case.waiting, "lock_version": case.lock_version,
        "created_at": _iso(case.created_at), "updated_at": _iso(case.updated_at),
        "legal_basis": legal_basis.case_basis(case), "call_id": case.call_id,
    }
    if summary:
        del entry["data"], entry["precheck"]
    return entry
