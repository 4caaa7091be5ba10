"""The few statements every request runs, compiled once and run on the DBAPI cursor.

A completion runs about ten statements, each built once per process. Through
`Connection.execute` each of them cost several times what the database took to run it: the
compiled form is looked up by the statement's cache key, an execution context is built, the
parameters go through the compiler's `construct_params` and a result object is set up with
its row processors. A `_Plan` keeps what those steps produce for one statement (its SQL, the
order and bind processors of its parameters, its columns' result processors) and runs it on
the connection's cursor, with what `Connection.execute` keeps:

- the engine's `before_cursor_execute` and `after_cursor_execute` events fire (statement
  counts, tracing);
- a database error is handled by the connection as its own statements' are (wrapped as
  `DBAPIError`, a lost connection invalidated), so retries see the same exceptions;
- values go in and come out through the column types' processors (JSON, dates).

What a plan cannot do exactly (an expanding IN, a Python-side default to compute, RETURNING
with many rows, SQL echoed for debugging) goes through `Connection.execute` unchanged, as does
a statement's first run.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import BindTyping

# {statement: {(dialect, columns written, many rows): its plan, None where it has none}}.
# A statement is planned the second time it runs: one built for a single request (a lock
# over a list of cases) would cost more to compile than SQLAlchemy's cache lookup, and is
# forgotten with it.
_PLANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class Rows:
    """The rows of a statement run by a plan (tuples of processed values) and its row count:
    the part of a `CursorResult` its callers use."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[tuple], rowcount: int):
        self._rows, self.rowcount = rows, rowcount

    def __iter__(self) -> Iterator[tuple]:
        return iter(self._rows)

    def all(self) -> list[tuple]:
        return list(self._rows)

    def first(self) -> tuple | None:
        return self._rows[0] if self._rows else None

    def scalar_one(self):
        if len(self._rows) != 1:
            raise sa.exc.NoResultFound("no row") if not self._rows else \
                sa.exc.MultipleResultsFound("more than one row")
        return self._rows[0][0]


class _Plan:
    """One statement compiled for one dialect: its SQL, where each parameter's value comes
    from, and how values are converted on the way in and out."""

    __slots__ = ("sql", "named", "slots", "types", "processors", "returns")

    def __init__(self, compiled):
        self.sql = compiled.string
        self.named = not compiled.positional
        processors = compiled._bind_processors
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        order = compiled.positiontup if compiled.positional else list(by_name)
        # (name, key in the caller's parameters, the bind (its value when not given), processor)
        self.slots = tuple((name, by_name[name].key, by_name[name], processors.get(name))
                           for name in order)
        self.returns = bool(compiled._result_columns)
        self.types = tuple(column.type for column in compiled._result_columns)
        self.processors: tuple | None = None  # from the first cursor's description

    def values(self, params: Mapping):
        """The DBAPI parameters for `params` (a dict or a tuple, as the dialect takes them)."""
        out = []
        for _name, key, bind, process in self.slots:
            if key in params:
                value = params[key]
            elif bind.required:
                raise sa.exc.InvalidRequestError(
                    f"A value is required for bind parameter {key!r}")
            else:
                value = bind.effective_value if bind.callable else bind.value
            out.append(process(value) if process is not None else value)
        if self.named:
            return {slot[0]: value for slot, value in zip(self.slots, out, strict=True)}
        return tuple(out)

    def rows(self, cursor, dialect) -> list[tuple]:
        fetched = cursor.fetchall()
        if self.processors is None:
            self.processors = tuple(
                kind._cached_result_processor(dialect, described[1])
                for kind, described in zip(self.types, cursor.description, strict=True))
        processors = self.processors
        if not any(processors):
            return fetched
        return [tuple(value if process is None else process(value)
                      for process, value in zip(processors, row, strict=True))
                for row in fetched]


def _plan_for(statement, dialect, keys: tuple, many: bool) -> _Plan | None:
    """The plan of `statement` for `dialect` (None: it runs through the connection)."""
    plans = _PLANS.get(statement)
    if plans is None:  # its first run
        _PLANS[statement] = {}
        return None
    key = (dialect.name, keys, many)
    if key not in plans:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys),
                                     for_executemany=many)
        exact = not (compiled.post_compile_params or compiled.literal_execute_params
                     or compiled.escaped_bind_names
                     or getattr(compiled, "insert_prefetch", None)
                     or getattr(compiled, "update_prefetch", None)
                     or (many and compiled._result_columns)
                     or dialect.bind_typing is BindTyping.SETINPUTSIZES)
        plans[key] = _Plan(compiled) if exact else None
    return plans[key]


def run(connection: Connection, statement, params: Mapping | Sequence[Mapping] | None = None):
    """Run `statement` (a Core statement, built once to gain: its plan lives as long) with
    `params` (a dict, or a list of dicts to run it once for each) on `connection`, inside
    its transaction; return `Rows`, or the `CursorResult` of `Connection.execute` for what
    a plan cannot run exactly."""
    params = params if params is not None else {}
    many = not isinstance(params, Mapping)
    if many and len(params) == 1:
        params, many = params[0], False
    if many and not params:  # SQLAlchemy runs it once without parameters
        return connection.execute(statement, params)
    first = params[0] if many else params
    dialect = connection.dialect
    plan = None
    if connection.in_transaction() and not connection._echo:
        keys = tuple(sorted(first)) if isinstance(statement, sa.sql.dml.UpdateBase) else ()
        plan = _plan_for(statement, dialect, keys, many)
    if plan is None:
        return connection.execute(statement, params)
    sql, values, cursor = plan.sql, None, None
    events = connection._has_events or connection.engine._has_events
    try:
        values = [plan.values(one) for one in params] if many else plan.values(params)
        cursor = connection.connection.cursor()
        if events:
            for listener in connection.dispatch.before_cursor_execute:
                sql, values = listener(connection, cursor, sql, values, None, many)
        if many:
            cursor.executemany(sql, values)
        else:
            cursor.execute(sql, values)
        if events:
            connection.dispatch.after_cursor_execute(connection, cursor, sql, values, None,
                                                     many)
        rows = plan.rows(cursor, connection.dialect) if plan.returns else []
        rowcount = cursor.rowcount
    except BaseException as error:  # closes the cursor, wraps and raises, as for its own
        connection._handle_dbapi_exception(error, sql, values, cursor, None)
    cursor.close()
    return Rows(rows, rowcount)
