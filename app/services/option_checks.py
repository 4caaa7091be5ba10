"""Checks of the process options in meta.yaml that name elements: calls, summary tables, trends.

A typo in one of them would otherwise show only at run time (a deadline never enforced, an
empty column, a chart that never appears), so `processes check` names it.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.errors import N_, DefinitionError

MESSAGES = {
    "task": N_("%(option)s names %(value)s, which is not a user task of this process"),
    "column": N_("summary_table column %(value)s needs a header"),
    "process": N_("trend names process %(value)s, which this jurisdiction does not list"),
    "fields": N_("trend needs fields, each with a path and a label"),
}


def _problem(file: str, key: str, kind: str, **params) -> DefinitionError:
    return DefinitionError(MESSAGES[kind], file, key, **{k: str(v) for k, v in params.items()})


def _task_problems(calls: Mapping, tasks: set[str], file: str, key: str) -> list:
    named = [("calls.recommend_task", calls.get("recommend_task"))]
    for option in ("rank", "notice"):
        if isinstance(calls.get(option), Mapping):
            named.append((f"calls.{option}.task", calls[option].get("task")))
    return [_problem(file, key, "task", option=option, value=value)
            for option, value in named if value is not None and value not in tasks]


def _column_problems(table: Mapping, file: str, key: str) -> list:
    return [_problem(file, key, "column", value=index + 1)
            for index, column in enumerate(table.get("columns") or [])
            if not isinstance(column, Mapping) or not column.get("header")]


def _trend_problems(trend: Mapping, listed: Mapping, file: str, key: str) -> list:
    problems = [] if trend.get("process") in listed \
        else [_problem(file, key, "process", value=trend.get("process"))]
    fields = trend.get("fields")
    if not fields or not all(isinstance(f, Mapping) and f.get("path") and f.get("label")
                             for f in fields):
        problems.append(_problem(file, key, "fields"))
    return problems


def problems(entry: Mapping, user_tasks: set[str], listed: Mapping, file: str) -> list:
    """Return the problems of a process entry's calls, summary_table and trend options."""
    key, found = str(entry.get("key", "")), []
    if isinstance(entry.get("calls"), Mapping):
        found += _task_problems(entry["calls"], user_tasks, file, key)
    if isinstance(entry.get("summary_table"), Mapping):
        found += _column_problems(entry["summary_table"], file, key)
    if isinstance(entry.get("trend"), Mapping):
        found += _trend_problems(entry["trend"], listed, file, key)
    return found
