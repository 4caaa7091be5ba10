"""Date bounds of a `date` field: its own `min` / `max` and `min_from` / `max_from`, dotted
paths into the case data (e.g. `notice.notice_start`) whose ISO date bounds the value.

A bound taken from the case data follows the procedure (an objection must be received
within this case's notice period); a path that names nothing in the data sets no bound.
Both kinds together: the later minimum and the earlier maximum hold.

The value is an ISO date, or an ISO date-time read as an instant: the scripts' helpers
give deadlines as the instant a day ends (`add_working_days` -> "2026-10-16T00:00+08:00"
for a notice whose last day is 15 October), so a maximum is the last day that starts
before the instant and a minimum the day (Asia/Shanghai) the instant falls on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from app.formdefs.definition import FieldDef
from app.formdefs.rules import as_date


def lookup(data: Mapping | None, path: str):
    """Return the value at dotted `path` in `data`, or None when any part is missing."""
    value = data
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")  # as app.calendar, not imported
_TICK = dt.timedelta(microseconds=1)


def _instant(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def _from_data(data: Mapping | None, path: str | None, upper: bool) -> dt.date | None:
    value = lookup(data, path) if path else None
    if isinstance(value, str) and len(value) > 10:
        value = _instant(value)
    if isinstance(value, dt.datetime):
        local = (value - _TICK if upper else value).astimezone(SHANGHAI)
        return local.date()
    if isinstance(value, dt.date):
        return value
    return as_date(value) if isinstance(value, str) else None


def date_bounds(field: FieldDef, data: Mapping | None) -> tuple[dt.date | None, dt.date | None]:
    """Return (earliest, latest) date `field` accepts with case data `data`; None = unbounded."""
    lows = [d for d in (as_date(field.option("min")),
                        _from_data(data, field.option("min_from"), upper=False)) if d is not None]
    highs = [d for d in (as_date(field.option("max")),
                         _from_data(data, field.option("max_from"), upper=True)) if d is not None]
    return (max(lows) if lows else None), (min(highs) if highs else None)
