"""The engine's time within one unit of work (a request): summed over its calls, for the
request log, which then tells a slow request's engine time from the rest (database, checks,
rendering) without a profiler.

Nothing is measured until `measure()` starts a sum in the current context (a thread, a
request); the CLI and the timers never start one. The engine's public calls are `timed`;
one made inside another (a replay's migration, say) is counted once, with the outer one.
"""

from __future__ import annotations

import functools
import time
from contextvars import ContextVar


class Spent:
    """The engine's milliseconds in one unit of work so far."""

    __slots__ = ("ms", "inside")

    def __init__(self) -> None:
        self.ms = 0.0
        self.inside = False  # a timed call is running: the calls it makes are its time


_SPENT: ContextVar[Spent | None] = ContextVar("engine_spent", default=None)


def measure() -> Spent:
    """Start a new sum in this context and return it."""
    spent = Spent()
    _SPENT.set(spent)
    return spent


def timed(function):
    """Add the time of each call of `function` to the current sum, if one was started."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        spent = _SPENT.get()
        if spent is None or spent.inside:
            return function(*args, **kwargs)
        spent.inside, start = True, time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent.ms += (time.perf_counter() - start) * 1000
            spent.inside = False
    return wrapper
