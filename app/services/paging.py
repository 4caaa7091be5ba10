"""Keyset paging: lists that cost one page whatever the number of rows behind them.

A list's order is one or more segments (e.g. tasks with a deadline by deadline, then
those without one by arrival), each ordered by key columns whose last one is unique.
A page continues after (or, going back, before) the key of the row that ended the
previous one, given as an opaque cursor: an index range scan, never an OFFSET that
reads and drops every earlier row. Rows inserted meanwhile neither repeat nor push
others off a page. Totals are counted up to CAP and shown as "1000+" beyond.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.errors import N_, Rejected
from app.extensions import db

CAP = 1000
MAX_CURSOR = 400  # characters: a cursor holds a few short values


class InvalidCursor(Rejected):
    """A cursor this list did not hand out (edited, truncated, or of another order)."""

    status = 400


def _bad(name: str) -> InvalidCursor:
    message = N_("%(name)s is not a cursor this list gave out: follow the Link or X-Next-After "
                 "header of the previous page, or leave it out to start again.")
    return InvalidCursor(message, [(name, message, {"name": name})], name=name)


@dataclass(frozen=True)
class Segment:
    """A run of a list's rows: those matching `where`, ordered by `columns` (the last unique).

    `values` reads a row's key in `columns` order (default: the row's attributes of those
    names)."""

    tag: str
    columns: tuple
    descending: bool = False
    where: object = None
    values: Callable | None = None

    def key(self, row) -> tuple:
        """Return `row`'s key in this segment's order."""
        if self.values is not None:
            return tuple(self.values(row))
        return tuple(getattr(row, c.key) for c in self.columns)

    def order(self, backwards: bool = False) -> list:
        """Return the ORDER BY clauses of this segment (reversed when going back)."""
        descending = self.descending != backwards
        return [c.desc() if descending else c.asc() for c in self.columns]

    def beyond(self, key: Sequence, backwards: bool = False):
        """Return the WHERE clause of the rows after `key` (before it when going back)."""
        left = sa.tuple_(*self.columns)
        right = sa.tuple_(*[sa.bindparam(None, v, type_=c.type)
                            for c, v in zip(self.columns, key, strict=True)])
        return left < right if self.descending != backwards else left > right


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after (or before) `key` of segment `tag`."""

    tag: str
    key: tuple
    backwards: bool = False


@dataclass
class Page:
    """One page of rows, with the cursors of the pages after and before it (None: none)."""

    rows: list
    after: str | None = None
    before: str | None = None
    segments: list[str] = field(default_factory=list)


def _plain(value):
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else value


def encode(tag: str, key: Sequence) -> str:
    """Return the opaque cursor of `key` in segment `tag`."""
    text = json.dumps([tag, *[_plain(v) for v in key]], ensure_ascii=False,
                      separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _typed(column, value):
    kind = getattr(column.type, "impl_instance", column.type)  # a TypeDecorator's base type
    if isinstance(kind, sa.DateTime):
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive")
        return parsed
    if isinstance(kind, sa.Integer) and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError("not an int")
    if isinstance(kind, sa.String) and not isinstance(value, str):
        raise ValueError("not a string")
    return value


def decode(text: str | None, segments: Sequence[Segment], name: str = "after",
           backwards: bool = False) -> Cursor | None:
    """Return the cursor `text` (None when empty) of a list of `segments`; raise InvalidCursor."""
    if not text:
        return None
    try:
        if len(text) > MAX_CURSOR:
            raise ValueError("too long")
        raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        tag, *values = raw
        segment = next(s for s in segments if s.tag == tag)
        if len(values) != len(segment.columns):
            raise ValueError("length")
        key = tuple(_typed(c, v) for c, v in zip(segment.columns, values, strict=True))
    except (ValueError, TypeError, StopIteration, UnicodeDecodeError):
        raise _bad(name) from None
    return Cursor(tag, key, backwards)


def _entities(query) -> list:
    return list(db.session.scalars(query).unique())


def _collect(query, segments: Sequence[Segment], cursor: Cursor | None, want: int,
             read: Callable) -> list:
    """Return up to `want` (segment, row) pairs from the cursor on, in the walking direction."""
    backwards = cursor is not None and cursor.backwards
    order = list(reversed(segments)) if backwards else list(segments)
    start = next(i for i, s in enumerate(order) if s.tag == cursor.tag) if cursor else 0
    found: list = []
    for segment in order[start:]:
        part = query if segment.where is None else query.where(segment.where)
        if cursor is not None and segment.tag == cursor.tag:
            part = part.where(segment.beyond(cursor.key, backwards))
        part = part.order_by(*segment.order(backwards)).limit(want - len(found))
        found += [(segment, row) for row in read(part)]
        if len(found) >= want:
            break
    return found


def page(query, segments: Sequence[Segment], size: int, cursor: Cursor | None = None,
         read: Callable = _entities) -> Page:
    """Return the page of `size` rows of SELECT `query` (unordered) from `cursor` on, read
    by `read` (default: the ORM entities it selects)."""
    found = _collect(query, segments, cursor, size + 1, read)
    more = len(found) > size
    found = found[:size]
    backwards = cursor is not None and cursor.backwards
    if backwards:
        found.reverse()
    result = Page([row for _, row in found], segments=[s.tag for s, _ in found])
    if found:
        first, last = found[0], found[-1]
        if more or backwards:
            result.after = encode(last[0].tag, last[0].key(last[1]))
        if (more and backwards) or (cursor is not None and not backwards):
            result.before = encode(first[0].tag, first[0].key(first[1]))
    return result


def capped_count(query, cap: int = CAP) -> int:
    """Return how many rows SELECT `query` holds, counting no further than cap + 1."""
    limited = (query.with_only_columns(sa.literal_column("1"), maintain_column_froms=True)
               .order_by(None).limit(cap + 1).subquery())
    return db.session.scalar(sa.select(sa.func.count()).select_from(limited)) or 0


def count_label(count: int, cap: int = CAP) -> str:
    """Return a capped count as shown: "1000+" beyond the cap."""
    return f"{cap}+" if count > cap else str(count)


def analyze() -> None:
    """Refresh the query planner's statistics (after migrations and bulk loads), so that it
    picks the list indexes: ANALYZE on SQLite and on PostgreSQL alike."""
    from app.services import transaction

    with transaction():
        db.session.execute(sa.text("ANALYZE"))
