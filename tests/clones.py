"""Many cases fast: copies of a real case's row and its ready work items, made in SQL.

Lists and timers read these columns only, so a copy behaves in them as the original does;
its history (events) is not copied. Each copy gets its own id, number and times, and may be
moved to another county, lane or stage.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable

import sqlalchemy as sa

from app.engine import serializer
from app.extensions import db
from app.models import Case, Event, WorkItem

CHUNK = 2000
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _row(table: sa.Table, key) -> dict:
    return dict(db.session.execute(sa.select(table).where(table.c.id == key)).mappings().one())


def _next_id() -> int:
    return (db.session.scalar(sa.select(sa.func.max(Case.id))) or 0) + 1


def _reset_sequence() -> None:
    """PostgreSQL hands out ids from a sequence that explicit ids do not advance."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT setval(pg_get_serial_sequence('\"case\"', 'id'), "
                                   "(SELECT max(id) FROM \"case\"))"))


def _renamed(state: str) -> tuple[str, dict[str, str]]:
    """The engine state with fresh task ids (the engine names the tasks it will create in
    it), and the mapping old → new."""
    names: dict[str, str] = {}
    renamed = UUID.sub(lambda m: names.setdefault(m.group(0), str(uuid.uuid4())),
                       serializer.state_json(state))  # a compact state is packed
    return (serializer.pack(renamed) if state.startswith(serializer.PACKED) else renamed), names


def clone_cases(case: Case, count: int, start: dt.datetime,
                step: dt.timedelta = dt.timedelta(seconds=1),
                vary: Callable[[int, dict, list[dict]], None] | None = None,
                movable: bool = False) -> list[int]:
    """Insert `count` copies of `case` (row and ready work items), the i-th created and
    updated at start + i·step; `vary(i, case_row, item_rows)` may change a copy; `movable`
    copies get task ids of their own, so that they can move on (fire, complete) side by
    side. Return their ids (committed)."""
    cases, items = Case.__table__, WorkItem.__table__
    original = _row(cases, case.id)
    ready = [dict(r) for r in db.session.execute(sa.select(items).where(
        items.c.case_id == case.id, items.c.status == "ready")).mappings()]
    first = _next_id()
    ids = list(range(first, first + count))
    for offset in range(0, count, CHUNK):
        chunk = range(offset, min(offset + CHUNK, count))
        case_rows, item_rows = [], []
        for i in chunk:
            at = start + i * step
            row = {**original, "id": first + i, "ref": f"{original['ref']}-{first + i}",
                   "created_at": at, "updated_at": at}
            names: dict[str, str] = {}
            if movable:
                row["state"], names = _renamed(original["state"])
            copies = [{**item, "id": names.get(item["id"]) or str(uuid.uuid4()),
                       "case_id": first + i, "created_at": at,
                       "due_at": at + (item["due_at"] - item["created_at"])
                       if item["due_at"] is not None else None} for item in ready]
            if vary is not None:
                vary(i, row, copies)
            case_rows.append(row)
            item_rows += copies
        db.session.execute(cases.insert(), case_rows)
        if item_rows:
            db.session.execute(items.insert(), item_rows)
    _reset_sequence()
    db.session.commit()
    return ids


def rechained(events: list[Event], case_id: int, ref: str) -> list[dict]:
    """Rows of `events` copied to case `case_id`, their hash chain computed afresh for `ref`:
    a real, valid chain that verifies by replay (ready for one INSERT of many rows)."""
    from app.services import audit
    columns = [c.name for c in Event.__table__.columns if c.name != "id"]
    rows, prev = [], audit.GENESIS
    for event in events:
        copy = Event(case_id=case_id, seq=event.seq, at=event.at, actor=event.actor,
                     kind=event.kind, task=event.task, task_id=event.task_id,
                     data=event.data, state_hash=event.state_hash, prev_hash=prev,
                     calendar=event.calendar)
        copy.hash = prev = audit.chain_hash(prev, ref, copy)
        rows.append({name: getattr(copy, name) for name in columns})
    return rows
