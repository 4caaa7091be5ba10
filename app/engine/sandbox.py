"""The restricted Python in which BPMN scripts, conditions, timers and DMN cells run.

SpiffWorkflow's default environment is plain eval/exec with full builtins: anyone
who can publish BPMN could run code on the server (research/spiffworkflow.md §5.2).
Here every expression is compiled by RestrictedPython (no imports, no names or
attributes starting with "_"), builtins are whitelisted, and only the helpers
below are offered. Compiled code is cached because conditions run on every step.
"""

from __future__ import annotations

import ast
import builtins as _builtins
import datetime as dt
from collections.abc import Callable, Mapping
from functools import lru_cache

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from app import calendar

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
SAFE_BUILTINS["range"] = _bounded_range
HELPER_NAMES = (
    "today", "add_days", "add_years", "add_working_days", "end_of_day", "start_of_year",
    "is_working_day",
)

_INPLACE = {
    "+=": lambda x, y: x + y, "-=": lambda x, y: x - y, "*=": lambda x, y: x * y,
    "/=": lambda x, y: x / y, "//=": lambda x, y: x // y, "%=": lambda x, y: x % y,
}


class ScriptRefused(ValueError):
    """RestrictedPython refused the code (a ValueError: Spiff crashes on a bare SyntaxError)."""


@lru_cache(maxsize=2048)
def _compiled(source: str, mode: str):
    result = (compile_restricted_eval if mode == "eval" else compile_restricted_exec)(source)
    if result.errors:
        raise ScriptRefused("; ".join(result.errors))
    # RestrictedPython compiles `import x` (it would only fail when run): refuse it at publish.
    # No while loops either: the engine has no time limit, so a script must not be able to spin.
    nodes = list(ast.walk(ast.parse(source, mode=mode)))
    if any(isinstance(node, (ast.Import, ast.ImportFrom)) for node in nodes):
        raise ScriptRefused("imports are not allowed")
    if any(isinstance(node, ast.While) for node in nodes):
        raise ScriptRefused("while loops are not allowed: iterate over a list or range()")
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
        "add_working_days": lambda d, n: calendar.working_period_end(
            _date(d), int(n), overrides).isoformat(),
        "end_of_day": lambda d: calendar.end_of_day(_date(d)).isoformat(),
        "start_of_year": lambda d: dt.datetime(
            _date(d).year, 1, 1, tzinfo=calendar.SHANGHAI).isoformat(),
        "is_working_day": lambda d: calendar.is_working_day(_date(d), overrides),
    }


def _base_globals(helpers: Mapping[str, Callable]) -> dict:
    return {
        "__builtins__": SAFE_BUILTINS,
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": full_write_guard,
        "_inplacevar_": lambda op, x, y: _INPLACE[op](x, y),
        **helpers,
    }


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Spiff script environment running RestrictedPython with whitelisted builtins and helpers."""

    def evaluate(self, expression, context, external_context=None):
        scope = {**_base_globals(self.globals), **(external_context or {}), **context}
        return eval(_compiled(expression.strip(), "eval"), scope)

    def execute(self, script, context, external_context=None):
        clash = set(self.globals) & set(context)
        if clash:
            raise ScriptRefused(f"case data shadows helper(s): {', '.join(sorted(clash))}")
        injected = {**_base_globals(self.globals), **(external_context or {})}
        code = _compiled(script, "exec")
        context.update(injected)
        try:
            exec(code, context)
        finally:
            for key in list(context):
                if key in injected or callable(context[key]) or key.startswith("_"):
                    context.pop(key)
        return True

    def call_service(self, context, **kwargs):
        raise ScriptRefused("service tasks are not available in this product")


def script_engine(now: dt.datetime, overrides: Mapping[dt.date, bool]) -> PythonScriptEngine:
    """Return a Spiff script engine bound to the case clock `now` and the calendar overrides."""
    return PythonScriptEngine(environment=RestrictedEnvironment(make_helpers(now, overrides)))
