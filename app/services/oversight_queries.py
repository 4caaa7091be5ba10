"""The oversight dashboard's queries: sums over the rollup rows (oversight_rollups.py), so
that their cost grows with the number of groups returned, not with the number of cases.
Each takes a WHERE clause on OversightRollup (the reader's divisions and filters) and returns
plain rows; app/services/oversight.py names and assembles them.

Days and years are those of Asia/Shanghai, as the rollups count them.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.extensions import db
from app.models import OversightRollup as R
from app.services.oversight_rollups import due_month


def _sum(where, figures: str | tuple[str, ...], year: int | None, *columns,
         extra=()) -> list[sa.Row]:
    """Return (*columns, count, *extra) per group of `columns` among the rows of `figures`."""
    figures = (figures,) if isinstance(figures, str) else figures
    query = (sa.select(*columns, sa.func.sum(R.n), *extra)
             .where(where, R.figure.in_(figures), R.n != 0)
             .group_by(*columns).having(sa.func.sum(R.n) > 0).order_by(*columns))
    if year:
        query = query.where(R.year == year)
    return list(db.session.execute(query))


def cases_by_stage(where, year: int | None) -> list[sa.Row]:
    """Return (process_key, stage, cases, open) per procedure and stage (principal cases)."""
    return _sum(where, "stage", year, R.process_key, R.label,
                extra=(sa.func.sum(sa.case((R.number == 1, R.n), else_=0)),))


def cases_by_county(where, year: int | None) -> list[sa.Row]:
    """Return (jurisdiction, county, status, cases) per county and status (principal cases)."""
    return _sum(where, "county", year, R.jurisdiction, R.county, R.label)


def step_days(where, year: int | None) -> list[sa.Row]:
    """Return (process_key, task name, lane, title, working days, tasks, first day) of the
    completed work items (in `year`, by completion); first day: the earliest came."""
    return _sum(where, "step", year, R.process_key, R.label, R.lane, R.title, R.number,
                extra=(sa.func.min(R.first_day),))


GROUP = (R.jurisdiction, R.county, R.process_key, R.label, R.lane, R.title)


def overdue_tasks(where, now: dt.datetime) -> list[tuple]:
    """Return (jurisdiction, county, process_key, task name, lane, title, tasks, earliest due)
    of the ready work items past their deadline at `now`.

    Deadlines of the months before this one have all passed: their counts come from the
    per-month rows ("ready_month"); this month's deadlines are compared one by one; the
    earliest deadline is looked up among the exact rows of each group's earliest month only.
    So the rows read depend on the groups and months, never on the number of cases."""
    month = due_month(now)
    counts: dict[tuple, list] = {}
    earliest_month: dict[tuple, int] = {}
    for *group, tasks, first in db.session.execute(
            sa.select(*GROUP, sa.func.sum(R.n), sa.func.min(R.year))
            .where(where, R.figure == "ready_month", R.year < month, R.n > 0)
            .group_by(*GROUP)):
        counts[tuple(group)] = [int(tasks), None]
        earliest_month[tuple(group)] = first
    for *group, tasks, due in db.session.execute(
            sa.select(*GROUP, sa.func.sum(R.n), sa.func.min(R.due_at))
            .where(where, R.figure == "ready", R.year == month, R.due_at < now, R.n > 0)
            .group_by(*GROUP)):
        entry = counts.setdefault(tuple(group), [0, None])
        entry[0] += int(tasks)
        entry[1] = due
    months = sorted(set(earliest_month.values()))
    if months:
        for *group, found, due in db.session.execute(
                sa.select(*GROUP, R.year, sa.func.min(R.due_at))
                .where(where, R.figure == "ready", R.year.in_(months), R.n > 0)
                .group_by(*GROUP, R.year)):
            if earliest_month.get(tuple(group)) == found:
                counts[tuple(group)][1] = due
    return [(*group, tasks, due) for group, (tasks, due) in counts.items()
            if tasks > 0 and due is not None]


def annual_reports(where, year: int | None, tasks: dict[str, str]) -> list[tuple]:
    """Return (year opened, reports due, reports received) of the cases of the annual report
    procedures `tasks` ({process key: the applicant's report task}): received = that task
    completed."""
    if not tasks:
        return []
    due = _sum(sa.and_(where, R.process_key.in_(sorted(tasks))), "opened", year, R.year)
    received = _sum(sa.and_(where, sa.or_(*(sa.and_(R.process_key == key, R.label == name)
                                            for key, name in tasks.items()))),
                    "done", year, R.year)
    done = {found: count for found, count in received}
    return [(found, count, done.get(found, 0)) for found, count in due]


def titles_per_year(where, year: int | None) -> list[sa.Row]:
    """Return (figure, year, titles) of the principal titles: "recognition" by the year their
    validity starts, "expiry" by the year it ends (revoked titles never expire), and
    "revocation" by the year of the decision (`revoked_on`, else the case's last move)."""
    return _sum(where, ("recognition", "expiry", "revocation"), year, R.figure, R.year)
