"""Rows read as plain columns and kept as the session's objects, as an ORM load keeps them.

Every completion reads three rows before the engine runs: the requester, the case under its
lock and the case's work items. Loaded as entities, each statement cost about twice what
running it took: the ORM sets up a loading context and builds a row processor per
statement. Here a statement selects the table's columns (`Row.columns`), and `Row.load`
puts each row's values into the object the session holds for that identity (or a new one),
marked as loaded, with what was not selected (a deferred column, a relationship) left to
load when first used, exactly as after `session.execute(select(Model))` with
`populate_existing`: the values read replace those in memory.

For the few statements run on every request; anything else loads entities the usual way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import attributes


class Row:
    """The columns of `model`'s table that a statement selects (deferred ones only when
    named in `undeferred`), in order, and how their values become an object."""

    def __init__(self, model: type, undeferred: Sequence[str] = ()):
        self.mapper = sa.inspect(model)
        props = [self.mapper.get_property_by_column(column) for column in
                 self.mapper.local_table.columns]
        chosen = [(prop.key, prop.columns[0]) for prop in props
                  if not prop.deferred or prop.key in undeferred]
        self.keys = tuple(key for key, _ in chosen)
        self.columns = tuple(column for _, column in chosen)
        self._primary = tuple(self.keys.index(prop.key) for prop in
                              (self.mapper.get_property_by_column(column)
                               for column in self.mapper.primary_key))

    def __len__(self) -> int:
        return len(self.columns)

    def load(self, session, values: Sequence, extra: Mapping | None = None):
        """Return the session's object for `values` (one per column, in order; what follows
        in a longer row is not read), holding them (and `extra`: a relationship's object,
        say) as loaded, unchanged since."""
        key = self.mapper.identity_key_from_primary_key([values[i] for i in self._primary])
        identity_map = session.identity_map
        record = identity_map.get(key)
        if record is None:
            # As the ORM's own loading does (sqlalchemy.orm.loading._instance): a new
            # instance joins the identity map already persistent. SQLAlchemy is pinned;
            # tests/services/test_row_reads.py fails if this stops giving a loaded object.
            record = self.mapper.class_manager.new_instance()
            state = attributes.instance_state(record)
            state.key, state.identity_token = key, None
            state.session_id = session.hash_key
            identity_map._add_unpresent(state, key)
            fresh = record.__dict__
            fresh.update(zip(self.keys, values, strict=False))
            if extra:
                fresh.update(extra)
            return record
        state = attributes.instance_state(record)
        others = [name for name in state.committed_state
                  if name not in self.keys and not (extra and name in extra)]
        if others:  # changed but not read: read again when used, as populate_existing does
            session.expire(record, others)
        state.dict.update(zip(self.keys, values, strict=False))
        if extra:
            state.dict.update(extra)
        state._commit_all(state.dict, identity_map)  # as a load with populate_existing
        return record
