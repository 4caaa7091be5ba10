"""The indicator trend a process option names: periods in order, bars scaled, bad values shown as
missing (never an error on the case page)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from app.services import trend

OPTION = {"process": "quarterly", "period": "period",
          "fields": [{"path": "report.revenue", "label": "营业收入", "label_en": "Revenue"},
                     {"path": "report.staff", "label": "从业人员数"}]}


def title(option=OPTION):
    return SimpleNamespace(process_version=SimpleNamespace(options={"trend": option}))


def child(period, revenue, staff=10, process="quarterly"):
    return SimpleNamespace(process_key=process,
                           data={"period": period, "report": {"revenue": revenue, "staff": staff}})


def test_periods_are_in_order_and_bars_scale_to_the_largest_value():
    shown = trend.trend_of(title(), [child("2026Q3", "300"), child("2026Q2", 150)])

    assert shown.periods == ["2026Q2", "2026Q3"]
    revenue = shown.series[0]
    assert revenue.label == "营业收入"
    assert [(b.period, b.value) for b in revenue.bars] == [("2026Q2", Decimal(150)),
                                                           ("2026Q3", Decimal(300))]
    assert revenue.bars[1].height == trend.CHART_HEIGHT - 20
    assert revenue.bars[0].height == (trend.CHART_HEIGHT - 20) // 2


def test_labels_follow_the_language():
    shown = trend.trend_of(title(), [child("2026Q2", 1)], "en")
    assert [s.label for s in shown.series] == ["Revenue", "从业人员数"]


def test_a_value_that_is_no_number_is_missing_and_other_procedures_are_ignored():
    shown = trend.trend_of(title(), [child("2026Q2", "n/a"), child("2026Q3", True),
                                     child("2026Q4", 5, process="annual")])

    assert shown.periods == ["2026Q2", "2026Q3"]
    assert [(b.value, b.height) for b in shown.series[0].bars] == [(None, 0), (None, 0)]


def test_no_trend_without_the_option_or_without_reports():
    assert trend.trend_of(SimpleNamespace(process_version=SimpleNamespace(options={})),
                          [child("2026Q2", 1)]) is None
    assert trend.trend_of(title(), []) is None
    assert trend.trend_of(title(), [child(None, 1)]) is None


def test_a_later_report_of_the_same_period_replaces_the_earlier_one():
    shown = trend.trend_of(title(), [child("2026Q2", 100), child("2026Q2", 120)])
    assert [b.value for b in shown.series[0].bars] == [Decimal(120)]
