"""A title's indicator trend: the figures its periodic child cases reported, period by period.

A process entry in meta.yaml may name them (`trend: {process, period, fields: [{path, label,
label_en}]}`): the child procedure that reports them, the dotted path of each child's period
label and of each figure. The case page draws one small bar chart per figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from app import formdefs
from app.models import Case

BAR_WIDTH, CHART_HEIGHT = 44, 120


@dataclass
class Bar:
    period: str
    value: Decimal | None
    height: int  # pixels, scaled to the series' largest value


@dataclass
class Series:
    label: str
    bars: list[Bar]

    @property
    def width(self) -> int:
        return BAR_WIDTH * len(self.bars)


@dataclass
class Trend:
    periods: list[str]
    series: list[Series]
    bar_width: int = BAR_WIDTH
    height: int = CHART_HEIGHT


def _number(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _label(field: dict, lang: str) -> str:
    return (field.get("label_en") if lang == "en" else None) or field.get("label") or field["path"]


def _reports(option: dict, children: Iterable[Case]) -> dict[str, dict]:
    """Return each period's child data; a later report of a period replaces an earlier one."""
    reports: dict[str, dict] = {}
    for child in children:
        period = formdefs.lookup(child.data, option["period"])
        if child.process_key == option["process"] and period is not None:
            reports[str(period)] = child.data
    return reports


def _series(field: dict, periods: list[str], reports: dict, lang: str) -> Series:
    values = [_number(formdefs.lookup(reports[p], field["path"])) for p in periods]
    top = max((v for v in values if v is not None and v > 0), default=Decimal(0))
    bars = [Bar(p, v, int(v * (CHART_HEIGHT - 20) / top) if top and v and v > 0 else 0)
            for p, v in zip(periods, values, strict=True)]
    return Series(_label(field, lang), bars)


def trend_of(case: Case, children: Iterable[Case], lang: str = "zh") -> Trend | None:
    """Return the indicator trend of `case` over `children` (the reader's visible children),
    or None when its process names no trend or no child has reported yet."""
    option = (case.process_version.options or {}).get("trend")
    if not isinstance(option, dict) or not option.get("fields"):
        return None
    reports = _reports(option, children)
    fields = option["fields"]
    reported = {p: d for p, d in reports.items()
                if any(_number(formdefs.lookup(d, f["path"])) is not None for f in fields)}
    if not reported:
        return None
    periods = sorted(reported)
    return Trend(periods, [_series(f, periods, reported, lang) for f in fields])
