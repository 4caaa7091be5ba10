"""POST /api/calendar/preview: the modeler's timer preview on the real calendar.

The API answers in Chinese unless asked otherwise, so the reasons are matched in Chinese."""

from __future__ import annotations

import datetime as dt

import pytest

from app.services import calendar_days
from tests.processes.driver import Api

PREVIEW = "/api/calendar/preview"
TEN_DAYS = "add_working_days(today(), 10)"


@pytest.fixture
def api(app):
    return Api(app)


def test_designer_sees_the_tenth_working_day_from_a_monday(api):
    answer = api.post("km_designer", PREVIEW, {"expression": TEN_DAYS, "start": "2026-03-02"})

    assert answer == {"value": "2026-03-14T00:00:00+08:00", "date": "2026-03-13",
                      "working_days_from_start": 10}


def test_an_official_day_off_moves_the_previewed_date(api):
    calendar_days.set_override(dt.date(2026, 3, 9), working=False, note="test closure")

    answer = api.post("km_designer", PREVIEW, {"expression": TEN_DAYS, "start": "2026-03-02"})

    assert answer["date"] == "2026-03-16"
    assert answer["working_days_from_start"] == 10


def test_sample_data_feeds_the_names_the_expression_reads(api):
    answer = api.post("km_auditor", PREVIEW, {"expression": "end_of_day(correction_due_on)",
                                              "start": "2026-03-02",
                                              "data": {"correction_due_on": "2026-03-20"}})

    assert answer["value"] == "2026-03-21T00:00:00+08:00"
    assert answer["date"] == "2026-03-20"
    assert answer["working_days_from_start"] == 15


@pytest.mark.parametrize(("expression", "data", "words"), [
    ("notice ends", {}, "无法编译"),
    ("notice_ends_at", {}, "notice_ends_at"),
    ("__import__('os')", {}, "无法编译"),
    ("add_days(d, 1) / 0", {"d": "2026-03-02"}, "运行失败"),
    ("len(d)", {"d": "abc"}, "不是日期"),
])
def test_an_expression_that_cannot_give_a_date_is_refused_with_the_reason(
        api, expression, data, words):
    answer = api.post("km_designer", PREVIEW, {"expression": expression, "start": "2026-03-02",
                                               "data": data}, expect=422)

    assert words in " ".join(answer["errors"]["expression"])


def test_a_start_that_is_not_a_date_is_refused(api):
    answer = api.post("km_designer", PREVIEW, {"expression": TEN_DAYS, "start": "next week"},
                      expect=422)

    assert "start" in answer["errors"]


def test_an_applicant_may_not_preview_timers(api):
    answer = api.post("km_applicant", PREVIEW, {"expression": TEN_DAYS, "start": "2026-03-02"},
                      expect=403)

    assert "预览定时" in answer["error"]


def test_without_a_token_or_session_the_preview_answers_401(api):
    api.post(None, PREVIEW, {"expression": TEN_DAYS, "start": "2026-03-02"}, expect=401)


@pytest.mark.parametrize("data", [{"_getattr_": 1}, {"__builtins__": {}}, {"not a name": 1}])
def test_sample_data_may_not_shadow_the_restricted_environment(api, data):
    answer = api.post("km_designer", PREVIEW, {"expression": TEN_DAYS, "start": "2026-03-02",
                                               "data": data}, expect=422)

    assert "data" in answer["errors"]


def test_a_date_at_the_edge_of_the_calendar_is_refused_not_a_failure(api):
    answer = api.post("km_designer", PREVIEW, {"expression": "d", "start": "0001-01-01",
                                               "data": {"d": "0001-01-01T00:00:00+08:00"}},
                      expect=422)

    assert "不是日期" in " ".join(answer["errors"]["expression"])
