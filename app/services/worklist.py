"""The worklist page: the user's claimed and claimable work items, filtered, with counts.

One page of PAGE_SIZE rows at a time (keyset cursors, app/services/paging.py), read with
the case summaries in one statement; counts per stage and per kind are capped at
paging.CAP, so the page costs the same with a thousand open tasks or a hundred thousand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.models import User, WorkItem
from app.services import catalog, divisions, overdue, paging, task_deadlines, tasks

PAGE_SIZE = 50
OVERDUE_SHOWN = 50


@dataclass
class Worklist:
    mine: list[WorkItem] = field(default_factory=list)
    claimable: list[WorkItem] = field(default_factory=list)
    claimed_by_others: list[WorkItem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    processes: dict[str, str] = field(default_factory=dict)
    counties: dict[str, str] = field(default_factory=dict)
    county_filter: bool = False
    # County and city: the longest overdue items of their scope, any lane, with working days
    # late, and how many there are (capped).
    overdue: list[tuple[WorkItem, int]] | None = None
    overdue_count: int = 0
    # Capped counts of the whole filtered list: claimed by me, claimable, mine overdue.
    totals: dict[str, int] = field(default_factory=dict)
    after: str | None = None  # cursor of the next page
    before: str | None = None  # cursor of the previous page

    @property
    def total(self) -> int:
        return len(self.mine) + len(self.claimable) + len(self.claimed_by_others)


def _due_clause(due: str | None, now: dt.datetime):
    if due == "overdue":
        return WorkItem.due_at < now
    if due == "soon":  # within task_deadlines.SOON_WORKING_DAYS working days, today counted
        return sa.and_(WorkItem.due_at > now, WorkItem.due_at <= task_deadlines.soon_until(now))
    if due == "none":
        return WorkItem.due_at.is_(None)
    return None


def _filter_options(user: User, lang: str) -> tuple[dict, dict]:
    served = divisions.jurisdictions_of(user)
    processes = {p.key: (p.title_en if lang == "en" and p.title_en else p.title)
                 for p in catalog.latest_titles() if p.jurisdiction in served}
    counties = {}
    for key in served:
        record = catalog.jurisdiction(key)
        counties.update({c["code"]: record.county_name(c["code"], lang) for c in record.counties})
    return processes, counties


def _totals(user: User, now: dt.datetime, filters: dict, due) -> dict[str, int]:
    query = tasks.task_filter(user, **filters, cases=False).with_only_columns(WorkItem.id)
    if due is not None:
        query = query.where(due)
    unclaimed = WorkItem.claimed_by_id.is_(None)
    mine = sa.and_(WorkItem.claimed_by_id.is_not(None), WorkItem.claimed_by_id == user.id)
    return {"mine": paging.capped_count(query.where(mine)),
            "claimable": paging.capped_count(query.where(unclaimed)),
            "overdue": paging.capped_count(query.where(
                WorkItem.due_at < now, sa.or_(unclaimed, WorkItem.claimed_by_id == user.id)))}


def worklist(user: User, now: dt.datetime, process: str | None = None,
             stage: str | None = None, county: str | None = None, due: str | None = None,
             sort: str = "due", lang: str = "zh", after: str | None = None,
             before: str | None = None) -> Worklist:
    """Return the page of the user's worklist at `now` after (or before) a cursor, filtered
    and sorted, with counts; raise InvalidCursor."""
    filters = {"process": process or None, "stage": stage or None, "county": county or None}
    clause = _due_clause(due, now)
    page = tasks.task_page(user, PAGE_SIZE, after, before, sort, where=clause, **filters)
    result = Worklist(counts=tasks.stage_counts(user), after=page.after, before=page.before,
                      county_filter=user.role in ("city", "province", "expert"),
                      totals=_totals(user, now, filters, clause))
    for item in page.rows:
        if item.claimed_by_id == user.id:
            result.mine.append(item)
        elif item.claimed_by_id is None:
            result.claimable.append(item)
        else:
            result.claimed_by_others.append(item)
    result.processes, result.counties = _filter_options(user, lang)
    if overdue.sees_overdue(user):
        result.overdue = overdue.overdue_items(user, now, OVERDUE_SHOWN)
        result.overdue_count = overdue.overdue_count(user, now)
    return result


def assigned_to_applicant(user: User) -> list[WorkItem]:
    """Return the first PAGE_SIZE ready work items an applicant must do, oldest first."""
    return tasks.task_page(user, PAGE_SIZE).rows
