"""Official overrides of the working-day calendar, kept in the database.

The State Council publishes each year's holidays and adjusted working weekends
late in the year before; the library cannot know them in advance.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app import calendar
from app.extensions import db
from app.models import CalendarDay
from app.services import transaction


def overrides() -> dict[dt.date, bool]:
    """Return {day: working} for every official override."""
    return {row.day: row.working for row in db.session.scalars(sa.select(CalendarDay))}


def import_overrides(text: str) -> int:
    """Store the overrides of a `date,kind,note` CSV; return how many; raise Rejected."""
    parsed = calendar.parse_overrides_csv(text)
    with transaction():
        for item in parsed:
            record = db.session.get(CalendarDay, item.day) or CalendarDay(day=item.day)
            record.working, record.note = item.working, item.note
            db.session.add(record)
    return len(parsed)


def set_override(day: dt.date, working: bool, note: str = "") -> None:
    """Add or change one official override."""
    with transaction():
        record = db.session.get(CalendarDay, day) or CalendarDay(day=day)
        record.working, record.note = working, note
        db.session.add(record)


def remove_override(day: dt.date) -> None:
    """Remove the official override of `day`, if any."""
    with transaction():
        record = db.session.get(CalendarDay, day)
        if record is not None:
            db.session.delete(record)


def due_after(start: dt.datetime, working_days: int) -> dt.datetime:
    """Return the end of the `working_days`-th working day after the day of `start`."""
    day = start.astimezone(calendar.SHANGHAI).date() + dt.timedelta(days=1)
    return calendar.working_period_end(day, working_days, overrides())


def last_day(due_at: dt.datetime) -> dt.date:
    """Return the last day of a deadline instant (an end-of-day 24:00 belongs to that day)."""
    return (due_at - dt.timedelta(microseconds=1)).astimezone(calendar.SHANGHAI).date()


def working_days_left(due_at: dt.datetime, now: dt.datetime,
                      known: calendar.Overrides | None = None) -> int:
    """Return the working days from today to the deadline's last day, both counted, or,
    once the deadline has passed, minus the working days since it (today counted)."""
    known = overrides() if known is None else known
    today = now.astimezone(calendar.SHANGHAI).date()
    last = last_day(due_at)
    if due_at > now:
        return calendar.working_days_between(today, last, known)
    return -calendar.working_days_between(last + dt.timedelta(days=1), today, known)
