"""The oversight dashboard's counts, kept up to date as cases change (table oversight_rollup).

Each case contributes a handful of counts to the figures (its stage, its status, each step
it completed with its working days, each ready task with its deadline, its title's years):
`contribution` derives them from the case row and its work items. Whenever a transaction
changes a case or a work item through the session, the case's contribution as it was before
the transaction (read from the database at the first flush that touches it) and as it is
at commit are both computed, and their difference is added to the rollup rows just before
COMMIT, in the same transaction. So the dashboard reads a few hundred group rows whatever
the number of cases, and the counts cannot drift from the cases they count.

The hook is the session itself (before_flush / before_commit), not one service function:
every way a case moves (tasks, timers, messages, children closed with their parent, follow-
ups) changes these rows through the session, including ways added later. SQL written around
the session (bulk clones in benchmarks, repairs by hand) is not seen: `flask --app app
oversight rebuild` recounts everything, `oversight check` compares the rows to a recount.

Working days of a step are counted with the calendar overrides in force when the task was
completed; after an override of a past day changes, `oversight rebuild` recounts them.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app import calendar
from app.models import CalendarDay, Case, OversightRollup, WorkItem
from app.services import compiled_sql
from app.services.registry import TITLE_STATUSES

BEFORE = "oversight_before"  # Session.info: {case id: its facts before this transaction}
LOADED = "oversight_loaded"  # Session.info: {case id: (case, all its work items)} in memory
BULK = "oversight_bulk"  # Session.info: a statement updated cases or work items directly
CASE_FIELDS = frozenset(("parent_id", "jurisdiction", "county", "process_key", "created_at",
                         "status", "stage", "ended", "valid_from", "valid_until", "updated_at",
                         "data"))
ITEM_FIELDS = frozenset(("case_id", "name", "lane", "title", "status", "created_at",
                         "completed_at", "due_at"))
KEY_FIELDS = ("figure", "jurisdiction", "county", "process_key", "year", "label", "lane",
              "title", "number", "due_at")
ROLLUP = OversightRollup.__table__

CASE_COLUMNS = (Case.id, Case.parent_id, Case.jurisdiction, Case.county, Case.process_key,
                Case.created_at, Case.status, Case.stage, Case.ended, Case.valid_from,
                Case.valid_until, Case.updated_at,
                Case.data["revoked_on"].as_string().label("revoked_on"))
ITEM_COLUMNS = (WorkItem.case_id, WorkItem.name, WorkItem.lane, WorkItem.title,
                WorkItem.status, WorkItem.created_at, WorkItem.completed_at, WorkItem.due_at)
ITEM_LABELS = tuple(column.label(f"item_{column.key}") for column in ITEM_COLUMNS)


class WorkingDays:
    """Working days after one day up to another (as deadlines count them), remembered."""

    def __init__(self, overrides: dict[dt.date, bool]):
        self.overrides, self.known = overrides, {}

    def between(self, start: dt.date, end: dt.date) -> int:
        key = (start, end)
        if key not in self.known:
            self.known[key] = 0 if end <= start else calendar.working_days_between(
                start + dt.timedelta(days=1), end, self.overrides)
        return self.known[key]


def _local(instant: dt.datetime) -> dt.date:
    return instant.astimezone(calendar.SHANGHAI).date()


def due_month(instant: dt.datetime) -> int:
    """The month of a deadline instant in Asia/Shanghai as yyyymm (202603)."""
    day = _local(instant)
    return day.year * 100 + day.month


def _revoked_year(case) -> int | None:
    """The year of the revocation decision (`revoked_on`), else of the case's last move."""
    day = case.revoked_on or _local(case.updated_at).isoformat()
    try:
        return int(day[:4])
    except ValueError:
        return None


class _Counts(dict):
    """{key: [count, first day]} of one case: `add` counts one more under a key."""

    def __init__(self, case):
        super().__init__()
        self.case = case

    def add(self, figure, year=None, label=None, lane=None, title=None, number=None,
            due_at=None, process=..., first=None):
        case = self.case
        entry = self.setdefault((figure, case.jurisdiction, case.county,
                                 case.process_key if process is ... else process, year, label,
                                 lane, title, number, due_at), [0, first])
        entry[0] += 1
        if first is not None and (entry[1] is None or first < entry[1]):
            entry[1] = first


def _title_counts(counts: _Counts, case) -> None:
    if case.status not in TITLE_STATUSES:
        return
    if case.valid_from is not None:
        counts.add("recognition", case.valid_from.year, process=None)
    if case.valid_until is not None and case.status != "revoked":
        counts.add("expiry", case.valid_until.year, process=None)  # revoked never expire
    if case.status == "revoked":
        counts.add("revocation", _revoked_year(case), process=None)


def contribution(case, items: Iterable, days: WorkingDays) -> dict[tuple, list]:
    """Return {key: [count, first day]} that one case adds to the rollups; `case` and `items`
    are rows of CASE_COLUMNS and ITEM_COLUMNS (the case's work items)."""
    counts = _Counts(case)
    opened = _local(case.created_at).year
    counts.add("opened", opened)  # annual reports due: every case, children included
    if case.parent_id is None:  # stages, counties and titles count principal cases
        counts.add("stage", opened, case.stage or "", number=0 if case.ended else 1)
        counts.add("county", opened, case.status, process=None)
        _title_counts(counts, case)
    done = set()
    for item in items:
        if item.status == "completed":
            done.add(item.name)
            if item.completed_at is not None:
                came, finished = _local(item.created_at), _local(item.completed_at)
                counts.add("step", finished.year, item.name, item.lane, item.title,
                           days.between(came, finished), first=came.isoformat())
        elif item.status == "ready" and item.due_at is not None:
            # Exact deadlines, and their count per month of the deadline: the dashboard sums
            # the months before this one and reads exact rows of this month and of the
            # earliest, so the overdue figure reads as many rows at 100 k cases as at 1 k.
            month = due_month(item.due_at)
            # In UTC, however it was read or set: the key must not depend on that.
            counts.add("ready", month, item.name, item.lane, item.title,
                       due_at=item.due_at.astimezone(dt.timezone.utc))
            counts.add("ready_month", month, item.name, item.lane, item.title)
    for name in sorted(done):  # an annual report is received once its task is done
        counts.add("done", opened, name)
    return dict(counts)


def _facts_of(connection, case_ids: list[int]) -> Iterator[tuple]:
    """Yield (case row, [its work items]) of `case_ids`, by case id: one query."""
    rows = connection.execute(
        sa.select(*CASE_COLUMNS, *ITEM_LABELS).select_from(Case)
        .outerjoin(WorkItem, WorkItem.case_id == Case.id).where(Case.id.in_(case_ids))
        .order_by(Case.id, WorkItem.id))
    for _case_id, group in itertools.groupby(rows, key=lambda row: row.id):
        group = list(group)
        yield group[0], [SimpleNamespace(**{label.key[5:]: getattr(row, label.key)
                                            for label in ITEM_LABELS})
                         for row in group if row.item_case_id is not None]


def _facts(connection, case_ids: list[int] | None = None) -> Iterator[tuple]:
    """Yield (case row, [its work item rows]) of `case_ids` (all cases: None), by case id."""
    if case_ids is not None:
        yield from _facts_of(connection, case_ids)
        return
    cases = sa.select(*CASE_COLUMNS).order_by(Case.id)
    items = sa.select(*ITEM_COLUMNS).order_by(WorkItem.case_id, WorkItem.id)
    item_rows = iter(connection.execute(items))
    pending = next(item_rows, None)
    for case in connection.execute(cases):
        mine = []
        while pending is not None and pending.case_id <= case.id:
            if pending.case_id == case.id:
                mine.append(pending)
            pending = next(item_rows, None)
        yield case, mine


def _overrides(connection) -> dict[dt.date, bool]:
    return {row.day: row.working for row in connection.execute(
        sa.select(CalendarDay.day, CalendarDay.working))}


@functools.lru_cache(maxsize=4096)  # the same keys come back with every step of every case
def _hash(key: tuple) -> str:
    text = json.dumps([v.isoformat() if isinstance(v, dt.datetime) else v for v in key],
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _rows(counts: dict[tuple, list]) -> list[dict]:
    rows = [{"key": _hash(key), **dict(zip(KEY_FIELDS, key, strict=True)), "n": n,
             "first_day": first} for key, (n, first) in counts.items() if n]
    return sorted(rows, key=lambda row: row["key"])  # one lock order for every writer


def _upsert(dialect):
    """The one INSERT … ON CONFLICT DO UPDATE that adds a row's count (compiled once and
    cached by SQLAlchemy: every batch runs the same text with other values)."""
    insert = dialect.insert(ROLLUP)
    earlier = sa.and_(insert.excluded.n > 0, sa.or_(
        ROLLUP.c.n <= 0, ROLLUP.c.first_day.is_(None),
        insert.excluded.first_day < ROLLUP.c.first_day))
    return insert.on_conflict_do_update(index_elements=[ROLLUP.c.key], set_={
        "n": ROLLUP.c.n + insert.excluded.n,
        "first_day": sa.case((earlier, insert.excluded.first_day), else_=ROLLUP.c.first_day)})


UPSERTS = {"postgresql": _upsert(postgresql), "sqlite": _upsert(sqlite)}


def _add(connection, counts: dict[tuple, list]) -> None:
    """Add `counts` ({key: [count, first day]}; counts may be negative) to the rollups, in
    one execution of one statement over the changed keys (in key order: one lock order)."""
    rows = _rows(counts)
    if rows:
        compiled_sql.run(connection, UPSERTS[connection.dialect.name], rows)


def _changed(record, fields: frozenset[str]) -> bool:
    state = sa.inspect(record)
    return any(state.attrs[name].history.has_changes() for name in fields)


@sa.event.listens_for(Session, "before_flush")
def _remember_before(session, _context, _instances) -> None:
    """Read, before the flush writes them, the cases this flush changes (first time only)."""
    touched = set()
    for record in session.dirty:
        if isinstance(record, Case) and _changed(record, CASE_FIELDS):
            touched.add(record.id)
        elif isinstance(record, WorkItem) and _changed(record, ITEM_FIELDS):
            touched.add(record.case_id)
    for record in session.deleted:
        if isinstance(record, Case | WorkItem):
            touched.add(record.id if isinstance(record, Case) else record.case_id)
    for record in session.new:
        if isinstance(record, WorkItem) and record.case_id is not None:
            touched.add(record.case_id)
    remember(session, touched - {None})


@sa.event.listens_for(Session, "after_flush")
def _remember_new(session, _context) -> None:
    """A case the flush inserted had nothing before; a work item it inserted or deleted
    joins or leaves its case's items when they are held in memory (`remember_loaded`)."""
    loaded = session.info.get(LOADED, {})
    for record in session.new:
        if isinstance(record, Case):
            session.info.setdefault(BEFORE, {}).setdefault(record.id, None)
        elif isinstance(record, WorkItem) and record.case_id in loaded:
            items = loaded[record.case_id][1]
            if not any(item is record for item in items):
                items.append(record)
    for record in session.deleted:
        if isinstance(record, WorkItem) and record.case_id in loaded:
            items = loaded[record.case_id][1]
            items[:] = [item for item in items if item is not record]


@sa.event.listens_for(Session, "do_orm_execute")
def _note_bulk_writes(state) -> None:
    """An UPDATE or DELETE written as a statement bypasses the objects in memory: the
    cases' counts after the transaction are then read from the database."""
    if (state.is_update or state.is_delete) and state.bind_mapper is not None and \
            state.bind_mapper.class_ in (Case, WorkItem):
        state.session.info[BULK] = True


@sa.event.listens_for(Session, "before_commit")
def _add_differences(session) -> None:
    """Add to the rollups, just before COMMIT, what the changed cases now count minus what
    they counted before the transaction."""
    if session.new or session.dirty or session.deleted:
        session.flush()  # the changes still pending: the flush remembers their cases first
    before = session.info.pop(BEFORE, None)
    if not before:
        return
    connection = session.connection()
    loaded = {} if session.info.pop(BULK, False) else session.info.pop(LOADED, {})
    after = {case_id: _snapshot(case, items) for case_id, (case, items) in loaded.items()
             if case_id in before}
    unread = sorted(set(before) - set(after))
    if unread:
        after.update((case.id, (case, items)) for case, items in _facts(connection, unread))
    # The overrides this transaction's steps were computed with (calendar_days), if read.
    in_force = session.info.get("calendar_in_force")
    days = WorkingDays(in_force.days if in_force else _overrides(connection))
    counts = defaultdict(lambda: [0, None])
    for case_id, old in before.items():
        for sign, facts in ((-1, old), (1, after.get(case_id))):
            if facts is None:
                continue
            for key, (n, first) in contribution(*facts, days).items():
                entry = counts[key]
                entry[0] += sign * n
                if sign > 0 and first is not None:
                    entry[1] = first if entry[1] is None else min(entry[1], first)
    _add(connection, counts)


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_on_rollback(session, transaction) -> None:
    # A savepoint's end keeps what was read before it; the whole transaction's forgets it.
    if transaction.parent is None:
        session.info.pop(BEFORE, None)
        session.info.pop(LOADED, None)
        session.info.pop(BULK, None)


def recount(connection) -> dict[tuple, list]:
    """Return every case's contribution summed: what the rollups must hold."""
    days, counts = WorkingDays(_overrides(connection)), defaultdict(lambda: [0, None])
    for case, items in _facts(connection):
        for key, (n, first) in contribution(case, items, days).items():
            entry = counts[key]
            entry[0] += n
            if first is not None:
                entry[1] = first if entry[1] is None else min(entry[1], first)
    return {key: value for key, value in counts.items() if value[0]}


def stored(connection) -> dict[tuple, list]:
    """Return the rollups' non-zero rows as {key: [count, first day]}."""
    columns = [ROLLUP.c[name] for name in KEY_FIELDS]
    return {tuple(row[:-2]): [row.n, row.first_day] for row in connection.execute(
        sa.select(*columns, ROLLUP.c.n, ROLLUP.c.first_day).where(ROLLUP.c.n != 0))}


def rebuild(connection) -> int:
    """Replace the rollups by a full recount; return how many rows they hold."""
    counts = recount(connection)
    connection.execute(ROLLUP.delete())
    rows = _rows(counts)
    for start in range(0, len(rows), 1000):
        connection.execute(ROLLUP.insert(), rows[start:start + 1000])
    return len(rows)


def differences(connection) -> list[tuple[tuple, list | None, list | None]]:
    """Return (key, stored, recounted) wherever the rollups differ from a full recount."""
    have, want = stored(connection), recount(connection)
    return [(key, have.get(key), want.get(key)) for key in sorted(
        set(have) | set(want), key=_hash) if have.get(key) != want.get(key)]


def rebuild_all() -> int:
    """Recount the rollups from every case, in one transaction; return their rows."""
    from app.extensions import db
    from app.services import transaction
    with transaction():
        return rebuild(db.session.connection())


def check_all() -> list[tuple[tuple, list | None, list | None]]:
    """Return where the rollups differ from a full recount (nothing when they agree)."""
    from app.extensions import db
    try:
        return differences(db.session.connection())
    finally:
        db.session.rollback()


def remember(session, case_ids: list[int]) -> None:
    """Read at once what the cases `case_ids`, about to change together, count now (a batch
    of timers): each first flush need not read its case alone."""
    before = session.info.setdefault(BEFORE, {})
    unknown = sorted(set(case_ids) - set(before))
    if unknown:
        found = dict.fromkeys(unknown)
        found.update((case.id, (case, items)) for case, items in
                     _facts(session.connection(), unknown))
        before.update(found)


def _revoked_on(data) -> str | None:
    value = (data or {}).get("revoked_on") if isinstance(data, dict) else None
    return value if value is None or isinstance(value, str) else str(value)


def _snapshot(case: Case, items: list[WorkItem]) -> tuple:
    """(case row, [item rows]) as `_facts` reads them, taken from the objects in memory."""
    row = SimpleNamespace(**{column.key: getattr(case, column.key)
                             for column in CASE_COLUMNS[:-1]},
                          revoked_on=_revoked_on(case.data))
    return row, [SimpleNamespace(**{column.key: getattr(item, column.key)
                                    for column in ITEM_COLUMNS}) for item in items]


def remember_loaded(session, case: Case, items: list[WorkItem]) -> None:
    """Remember what `case` counts now from the case and every one of its work items
    (`items`), read under its lock and not changed yet: its first flush need not read it.
    At commit its counts are taken from the same objects, as the transaction left them
    (the list follows the work items the session inserts or deletes), unless a statement
    updated or deleted cases or work items around the objects."""
    before = session.info.setdefault(BEFORE, {})
    if case.id in before:
        return
    before[case.id] = _snapshot(case, items)
    session.info.setdefault(LOADED, {})[case.id] = (case, items)


def loaded(session, case: Case) -> list[WorkItem] | None:
    """Return every work item of `case` when its counts at commit come from the objects in
    memory (`remember_loaded`, `remember_new`): then nothing need read it before it is
    written, and `row_writes` may write it without a flush. Else None."""
    held = session.info.get(LOADED, {}).get(case.id)
    return held[1] if held is not None and held[0] is case and not session.info.get(BULK) \
        else None


def remember_new(session, case: Case, items: list[WorkItem]) -> None:
    """Remember that `case`, just inserted, counted nothing before and that `items` (empty
    now) will hold all its work items: its counts at commit come from memory too."""
    session.info.setdefault(BEFORE, {})[case.id] = None
    session.info.setdefault(LOADED, {})[case.id] = (case, items)
