"""Scripts must finish: no while loops, no huge ranges (the engine has no time limit)."""

import datetime as dt

import pytest

from app.engine.sandbox import RestrictedEnvironment, ScriptRefused, check_source, make_helpers

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("script", [
    "while True:\n    pass",
    "n = 0\nwhile n < 10:\n    n += 1",
])
def test_a_while_loop_is_refused_at_publish_time(script):
    assert "while loops are not allowed" in check_source(script, "exec")


def test_a_for_loop_over_a_list_is_allowed():
    assert check_source("total = 0\nfor x in [1, 2]:\n    total += x", "exec") is None


def test_range_over_a_huge_span_is_refused_when_run():
    environment = RestrictedEnvironment(make_helpers(NOW, {}))
    assert environment.evaluate("len(range(1000))", {}) == 1000
    with pytest.raises(ScriptRefused, match="range"):
        environment.evaluate("sum(range(10**12))", {})
