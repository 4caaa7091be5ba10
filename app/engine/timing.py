"""The engine's time within one unit of work (a request): summed over its calls, for the
request log, which then tells a slow request's engine time from the rest (database, checks,
rendering) without a profiler.

Nothing is measured until `measure()` starts a sum in the current context (a thread, a
request); the CLI and the timers never start one.
"""

from __future__ import annotations

import functools
import time
from contextvars import ContextVar

_SPENT: ContextVar[list[float] | None] = ContextVar("engine_spent", default=None)


def measure() -> list[float]:
    """Start a new sum in this context and return it: a list whose only item is the engine's
    milliseconds so far."""
    spent = [0.0]
    _SPENT.set(spent)
    return spent


def timed(function):
    """Add the time of each call of `function` to the current sum, if one was started."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        spent = _SPENT.get()
        if spent is None:
            return function(*args, **kwargs)
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[0] += (time.perf_counter() - start) * 1000
    return wrapper
