"""The oversight dashboard: cases by stage and county, median working days per step, overdue
work, annual reports, and recognitions, expiries and revocations per year.

For city and province officials, auditors and administrators. Every figure counts only the
cases the reader may see (access.visible_cases), optionally of one jurisdiction among theirs
and of one year. The definitions are in docs/OPERATIONS.md "Oversight dashboard".
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict

import sqlalchemy as sa

from app import calendar
from app.errors import N_, NotAllowed, Rejected
from app.extensions import db
from app.models import Jurisdiction, OversightRollup, User
from app.services import access, calendar_days, catalog, divisions
from app.services import oversight_queries as queries

READERS = ("city", "province", "auditor", "admin")
ANNUAL_REPORT_OPTION = "annual_report"  # meta.yaml: the annual report procedure's report task


class BadFilter(Rejected):
    """A filter the reader may not use: 400, nothing computed."""

    status = 400


def require_reader(user: User) -> None:
    """Raise NotAllowed unless `user` may open the dashboard."""
    if user.role not in READERS:
        raise NotAllowed(N_("Only city and provincial officials, auditors and administrators "
                            "see the oversight dashboard."))


def jurisdictions(user: User) -> list[Jurisdiction]:
    """Return the jurisdictions whose figures `user` may choose among."""
    query = sa.select(Jurisdiction).order_by(Jurisdiction.key)
    if user.role in divisions.OFFICIAL_LEVELS:
        query = query.where(Jurisdiction.key.in_(divisions.jurisdictions_of(user)))
    elif user.jurisdiction is not None:
        query = query.where(Jurisdiction.key == user.jurisdiction)
    return list(db.session.scalars(query))


def _scope(user: User, jurisdiction: str | None, records: list[Jurisdiction]):
    """Return a WHERE clause on the rollups: the divisions `user` reads (access.py), of
    `jurisdiction` when one is asked for."""
    keys = [record.key for record in records]
    if jurisdiction and jurisdiction not in keys:
        message = N_("jurisdiction must be one of yours: %(values)s.")
        raise BadFilter(message, [("jurisdiction", message, {"values": ", ".join(keys)})],
                        values=", ".join(keys))
    where = access.visible_divisions(user, OversightRollup.jurisdiction, OversightRollup.county)
    if where is None:  # require_reader lets only readers of whole divisions in
        where = sa.false()
    return sa.and_(where, OversightRollup.jurisdiction == jurisdiction) if jurisdiction \
        else where


def _name(record, field: str, lang: str) -> str:
    return (getattr(record, f"{field}_en", "") if lang == "en" else "") or getattr(record, field)


def _working_day_index(days: set[dt.date]) -> dict[dt.date, int]:
    """Return {day: working days from the first of `days` up to it} for the whole span."""
    if not days:
        return {}
    known, first, last = calendar_days.overrides(), min(days), max(days)
    index, count = {}, 0
    for offset in range((last - first).days + 1):
        day = first + dt.timedelta(days=offset)
        count += calendar.is_working_day(day, known)
        index[day] = count
    return index


def _median(histogram: Counter) -> float:
    return float(statistics.median(histogram.elements()))


def step_durations(where, year: int | None, titles: dict) -> list[dict]:
    """Return per procedure and step: tasks completed and their median working days (after
    the day the task came, up to the day it was done, as deadlines count them: done the same
    day is 0, the next working day 1)."""
    steps: dict[tuple, dict] = {}
    for key, task, lane, title, days, tasks, first in queries.step_days(where, year):
        step = steps.setdefault((key, task), {
            "process": key, "process_title": titles.get(key, key), "task": task,
            "title": title, "lane": lane, "histogram": Counter(), "first": first})
        step["first"] = min(step["first"], first)
        step["histogram"][days] += tasks
    result = []
    # In the order the steps first came, which is mostly the procedure's own order.
    for step in sorted(steps.values(), key=lambda s: (s["process"], s["first"], s["task"])):
        histogram, _first = step.pop("histogram"), step.pop("first")
        result.append({**step, "completed": histogram.total(),
                       "median_working_days": _median(histogram)})
    return result


def _county(records: dict, jurisdiction: str, county: str | None, lang: str) -> str:
    record = records.get(jurisdiction)
    return record.county_name(county, lang) if record and county else ""


def cases_by_stage(where, year: int | None, titles: dict) -> list[dict]:
    """Return the principal cases (opened in `year`) per procedure and stage (the stage the
    case list shows)."""
    return [{"process": key, "process_title": titles.get(key, key), "stage": stage or "",
             "cases": cases, "open": int(open_ or 0)}
            for key, stage, cases, open_ in queries.cases_by_stage(where, year)]


def cases_by_county(where, year: int | None, records: dict, lang: str) -> list[dict]:
    """Return the principal cases (opened in `year`) per county with their count per
    status."""
    counties: dict[tuple, dict] = {}
    for jurisdiction, county, status, cases in queries.cases_by_county(where, year):
        entry = counties.setdefault((jurisdiction, county or ""), {
            "jurisdiction": jurisdiction, "county": county,
            "county_name": _county(records, jurisdiction, county, lang), "cases": 0,
            "statuses": {}})
        entry["cases"] += cases
        entry["statuses"][status] = cases
    return [counties[key] for key in sorted(counties)]


def overdue_now(where, now: dt.datetime, records: dict, titles: dict, lang: str) -> list[dict]:
    """Return the ready tasks past their deadline at `now`, per county and step, with the
    working days since the earliest deadline's last day, today counted (as the worklist's
    overdue panel counts them: calendar_days.working_days_left)."""
    rows = sorted(queries.overdue_tasks(where, now),
                  key=lambda row: (row[7], row[0], row[1] or "", row[2], row[3]))
    today = now.astimezone(calendar.SHANGHAI).date()
    index = _working_day_index({today} | {calendar_days.last_day(row[7]) for row in rows})
    return [{"jurisdiction": jurisdiction, "county": county,
             "county_name": _county(records, jurisdiction, county, lang), "process": key,
             "process_title": titles.get(key, key), "task": task, "lane": lane, "title": title,
             "tasks": tasks, "earliest_due_at": due.isoformat(),
             "most_working_days_overdue": index[today] - index[calendar_days.last_day(due)]}
            for jurisdiction, county, key, task, lane, title, tasks, due in rows]


def annual_report_tasks(versions: list | None = None) -> dict[str, str]:
    """Return {process key: report task} of the annual report procedures (meta.yaml option)
    among `versions` (the latest of each procedure when not given)."""
    return {version.key: version.options[ANNUAL_REPORT_OPTION]
            for version in (catalog.latest_processes() if versions is None else versions)
            if (version.options or {}).get(ANNUAL_REPORT_OPTION)}


def annual_reports(where, year: int | None, versions: list | None = None) -> list[dict]:
    """Return per year (the year the report was asked for): reports due, received, missing."""
    rows = queries.annual_reports(where, year, annual_report_tasks(versions))
    return [{"year": int(found), "due": due, "received": int(received or 0),
             "missing": due - int(received or 0)} for found, due, received in sorted(rows)]


FIGURES = {"recognition": "recognitions", "expiry": "expiries", "revocation": "revocations"}


def titles_per_year(where, year: int | None) -> list[dict]:
    """Return per year: titles recognised (validity starts), expiring and revoked."""
    years: dict[int, dict] = defaultdict(dict)
    for figure, found, count in queries.titles_per_year(where, year):
        years[int(found)][FIGURES[figure]] = count
    return [{"year": found, **{name: years[found].get(name, 0) for name in FIGURES.values()}}
            for found in sorted(years)]


def dashboard(user: User, jurisdiction: str | None, year: int | None, now: dt.datetime,
              lang: str = "zh") -> dict:
    """Return every figure of the dashboard for `user`; raise NotAllowed or BadFilter."""
    require_reader(user)
    records = jurisdictions(user)
    where = _scope(user, jurisdiction, records)
    by_key = {record.key: record for record in records}
    versions = catalog.latest_processes()
    titles = {v.key: _name(v, "title", lang) for v in versions}
    return {
        "jurisdiction": jurisdiction or None, "year": year, "generated_at": now.isoformat(),
        "jurisdictions": [{"key": r.key, "name": _name(r, "name", lang)} for r in records],
        "by_stage": cases_by_stage(where, year, titles),
        "by_county": cases_by_county(where, year, by_key, lang),
        "step_durations": step_durations(where, year, titles),
        "overdue": overdue_now(where, now, by_key, titles, lang),
        "annual_reports": annual_reports(where, year, versions),
        "titles": titles_per_year(where, year),
    }
