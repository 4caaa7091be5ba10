"""Date bounds of a `date` field: its own `min` / `max` and `min_from` / `max_from`, dotted
paths into the case data (e.g. `notice.notice_start`) whose ISO date bounds the value.

A bound taken from the case data follows the procedure (an objection must be received
within this case's notice period); a path that names nothing in the data sets no bound.
Both kinds together: the later minimum and the earlier maximum hold.
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


def _from_data(data: Mapping | None, path: str | None) -> dt.date | None:
    value = lookup(data, path) if path else None
    if isinstance(value, dt.date):
        return value if not isinstance(value, dt.datetime) else value.date()
    return as_date(value[:10]) if isinstance(value, str) else None


def date_bounds(field: FieldDef, data: Mapping | None) -> tuple[dt.date | None, dt.date | None]:
    """Return (earliest, latest) date `field` accepts with case data `data`; None = unbounded."""
    lows = [d for d in (as_date(field.option("min")), _from_data(data, field.option("min_from")))
            if d is not None]
    highs = [d for d in (as_date(field.option("max")), _from_data(data, field.option("max_from")))
             if d is not None]
    return (max(lows) if lows else None), (min(highs) if highs else None)
