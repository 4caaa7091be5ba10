"""Statements run from their kept plans (services/compiled_sql.py) behave as through
`Connection.execute`: the same rows with the same converted values, the same writes, the
statement events, the same exceptions; what a plan cannot run exactly still runs. On SQLite,
and on PostgreSQL when TEST_POSTGRES_URL is set."""

from __future__ import annotations

import datetime as dt
import gc
import os
import weakref

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Case, Event, WorkItem
from app.services import (
    _prebuilt,
    _transient,
    audit,
    compiled_sql,
    held,
    reference,
    row_writes,
    tasks,
    users,
)
from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver

UTC = dt.timezone.utc


@pytest.fixture(params=["sqlite", "postgresql"])
def on(request):
    """The JSON API on a fresh database of either kind, with a submitted Kunming case."""
    if request.param == "postgresql" and not os.environ.get("TEST_POSTGRES_URL"):
        pytest.skip("TEST_POSTGRES_URL is not set")
    client = request.getfixturevalue("api" if request.param == "sqlite" else "pg_api")
    case = CaseDriver(client, "kunming_recognition", "km_applicant", "km_city")
    case.start()
    case.complete("km_applicant", "submit_application", km.APPLICATION, "2026-03-02T09:00")
    db.session.rollback()
    return case


def _seen(*statements) -> None:
    """Have `statements` planned at their next run, as after their first."""
    for statement in statements:
        compiled_sql._PLANS.setdefault(statement, {})


def _both(statement, params):
    """(rows from the plan, rows from Connection.execute) of one statement."""
    _seen(statement)
    connection = db.session.connection()
    planned = compiled_sql.run(connection, statement, params)
    assert isinstance(planned, compiled_sql.Rows)  # not handed to the connection
    return planned.all(), [tuple(row) for row in connection.execute(statement, params)]


def test_reads_give_the_rows_and_values_connection_execute_gives(on):
    item = _ready_item(on)
    for statement, params in (
            (_prebuilt("task", False), {"key": item}),  # the case, its state, its version
            (tasks._ITEMS_OF, {"case_id": on.id}),
            (users._BY_ID, {"user_id": 1}),
            (reference._STAMPS, {}),
            (held._CHILDREN_OF_ONE, {"id": on.id})):
        planned, executed = _both(statement, params)
        assert planned == executed
    case_row = _both(_prebuilt("task", False), {"key": item})[0][0]
    values = dict(zip([column.key for column in _prebuilt("task", False).selected_columns],
                      case_row, strict=False))
    # Converted on the way out: an aware datetime, the data as a dict, a flag as a bool.
    assert values["created_at"].tzinfo is not None
    assert isinstance(values["data"], dict) and values["data"]
    assert values["data"] == db.session.get(Case, on.id).data
    assert values["ended"] is False


def test_writes_go_in_through_the_column_types(on):
    item = _ready_item(on)
    due = dt.datetime(2026, 4, 1, 9, 30, tzinfo=UTC)
    draft = {"opinion": "现场核查通过", "score": 88}
    _seen(row_writes._statement("item", ("draft", "due_at")))
    connection = db.session.connection()
    result = compiled_sql.run(connection, row_writes._statement("item", ("draft", "due_at")),
                              {"draft": draft, "due_at": due, "_id": item})
    assert result.rowcount == 1
    missing = compiled_sql.run(connection, row_writes._statement("item", ("draft", "due_at")),
                               {"draft": draft, "due_at": due, "_id": "no-such-item"})
    assert missing.rowcount == 0
    # Read back as SQLAlchemy reads it (in the same transaction: rolled back, as a write by
    # hand would leave the oversight rollups behind).
    assert connection.execute(sa.select(WorkItem.draft, WorkItem.due_at).where(
        WorkItem.id == item)).one() == (draft, due)
    db.session.rollback()


def test_an_inserted_event_returns_its_id_and_a_duplicate_is_refused_as_sqlalchemy_refuses_it(on):
    case = db.session.get(Case, on.id)
    last = db.session.scalars(sa.select(Event).where(Event.case_id == on.id)
                              .order_by(Event.seq.desc())).first()
    row = {"case_id": on.id, "seq": last.seq + 1, "at": dt.datetime(2026, 3, 3, tzinfo=UTC),
           "actor": "km_city", "kind": "note", "task": None, "task_id": None,
           "data": {"x": 1}, "state_hash": case.state_hash, "prev_hash": last.hash,
           "calendar": None, "hash": "0" * 64}
    _seen(audit._INSERT)
    connection = db.session.connection()
    new_id = compiled_sql.run(connection, audit._INSERT, row).scalar_one()
    assert db.session.get(Event, new_id).seq == last.seq + 1
    with pytest.raises(sa.exc.IntegrityError) as raised:
        compiled_sql.run(connection, audit._INSERT, row)  # the same (case, seq) again
    assert _transient(raised.value) == (db.engine.dialect.name == "postgresql")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.case_id == on.id, Event.seq == last.seq + 1)) == 0  # nothing kept
    assert db.session.get(Case, on.id).ref == case.ref  # the connection works on


def test_the_statement_events_see_each_statement_and_its_parameters(on):
    seen = []

    def before(_connection, _cursor, statement, parameters, _context, many):
        seen.append(("before", statement, parameters, many))

    def after(_connection, _cursor, statement, _parameters, _context, _many):
        seen.append(("after", statement))

    _seen(tasks._ITEMS_OF)
    connection = db.session.connection()  # its BEGIN before listening
    sa.event.listen(db.engine, "before_cursor_execute", before)
    sa.event.listen(db.engine, "after_cursor_execute", after)
    try:
        compiled_sql.run(connection, tasks._ITEMS_OF, {"case_id": on.id})
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
        sa.event.remove(db.engine, "after_cursor_execute", after)
    assert [entry[0] for entry in seen] == ["before", "after"]
    _, statement, parameters, many = seen[0]
    assert "FROM work_item" in statement and seen[1][1] == statement and not many
    values = parameters.values() if isinstance(parameters, dict) else parameters
    assert on.id in values


def test_a_missing_parameter_is_refused_as_connection_execute_refuses_it(on):
    _seen(tasks._ITEMS_OF)
    connection = db.session.connection()
    with pytest.raises(sa.exc.StatementError) as planned:
        compiled_sql.run(connection, tasks._ITEMS_OF, {})
    db.session.rollback()
    with pytest.raises(sa.exc.StatementError) as executed:
        db.session.connection().execute(tasks._ITEMS_OF, {})
    assert "case_id" in str(planned.value) and "case_id" in str(executed.value)


def test_what_a_plan_cannot_run_exactly_goes_through_the_connection(on):
    row = {key: value for key, value in _item_row(on).items() if key != "created_at"}
    _seen(held._CHILDREN, row_writes._statement("insert", ()))
    connection = db.session.connection()
    # An expanding IN is rendered anew for each list of values.
    children = compiled_sql.run(connection, held._CHILDREN, {"ids": [on.id, on.id + 1]})
    assert isinstance(children, sa.CursorResult) and children.all() == []
    # A column left to its Python default (created_at) is computed at each execution.
    inserted = compiled_sql.run(connection, row_writes._statement("insert", ()), row)
    assert isinstance(inserted, sa.CursorResult)
    assert db.session.get(WorkItem, row["id"]).created_at is not None
    db.session.rollback()


def test_a_statement_is_planned_at_its_second_run_and_forgotten_with_it(on):
    connection = db.session.connection()
    fresh = sa.select(Case.id, Case.ref).where(Case.id == sa.bindparam("id"))
    first = compiled_sql.run(connection, fresh, {"id": on.id})
    assert isinstance(first, sa.CursorResult)  # built for one request, it may be the last
    second = compiled_sql.run(connection, fresh, {"id": on.id})
    assert isinstance(second, compiled_sql.Rows)
    assert second.all() == [tuple(row) for row in first] != []
    # Its plan does not keep it (SQLAlchemy's own cache of compiled statements, which the
    # first run went through, does: at most one per shape of statement).
    other = sa.select(Case.ref).where(Case.id == sa.bindparam("id"))
    _seen(other)
    assert compiled_sql.run(connection, other, {"id": on.id}).all() == [(second.first()[1],)]
    assert compiled_sql._PLANS[other]  # planned
    gone = weakref.ref(other)
    del other
    gc.collect()
    assert gone() is None
    db.session.rollback()


def test_many_rows_are_written_in_one_call_through_a_plan(on):
    rows = [_item_row(on, suffix) for suffix in ("a", "b")]
    _seen(row_writes._statement("insert", ()))
    result = compiled_sql.run(db.session.connection(), row_writes._statement("insert", ()), rows)
    assert isinstance(result, compiled_sql.Rows)
    table = WorkItem.__table__
    stored = {row.id: row._asdict() for row in db.session.connection().execute(
        sa.select(table).where(table.c.id.in_([row["id"] for row in rows])))}
    assert [stored.get(row["id"]) for row in rows] == rows
    db.session.rollback()


def _item_row(case: CaseDriver, suffix: str = "x") -> dict:
    """The columns of a new work item of `case`, every one given."""
    ready = db.session.get(WorkItem, _ready_item(case))
    row = {column.key: getattr(ready, column.key) for column in WorkItem.__table__.columns}
    row.update(id=f"{ready.id[:-2]}{suffix}{suffix}", status="ready", draft={"n": suffix},
               due_at=dt.datetime(2026, 5, 6, 17, 0, tzinfo=UTC),
               created_at=dt.datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
    db.session.rollback()
    return row


def _ready_item(case: CaseDriver) -> str:
    """The id of `case`'s ready work item (its county review)."""
    found = db.session.scalars(sa.select(WorkItem.id).where(
        WorkItem.case_id == case.id, WorkItem.status == "ready")).one()
    db.session.rollback()
    return found
