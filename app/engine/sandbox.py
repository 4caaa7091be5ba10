"""The restricted Python in which BPMN scripts, conditions, timers and DMN cells run.

SpiffWorkflow's default environment is plain eval/exec with full builtins: anyone
who can publish BPMN could run code on the server (research/spiffworkflow.md §5.2).
Here every expression is compiled by RestrictedPython (no imports, no names or
attributes starting with "_"; policy.py adds our refusals and rewrites), builtins
are whitelisted, and only the helpers below are offered. Every evaluation runs
against the engine call's Budget (budget.py) and the size guards (guards.py), so
nothing a designer publishes can hang a worker or grow without bound.
Compiled code is cached because conditions run on every step.
"""

from __future__ import annotations

import builtins as _builtins
import datetime as dt
from collections.abc import Callable, Mapping
from functools import lru_cache

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from app import calendar
from app.engine import guards
from app.engine.budget import Budget, ScriptRefused
from app.engine.casedata import data_problem
from app.engine.policy import SandboxPolicy

SAFE_BUILTIN_NAMES = (
    "None True False abs all any bool dict divmod enumerate filter float int isinstance "
    "len list map max min range reversed round set sorted str sum tuple zip"
).split()
MAX_RANGE = 100_000


def _bounded_range(*args) -> range:
    """range() that refuses huge spans: with no while loop, scripts always finish quickly."""
    span = range(*args)
    if len(span) > MAX_RANGE:
        raise ScriptRefused(f"range() over more than {MAX_RANGE} items is not allowed")
    return span


SAFE_BUILTINS = {name: getattr(_builtins, name) for name in SAFE_BUILTIN_NAMES}
SAFE_BUILTINS.update(range=_bounded_range, round=guards.guarded_round, str=guards.guarded_str,
                     sum=guards.guarded_sum, sorted=guards.guarded_sorted, min=guards.guarded_min,
                     max=guards.guarded_max)
HELPER_NAMES = (
    "today", "add_days", "add_years", "add_working_days", "end_of_day", "start_of_year",
    "is_working_day",
)



@lru_cache(maxsize=2048)
def _compiled(source: str, mode: str):
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(source, policy=SandboxPolicy)
    if result.errors:
        raise ScriptRefused("; ".join(result.errors))
    return result.code


def check_source(source: str, mode: str = "eval") -> str | None:
    """Return why RestrictedPython refuses `source`, or None when it compiles."""
    try:
        _compiled(source, mode)
    except ScriptRefused as refused:
        return str(refused)
    except SyntaxError as error:
        return f"syntax error: {error.msg}"
    return None


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.astimezone(calendar.SHANGHAI).date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def make_helpers(now: dt.datetime, overrides: Mapping[dt.date, bool]) -> dict[str, Callable]:
    """Return the helper functions offered to scripts, bound to the case clock and calendar."""
    return {
        "today": lambda: now.astimezone(calendar.SHANGHAI).date().isoformat(),
        "add_days": lambda d, n: (_date(d) + dt.timedelta(days=int(n))).isoformat(),
        "add_years": lambda d, n: calendar.add_years(_date(d), int(n)).isoformat(),
        "add_working_days": lambda d, n, count_first=True: calendar.working_period_end(
            _date(d) if count_first else _date(d) + dt.timedelta(days=1), int(n),
            overrides).isoformat(),
        "end_of_day": lambda d: calendar.end_of_day(_date(d)).isoformat(),
        "start_of_year": lambda d: dt.datetime(
            _date(d).year, 1, 1, tzinfo=calendar.SHANGHAI).isoformat(),
        "is_working_day": lambda d: calendar.is_working_day(_date(d), overrides),
    }


def _base_globals(helpers: Mapping[str, Callable], budget: Budget) -> dict:
    return {
        "__builtins__": SAFE_BUILTINS,
        "_getattr_": guards.guarded_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": budget.counted,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": full_write_guard,
        "_inplacevar_": guards.inplace,
        "_binop_": guards.binop,
        "_format_": guards.format_value,
        "_sized_": guards.sized,
        "_tick_": lambda value: (budget.tick(), value)[1],
        **helpers,
    }


def _line(error: BaseException) -> str:
    frames, traceback = [], error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == "<string>":
            frames.append(traceback.tb_lineno)
        traceback = traceback.tb_next
    return f" (line {frames[-1]})" if frames else ""


def describe(error: BaseException) -> str:
    """Return a one-line sentence for an error raised by restricted code."""
    if isinstance(error, RecursionError):
        return "calls nest too deeply (a function or lambda calls itself without end)"
    if isinstance(error, MemoryError):
        return "it ran out of memory"
    if isinstance(error, KeyError):
        return f"there is no {error.args[0]!r} in the data" if error.args else "a key is missing"
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Spiff script environment running RestrictedPython with whitelisted builtins and helpers."""

    def __init__(self, environment_globals=None, budget: Budget | None = None,
                 check_data: bool = True):
        super().__init__(environment_globals)
        self.budget = budget or Budget()
        self.check_data = check_data  # off only for a replay checked against recorded states
        # What every script and expression sees, built once: one step runs many of them.
        self._script_globals = _base_globals(self.globals, self.budget)

    def evaluate(self, expression, context, external_context=None):
        scope = {**self._script_globals, **(external_context or {}), **context}
        with self.budget.running():
            return eval(_compiled(expression.strip(), "eval"), scope)

    def execute(self, script, context, external_context=None):
        clash = set(self.globals) & set(context)
        if clash:
            raise ScriptRefused(f"case data shadows helper(s): {', '.join(sorted(clash))}")
        try:
            with self.budget.running():
                self._run(_compiled(script, "exec"), context, external_context)
        except (ScriptRefused, SpiffWorkflowException):
            raise
        except Exception as error:
            # Spiff's own wrapping fails on some (a KeyError of a number): give it a sentence.
            raise ScriptRefused(describe(error) + _line(error)) from None
        problem = data_problem(context) if self.check_data else None
        if problem:
            raise ScriptRefused(f"the script left data that cannot be stored: {problem}")
        return True

    def _run(self, code, context, external_context) -> None:
        injected = {**self._script_globals, **(external_context or {})}
        context.update(injected)
        try:
            exec(code, context)
        finally:
            for key in list(context):
                if key in injected or callable(context[key]) or key.startswith("_"):
                    context.pop(key)

    def call_service(self, context, **kwargs):
        raise ScriptRefused("service tasks are not available in this product")


def script_engine(now: dt.datetime, overrides: Mapping[dt.date, bool],
                  budget: Budget | None = None, check_data: bool = True) -> PythonScriptEngine:
    """Return a Spiff script engine bound to the case clock, calendar overrides and `budget`
    (`check_data`: whether a script must leave data that can be stored)."""
    return PythonScriptEngine(environment=RestrictedEnvironment(make_helpers(now, overrides),
                                                                budget, check_data))
