"""The worklist page: the user's claimed and claimable work items, filtered, with stage counts.

Two indexed queries on work_item, whatever the number of cases: the filtered list
(joined with its case and claimant) and the counts per stage.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import contains_eager, joinedload

from app.extensions import db
from app.models import Case, User, WorkItem
from app.services import catalog, divisions, overdue, tasks

SOON = dt.timedelta(days=3)
LIMIT = 500


@dataclass
class Worklist:
    mine: list[WorkItem] = field(default_factory=list)
    claimable: list[WorkItem] = field(default_factory=list)
    claimed_by_others: list[WorkItem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    processes: dict[str, str] = field(default_factory=dict)
    counties: dict[str, str] = field(default_factory=dict)
    county_filter: bool = False
    # County and city: every overdue item of their scope, any lane, with working days late.
    overdue: list[tuple[WorkItem, int]] | None = None

    @property
    def total(self) -> int:
        return len(self.mine) + len(self.claimable) + len(self.claimed_by_others)


def _due_filter(query, due: str | None, now: dt.datetime):
    if due == "overdue":
        return query.where(WorkItem.due_at < now)
    if due == "soon":
        return query.where(WorkItem.due_at >= now, WorkItem.due_at <= now + SOON)
    if due == "none":
        return query.where(WorkItem.due_at.is_(None))
    return query


def _filter_options(user: User, lang: str) -> tuple[dict, dict]:
    served = divisions.jurisdictions_of(user)
    processes = {p.key: (p.title_en if lang == "en" and p.title_en else p.title)
                 for p in catalog.latest_processes() if p.jurisdiction in served}
    counties = {}
    for key in served:
        record = catalog.jurisdiction(key)
        counties.update({c["code"]: record.county_name(c["code"], lang) for c in record.counties})
    return processes, counties


def worklist(user: User, now: dt.datetime, process: str | None = None,
             stage: str | None = None, county: str | None = None, due: str | None = None,
             sort: str = "due", lang: str = "zh") -> Worklist:
    """Return the user's worklist at `now`, filtered and sorted, with counts per stage."""
    query = tasks.task_query(user, process=process or None, stage=stage or None,
                             county=county or None, sort=sort)
    query = _due_filter(query, due, now).options(
        contains_eager(WorkItem.case).lazyload(Case.process_version),
        joinedload(WorkItem.claimed_by))
    result = Worklist(counts=tasks.stage_counts(user),
                      county_filter=user.role in ("city", "province", "expert"))
    for item in db.session.scalars(query.limit(LIMIT)).unique():
        if item.claimed_by_id == user.id:
            result.mine.append(item)
        elif item.claimed_by_id is None:
            result.claimable.append(item)
        else:
            result.claimed_by_others.append(item)
    result.processes, result.counties = _filter_options(user, lang)
    if overdue.sees_overdue(user):
        result.overdue = overdue.overdue_items(user, now)
    return result


def assigned_to_applicant(user: User) -> list[WorkItem]:
    """Return the ready work items an applicant must do, oldest first."""
    query = tasks.task_query(user, sort="due").options(
        contains_eager(WorkItem.case).lazyload(Case.process_version))
    return list(db.session.scalars(query.limit(LIMIT)))

