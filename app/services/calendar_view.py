"""The working-day calendar of one year as the administrator sees it, with the overrides."""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from app import calendar
from app.extensions import db
from app.models import CalendarDay


@dataclass
class Day:
    day: dt.date
    working: bool
    kind: str  # workday, weekend, holiday, adjusted (a working weekend)
    reason: str
    override: bool


@dataclass
class YearView:
    year: int
    months: list[list[list[Day | None]]]  # month -> weeks (Monday first) -> 7 days or None
    overrides: list[CalendarDay]
    holidays: int
    adjusted: int


def _kind(day: dt.date, working: bool, reason: str) -> str:
    weekend = day.weekday() >= 5
    if working:
        return "adjusted" if weekend else "workday"
    return "weekend" if weekend and reason == calendar.WEEKEND else "holiday"


def _weeks(year: int, month: int, days: dict[dt.date, Day]) -> list[list[Day | None]]:
    grid = month_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [[days[d] if d.month == month else None for d in week] for week in grid]


def year_view(year: int) -> YearView:
    """Return every day of `year` (working or not, and why) with the official overrides."""
    rows = list(db.session.scalars(sa.select(CalendarDay).where(
        CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31))
        .order_by(CalendarDay.day)))
    records = [calendar.Override(r.day, r.working, r.note) for r in rows]
    overridden = {r.day for r in rows}
    days = {day: Day(day, working, _kind(day, working, reason), reason, day in overridden)
            for day, working, reason in calendar.year_calendar(year, records)}
    listed = days.values()
    return YearView(year, [_weeks(year, m, days) for m in range(1, 13)], rows,
                    holidays=sum(1 for d in listed if d.kind == "holiday"),
                    adjusted=sum(1 for d in listed if d.kind == "adjusted"))
