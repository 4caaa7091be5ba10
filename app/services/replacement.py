"""Replacing an expert who does not answer: the authority organising the review (the city,
or the province) gives their review to another expert.

Only a ready instance of a multi-instance expert task (one instance per expert) can be
given away. The engine changes the instance's `assignee`, the work item follows, and
the change is an audited event `expert_replaced` {task, from, to, reason} that the
audit replay re-executes.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app import engine
from app.errors import N_, Conflict, NotAllowed, NotFound, Rejected
from app.extensions import db
from app.models import User, WorkItem
from app.services import (
    calendar_days,
    catalog,
    divisions,
    lock_case,
    progress,
    retried,
    transaction,
)

MAX_REASON = 500
PLEASE_CORRECT = N_("Please correct the marked fields.")


def can_replace(user: User, item: WorkItem) -> bool:
    """Return whether `user` may give ready expert work item `item` to another expert."""
    return (_organises_experts(user, item)
            and item.status == "ready" and item.lane == "expert" and item.assignee is not None)


def _organises_experts(user: User, item: WorkItem) -> bool:
    """The authority owning the procedure (city or province) organises its expert review."""
    return (user.role == divisions.authority_level(item.jurisdiction)
            and divisions.covers(user, item.jurisdiction, item.county))


def replaceable(user: User, items: list[WorkItem]) -> list[WorkItem]:
    """Return the work items of `items` whose expert `user` may replace."""
    return [item for item in items if can_replace(user, item)]


def expert_choices(jurisdiction: str) -> list[tuple[str, str]]:
    """Return [(username, name)] of the active experts of `jurisdiction`."""
    return catalog.choices_for(jurisdiction).get("experts", [])


def _round(item: WorkItem) -> list[WorkItem]:
    """Return the instances of the same review round: created by the same engine step."""
    return list(db.session.scalars(sa.select(WorkItem).where(
        WorkItem.case_id == item.case_id, WorkItem.name == item.name,
        WorkItem.created_at == item.created_at, WorkItem.status != "cancelled")))


def _new_expert(item: WorkItem, username: str) -> User:
    expert = db.session.scalars(sa.select(User).where(
        User.username == username, User.role == "expert",
        User.jurisdiction == item.jurisdiction, User.active.is_(True))).first()
    if expert is None:
        raise Rejected(PLEASE_CORRECT, [("assignee", N_("No active expert of this "
                                                        "jurisdiction has that user name."))])
    if username == item.assignee:
        raise Rejected(PLEASE_CORRECT, [("assignee", N_("This expert already has the task."))])
    if any(other.assignee == username for other in _round(item)):
        raise Rejected(PLEASE_CORRECT, [("assignee", N_(
            "This expert already reviews this case in the same round; choose another."))])
    return expert


def _reason(text) -> str:
    reason = text.strip() if isinstance(text, str) else ""
    if not reason or len(reason) > MAX_REASON:
        raise Rejected(PLEASE_CORRECT, [("reason", N_(
            "Give the reason for the replacement (at most %(most)s characters)."),
            {"most": MAX_REASON})])
    return reason


def _replaceable_item(user: User, task_id: str) -> WorkItem:
    item = db.session.get(WorkItem, str(task_id), populate_existing=True)
    if item is None:
        raise NotFound(N_("No such task."))
    if not _organises_experts(user, item):
        raise NotAllowed(N_("Only the authority that organises the review can replace an "
                            "expert."))
    if item.status != "ready":
        raise Conflict(N_("This task is no longer open; reload to see the case as it is now."))
    if item.lane != "expert" or item.assignee is None:
        raise Rejected(N_("Only an open review assigned to one expert can be given to another "
                          "expert."))
    return item


@retried
def replace_expert(user: User, task_id: str, username: str, reason: str,
                   now: dt.datetime) -> tuple[WorkItem, User]:
    """Give ready expert task `task_id` to expert `username`; return (work item, expert).

    Raises NotFound, NotAllowed (not the case's city), Conflict (task no longer open) or
    Rejected (unknown or inactive expert, the same expert, one already reviewing this
    round, no reason).
    """
    with transaction():
        case_id = sa.select(WorkItem.case_id).where(WorkItem.id == str(task_id))
        case = lock_case(case_id.scalar_subquery())
        if case is None:
            raise NotFound(N_("No such task."))
        item = _replaceable_item(user, task_id)
        expert, why = _new_expert(item, str(username or "")), _reason(reason)
        previous = item.assignee
        step = engine.reassign(catalog.spec_of(case.process_version), case.state, item.id,
                               expert.username, now, calendar_days.overrides())
        # The draft and the claim were the previous expert's own.
        item.assignee, item.claimed_by_id, item.draft = expert.username, None, None
        progress.apply_step(case, step, now, user.username, "expert_replaced", task=item.name,
                            task_id=item.id, data={"task": item.title, "from": previous,
                                                   "to": expert.username, "reason": why})
    return item, expert
