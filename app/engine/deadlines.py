"""A user task's deadlines from its properties: `dueDate` and `notBefore`.

Both are Python expressions over the task's data, evaluated in the restricted script
engine of the engine call (its clock and calendar). They give an ISO date or an ISO
date-time (a time without a zone is Shanghai time). A date means the end of that day
(24:00 Asia/Shanghai) for both: a task due "by 31 January" is on time all that day, and
a notice period "ending on 16 October" has ended only when that day has, so a task
with `notBefore` = the notice's last day opens at 00:00 the day after.
"""

from __future__ import annotations

import datetime as dt

from app import calendar
from app.engine import sandbox
from app.engine.budget import ScriptRefused
from app.errors import N_, TaskError

PROPERTIES = ("dueDate", "notBefore")
BAD_VALUE = N_("The procedure has a problem at %(element)s that its designer must fix; "
               "nothing in the case was changed. Details: %(error)s")


def instant(value) -> dt.datetime:
    """Return the aware instant `value` (a date, datetime or ISO text) names; raise ValueError."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        return calendar.end_of_day(value)
    elif isinstance(value, str) and len(value.strip()) == 10:
        return calendar.end_of_day(dt.date.fromisoformat(value.strip()))
    elif isinstance(value, str):
        moment = dt.datetime.fromisoformat(value.strip())
    else:
        raise ValueError(f"expected an ISO date or date-time, got {type(value).__name__}")
    return moment if moment.tzinfo else moment.replace(tzinfo=calendar.SHANGHAI)


def check(expression) -> str | None:
    """Return why a dueDate / notBefore expression cannot run, or None when it compiles."""
    if not isinstance(expression, str) or not expression.strip():
        return "the expression is empty"
    return sandbox.check_source(expression.strip(), "eval")


def evaluate(task, element: str, name: str) -> dt.datetime | None:
    """Return the instant property `name` of user task `task` gives; raise TaskError."""
    expression = task.task_spec.extensions.get("properties", {}).get(name)
    if expression is None:
        return None
    try:
        value = task.workflow.script_engine.evaluate(task, str(expression).strip())
        return instant(value)
    except TaskError:
        raise
    except Exception as error:  # noqa: BLE001 - a designer's expression must not become a 500
        cause = error.__context__ or error  # Spiff wraps the expression's own error
        detail = str(cause) if isinstance(cause, ScriptRefused) else sandbox.describe(cause)
        raise TaskError(BAD_VALUE, element=element,
                        error=f"{name} {expression!r}: {detail}") from None
