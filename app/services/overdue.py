"""Overdue work: every ready work item past its deadline in an official's scope, whatever
its lane (an applicant's late annual summary is the county's and the city's concern too).

A page reads each lane's queue index (status, lane, jurisdiction[, county], due_at) from
the cursor on and merges them: a few index range scans whatever the number of cases.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.errors import N_, NotAllowed
from app.extensions import db
from app.models import User, WorkItem
from app.services import calendar_days, divisions, listed_tasks, paging, tasks

LIMIT = 500
LANES = ("applicant", *divisions.OFFICIAL_LEVELS, "expert")
LONGEST_FIRST = (paging.Segment("overdue", (WorkItem.due_at, WorkItem.created_at, WorkItem.id)),)


def _scope(user: User):
    if user.role in divisions.OFFICIAL_LEVELS:
        return divisions.in_scope(user, WorkItem.jurisdiction, WorkItem.county)
    return None


def sees_overdue(user: User) -> bool:
    """Return whether `user` has an overdue panel (county and city officials)."""
    return _scope(user) is not None


def is_overdue(now: dt.datetime):
    """Return a WHERE clause selecting the work items overdue at `now`: ready, past due."""
    return sa.and_(WorkItem.status == "ready", WorkItem.due_at < now)


def _lane_query(scope, lane: str, now: dt.datetime):
    return sa.select(WorkItem.id, WorkItem.due_at, WorkItem.created_at).where(
        is_overdue(now), WorkItem.lane == lane, scope)


def _page_ids(scope, now: dt.datetime, cursor: paging.Cursor | None, size: int) -> list[str]:
    [order] = LONGEST_FIRST
    parts = []
    for lane in LANES:
        part = _lane_query(scope, lane, now)
        if cursor is not None:
            part = part.where(order.beyond(cursor.key))
        parts.append(sa.select(part.order_by(*order.order()).limit(size).subquery()))
    merged = sa.union_all(*parts).subquery()
    return list(db.session.scalars(sa.select(merged.c.id).order_by(
        merged.c.due_at, merged.c.created_at, merged.c.id).limit(size)))


def _require_scope(user: User):
    scope = _scope(user)
    if scope is None:
        raise NotAllowed(N_("Only county and city officials follow overdue work."))
    return scope


def overdue_page(user: User, now: dt.datetime, size: int = LIMIT,
                 after: str | None = None) -> tuple[list[tuple[WorkItem, int]], str | None]:
    """Return ([(work item, working days overdue)], cursor of the next page or None) in
    `user`'s scope, longest overdue first; raise NotAllowed for roles without an overdue
    panel, InvalidCursor."""
    scope = _require_scope(user)
    cursor = paging.decode(after, LONGEST_FIRST)
    ids = _page_ids(scope, now, cursor, size + 1)
    rows = {i.id: i for i in listed_tasks.read(listed_tasks.listed(
        tasks.task_filter_by_ids(ids[:size])))}
    found = [rows[i] for i in ids[:size] if i in rows]
    known = calendar_days.overrides()
    after = paging.encode("overdue", LONGEST_FIRST[0].key(found[-1])) \
        if len(ids) > size and found else None
    return [(item, -calendar_days.working_days_left(item.due_at, now, known))
            for item in found], after


def overdue_items(user: User, now: dt.datetime, size: int = LIMIT) -> list[tuple[WorkItem, int]]:
    """Return the first `size` [(work item, working days overdue)] in `user`'s scope, longest
    overdue first; raise NotAllowed for roles without an overdue panel."""
    return overdue_page(user, now, size)[0]


def overdue_count(user: User, now: dt.datetime, cap: int = paging.CAP) -> int:
    """Return how many work items are overdue in `user`'s scope, counting to cap + 1."""
    scope = _require_scope(user)
    return min(sum(paging.capped_count(_lane_query(scope, lane, now), cap) for lane in LANES),
               cap + 1)


def overdue_json(user: User, now: dt.datetime, size: int = LIMIT,
                 after: str | None = None) -> tuple[list[dict], str | None]:
    """Return (the overdue work items as `GET /api/tasks/overdue` shows them, next cursor)."""
    found, after = overdue_page(user, now, size, after)
    return [{**tasks.task_json(item), "overdue_working_days": days}
            for item, days in found], after
