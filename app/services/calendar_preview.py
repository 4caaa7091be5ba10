"""The modeler's timer preview: the date an expression gives for a sample start day,
computed by the case engine's restricted evaluation on the real working-day calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from app import calendar, engine
from app.errors import N_, NotAllowed, Rejected
from app.models import User
from app.services import calendar_days, process_view

# The sample start is a morning of a working day, when a case step usually runs.
SAMPLE_HOUR = 9
# Counting working days walks day by day: a preview spans at most this much.
MAX_SPAN = dt.timedelta(days=3700)


def _start_day(text) -> dt.date:
    if isinstance(text, str):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise Rejected(N_("start must be a date YYYY-MM-DD."),
                   [("start", N_("start must be a date YYYY-MM-DD."))])


def _as_instant(value) -> dt.datetime | dt.date | None:
    """A helper's result (an ISO date or date-time string) as a date or an aware instant."""
    if isinstance(value, (dt.datetime, dt.date)):
        parsed = value
    else:
        try:
            parsed = dt.datetime.fromisoformat(str(value))
        except ValueError:
            return None
        if len(str(value)) == 10:
            return parsed.date()
    if isinstance(parsed, dt.datetime) and parsed.tzinfo is None:
        return parsed.replace(tzinfo=calendar.SHANGHAI)
    return parsed


def preview(user: User, expression: str, start: str, data: Mapping | None = None) -> dict:
    """Return {"value", "date", "working_days_from_start"} of a timer expression evaluated with
    the sample start day as the case clock; raise Rejected (bad input, expression or result)
    or NotAllowed (not a designer, auditor or administrator)."""
    if user.role not in process_view.READERS:
        raise NotAllowed(N_("Only process designers, auditors and administrators preview timers."))
    day = _start_day(start)
    if not isinstance(expression, str) or not isinstance(data or {}, Mapping):
        raise Rejected(N_("expression must be text and data an object."),
                       [("expression", N_("expression must be text and data an object."))])
    if any(not isinstance(name, str) or not name.isidentifier() or name.startswith("_")
           for name in (data or {})):
        raise Rejected(N_("Sample data names must be Python names not starting with _."),
                       [("data", N_("Sample data names must be Python names not starting "
                                    "with _."))])
    overrides = calendar_days.overrides()
    now = dt.datetime.combine(day, dt.time(SAMPLE_HOUR), tzinfo=calendar.SHANGHAI)
    value = engine.evaluate_expression(expression, data or {}, now, overrides)
    try:
        return _answer(day, value, overrides)
    except (OverflowError, ValueError):  # a date at the edge of what Python can count
        raise _no_date(value) from None


def _no_date(value) -> Rejected:
    shown = repr(value)[:80]
    return Rejected(N_("The expression gives %(value)s, which is not a date or time."),
                    [("expression", N_("The expression gives %(value)s, which is not a date "
                                       "or time."), {"value": shown})], value=shown)


def _answer(day: dt.date, value, overrides) -> dict:
    instant = _as_instant(value)
    if instant is None:
        raise _no_date(value)
    last = (calendar_days.last_day(instant) if isinstance(instant, dt.datetime) else instant)
    if abs(last - day) > MAX_SPAN:
        raise Rejected(N_("The date is more than ten years from the start."),
                       [("expression", N_("The date is more than ten years from the start."))])
    days = (calendar.working_days_between(day, last, overrides) if last >= day
            else -calendar.working_days_between(last, day - dt.timedelta(days=1), overrides))
    return {"value": instant.isoformat(), "date": last.isoformat(),
            "working_days_from_start": days}
