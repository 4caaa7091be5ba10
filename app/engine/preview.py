"""One designer expression evaluated on sample data, for the modeler's timer preview.

It runs in the same restricted environment as a case's timers (sandbox.py), with the
helpers bound to the sample start day as the case clock and to the official calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from app.engine.budget import Budget
from app.engine.expressions import names_read
from app.engine.sandbox import (
    HELPER_NAMES,
    SAFE_BUILTIN_NAMES,
    RestrictedEnvironment,
    check_source,
    describe,
    make_helpers,
)
from app.engine.timing import timed
from app.errors import N_, Rejected


def _refuse(message: str, **params) -> Rejected:
    return Rejected(message, [("expression", message, params)], **params)


@timed
def evaluate_expression(source: str, data: Mapping, now: dt.datetime,
                        overrides: Mapping[dt.date, bool]) -> object:
    """Return the value of expression `source` on `data` at `now`; raise Rejected when it does
    not compile, reads names `data` does not give, or fails."""
    source = source.strip()
    problem = check_source(source, "eval") if source else "the expression is empty"
    if problem:
        raise _refuse(N_("The expression does not compile: %(problem)s"), problem=problem)
    missing = names_read(source) - set(HELPER_NAMES) - set(SAFE_BUILTIN_NAMES) - set(data)
    if missing:
        raise _refuse(N_("The expression reads %(names)s, which the sample data does not give."),
                      names=", ".join(sorted(missing)))
    environment = RestrictedEnvironment(make_helpers(now, overrides), Budget())
    try:
        return environment.evaluate(source, dict(data))
    except Exception as error:  # any failure of designer code becomes a sentence
        raise _refuse(N_("The expression fails: %(problem)s"), problem=describe(error)) from None
