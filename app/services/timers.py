"""Firing due timers: the worker's one job.

Cases are found by the indexed `next_timer_at`, in batches, until none is due: a run
fires everything due, however much that is. The cases of a batch are fired a few at a
time (FIRE_TOGETHER) in one transaction under their row locks, read with one query, with
one commit; what their steps read besides (work items, chain tails, open children:
services/preloaded.py) is read for all of them at once, and their rows are written at
commit, each table's in as few statements as the database allows. Should one of them
fail, that transaction is rolled back and its cases fired again one per transaction, so
that one failing case holds back no other. On PostgreSQL
`SKIP LOCKED` lets several workers share the queue without waiting on each other; on
SQLite they take turns at the write lock and re-check that the timer is still due. No one
fires a timer twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa

from app.errors import AppError, Conflict
from app.extensions import db
from app.models import AwareDateTime, Case
from app.services import (
    catalog,
    lock_case,
    lock_cases,
    oversight_rollups,
    preloaded,
    progress,
    retried,
    transaction,
)

BATCH = 200
# Cases per transaction: its reads (locks, work items, chain tails, rollups), its statements
# (an INSERT of all its events) and its commit are shared; a failure costs a retry of these
# one by one. 50 rather than 20 saves about a quarter of the CPU per fire.
FIRE_TOGETHER = 50


def due_batch(now: dt.datetime, after: tuple | None = None,
              limit: int = BATCH) -> list[tuple[dt.datetime, int]]:
    """Return [(next_timer_at, id)] of unfinished cases due at `now`, in due order, after the
    (next_timer_at, id) `after`."""
    query = (sa.select(Case.next_timer_at, Case.id)
             .where(Case.next_timer_at <= now, Case.ended.is_(False))
             .order_by(Case.next_timer_at, Case.id).limit(limit))
    if after is not None:
        query = query.where(sa.tuple_(Case.next_timer_at, Case.id) > sa.tuple_(
            sa.bindparam(None, after[0], type_=AwareDateTime()), after[1]))
    return [tuple(row) for row in db.session.execute(query)]


def due_case_ids(now: dt.datetime, limit: int = BATCH) -> list[int]:
    """Return ids of the first `limit` unfinished cases whose next timer is due at `now`."""
    return [case_id for _, case_id in due_batch(now, limit=limit)]


@retried
def _fire(case_id: int, now: dt.datetime) -> bool:
    with transaction():
        case = lock_case(case_id, skip_locked=True)
        if case is None or case.next_timer_at is None or case.next_timer_at > now:
            return False  # another worker holds it, or it moved on meanwhile
        progress.fire_due_timers(case, now)
    return True


@retried
def _fire_together(case_ids: list[int], now: dt.datetime) -> int:
    with transaction():
        # Those still due that no other worker holds (it moved on, or is being fired).
        cases = lock_cases(case_ids, Case.next_timer_at <= now, Case.ended.is_(False),
                           skip_locked=True)
        oversight_rollups.remember(db.session, [case.id for case in cases])
        preloaded.load([case.id for case in cases])
        # Held for the batch, so that each step finds its jurisdiction in the session.
        _jurisdictions = [catalog.jurisdiction(key) for key in {c.jurisdiction for c in cases}]
        for case in cases:
            progress.fire_due_timers(case, now)
    return len(cases)


def _fire_some(case_ids: list[int], now: dt.datetime) -> int:
    """Fire `case_ids` in one transaction; if one fails, each in its own instead."""
    try:
        return _fire_together(case_ids, now)
    except AppError:  # a Conflict too: which case it was, the one-by-one run tells
        db.session.rollback()
        return sum(_fire_one(case_id, now) for case_id in case_ids)


def _fire_one(case_id: int, now: dt.datetime) -> bool:
    try:
        return _fire(case_id, now)
    except Conflict:
        return False  # changed by someone else meanwhile: the next run sees it again
    except AppError as error:
        db.session.rollback()
        print(f"case {case_id}: {error}")
        return False


def run_due_timers(now: dt.datetime, report: Callable[[int, int, int], None] | None = None,
                   batch: int = BATCH) -> int:
    """Fire every timer due at `now`, `batch` cases at a time; return how many cases moved.

    After each batch `report(batch number, cases looked at, cases moved)` is called. The
    walk goes on after the last key seen, so a case that cannot move now (an error, a
    conflict) is not retried in this run, and the run ends.
    """
    # The worker keeps one session across runs: read the newest data, and hold no read
    # snapshot (SQLite) or idle transaction (PostgreSQL) while it sleeps.
    db.session.rollback()
    fired = seen = number = 0
    after = None
    while due := due_batch(now, after, batch):
        db.session.rollback()  # no read transaction held across the batch's writes
        ids = [case_id for _, case_id in due]
        fired += sum(_fire_some(ids[start:start + FIRE_TOGETHER], now)
                     for start in range(0, len(ids), FIRE_TOGETHER))
        seen, number, after = seen + len(due), number + 1, due[-1]
        if report is not None:
            report(number, seen, fired)
        if len(due) < batch:
            break
    db.session.rollback()
    return fired
