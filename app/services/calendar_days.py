"""Official overrides of the working-day calendar, kept in the database.

The State Council publishes each year's holidays and adjusted working weekends
late in the year before; the library cannot know them in advance.

Each transaction reads the overrides once and uses that one set throughout, so that the
set a state-changing event records (`set_in_force`, a CalendarSet keyed by its sha256) is
exactly the one its engine step was computed with, and replay can use it again later.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from app import calendar
from app.errors import N_, AppError
from app.extensions import db
from app.models import CalendarDay, CalendarSet
from app.services import reference, transaction, transaction_info

# Session.info: the set of overrides this transaction uses
IN_FORCE = transaction_info("calendar_in_force", CalendarDay)


@dataclass
class _InForce:
    days: dict[dt.date, bool]
    hash: str | None = None
    stored: bool = False


def _read() -> tuple[dict[dt.date, bool], str]:
    days = {row.day: row.working
            for row in db.session.execute(sa.select(CalendarDay.day, CalendarDay.working))}
    return days, set_hash(days)


def _in_force() -> _InForce:
    """Return this transaction's override set, read on first use; the days are shared by
    the process's transactions until the table changes (app/services/reference.py): read
    them, never change them."""
    current = db.session.info.get(IN_FORCE)
    if current is None:
        days, digest = reference.kept("calendar_day", _read)
        current = db.session.info[IN_FORCE] = _InForce(days, digest)
    return current


def overrides() -> dict[dt.date, bool]:
    """Return {day: working} for every official override (read once per transaction)."""
    return dict(_in_force().days)


def set_hash(days: dict[dt.date, bool]) -> str:
    """Return the sha256 of an override set's canonical text ({"YYYY-MM-DD": working})."""
    text = json.dumps({day.isoformat(): bool(working) for day, working in days.items()},
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _insert_if_absent(digest: str, days: dict[dt.date, bool]) -> None:
    """Store a set unless it is there: concurrent writers of one set both succeed."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(CalendarSet).values(
        hash=digest, days={day.isoformat(): working for day, working in days.items()},
        created_at=dt.datetime.now(dt.timezone.utc)).on_conflict_do_nothing())


def hash_in_force() -> str:
    """Return the hash of the override set this transaction uses (not yet stored)."""
    current = _in_force()
    if current.hash is None:
        current.hash = set_hash(current.days)
    return current.hash


def set_in_force(stored: str | None = None) -> str:
    """Return the hash of the override set this transaction uses, stored once as a
    CalendarSet (a state-changing event records it). `stored`: the hash of a set known to be
    stored (the one the case's last event recorded): the same set is not written again."""
    current = _in_force()
    digest = hash_in_force()
    if not current.stored and digest != stored:
        _insert_if_absent(digest, current.days)
    current.stored = True
    return digest


# Session.info: {hash: days} of the recorded sets read and checked in this transaction
RECORDED = transaction_info("calendar_sets_read", CalendarSet)


def recorded_set(digest: str) -> dict[dt.date, bool]:
    """Return the override set stored under `digest`; raise AppError if missing or altered.
    Read and checked once per transaction (verifying many cases asks for it at every case)."""
    known = db.session.info.setdefault(RECORDED, {})
    if digest not in known:
        known[digest] = _checked_set(digest)
    return dict(known[digest])


def _checked_set(digest: str) -> dict[dt.date, bool]:
    record = db.session.get(CalendarSet, digest)
    if record is None:
        raise AppError(N_("the calendar set %(set)s an event recorded is missing"),
                       set=digest[:12])
    try:
        days = {dt.date.fromisoformat(day): bool(working) for day, working in record.days.items()}
    except (AttributeError, TypeError, ValueError):  # not a set of days any more
        days = None
    if days is None or set_hash(days) != digest:
        raise AppError(N_("the calendar set %(set)s was altered after it was recorded"),
                       set=digest[:12])
    return days


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
