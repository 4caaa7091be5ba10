"""China's working days (Asia/Shanghai): statutory holidays, adjusted working weekends, overrides.

The `holidays` library encodes the State Council's yearly schedule (holidays and the
adjusted working weekends, 调休) for every year it has been announced. The schedule for a
year is published late in the year before, so a year the installed library does not know
yet has only the fixed statutory days; the authority's official overrides, kept in the
database and passed in here, fill the gap and always win over the library.

Pure: no Flask, no database, no wall clock.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from types import MappingProxyType

import holidays

from app.errors import Rejected

# A fixed offset, not ZoneInfo: China has had no daylight saving time since 1991, and a
# fixed offset needs no tz database on the host (tzdata is not among our dependencies).
SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")

Overrides = Mapping[dt.date, bool]
"""Official overrides: True = working day (adjusted workday), False = holiday."""

NO_OVERRIDES: Overrides = MappingProxyType({})

KINDS = {"holiday": False, "workday": True}
HEADER = ["date", "kind", "note"]
NOTE_LENGTH = 200  # the note column of calendar_day
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
Rows = list[tuple[int, list[str]]]  # (line number, cells) of a CSV

ADJUSTED_WORKDAY = "调休上班"
WEEKEND = "周末"
OFFICIAL = "官方调整"


@dataclass(frozen=True)
class Override:
    """One official override of the calendar, as read from the authority's CSV."""

    day: dt.date
    working: bool
    note: str = ""


# ---------------------------------------------------------------------------- library


@lru_cache(maxsize=None)
def _official(year: int) -> holidays.HolidayBase:
    # One object per year, queried only for days of that year, so the cached object is
    # never expanded (mutated) afterwards and is safe to share between threads.
    # Only the "public" category: the half-day observances (Women's Day, Youth Day, ...)
    # apply to some groups of people and do not close the authority's offices.
    return holidays.China(years=year, categories=("public",), language="zh_CN")


def _check_day(day: dt.date) -> None:
    # A datetime is a date subclass but never equals a date key, and its calendar day
    # depends on the time zone; callers convert with .astimezone(SHANGHAI).date().
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise TypeError(f"expected a date, got {type(day).__name__}: {day!r}")


def _days(start: dt.date) -> Iterator[dt.date]:
    day = start
    while True:
        yield day
        day += dt.timedelta(days=1)


# ------------------------------------------------------------------------- arithmetic


def is_working_day(day: dt.date, overrides: Overrides = NO_OVERRIDES) -> bool:
    """Return whether `day` is a working day; an official override wins; raise TypeError."""
    _check_day(day)
    if day in overrides:
        return overrides[day]
    return _officially_working(day)


@lru_cache(maxsize=8192)
def _officially_working(day: dt.date) -> bool:
    # Lists count working days for every row they show: a dictionary hit, not a holidays
    # lookup, per day (the official calendar of a date never changes).
    return _official(day.year).is_working_day(day)


def add_working_days(start: dt.date, n: int, overrides: Overrides = NO_OVERRIDES) -> dt.date:
    """Return the n-th working day from `start`, counting `start` itself; raise ValueError."""
    _check_day(start)
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    working = (day for day in _days(start) if is_working_day(day, overrides))
    return next(islice(working, n - 1, None))


def working_period_end(start: dt.date, n: int,
                       overrides: Overrides = NO_OVERRIDES) -> dt.datetime:
    """Return the instant (24:00 Asia/Shanghai) the n-th working day from `start` ends."""
    return end_of_day(add_working_days(start, n, overrides))


def working_days_between(start: dt.date, end: dt.date,
                         overrides: Overrides = NO_OVERRIDES) -> int:
    """Return the number of working days in [start, end]; 0 when `end` is before `start`.

    Counted per year from the official calendar's running totals, then corrected by the
    overrides inside the range: a list that shows how many working days each of its rows
    is overdue, some by years, would otherwise look at every day of every row."""
    _check_day(start)
    _check_day(end)
    if end < start:
        return 0
    total = 0
    for year in range(start.year, end.year + 1):
        before = _official_working_before(year)
        first = start.timetuple().tm_yday if year == start.year else 1
        last = end.timetuple().tm_yday if year == end.year else len(before) - 1
        total += before[last] - before[first - 1]
    for day, working in overrides.items():
        if start <= day <= end:
            total += int(working) - int(_officially_working(day))
    return total


@lru_cache(maxsize=64)
def _official_working_before(year: int) -> tuple[int, ...]:
    """Return, for each day of `year` (by its number, 1 January = 1), the official working
    days of the year up to and including it; [0] is 0."""
    first, totals = dt.date(year, 1, 1), [0]
    for number in range((dt.date(year, 12, 31) - first).days + 1):
        totals.append(totals[-1] + _officially_working(first + dt.timedelta(days=number)))
    return tuple(totals)


def add_years(day: dt.date, n: int) -> dt.date:
    """Return the same day `n` years later; 29 February becomes 28 February in a common year."""
    _check_day(day)
    try:
        return day.replace(year=day.year + n)
    except ValueError:
        return day.replace(year=day.year + n, day=28)


def end_of_day(day: dt.date) -> dt.datetime:
    """Return the instant `day` ends: 00:00 of the next day, Asia/Shanghai."""
    _check_day(day)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=SHANGHAI)


# ------------------------------------------------------------------------ year view


def year_calendar(year: int, overrides: Overrides | Iterable[Override] = NO_OVERRIDES,
                  ) -> list[tuple[dt.date, bool, str]]:
    """Return (day, working, reason) for every day of `year`; reason is "" on plain weekdays.

    `overrides` is a {day: working} mapping or Override records (whose notes are shown).
    """
    working, notes = _split(overrides)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    days = (first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    return [(day, is_working_day(day, working), _reason(day, working, notes)) for day in days]


def _split(overrides: Overrides | Iterable[Override]) -> tuple[Overrides, Mapping[dt.date, str]]:
    if isinstance(overrides, Mapping):
        return overrides, {}
    items = list(overrides)
    return {o.day: o.working for o in items}, {o.day: o.note for o in items}


def _reason(day: dt.date, overrides: Overrides, notes: Mapping[dt.date, str]) -> str:
    if day in overrides:
        return f"{OFFICIAL}: {notes.get(day) or ('上班' if overrides[day] else '放假')}"
    official = _official(day.year)
    if day in official:
        return official[day]
    if official.is_weekend(day):
        return ADJUSTED_WORKDAY if official.is_working_day(day) else WEEKEND
    return ""


# ------------------------------------------------------------------------------- CSV


def parse_overrides_csv(text: str) -> list[Override]:
    """Return the overrides of a `date,kind,note` CSV; raise Rejected listing every bad line."""
    rows, reasons = _read(text.removeprefix("\ufeff"))
    rows, missing = _drop_header(rows)
    reasons = missing + reasons
    found: dict[dt.date, tuple[int, Override]] = {}
    for number, row in rows:
        problems, item = _parse_row(row)
        problems += _conflict(item, found)
        reasons += [(f"line {number}", problem) for problem in problems]
        if item is not None and item.day not in found:
            found[item.day] = (number, item)
    if reasons:
        lines = len({field for field, _ in reasons})
        raise Rejected(f"官方调整文件有 {lines} 行有误。", reasons=reasons)
    return [item for _, item in found.values()]


def _read(text: str) -> tuple[Rows, list[tuple[str, str]]]:
    reader, rows = csv.reader(io.StringIO(text)), []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):  # blank lines are skipped
                # line_num is the physical line a record ends on: the number an editor shows.
                rows.append((reader.line_num, row))
    except csv.Error as error:
        return rows, [(f"line {reader.line_num + 1}", f"无法按 CSV 读取：{error}。")]
    return rows, []


def _drop_header(rows: Rows) -> tuple[Rows, list[tuple[str, str]]]:
    if rows and [cell.strip().lower() for cell in rows[0][1]] == HEADER:
        return rows[1:], []
    missing = [(f"line {rows[0][0] if rows else 1}", "第一行必须是表头 date,kind,note。")]
    # A first line that starts with a date is data without a header: check it as data too.
    if rows and ISO_DAY.fullmatch(rows[0][1][0].strip()):
        return rows, missing
    return rows[1:], missing


def _parse_row(row: list[str]) -> tuple[list[str], Override | None]:
    if len(row) not in (2, 3):
        columns = f"应有 2 或 3 列（date,kind,note），实有 {len(row)} 列"
        return [f"{columns}；备注含逗号时请加引号。"], None
    day, problems = _parse_day(row[0].strip()), []
    kind = row[1].strip().lower()
    if day is None:
        problems.append(f"日期“{row[0].strip()}”无效，应为 YYYY-MM-DD 格式的真实日期。")
    if kind not in KINDS:
        problems.append(f"类型“{row[1].strip()}”无效，应为 holiday（放假）或 workday（上班）。")
    if problems:
        return problems, None
    note = row[2].strip() if len(row) == 3 else ""
    if len(note) > NOTE_LENGTH or "\x00" in note:  # the database could store neither
        return [f"备注不能超过 {NOTE_LENGTH} 个字符，且不能含空字符（NUL）。"], None
    return [], Override(day=day, working=KINDS[kind], note=note)


def _parse_day(text: str) -> dt.date | None:
    # fromisoformat alone would also take "20261010" or "2026-W41-6".
    if not ISO_DAY.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _conflict(item: Override | None, found: Mapping[dt.date, tuple[int, Override]]) -> list[str]:
    if item is None or item.day not in found:
        return []
    number, earlier = found[item.day]
    if earlier.working == item.working:
        return []  # the same statement twice is harmless; the first note is kept
    return [f"日期 {item.day.isoformat()} 与第 {number} 行矛盾：一行为放假，另一行为上班。"]
