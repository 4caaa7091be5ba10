"""A moved case and its work items are written as they are in memory, with the case's
optimistic lock, and left to the unit of work when the rollups did not read them first."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import Case, WorkItem
from app.services import (
    StaleCase,
    lock_case,
    oversight_rollups,
    row_writes,
    tasks,
    transaction,
)
from app.services.held import Held
from tests.processes import examples_kunming as km
from tests.processes.driver import at, find_user
from tests.services.test_concurrency import COUNTY


def _row(table, key) -> dict:
    """The row as the database holds it, read on a connection of its own."""
    with db.engine.connect() as connection:
        return dict(connection.execute(sa.select(table).where(table.c.id == key)).one()
                    ._mapping)


def _items_of(case_id: int) -> list[tuple]:
    with db.engine.connect() as connection:
        table = WorkItem.__table__
        return connection.execute(sa.select(table.c.id, table.c.status)
                                  .where(table.c.case_id == case_id).order_by(table.c.id)).all()


def _columns(record, table) -> dict:
    return {column.key: getattr(record, column.key) for column in table.columns}


def test_a_completion_writes_what_it_holds_in_memory_and_leaves_nothing_to_flush(submitted):
    task = submitted.task(COUNTY, "county_review")
    before = db.session.get(Case, submitted.id).lock_version
    flushed = []
    listener = lambda session, _context, _instances: flushed.extend(  # noqa: E731
        record for record in (*session.dirty, *session.new)
        if isinstance(record, Case | WorkItem))
    sa.event.listen(db.session, "before_flush", listener)
    held = Held()
    try:
        case = tasks.complete_task(find_user(COUNTY), task["id"], {**km.COUNTY_APPROVE},
                                   at("2026-03-03T10:00"), held=held)
    finally:
        sa.event.remove(db.session, "before_flush", listener)

    assert flushed == []  # the case and its items went by their own statements
    assert case.lock_version == before + 1
    assert _columns(case, Case.__table__) == _row(Case.__table__, case.id)
    done = db.session.get(WorkItem, task["id"])
    assert (done.status, done.completed_by_id) == ("completed", find_user(COUNTY).id)
    assert _columns(done, WorkItem.__table__) == _row(WorkItem.__table__, done.id)
    assert held.ready and all(item.status == "ready" for item in held.ready)
    for item in held.ready:  # new ones: persistent, every column loaded, as in the database
        state = sa.inspect(item)
        assert state.persistent and not state.expired_attributes and not state.modified
        assert _columns(item, WorkItem.__table__) == _row(WorkItem.__table__, item.id)
    assert submitted.case()["stage"] == case.stage
    assert oversight_rollups.check_all() == []


def test_a_case_changed_by_another_writer_since_it_was_read_is_not_overwritten(submitted):
    task = submitted.task(COUNTY, "county_review")
    case = lock_case(submitted.id)
    tasks._items_of(case)
    stage = case.stage
    case.stage = "someone's old view"
    db.session.connection().execute(  # another writer committed meanwhile
        sa.update(Case.__table__).where(Case.__table__.c.id == case.id)
        .values(lock_version=Case.__table__.c.lock_version + 1))

    with pytest.raises(StaleDataError):
        row_writes.write_loaded(case)
    db.session.rollback()

    assert db.session.get(Case, submitted.id).stage == stage
    assert db.session.get(WorkItem, task["id"]).status == "ready"


def test_the_optimistic_lock_refuses_a_stale_completion_with_a_clear_message(submitted,
                                                                              monkeypatch):
    task = submitted.task(COUNTY, "county_review")
    snapshot = _row(Case.__table__, submitted.id)
    real = row_writes.write_loaded

    def after_another_writer(case):
        db.session.connection().execute(
            sa.update(Case.__table__).where(Case.__table__.c.id == case.id)
            .values(lock_version=Case.__table__.c.lock_version + 1))
        real(case)

    monkeypatch.setattr(row_writes, "write_loaded", after_another_writer)
    with pytest.raises(StaleCase) as raised:
        tasks.complete_task.__wrapped__(find_user(COUNTY), task["id"], {**km.COUNTY_APPROVE},
                                        at("2026-03-03T10:00"))

    assert "Someone else updated this case" in str(raised.value)
    assert _row(Case.__table__, submitted.id) == snapshot  # rolled back: nothing changed
    assert _row(WorkItem.__table__, task["id"])["status"] == "ready"


def test_a_case_the_rollups_did_not_read_first_is_left_to_the_flush(submitted):
    with transaction():
        case = lock_case(submitted.id)  # no remember_loaded: the flush reads it first
        case.stage = "县级审核（测试）"
        row_writes.write_loaded(case)
        assert case in db.session.dirty

    assert _row(Case.__table__, submitted.id)["stage"] == "县级审核（测试）"
    assert oversight_rollups.check_all() == []


def test_work_items_written_by_a_transaction_that_then_failed_leave_the_session(submitted,
                                                                                monkeypatch):
    """A use case retried after a rollback must not meet the rows the first attempt wrote."""
    task = submitted.task(COUNTY, "county_review")
    before = _items_of(submitted.id)

    def fails(_held, _case, _items):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Held, "keep", fails)
    with pytest.raises(RuntimeError):
        tasks.complete_task(find_user(COUNTY), task["id"], {**km.COUNTY_APPROVE},
                            at("2026-03-03T10:00"), held=Held())

    inserted = [item for item in db.session if isinstance(item, WorkItem)
                and item.id != task["id"]]
    assert all(sa.inspect(item).transient or item.case_id != submitted.id
               for item in inserted)
    assert _items_of(submitted.id) == before
    monkeypatch.undo()
    case = tasks.complete_task(find_user(COUNTY), task["id"], {**km.COUNTY_APPROVE},
                               at("2026-03-03T10:00"))
    assert case.lock_version == _row(Case.__table__, submitted.id)["lock_version"]
