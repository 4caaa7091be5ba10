"""Reference tables that nearly every request reads (jurisdictions, calendar overrides),
kept per process instead of read again by every transaction.

A trigger gives a reference table a new random stamp with every change to it, whoever makes
the change (app/models.py, ReferenceStamp). A process keeps what it made of a table under
the stamp it read before reading the table, and makes it again only when the stamp differs.
A transaction reads the stamps once and uses what they name throughout: along with the
requester, when its first statement reads the requester (`along`), else with its first use
of a reference table; a transaction that writes a reference table reads them again after
the flush, so it sees its own change. A stamp is random rather than counted, so a stamp
that a rolled-back change gave is never given again, and what a process made inside a
transaction that later rolled back is never taken for current.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa

from app.extensions import db
from app.models import REFERENCE_TABLES, CalendarDay, Jurisdiction, ReferenceStamp
from app.services import plain_rows, transaction_info

T = TypeVar("T")

# Session.info: {table: stamp} as this transaction read them
STAMPS = transaction_info("reference_stamps", Jurisdiction, CalendarDay)
_KEPT: dict[str, tuple[int, object]] = {}  # {table: (stamp, what the process made of it)}
_STAMPS = sa.select(ReferenceStamp.name, ReferenceStamp.stamp)  # built once, run per transaction


def _stamps() -> dict[str, int]:
    stamps = db.session.info.get(STAMPS)
    if stamps is None:
        stamps = {name: stamp for name, stamp in plain_rows(_STAMPS)}
        db.session.info[STAMPS] = stamps
    return stamps


def along() -> tuple:
    """Return columns giving the stamps, for a transaction's first statement to read along
    (`read_along`): every request reads its requester first, and reading the stamps in a
    statement of their own cost a round trip more on PostgreSQL."""
    return tuple(sa.select(ReferenceStamp.stamp).where(ReferenceStamp.name == table)
                 .scalar_subquery() for table in REFERENCE_TABLES)


def read_along(stamps) -> None:
    """Keep the stamps of the `along` columns as this transaction's, unless it read them."""
    if STAMPS not in db.session.info:
        db.session.info[STAMPS] = {table: stamp for table, stamp
                                   in zip(REFERENCE_TABLES, stamps, strict=True)
                                   if stamp is not None}


def kept(table: str, make: Callable[[], T]) -> T:
    """Return what `make()` gives from reference table `table`, made again only when the
    table changed since this process last made it (always, without a stamp for it)."""
    stamp = _stamps().get(table)
    held = _KEPT.get(table)
    if held is not None and stamp is not None and held[0] == stamp:
        return held[1]
    made = make()
    if stamp is not None:
        _KEPT[table] = (stamp, made)
    return made


def forget() -> None:
    """Read the stamps again at the next use: this transaction changed a reference table,
    perhaps not yet flushed."""
    db.session.info.pop(STAMPS, None)
