"""Firing due timers: the worker's one job.

Cases are found by the indexed `next_timer_at`. Each case is fired in its own
transaction under a row lock; on PostgreSQL `SKIP LOCKED` lets several workers
share the queue without waiting on each other; on SQLite they take turns at the
write lock and re-check that the timer is still due.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.errors import AppError, Conflict
from app.extensions import db
from app.models import Case
from app.services import lock_case, progress, retried, transaction


def due_case_ids(now: dt.datetime, limit: int = 500) -> list[int]:
    """Return ids of unfinished cases whose next timer is due at `now`."""
    return list(db.session.scalars(
        sa.select(Case.id).where(Case.next_timer_at <= now, Case.ended.is_(False))
        .order_by(Case.next_timer_at).limit(limit)))


@retried
def _fire(case_id: int, now: dt.datetime) -> bool:
    with transaction():
        case = lock_case(case_id, skip_locked=True)
        if case is None or case.next_timer_at is None or case.next_timer_at > now:
            return False  # another worker holds it, or it moved on meanwhile
        progress.fire_due_timers(case, now)
    return True


def run_due_timers(now: dt.datetime) -> int:
    """Fire every timer due at `now`; return how many cases moved."""
    # The worker keeps one session across runs: read the newest data, and hold no read
    # snapshot (SQLite) or idle transaction (PostgreSQL) while it sleeps.
    db.session.rollback()
    fired = 0
    for case_id in due_case_ids(now):
        try:
            fired += _fire(case_id, now)
        except Conflict:
            continue  # changed by someone else meanwhile: the next run sees it again
        except AppError as error:
            db.session.rollback()
            print(f"case {case_id}: {error}")
    db.session.rollback()
    return fired
