"""Rows read as plain columns become the session's objects exactly as an ORM load leaves
them: persistent, unchanged, equal to their rows, the same object for the same row, with
what was not read loaded when first used."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa

from app.extensions import db
from app.models import Case, Event, ProcessVersion, User, WorkItem
from app.services import TIPS, lock_case, row_reads, tasks, users
from tests.processes import examples_kunming as km
from tests.processes.driver import at, find_user
from tests.services.test_concurrency import COUNTY


def _row(table, key) -> dict:
    with db.engine.connect() as connection:
        return dict(connection.execute(sa.select(table).where(table.c.id == key)).one()
                    ._mapping)


@contextlib.contextmanager
def _statements():
    """The statements run on the session's engine meanwhile (a list that fills)."""
    seen: list[str] = []

    def note(_connection, _cursor, statement, *_rest) -> None:
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)


def _loaded_unchanged(record) -> None:
    state = sa.inspect(record)
    assert state.persistent and record in db.session
    assert not state.modified and not state.committed_state and not state.expired
    assert db.session.get(type(record), state.identity[0]) is record  # no second object


def test_a_locked_case_is_its_row_with_its_version_and_state_loaded(submitted):
    db.session.expunge_all()
    case = lock_case(submitted.id)

    _loaded_unchanged(case)
    _loaded_unchanged(case.process_version)
    table = Case.__table__
    expected = _row(table, submitted.id)
    spec = _row(ProcessVersion.__table__, case.process_version_id)["spec"]
    with _statements() as seen:
        assert {column.key: getattr(case, column.key) for column in table.columns} == expected
        assert case.process_version.id == case.process_version_id
        assert case.process_version.key == "kunming_recognition"
    assert seen == []  # the state and the version came with the lock
    # A column not read (deferred) and a relationship load when first used, as after a load.
    with _statements() as seen:
        assert case.process_version.spec == spec
        assert case.applicant.username == "km_applicant"
    assert len(seen) == 2
    with db.engine.connect() as connection:  # the chain's tip came with the lock (SQLite)
        last = connection.scalar(sa.select(sa.func.max(Event.seq))
                                 .where(Event.case_id == submitted.id))
    assert db.session.info[TIPS][case.id][0] == last
    db.session.rollback()


def test_reading_a_row_again_replaces_what_memory_held(submitted):
    case = lock_case(submitted.id)
    session = db.session()
    session.expire_on_commit = False  # what the first transaction read stays in memory
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
    assert "base_name" in case.__dict__
    with db.engine.begin() as other:  # another writer changes the row meanwhile
        other.execute(sa.update(Case.__table__).where(Case.__table__.c.id == submitted.id)
                      .values(base_name="另一位办理人改过的基地", lock_version=99))
    db.session.expire(case, ["stage"])  # and one attribute was expired here

    again = lock_case(submitted.id)

    assert again is case
    assert (case.base_name, case.lock_version) == ("另一位办理人改过的基地", 99)
    assert case.stage == _row(Case.__table__, submitted.id)["stage"]
    _loaded_unchanged(case)
    db.session.rollback()


def test_a_work_item_read_with_its_case_needs_no_query_for_it(submitted):
    db.session.expunge_all()
    case = lock_case(submitted.id)
    items = tasks._items_of(case)
    expected = {item.id: _row(WorkItem.__table__, item.id) for item in items}

    with _statements() as seen:
        assert [item.case for item in items] == [case] * len(items)
        for item in items:
            _loaded_unchanged(item)
            assert {column.key: getattr(item, column.key) for column in
                    WorkItem.__table__.columns} == expected[item.id]
    assert seen == []
    assert items[-1].completed_by is None or items[-1].completed_by.id  # a lazy relationship
    db.session.rollback()


def test_the_requester_is_the_sessions_user_and_its_changes_are_written(api):
    _user, token = users.create_user("reads_county", "county", "kunming", "wuhua",
                                     "readspass1")
    db.session.commit()
    db.session.expunge_all()

    user = users.user_for_token(token)

    _loaded_unchanged(user)
    assert user.username == "reads_county"
    assert {column.key: getattr(user, column.key) for column in User.__table__.columns} == \
        _row(User.__table__, user.id)
    user.name = "读取后改名"
    db.session.commit()
    assert _row(User.__table__, user.id)["name"] == "读取后改名"
    assert users.user_for_token("not a token") is None


def test_a_new_object_for_an_identity_not_yet_held_is_made_once(submitted):
    db.session.expunge_all()
    reader = row_reads.Row(Case)
    with db.engine.connect() as connection:
        row = connection.execute(sa.select(*reader.columns)
                                 .where(Case.id == submitted.id)).one()

    first = reader.load(db.session(), row)
    second = reader.load(db.session(), row)

    assert first is second
    _loaded_unchanged(first)
    assert "state" not in first.__dict__  # deferred: not read, loaded when used
    stored = _row(Case.__table__, submitted.id)["state"]
    assert first.state == stored
    # A change to a column the statement does not read, not yet written (no autoflush):
    # read again, as populate_existing does, the row's value replaces it.
    with db.session.no_autoflush:
        first.state = "{}"
        again = reader.load(db.session(), row)
    assert again is first
    _loaded_unchanged(first)
    assert first.state == stored
    db.session.rollback()


def test_a_completion_after_the_reads_moves_the_case(submitted):
    task = submitted.task(COUNTY, "county_review")
    db.session.expunge_all()
    case = tasks.complete_task(find_user(COUNTY), task["id"], {**km.COUNTY_APPROVE},
                               at("2026-03-03T10:00"))
    assert case.lock_version == _row(Case.__table__, submitted.id)["lock_version"]
    statuses = {item.id: item.status for item in db.session.scalars(
        sa.select(WorkItem).where(WorkItem.case_id == submitted.id))}
    assert statuses[task["id"]] == "completed"
    assert "ready" in statuses.values()
