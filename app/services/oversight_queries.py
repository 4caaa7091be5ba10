"""The oversight dashboard's aggregate queries: GROUP BY in the database, on indexed columns
(migration 0012), so that their cost grows with the number of groups returned, not with the
number of cases. Each takes a WHERE clause on Case (the reader's scope and filters) and
returns plain rows; app/services/oversight.py names and assembles them.

Instants are stored in UTC; days and years are those of Asia/Shanghai, computed in SQL by
the two dialects' own functions (`local_day`).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.calendar import SHANGHAI
from app.extensions import db
from app.models import Case, WorkItem


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def local_day(column) -> sa.ColumnElement:
    """SQL: the Asia/Shanghai calendar day of an instant column as 'YYYY-MM-DD' text."""
    if _postgresql():
        return sa.func.to_char(sa.func.timezone("Asia/Shanghai", column), "YYYY-MM-DD")
    return sa.func.date(column, "+8 hours")  # SQLite keeps UTC without a zone


def local_year(column) -> sa.ColumnElement:
    """SQL: the Asia/Shanghai year of an instant column as 'YYYY' text."""
    return sa.func.substr(local_day(column), 1, 4)


def in_local_year(column, year: int) -> sa.ColumnElement:
    """SQL: the instant column falls in `year` (Asia/Shanghai); a range the index serves."""
    start = dt.datetime(year, 1, 1, tzinfo=SHANGHAI)
    return sa.and_(column >= start, column < start.replace(year=year + 1))


def in_year(column, year: int) -> sa.ColumnElement:
    """SQL: the date column falls in `year`."""
    return column.between(dt.date(year, 1, 1), dt.date(year, 12, 31))


def _open() -> sa.ColumnElement:
    return sa.func.sum(sa.case((Case.ended.is_(False), 1), else_=0))


def cases_by_stage(where) -> list[sa.Row]:
    """Return (process_key, stage, cases, open) per procedure and stage."""
    query = (sa.select(Case.process_key, Case.stage, sa.func.count(), _open()).where(where)
             .group_by(Case.process_key, Case.stage).order_by(Case.process_key, Case.stage))
    return list(db.session.execute(query))


def cases_by_county(where) -> list[sa.Row]:
    """Return (jurisdiction, county, status, cases) per county and status."""
    query = (sa.select(Case.jurisdiction, Case.county, Case.status, sa.func.count()).where(where)
             .group_by(Case.jurisdiction, Case.county, Case.status))
    return list(db.session.execute(query))


def step_days(where, year: int | None) -> list[sa.Row]:
    """Return (process_key, task name, lane, title, created day, completed day, tasks) of the
    completed work items (in `year`, by completion): days as 'YYYY-MM-DD' text."""
    created, completed = local_day(WorkItem.created_at), local_day(WorkItem.completed_at)
    query = (sa.select(Case.process_key, WorkItem.name, WorkItem.lane, WorkItem.title, created,
                       completed, sa.func.count())
             .join(Case, Case.id == WorkItem.case_id)
             .where(where, WorkItem.status == "completed", WorkItem.completed_at.is_not(None))
             .group_by(Case.process_key, WorkItem.name, WorkItem.lane, WorkItem.title, created,
                       completed))
    if year:
        query = query.where(in_local_year(WorkItem.completed_at, year))
    return list(db.session.execute(query))


def overdue_tasks(where, overdue) -> list[sa.Row]:
    """Return (jurisdiction, county, process_key, task name, lane, title, tasks, earliest due)
    of the work items matching `overdue` (a WHERE clause on WorkItem)."""
    query = (sa.select(Case.jurisdiction, Case.county, Case.process_key, WorkItem.name,
                       WorkItem.lane, WorkItem.title, sa.func.count(), sa.func.min(WorkItem.due_at))
             .join(Case, Case.id == WorkItem.case_id).where(where, overdue)
             .group_by(Case.jurisdiction, Case.county, Case.process_key, WorkItem.name,
                       WorkItem.lane, WorkItem.title))
    return list(db.session.execute(query))


def annual_reports(where, tasks: dict[str, str]) -> list[sa.Row]:
    """Return (year opened, reports due, reports received) of the cases of the annual report
    procedures `tasks` ({process key: the applicant's report task}): received = that task
    completed."""
    if not tasks:
        return []
    received = sa.exists().where(
        WorkItem.case_id == Case.id, WorkItem.status == "completed",
        sa.or_(*(sa.and_(Case.process_key == key, WorkItem.name == name)
                 for key, name in tasks.items())))
    year = local_year(Case.created_at)
    query = (sa.select(year, sa.func.count(), sa.func.sum(sa.case((received, 1), else_=0)))
             .where(where, Case.process_key.in_(sorted(tasks))).group_by(year))
    return list(db.session.execute(query))


def recognitions(where) -> list[sa.Row]:
    """Return (year, titles) by the year their validity starts."""
    year = sa.extract("year", Case.valid_from)
    return list(db.session.execute(sa.select(year, sa.func.count())
                                   .where(where, Case.valid_from.is_not(None)).group_by(year)))


def expiries(where) -> list[sa.Row]:
    """Return (year, titles) by the year their validity ends; revoked titles never expire."""
    year = sa.extract("year", Case.valid_until)
    return list(db.session.execute(
        sa.select(year, sa.func.count())
        .where(where, Case.valid_until.is_not(None), Case.status != "revoked").group_by(year)))


def revocations(where) -> list[sa.Row]:
    """Return (year, titles) by the year of the revocation decision (`revoked_on`, which every
    revocation path records; else the day the case last moved)."""
    day = sa.func.coalesce(Case.data["revoked_on"].as_string(), local_day(Case.updated_at))
    year = sa.func.substr(day, 1, 4)
    return list(db.session.execute(sa.select(year, sa.func.count())
                                   .where(where, Case.status == "revoked").group_by(year)))
