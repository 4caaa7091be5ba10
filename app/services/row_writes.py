"""A moved case and its work items written at once, one Core statement per row.

A completion changes one case row and two or three work item rows. Through the unit of work
their flush cost more than four times what the database took to run the statements: it works
out, for every object in the session, what changed, in what order to write it and what to
refresh after. Here the objects say what changed (their attribute history), each row is
written by a statement built once per set of columns, and the objects are then marked as
written, as a flush leaves them.

Only for a case whose counts the oversight rollups take from memory
(`oversight_rollups.loaded`): a flush is where they otherwise read a case before it changes.
Anything else in the session still goes through the unit of work.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import Case, WorkItem
from app.services import compiled_sql, oversight_rollups

CASES, ITEMS = Case.__table__, WorkItem.__table__
ITEM_COLUMNS = tuple(column.key for column in ITEMS.columns)
_STATEMENTS: dict[tuple, sa.Executable] = {}


def _statement(kind: str, columns: tuple[str, ...]) -> sa.Executable:
    """The statement writing `columns`, built once: building one costs more than running it."""
    key = (kind, columns)
    if key not in _STATEMENTS:
        if kind == "case":
            _STATEMENTS[key] = CASES.update().where(
                CASES.c.id == sa.bindparam("_id"),
                CASES.c.lock_version == sa.bindparam("_version")).values(
                {name: sa.bindparam(name) for name in columns})
        elif kind == "item":
            _STATEMENTS[key] = ITEMS.update().where(ITEMS.c.id == sa.bindparam("_id")).values(
                {name: sa.bindparam(name) for name in columns})
        else:
            _STATEMENTS[key] = ITEMS.insert()
    return _STATEMENTS[key]


def _changed(record, table: sa.Table) -> dict | None:
    """The columns of `record` whose values changed since it was loaded or last written (set
    to an equal value: unchanged, as a flush sees it); None when something else changed (a
    relationship), which only a flush writes."""
    state = sa.inspect(record)
    if any(key not in table.c or key not in state.dict for key in state.committed_state):
        return None
    return {key: state.dict[key] for key, before in state.committed_state.items()
            if before is not state.dict[key] and before != state.dict[key]}


def _complete(item: WorkItem) -> bool:
    """Whether new work item `item` has every column set (no default left to apply)."""
    return all(key in item.__dict__ for key in ITEM_COLUMNS)


def _written(record) -> None:
    """Mark `record` as holding what its row now holds, as a flush would."""
    state = sa.inspect(record)
    state._commit_all(state.dict, state.session.identity_map)  # as Session.flush does


def write_loaded(case: Case) -> None:
    """Write `case` (with its optimistic lock) and its work items now, if the rollups hold
    them in memory and nothing but their columns changed; else leave them to the flush.
    Raise StaleDataError, as a flush would, when someone else changed the case since it was
    read."""
    session = db.session()
    items = oversight_rollups.loaded(session, case)
    if items is None or not sa.inspect(case).persistent:
        return
    changes = _changed(case, CASES)
    new = [item for item in items if sa.inspect(item).pending]
    updates = [(item, _changed(item, ITEMS)) for item in items if sa.inspect(item).modified
               and not sa.inspect(item).pending]
    if changes is None or any(values is None for _item, values in updates) or any(
            item.case_id != case.id or not _complete(item) for item in new):
        return
    connection = session.connection()
    if changes:
        version = case.lock_version
        changes["lock_version"] = version + 1
        columns = tuple(sorted(changes))
        result = compiled_sql.run(connection, _statement("case", columns),
                                  {**changes, "_id": case.id, "_version": version})
        if result.rowcount != 1:
            raise StaleDataError(f"case {case.id} changed since it was read")
        case.lock_version = version + 1
    _written(case)  # also when set to equal values only: nothing is left to flush
    for item, values in updates:
        if values:
            compiled_sql.run(connection, _statement("item", tuple(sorted(values))),
                             {**values, "_id": item.id})
        _written(item)
    if new:
        compiled_sql.run(connection, _statement("insert", ()),
                         [{key: item.__dict__[key] for key in ITEM_COLUMNS} for item in new])
        # Pending -> persistent, by the call a flush ends with: the transaction remembers
        # them as inserted, so a rollback takes them out of the session again and a retry
        # of the use case cannot meet an object whose row never existed.
        session._register_persistent({sa.inspect(item) for item in new})
