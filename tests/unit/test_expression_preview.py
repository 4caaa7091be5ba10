"""engine.evaluate_expression: one timer expression on sample data, as a case's timer runs."""

from __future__ import annotations

import datetime as dt

import pytest

from app import calendar, engine
from app.errors import Rejected

MONDAY_MORNING = dt.datetime(2026, 3, 2, 9, tzinfo=calendar.SHANGHAI)


def test_today_is_the_clock_given_and_the_overrides_shift_working_days():
    plain = engine.evaluate_expression("add_working_days(today(), 2)", {}, MONDAY_MORNING, {})
    closed = engine.evaluate_expression("add_working_days(today(), 2)", {}, MONDAY_MORNING,
                                        {dt.date(2026, 3, 3): False})

    assert plain == "2026-03-04T00:00:00+08:00"
    assert closed == "2026-03-05T00:00:00+08:00"


def test_names_come_from_the_sample_data():
    assert engine.evaluate_expression('end_of_day(notice["ends_on"])',
                                      {"notice": {"ends_on": "2026-03-06"}}, MONDAY_MORNING,
                                      {}) == "2026-03-07T00:00:00+08:00"


@pytest.mark.parametrize(("source", "reason"), [
    ("notice ends", "does not compile"),
    ("open('/etc/passwd')", "open"),
    ("().__class__", "does not compile"),
    ("sum(range(10 ** 9))", "fails"),
])
def test_what_a_timer_may_not_do_is_refused_with_a_sentence(source, reason):
    with pytest.raises(Rejected) as refused:
        engine.evaluate_expression(source, {}, MONDAY_MORNING, {})

    assert reason in refused.value.text()
