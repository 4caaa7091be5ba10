"""The engine never reads the wall clock: every call passes `now` in.

SpiffWorkflow's timers call `datetime.now(timezone.utc)` through the module-level
name `datetime` in its timer module (research/spiffworkflow.md §4.3). We replace
that name once with a subclass whose now() returns the instant of the current
engine call, held in a context variable so concurrent threads do not mix clocks.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as _dt

import SpiffWorkflow.bpmn.specs.event_definitions.timer as _timer_module

_current: contextvars.ContextVar[_dt.datetime | None] = contextvars.ContextVar(
    "engine_now", default=None)


# Spiff fires a timer only when its due time is strictly before now; a deadline is
# met at its instant (a notice closing at 24:00 has closed at 00:00), so the
# clock Spiff sees runs one microsecond ahead of the instant passed in.
_TICK = _dt.timedelta(microseconds=1)


class _EngineDatetime(_dt.datetime):
    @classmethod
    def now(cls, tz=None):
        fixed = _current.get()
        if fixed is None:
            raise RuntimeError("engine clock read outside an engine call")
        fixed = fixed + _TICK
        return fixed.astimezone(tz) if tz else fixed


_timer_module.datetime = _EngineDatetime


@contextlib.contextmanager
def frozen_at(now: _dt.datetime):
    """Run the body with the engine clock fixed at `now` (an aware datetime)."""
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    token = _current.set(now)
    try:
        yield
    finally:
        _current.reset(token)
