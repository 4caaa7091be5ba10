"""Overdue work: every ready work item past its deadline in an official's scope, whatever
its lane (an applicant's late annual summary is the county's and the city's concern too)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.errors import N_, NotAllowed
from app.extensions import db
from app.models import User, WorkItem
from app.services import calendar_days, divisions, tasks

LIMIT = 500


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


def overdue_items(user: User, now: dt.datetime) -> list[tuple[WorkItem, int]]:
    """Return [(work item, working days overdue)] in `user`'s scope, longest overdue first;
    raise NotAllowed for roles without an overdue panel."""
    scope = _scope(user)
    if scope is None:
        raise NotAllowed(N_("Only county and city officials follow overdue work."))
    query = (sa.select(WorkItem).options(joinedload(WorkItem.case))
             .where(is_overdue(now), scope)
             .order_by(WorkItem.due_at, WorkItem.created_at).limit(LIMIT))
    known = calendar_days.overrides()
    return [(item, -calendar_days.working_days_left(item.due_at, now, known))
            for item in db.session.scalars(query).unique()]


def overdue_json(user: User, now: dt.datetime) -> list[dict]:
    """Return the overdue work items as `GET /api/tasks/overdue` shows them."""
    return [{**tasks.task_json(item), "overdue_working_days": days}
            for item, days in overdue_items(user, now)]
