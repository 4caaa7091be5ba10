"""What the cases of a batch, moved together in one transaction (the timer worker), would
each read alone when their step is persisted: their open work items, the last event of
their chains, whether they have open child cases. `load` reads it for all of them in three
queries; the per-case code (progress, audit) takes its case's part instead of querying.

Each part is handed out once, to the first move of its case in the transaction: a second
move of the same case reads afresh, after the first one's writes. Everything is forgotten
when the transaction ends.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, lazyload

from app.extensions import db
from app.models import Case, Event, WorkItem
from app.services import TIPS

KEY = "preloaded"  # Session.info: {part: {case id: value}}
ITEMS, CHILDLESS = "items", "childless"
MISSING = object()


def active() -> bool:
    """Whether this transaction moves a batch of cases whose reads were loaded together."""
    return KEY in db.session.info


def load(case_ids: list[int]) -> None:
    """Read, for the cases `case_ids` about to move in this transaction, what their steps read."""
    if not case_ids:
        return
    items: dict[int, list[WorkItem]] = {case_id: [] for case_id in case_ids}
    for item in db.session.scalars(sa.select(WorkItem).where(
            WorkItem.case_id.in_(case_ids), WorkItem.status == "ready")
            .options(lazyload(WorkItem.case))):  # the cases are in the session already
        items[item.case_id].append(item)
    # The chain tips go where audit.chain_tip looks (on SQLite the lock read them already).
    tips = db.session.info.setdefault(TIPS, {})
    unread = [case_id for case_id in case_ids if case_id not in tips]
    if unread:
        last = (sa.select(Event.case_id, sa.func.max(Event.seq).label("seq"))
                .where(Event.case_id.in_(unread)).group_by(Event.case_id).subquery())
        tips.update(dict.fromkeys(unread))
        tips.update((case_id, (seq, digest, calendar)) for case_id, seq, digest, calendar in
                    db.session.execute(sa.select(
                        Event.case_id, Event.seq, Event.hash, Event.calendar).join(
                        last, sa.and_(Event.case_id == last.c.case_id,
                                      Event.seq == last.c.seq))))
    parents = set(db.session.scalars(sa.select(Case.parent_id).distinct().where(
        Case.parent_id.in_(case_ids), Case.ended.is_(False))))
    db.session.info[KEY] = {ITEMS: items,
                            CHILDLESS: {case_id: True for case_id in case_ids
                                        if case_id not in parents}}


def take(part: str, case_id: int):
    """Return this transaction's preloaded `part` of case `case_id` once, else MISSING."""
    return db.session.info.get(KEY, {}).get(part, {}).pop(case_id, MISSING)


def forget(part: str, case_id: int) -> None:
    """Drop what was preloaded of `case_id` that has just stopped being true."""
    db.session.info.get(KEY, {}).get(part, {}).pop(case_id, None)


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_at_transaction_end(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(KEY, None)
