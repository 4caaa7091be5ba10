"""The oversight figures as people read them: one table per figure (the page shows them under
the charts and the XLSX has one sheet each) and the series the page's charts draw."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.web import labels
from app.web.layout import format_date


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list]


def _where(row: dict, names: dict) -> list[str]:
    return [names.get(row["jurisdiction"], row["jurisdiction"]),
            row["county_name"] or _("(no county yet)")]


def _role(lane: str | None) -> str:
    return str(labels.ROLES.get(lane, lane or "—"))


def _statuses(figures: dict) -> list[str]:
    found = {status for row in figures["by_county"] for status in row["statuses"]}
    return [status for status in labels.STATUSES if status in found] + sorted(
        found - set(labels.STATUSES))


def stage_table(figures: dict) -> Table:
    return Table("by_stage", _("Cases by stage"),
                 [_("Procedure"), _("Current stage"), _("Number of cases"), _("In progress")],
                 [[r["process_title"], r["stage"] or "—", r["cases"], r["open"]]
                  for r in figures["by_stage"]])


def county_table(figures: dict, names: dict) -> Table:
    statuses = _statuses(figures)
    return Table("by_county", _("Cases by county"),
                 [_("Jurisdiction"), _("County / district"), _("Number of cases")]
                 + [str(labels.STATUSES.get(s, s)) for s in statuses],
                 [_where(r, names) + [r["cases"]] + [r["statuses"].get(s, 0) for s in statuses]
                  for r in figures["by_county"]])


def step_table(figures: dict) -> Table:
    return Table("step_durations", _("Median working days per step"),
                 [_("Procedure"), _("Step"), _("Done by"), _("Tasks completed"),
                  _("Median working days")],
                 [[r["process_title"], r["title"], _role(r["lane"]), r["completed"],
                   r["median_working_days"]] for r in figures["step_durations"]])


def overdue_table(figures: dict, names: dict) -> Table:
    return Table("overdue", _("Overdue tasks now"),
                 [_("Jurisdiction"), _("County / district"), _("Procedure"), _("Step"),
                  _("Done by"), _("Overdue tasks"), _("Earliest deadline"),
                  _("Most working days overdue")],
                 [_where(r, names) + [r["process_title"], r["title"], _role(r["lane"]),
                                      r["tasks"], format_date(r["earliest_due_at"]),
                                      r["most_working_days_overdue"]]
                  for r in figures["overdue"]])


def report_table(figures: dict) -> Table:
    return Table("annual_reports", _("Annual reports"),
                 [_("Year"), _("Reports asked for"), _("Reports received"),
                  _("Reports not received")],
                 [[r["year"], r["due"], r["received"], r["missing"]]
                  for r in figures["annual_reports"]])


def title_table(figures: dict) -> Table:
    return Table("titles", _("Recognitions, expiries and revocations per year"),
                 [_("Year"), _("Recognitions"), _("Expiries"), _("Revocations")],
                 [[r["year"], r["recognitions"], r["expiries"], r["revocations"]]
                  for r in figures["titles"]])


def tables(figures: dict) -> list[Table]:
    """Return the dashboard's tables in page order."""
    names = {j["key"]: j["name"] for j in figures["jurisdictions"]}
    return [stage_table(figures), county_table(figures, names), step_table(figures),
            overdue_table(figures, names), report_table(figures), title_table(figures)]


def _chart(key: str, categories: list, series: dict, stacked: bool = False,
           horizontal: bool = False) -> dict:
    return {"key": key, "categories": [str(c) for c in categories], "stacked": stacked,
            "horizontal": horizontal,
            "series": [{"name": name, "data": data} for name, data in series.items()]}


def _sum_by(rows: list[dict], label, value) -> dict:
    totals: dict = {}
    for row in rows:
        totals[label(row)] = totals.get(label(row), 0) + value(row)
    return totals


def charts(figures: dict) -> list[dict]:
    """Return the series each chart draws (the page's JSON for frontend/oversight.js)."""
    stage, county = figures["by_stage"], figures["by_county"]
    stage_key = lambda r: r["stage"] or "—"  # noqa: E731 - one label rule for both series
    open_ = _sum_by(stage, stage_key, lambda r: r["open"])
    done = _sum_by(stage, stage_key, lambda r: r["cases"] - r["open"])
    county_key = lambda r: r["county_name"] or _("(no county yet)")  # noqa: E731
    statuses = _statuses(figures)
    overdue = _sum_by(figures["overdue"], county_key, lambda r: r["tasks"])
    steps, reports, titles = figures["step_durations"], figures["annual_reports"], figures["titles"]
    return [
        _chart("by_stage", list(open_), {_("In progress"): list(open_.values()),
                                         _("Finished"): list(done.values())},
               stacked=True, horizontal=True),
        _chart("by_county", [county_key(r) for r in county], {
            str(labels.STATUSES.get(s, s)): [r["statuses"].get(s, 0) for r in county]
            for s in statuses}, stacked=True),
        _chart("step_durations", [r["title"] for r in steps],
               {_("Median working days"): [r["median_working_days"] for r in steps]},
               horizontal=True),
        _chart("overdue", list(overdue), {_("Overdue tasks"): list(overdue.values())}),
        _chart("annual_reports", [r["year"] for r in reports], {
            _("Reports received"): [r["received"] for r in reports],
            _("Reports not received"): [r["missing"] for r in reports]}, stacked=True),
        _chart("titles", [r["year"] for r in titles], {
            _("Recognitions"): [r["recognitions"] for r in titles],
            _("Expiries"): [r["expiries"] for r in titles],
            _("Revocations"): [r["revocations"] for r in titles]}),
    ]
