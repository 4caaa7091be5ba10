"""The engine's time summed per unit of work (app/engine/timing.py)."""

from __future__ import annotations

import contextvars
import time

import pytest

from app.engine import timing


@timing.timed
def _busy(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


@timing.timed
def _failing() -> None:
    time.sleep(0.01)
    raise ValueError("refused")


@timing.timed
def _calling_busy_twice() -> None:
    _busy(0.01)
    time.sleep(0.01)
    _busy(0.01)


def _in_fresh_context(function):
    return contextvars.Context().run(function)


def test_calls_add_up_once_a_sum_is_started():
    def work():
        spent = timing.measure()
        results = [_busy(0.01), _busy(0.02)]
        return results, spent.ms

    results, spent = _in_fresh_context(work)

    assert results == ["done", "done"]
    assert 30 <= spent < 1000


def test_a_call_made_inside_another_is_counted_once():
    def work():
        spent = timing.measure()
        started = time.perf_counter()
        _calling_busy_twice()
        return spent.ms, (time.perf_counter() - started) * 1000

    spent, elapsed = _in_fresh_context(work)

    # Counted twice, the inner calls would add 20 ms beyond the time that passed.
    assert 30 <= spent <= elapsed


def test_a_failing_call_counts_too_and_the_next_call_is_counted_again():
    def work():
        spent = timing.measure()
        with pytest.raises(ValueError):
            _failing()
        after_failure = spent.ms
        _busy(0.01)
        return after_failure, spent.ms

    after_failure, total = _in_fresh_context(work)

    assert after_failure >= 10 and total >= after_failure + 10


def test_nothing_is_summed_before_a_sum_starts_and_a_new_sum_starts_at_zero():
    def work():
        _busy(0.01)  # no sum started: nothing to add to
        first = timing.measure()
        _busy(0.01)
        second = timing.measure()
        return first.ms, second.ms

    first, second = _in_fresh_context(work)

    assert first >= 10 and second == 0
