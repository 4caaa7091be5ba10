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


def _in_fresh_context(function):
    return contextvars.Context().run(function)


def test_calls_add_up_once_a_sum_is_started():
    def work():
        spent = timing.measure()
        results = [_busy(0.01), _busy(0.02)]
        return results, spent[0]

    results, spent = _in_fresh_context(work)

    assert results == ["done", "done"]
    assert 30 <= spent < 1000


def test_a_failing_call_counts_too():
    def work():
        spent = timing.measure()
        with pytest.raises(ValueError):
            _failing()
        return spent[0]

    assert _in_fresh_context(work) >= 10


def test_nothing_is_summed_before_a_sum_starts_and_a_new_sum_starts_at_zero():
    def work():
        _busy(0.01)  # no sum started: nothing to add to
        first = timing.measure()
        _busy(0.01)
        second = timing.measure()
        return first[0], second[0]

    first, second = _in_fresh_context(work)

    assert first >= 10 and second == 0
