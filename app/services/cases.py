"""Case use cases: start, read, list, and the case as the API shows it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.errors import N_, NotAllowed, NotFound
from app.extensions import db
from app.models import Case, ProcessVersion, User, WorkItem
from app.services import (
    access,
    calls,
    catalog,
    divisions,
    legal_basis,
    progress,
    retried,
    titles,
    transaction,
    visibility,
)
from app.services.precheck import summary as precheck
from app.services.tasks import task_json

PAGE_SIZE = 50


@retried
def start_case(user: User, process_key: str, now: dt.datetime) -> Case:
    """Start a case of the latest version of `process_key` for applicant `user`; return it."""
    if user.role != "applicant":
        raise NotAllowed(N_("Only applicants can start an application."))
    with transaction():
        version = catalog.latest_process(process_key)
        if not version.startable or version.jurisdiction not in divisions.jurisdictions_of(user):
            raise NotAllowed(N_("This procedure cannot be started in your jurisdiction."))
        legal_basis.require_open(version, now)
        titles.require_no_valid_title(user, process_key, now)
        call = calls.open_call_for(process_key, now)
        case = progress.new_case(version, user, now, user.username)
        case.call_id = call.id if call else None
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


def list_cases(user: User, page: int = 1, **filters) -> list[Case]:
    """Return one page of the cases `user` may read, newest activity first."""
    query = case_query(user, **filters).limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)
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


def case_json(user: User, case: Case) -> dict:
    """Return the case as the JSON API shows it to `user`; raise NotAllowed."""
    view = visibility.view_of(user, case)
    items = db.session.scalars(sa.select(WorkItem).where(
        WorkItem.case_id == case.id, WorkItem.status == "ready").order_by(WorkItem.created_at))
    version: ProcessVersion = case.process_version
    return {
        "id": case.id, "ref": case.ref, "parent_id": case.parent_id,
        "children": [c.id for c in children_of(case)], "process": case.process_key,
        "version": version.version, "title": version.title, "jurisdiction": case.jurisdiction,
        "county": case.county, "base_name": case.base_name, "status": case.status,
        "stage": case.stage, "data": visibility.case_data(view),
        "tasks": [task_json(i) for i in visibility.tasks(view, items)], "ended": case.ended,
        "precheck": precheck(case) if visibility.shows_precheck(view) else None,
        "valid_from": _iso(case.valid_from), "valid_until": _iso(case.valid_until),
        "certificate_no": case.certificate_no, "next_timer_at": _iso(case.next_timer_at),
        "waiting": case.waiting, "lock_version": case.lock_version,
        "created_at": _iso(case.created_at), "updated_at": _iso(case.updated_at),
        "legal_basis": legal_basis.case_basis(case), "call_id": case.call_id,
    }
