"""Working-day arithmetic for China, checked against the State Council's 2026 schedule.

The 2026 schedule (国务院办公厅关于2026年部分节假日安排的通知), as `holidays` 0.109 encodes it:
New Year 1-01..1-03 (work Sun 1-04); Spring Festival 2-15..2-23 (work Sat 2-14, Sat 2-28);
Qingming 4-04..4-06; Labour Day 5-01..5-05 (work Sat 5-09); Dragon Boat 6-19..6-21;
Mid-Autumn 9-25..9-27; National Day 10-01..10-07 (work Sun 9-20, Sat 10-10).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import calendar
from app.calendar import Override
from app.errors import Rejected

D = dt.date

ADJUSTED_WORKDAYS_2026 = [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9),
                          D(2026, 9, 20), D(2026, 10, 10)]

HOLIDAY_BLOCKS_2026 = {  # first and last day off, both inclusive
    "new_year": (D(2026, 1, 1), D(2026, 1, 3)),
    "spring_festival": (D(2026, 2, 15), D(2026, 2, 23)),
    "qingming": (D(2026, 4, 4), D(2026, 4, 6)),
    "labour_day": (D(2026, 5, 1), D(2026, 5, 5)),
    "dragon_boat": (D(2026, 6, 19), D(2026, 6, 21)),
    "mid_autumn": (D(2026, 9, 25), D(2026, 9, 27)),
    "national_day": (D(2026, 10, 1), D(2026, 10, 7)),
}


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


# ------------------------------------------------------------------ the public notice


def test_notice_published_monday_before_national_day_ends_on_the_tenth_working_day():
    # 9-28, 9-29, 9-30, 10-08, 10-09, 10-10 (Saturday, adjusted), 10-12 .. 10-15.
    assert calendar.add_working_days(D(2026, 9, 28), 10) == D(2026, 10, 15)


def test_notice_published_monday_before_national_day_closes_at_midnight_after_thursday():
    end = calendar.working_period_end(D(2026, 9, 28), 10)

    assert end.isoformat() == "2026-10-16T00:00:00+08:00"
    assert end == dt.datetime(2026, 10, 15, 16, 0, tzinfo=dt.timezone.utc)


def test_a_working_start_day_is_itself_the_first_working_day():
    assert calendar.add_working_days(D(2026, 9, 28), 1) == D(2026, 9, 28)


@pytest.mark.parametrize(("start", "n", "expected"), [
    (D(2026, 10, 1), 1, D(2026, 10, 8)),     # National Day
    (D(2026, 10, 1), 10, D(2026, 10, 20)),
    (D(2026, 2, 15), 1, D(2026, 2, 24)),     # Spring Festival, a Sunday inside the break
    (D(2026, 9, 26), 1, D(2026, 9, 28)),     # plain Saturday, Mid-Autumn weekend
    (D(2026, 11, 1), 5, D(2026, 11, 6)),     # plain Sunday
])
def test_a_start_on_a_holiday_or_weekend_does_not_count(start, n, expected):
    assert calendar.add_working_days(start, n) == expected


def test_a_start_on_an_adjusted_working_sunday_counts():
    assert calendar.add_working_days(D(2026, 9, 20), 1) == D(2026, 9, 20)


@pytest.mark.parametrize("n", [0, -1])
def test_add_working_days_refuses_fewer_than_one_day(n):
    with pytest.raises(ValueError, match="at least 1"):
        calendar.add_working_days(D(2026, 9, 28), n)


def test_an_instant_is_refused_where_a_calendar_day_is_expected():
    moment = dt.datetime(2026, 9, 27, 20, 0, tzinfo=dt.timezone.utc)  # 9-28 in Shanghai

    with pytest.raises(TypeError):
        calendar.is_working_day(moment)


# --------------------------------------------------------------------- 2026 schedule


@pytest.mark.parametrize("block", HOLIDAY_BLOCKS_2026.values(), ids=HOLIDAY_BLOCKS_2026.keys())
def test_every_day_of_a_2026_holiday_break_is_off(block):
    assert [d for d in _days(*block) if calendar.is_working_day(d)] == []


@pytest.mark.parametrize("block", HOLIDAY_BLOCKS_2026.values(), ids=HOLIDAY_BLOCKS_2026.keys())
def test_the_days_around_a_2026_holiday_break_are_working_days(block):
    first, last = block
    before, after = first - dt.timedelta(days=1), last + dt.timedelta(days=1)

    assert (calendar.is_working_day(before), calendar.is_working_day(after)) == (True, True)


def test_the_2026_adjusted_working_weekends_are_the_state_councils_six():
    weekends = [d for d in _days(D(2026, 1, 1), D(2026, 12, 31)) if d.weekday() >= 5]

    assert [d for d in weekends if calendar.is_working_day(d)] == ADJUSTED_WORKDAYS_2026


def test_2026_has_248_working_days():
    # 365 days - 104 weekend days - 19 weekday holidays + 6 adjusted working weekends.
    assert calendar.working_days_between(D(2026, 1, 1), D(2026, 12, 31)) == 248


# ------------------------------------------------------------------------- year end


def test_a_period_crossing_into_2027_skips_new_years_day():
    # 12-28 .. 12-31 are four; 2027-01-01 (Friday) is New Year's Day; then the weekend.
    assert calendar.add_working_days(D(2026, 12, 28), 5) == D(2027, 1, 4)
    assert calendar.working_period_end(D(2026, 12, 28), 10).isoformat() == (
        "2027-01-12T00:00:00+08:00")


def test_an_adjusted_2027_workday_from_the_authority_shortens_the_period():
    overrides = {D(2027, 1, 2): True}  # a Saturday the library cannot know yet

    assert calendar.add_working_days(D(2026, 12, 28), 5, overrides) == D(2027, 1, 2)


def test_an_extra_holiday_from_the_authority_lengthens_the_period():
    overrides = {D(2026, 12, 31): False, D(2027, 1, 4): False}

    assert calendar.add_working_days(D(2026, 12, 28), 5, overrides) == D(2027, 1, 6)


# ------------------------------------------------------------------------- overrides


@pytest.mark.parametrize(("day", "working"), [
    (D(2026, 10, 10), False),  # the library's adjusted working Saturday
    (D(2026, 10, 1), True),    # the library's National Day
    (D(2026, 10, 12), False),  # a plain Monday
    (D(2026, 10, 11), True),   # a plain Sunday
])
def test_an_official_override_wins_over_the_library(day, working):
    assert calendar.is_working_day(day) is not working
    assert calendar.is_working_day(day, {day: working}) is working


def test_an_override_moves_the_end_of_the_national_day_notice():
    overrides = {D(2026, 10, 10): False}

    assert calendar.working_period_end(D(2026, 9, 28), 10, overrides).isoformat() == (
        "2026-10-17T00:00:00+08:00")


# ------------------------------------------------------------------ days and years


@pytest.mark.parametrize(("day", "n", "expected"), [
    (D(2024, 2, 29), 1, D(2025, 2, 28)),
    (D(2024, 2, 29), -1, D(2023, 2, 28)),
    (D(2024, 2, 29), 4, D(2028, 2, 29)),
    (D(2026, 10, 15), 3, D(2029, 10, 15)),
    (D(2025, 3, 1), -1, D(2024, 3, 1)),
])
def test_add_years_keeps_the_day_and_turns_29_february_into_28_in_common_years(day, n, expected):
    assert calendar.add_years(day, n) == expected


@pytest.mark.parametrize(("day", "expected"), [
    (D(2026, 10, 15), "2026-10-16T00:00:00+08:00"),
    (D(2026, 12, 31), "2027-01-01T00:00:00+08:00"),
    (D(2028, 2, 28), "2028-02-29T00:00:00+08:00"),
])
def test_a_day_ends_at_midnight_shanghai_time(day, expected):
    assert calendar.end_of_day(day).isoformat() == expected


@pytest.mark.parametrize(("start", "end", "expected"), [
    (D(2026, 9, 28), D(2026, 10, 15), 10),
    (D(2026, 10, 1), D(2026, 10, 7), 0),
    (D(2026, 10, 10), D(2026, 10, 10), 1),
    (D(2026, 10, 11), D(2026, 10, 11), 0),
    (D(2026, 12, 28), D(2027, 1, 4), 5),
    (D(2026, 10, 15), D(2026, 9, 28), 0),
])
def test_working_days_between_counts_both_ends(start, end, expected):
    assert calendar.working_days_between(start, end) == expected


def test_working_days_between_honours_overrides():
    overrides = {D(2026, 10, 10): False, D(2026, 10, 11): True, D(2026, 10, 12): False}

    assert calendar.working_days_between(D(2026, 10, 8), D(2026, 10, 13), overrides) == 4


DAYS = st.dates(min_value=D(2019, 1, 1), max_value=D(2031, 12, 31))


def day_by_day(start: dt.date, end: dt.date, overrides: dict) -> int:
    """The working days in [start, end], each day asked on its own."""
    return sum(calendar.is_working_day(start + dt.timedelta(days=i), overrides)
               for i in range((end - start).days + 1))


@settings(max_examples=300, deadline=None)
@given(start=DAYS, end=DAYS, overrides=st.dictionaries(DAYS, st.booleans(), max_size=12))
def test_working_days_between_equals_counting_day_by_day(start, end, overrides):
    assert calendar.working_days_between(start, end, overrides) == \
        day_by_day(start, end, overrides)



def test_working_days_between_counts_the_last_year_there_is():
    start, end = D(9999, 12, 1), D(9999, 12, 31)

    assert calendar.working_days_between(start, end) == day_by_day(start, end, {}) == 23


# ----------------------------------------------------------------------- year view


def test_year_calendar_lists_every_day_of_a_leap_year_in_order():
    days = [day for day, _, _ in calendar.year_calendar(2028)]

    assert days == _days(D(2028, 1, 1), D(2028, 12, 31))
    assert len(days) == 366


@pytest.mark.parametrize(("day", "working", "reason"), [
    (D(2026, 10, 1), False, "国庆节"),
    (D(2026, 10, 7), False, "休息日（由 2026-10-10 调休）"),
    (D(2026, 10, 10), True, "调休上班"),
    (D(2026, 10, 11), False, "周末"),
    (D(2026, 10, 12), True, ""),
    (D(2026, 2, 17), False, "春节"),
])
def test_year_calendar_says_why_a_day_is_off_or_on(day, working, reason):
    rows = {row[0]: row for row in calendar.year_calendar(2026)}

    assert rows[day] == (day, working, reason)


def test_year_calendar_shows_the_authoritys_note_on_an_override():
    overrides = [Override(D(2027, 2, 20), True, "春节调休"), Override(D(2027, 2, 11), False)]
    rows = {row[0]: row for row in calendar.year_calendar(2027, overrides)}

    assert rows[D(2027, 2, 20)] == (D(2027, 2, 20), True, "官方调整: 春节调休")
    assert rows[D(2027, 2, 11)] == (D(2027, 2, 11), False, "官方调整: 放假")


def test_year_calendar_accepts_a_plain_mapping_of_overrides():
    rows = {row[0]: row for row in calendar.year_calendar(2027, {D(2027, 2, 20): True})}

    assert rows[D(2027, 2, 20)] == (D(2027, 2, 20), True, "官方调整: 上班")


# ---------------------------------------------------------------------------- CSV


def test_a_good_overrides_csv_is_read_with_bom_blank_lines_and_quoted_notes():
    text = ("\ufeffdate,kind,note\r\n"
            "2027-02-20,workday,\"春节调休, 上班\"\r\n"
            "\r\n"
            " 2027-02-11 , Holiday \r\n"
            "2027-02-20,workday,重复的同一条\r\n")

    assert calendar.parse_overrides_csv(text) == [
        Override(D(2027, 2, 20), True, "春节调休, 上班"),
        Override(D(2027, 2, 11), False, ""),
    ]


def test_an_overrides_csv_with_only_a_header_yields_nothing():
    assert calendar.parse_overrides_csv("date,kind,note\n") == []


def test_every_bad_line_of_an_overrides_csv_is_reported():
    text = ("date,kind,note\n"
            "2027-02-30,holiday,no such day\n"     # 2
            "2027/02/11,holiday,\n"                # 3
            "2027-02-12,rest,\n"                   # 4
            "2027-02-13,workday,ok\n"              # 5
            "\n"                                   # 6: blank, skipped
            "2027-02-13,holiday,contradicts 5\n"   # 7
            "2027-02-14,holiday,a,b\n"             # 8
            "20270215,day-off,\n")                 # 9: bad date and bad kind

    with pytest.raises(Rejected) as caught:
        calendar.parse_overrides_csv(text)

    fields = [field for field, _ in caught.value.reasons]
    assert fields == ["line 2", "line 3", "line 4", "line 7", "line 8", "line 9", "line 9"]
    assert "第 5 行" in caught.value.by_field()["line 7"][0]
    assert "6 行" in caught.value.message


@pytest.mark.parametrize(("text", "fields"), [
    ("", ["line 1"]),
    ("day,type,note\n2027-02-13,workday,\n", ["line 1"]),
    ("2027-02-13,rest,\n2027-02-14,holiday,\n", ["line 1", "line 1"]),  # data checked too
])
def test_an_overrides_csv_without_its_header_is_rejected(text, fields):
    with pytest.raises(Rejected) as caught:
        calendar.parse_overrides_csv(text)

    assert [field for field, _ in caught.value.reasons] == fields
    assert "date,kind,note" in caught.value.reasons[0][1]


@settings(max_examples=200, deadline=None)
@given(start=DAYS, end=DAYS, overrides=st.dictionaries(DAYS, st.booleans(), max_size=12))
def test_a_steps_working_days_on_the_dashboard_are_those_after_its_first_day(start, end,
                                                                            overrides):
    from app.services.oversight_rollups import WorkingDays

    counted = WorkingDays(overrides).between(start, end)

    assert counted == (day_by_day(start + dt.timedelta(days=1), end, overrides)
                       if end > start else 0)
