"""Use cases. Each public function is one transaction, framed by `transaction()`.

Writers of one case take turns: on SQLite the write transaction begins IMMEDIATE (the
database's one write lock, waited for up to busy_timeout); on PostgreSQL each use case
that moves a case locks its row first (`lock_case`). Reads never wait for writers.
"""

from __future__ import annotations

import contextlib
import functools
import random
import time

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.errors import N_, Conflict
from app.extensions import db
from app.models import Case, Event, ProcessVersion, User, WorkItem
from app.services import compiled_sql, row_reads

ATTEMPTS = 3
# PostgreSQL: serialization failure, deadlock (e.g. a parent and its child case moving at
# once), unique violation (a concurrent insert won). SQLite: busy / locked past busy_timeout.
TRANSIENT_SQLSTATES = {"40001", "40P01", "23505"}
SQLITE_BUSY_CODES = {5, 6}


class StaleCase(Conflict):
    """The case row changed under its optimistic lock (`Case.lock_version`) meanwhile."""


def _on_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def plain_rows(statement, params: dict | None = None):
    """Run `statement`, which selects columns (no entities) and is built once, on the
    session's connection (services/compiled_sql.py), after writing the changes pending in
    the session as a query would (autoflush). For the few such reads every completion makes:
    the ORM's work per statement is for entities. Its rows are tuples."""
    session = db.session()
    if session.autoflush:
        session.flush()
    return compiled_sql.run(session.connection(), statement, params)


def _begin_write() -> None:
    """Start a write transaction; on SQLite with BEGIN IMMEDIATE.

    A request has usually read already (the user, the task) in a deferred transaction whose
    snapshot cannot become a writer once someone else has committed: end it first, so the
    use case reads the newest data under the write lock.
    """
    if not _on_sqlite():
        return
    session = db.session()
    if session.in_transaction():
        _end_read(session)
    db.session.connection(execution_options={"sqlite_immediate": True})


def _end_read(session) -> None:
    """End the request's read transaction; what it read may have changed meanwhile, so it is
    read again when used, except the accounts (the requester, read once per request)."""
    session.expire_on_commit = False
    try:
        db.session.commit()
    finally:
        session.expire_on_commit = True
    for record in list(session.identity_map.values()):
        if not isinstance(record, User):
            session.expire(record)


@contextlib.contextmanager
def transaction(keep: bool = False):
    """Commit the session when the body succeeds; roll back on any exception.

    With `keep`, what the body read and wrote stays loaded after the commit (it is what the
    database now holds: the body held the write lock), so the answer is built without
    reading it again.
    A stale optimistic-lock version (someone changed the case meanwhile) becomes StaleCase.
    """
    try:
        _begin_write()
        yield db.session
        session = db.session()
        session.expire_on_commit = not keep
        try:
            db.session.commit()
        finally:
            session.expire_on_commit = True
    except StaleDataError:
        db.session.rollback()
        raise StaleCase(N_("Someone else updated this case meanwhile; your submission was not "
                           "saved. Reload the page and try again.")) from None
    except BaseException:
        db.session.rollback()
        raise


HELD = "cases_held"  # Session.info: ids of the cases this transaction has locked
# Session.info: {case id: (seq, hash, calendar) of its last event}, read with the lock on
# SQLite (see `_locked`), so appending the next event needs no query of its own.
TIPS = "chain_tips"


def lock_cases(case_ids: list[int], *where, skip_locked: bool = False) -> list[Case]:
    """Return the cases `case_ids` (matching `where`) freshly read with their engine state,
    their rows locked until commit; with `skip_locked`, without those another writer holds.

    FOR NO KEY UPDATE, not FOR UPDATE: inserting a row that references the case (an event,
    an attachment) takes a key-share lock on it, which must not deadlock with this one.
    SQLite ignores the clause; its IMMEDIATE transaction already excludes other writers.
    """
    return _locked((Case.id.in_(case_ids), *where), skip_locked)


def _tip(column):
    """The `column` of the case's last event, as a column of the case's row."""
    return (sa.select(column).where(Event.case_id == Case.id).order_by(Event.seq.desc())
            .limit(1).correlate(Case).scalar_subquery())


# A locked case is read as plain columns (services/row_reads.py): its row with the state,
# and its process version's.
_CASE = row_reads.Row(Case, undeferred=("state",))
_VERSION = row_reads.Row(ProcessVersion)


def _lock_select(where: tuple, skip_locked: bool, sqlite: bool) -> sa.Select:
    """The cases with their state and process version in one statement; on SQLite (whose
    IMMEDIATE transaction reads the newest data) with the tip of their event chains too. On
    PostgreSQL a subquery would read the snapshot taken before the lock was granted, so
    `audit.append_event` reads the tip after it."""
    tips = (_tip(Event.seq), _tip(Event.hash), _tip(Event.calendar)) if sqlite else ()
    return (sa.select(*_CASE.columns, *_VERSION.columns, *tips)
            .join_from(Case, ProcessVersion, Case.process_version_id == ProcessVersion.id)
            .where(*where).order_by(Case.id)
            .with_for_update(of=Case.__table__, key_share=True, skip_locked=skip_locked))


# The lock statements every completion, claim and timer fire runs, built once per process
# with the case (or task) id as a parameter: building one costs more than SQLite takes to
# run it. {(by, skip_locked, on SQLite): statement}
_PREBUILT: dict[tuple, sa.Select] = {}
_BY = {"case": lambda: Case.id == sa.bindparam("key"),
       "task": lambda: Case.id == sa.select(WorkItem.case_id).where(
           WorkItem.id == sa.bindparam("key")).scalar_subquery()}


def _prebuilt(by: str, skip_locked: bool) -> sa.Select:
    key = (by, skip_locked, _on_sqlite())
    if key not in _PREBUILT:
        _PREBUILT[key] = _lock_select((_BY[by](),), skip_locked, key[2])
    return _PREBUILT[key]


def _locked(where: tuple, skip_locked: bool) -> list[Case]:
    return _held(_lock_select(where, skip_locked, _on_sqlite()), {})


def _held(statement: sa.Select, params: dict) -> list[Case]:
    """Run lock statement `statement`; keep the cases it locked and, on SQLite, the tips of
    their chains it read."""
    session = db.session()
    rows = plain_rows(statement, params).all()
    split = len(_CASE) + len(_VERSION)
    found = [_CASE.load(session, row, {"process_version": _VERSION.load(
        session, row[len(_CASE):split])}) for row in rows]
    if _on_sqlite():
        db.session.info.setdefault(TIPS, {}).update(
            (case.id, tuple(row[split:]) if row[split] is not None else None)
            for case, row in zip(found, rows, strict=True))
    db.session.info.setdefault(HELD, set()).update(case.id for case in found)
    return found


def lock_case(case_id, skip_locked: bool = False) -> Case | None:
    """Return case `case_id` (an id, or a scalar subquery giving it) freshly read, its row
    locked until commit (None if skipped)."""
    if isinstance(case_id, int):
        found = _held(_prebuilt("case", skip_locked), {"key": case_id})
    else:
        found = _locked((Case.id == case_id,), skip_locked)
    return found[0] if found else None


def lock_case_of_task(task_id: str) -> Case | None:
    """Return the case of work item `task_id` as `lock_case` does (None if there is none)."""
    found = _held(_prebuilt("task", False), {"key": str(task_id)})
    return found[0] if found else None


def hold_case(case: Case) -> None:
    """Lock `case`'s row until commit and re-read it, unless on SQLite (see `lock_cases`) or
    this transaction holds it already.

    A use case may have read the case before it locked it (an upload checks access first):
    its state must be the one committed last, or the event appended next would record an old
    state hash.
    """
    if not _on_sqlite() and case.id not in db.session.info.get(HELD, ()):
        lock_case(case.id)


def transaction_info(key: str, *changed_by: type) -> str:
    """Declare `key` of Session.info as kept for one transaction: it is dropped when the whole
    transaction ends and, given model classes, when a flush writes a row of one of them.
    Return `key`."""
    def at_end(session, transaction) -> None:
        if transaction.parent is None:  # a flush's inner transaction ending is no new one
            session.info.pop(key, None)
    sa.event.listen(Session, "after_transaction_end", at_end)
    if changed_by:
        def on_write(session, _context) -> None:
            if any(isinstance(record, changed_by)
                   for record in (*session.new, *session.dirty, *session.deleted)):
                session.info.pop(key, None)
        sa.event.listen(Session, "after_flush", on_write)
    return key


@sa.event.listens_for(Session, "after_transaction_end")
def _release_held(session, transaction) -> None:
    if transaction.parent is None:  # locks last until the whole transaction ends
        session.info.pop(HELD, None)
        session.info.pop(TIPS, None)


def _transient(error: Exception) -> bool:
    if isinstance(error, StaleCase):
        return True
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    sqlite_code = getattr(original, "sqlite_errorcode", None)
    return code in TRANSIENT_SQLSTATES or (
        sqlite_code is not None and sqlite_code & 0xFF in SQLITE_BUSY_CODES)


def retried(use_case):
    """Run `use_case` again (at most ATTEMPTS times) when the database reports a transient
    conflict with a concurrent writer; its transaction was rolled back, so it starts afresh."""
    @functools.wraps(use_case)
    def run(*args, **kwargs):
        for attempt in range(1, ATTEMPTS):
            try:
                return use_case(*args, **kwargs)
            except (DBAPIError, StaleCase) as error:
                if not _transient(error):
                    raise
            time.sleep(random.uniform(0.01, 0.05) * attempt)  # let the other writer finish
        return use_case(*args, **kwargs)
    return run


# Registers the session listeners that keep the oversight dashboard's counts with every
# change of a case (app/services/oversight_rollups.py).
from app.services import oversight_rollups  # noqa: E402, F401
