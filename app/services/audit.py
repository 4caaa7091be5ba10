"""The append-only, hash-chained event log and its verification by replay.

hash = sha256(prev_hash + canonical event). Editing, deleting or reordering
any row breaks the chain. Verify also re-executes the case in a fresh engine
from its process version and the recorded inputs (start data, completions,
timer ticks, messages) and compares the state fingerprint after every step. A case
moved to a newer version replays up to its "migrated" event on the old version,
moves the replayed state as the migration did, and goes on on the new version.
Each step replays on the calendar override set its event recorded (calendar_days), so
overrides changed later do not change the replayed deadlines.
Verification replays quickly first (one live workflow, fingerprints only: engine/replay.py)
and replays step by step, with full engine Steps, only where that does not confirm.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

import orjson
import sqlalchemy as sa

from app import engine
from app.engine.replay import Replay
from app.errors import N_, AppError
from app.extensions import db
from app.models import Case, Event, ProcessVersion
from app.services import TIPS, calendar_days, compiled_sql, hold_case, preloaded

GENESIS = "0" * 64
STATE_KINDS = ("case_started", "task_completed", "timers_fired", "message_received",
               "expert_replaced", "migrated")


def _fields(case_ref: str, event: Event) -> dict:
    fields = {
        "case": case_ref, "seq": event.seq, "at": event.at.astimezone(dt.timezone.utc).isoformat(),
        "actor": event.actor, "kind": event.kind, "task": event.task, "task_id": event.task_id,
        "data": event.data, "state_hash": event.state_hash,
    }
    if event.calendar is not None:  # events from before calendar sets keep their old text
        fields["calendar"] = event.calendar
    return fields


def canonical(case_ref: str, event: Event) -> str:
    """Return the canonical text of an event that its hash covers."""
    return json.dumps(_fields(case_ref, event), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"), default=str)


def chain_hash(prev_hash: str, case_ref: str, event: Event) -> str:
    """Return the hash of `event` chained to `prev_hash`."""
    text = prev_hash + canonical(case_ref, event)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chained(prev_hash: str, case_ref: str, event: Event) -> bool:
    """Return whether `event.hash` is chain_hash(prev_hash, case_ref, event).

    Checked first on the text orjson writes, sorted and compact: the canonical text itself
    for the plain data events hold (orjson writes exponents and a few other values
    otherwise), several times faster. Equal hashes mean equal texts; where they differ,
    the canonical text decides."""
    try:
        text = orjson.dumps(_fields(case_ref, event), option=orjson.OPT_SORT_KEYS)
    except TypeError:  # beyond what orjson writes (an integer over 64 bits)
        text = None
    if text is not None and hashlib.sha256(
            prev_hash.encode("utf-8") + text).hexdigest() == event.hash:
        return True
    return chain_hash(prev_hash, case_ref, event) == event.hash


def append_event(case: Case, kind: str, actor: str, at: dt.datetime, *, task: str | None = None,
                 task_id: str | None = None, data: dict | None = None,
                 calendar: str | None = None) -> Event:
    """Append an event to `case`'s log, chained to the previous one; return it (written at
    once, except in a batch: an event never changes). A state change names the
    `calendar` set (calendar_days.hash_in_force) its step was computed with; it is stored
    here unless stored already."""
    hold_case(case)  # one writer at a time extends a case's chain
    seq, prev_hash, last_calendar = chain_tip(case) or (0, GENESIS, None)
    if calendar is not None and calendar == calendar_days.hash_in_force():
        calendar_days.set_in_force(stored=last_calendar)  # stored unless the last event has it
    row = {"case_id": case.id, "seq": seq + 1, "at": at, "actor": actor, "kind": kind,
           "task": task, "task_id": task_id, "data": data or {}, "state_hash": case.state_hash,
           "prev_hash": prev_hash, "calendar": calendar}
    event = Event(**row)
    event.hash = row["hash"] = chain_hash(prev_hash, case.ref, event)
    if preloaded.active():
        # A batch moving many cases (the timer worker): written with its other rows at
        # COMMIT, all its events in one statement.
        db.session.add(event)
    else:
        # Written now, as one INSERT: an event is never changed after, and handing it to
        # the session's unit of work cost a completion more than the statement itself.
        event.id = compiled_sql.run(db.session.connection(), _INSERT, row).scalar_one()
    db.session.info.setdefault(TIPS, {})[case.id] = (event.seq, event.hash, calendar)
    return event


_INSERT = sa.insert(Event.__table__).returning(Event.__table__.c.id)


# Every step on PostgreSQL reads it: built once, as building it cost more than running it.
_TIP = (sa.select(Event.seq, Event.hash, Event.calendar)
        .where(Event.case_id == sa.bindparam("case_id")).order_by(Event.seq.desc()).limit(1))


def chain_tip(case: Case) -> tuple[int, str, str | None] | None:
    """Return (seq, hash, calendar) of `case`'s last event (None: it has none), as read with
    its lock in this transaction (services.lock_case) or else now."""
    tips = db.session.info.get(TIPS, {})
    if case.id in tips:
        return tips[case.id]
    # Without flushing first: the step's pending changes do not touch this case's chain (its
    # events are written by append_event only), and writing them now made two flushes.
    last = db.session.connection().execute(_TIP, {"case_id": case.id}).first()
    return tuple(last) if last else None


def case_events(case: Case) -> list[Event]:
    """Return the events of `case` in order."""
    return list(db.session.scalars(sa.select(Event).where(Event.case_id == case.id)
                                   .order_by(Event.seq)))


def events_of(case_ids: list[int]) -> dict[int, list]:
    """Return {case id: its events in order} of the cases `case_ids`, read with one query,
    as read-only rows of Event's columns (attributes named as Event's), on the session's
    connection: verifying every case reads millions of events, and building an ORM object
    per event, or passing each row through the session's ORM result, cost a tenth of it."""
    events: dict[int, list] = {}
    table = Event.__table__
    for event in db.session.connection().execute(sa.select(table).where(
            table.c.case_id.in_(case_ids)).order_by(table.c.case_id, table.c.seq)):
        events.setdefault(event.case_id, []).append(event)
    return events


@dataclass
class StepCheck:
    seq: int
    ok: bool
    detail: str


def _check_chain(case: Case, events: list[Event]) -> dict[int, str]:
    broken, prev = {}, GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            broken[event.seq] = f"sequence gap: expected {expected_seq}"
        elif event.prev_hash != prev or not _chained(prev, case.ref, event):
            broken[event.seq] = "hash chain broken: an event was edited or deleted"
        prev = event.hash
    return broken


def _replay_one(spec: str, state: str | None, event: Event, overrides):
    """Return the engine Step that re-executes `event` on `state`."""
    if event.kind == "case_started":
        return engine.start(spec, event.data.get("initial", {}), event.at, overrides)
    if event.kind == "timers_fired":
        return engine.fire_due_timers(spec, state, event.at, overrides)
    if event.kind == "message_received":
        return engine.deliver_message(spec, state, event.data["name"], event.data["payload"],
                                      event.at, overrides)
    if event.kind == "expert_replaced":
        task_id = _ready_id(spec, state, event.task, event.data.get("from"))
        return engine.reassign(spec, state, task_id, event.data["to"], event.at, overrides)
    task_id = _ready_id(spec, state, event.task, event.data.get("assignee"))
    return engine.complete(spec, state, task_id, event.data["form"], event.at, overrides)


def _spec_of(case: Case, number) -> str:
    """Return the spec of version `number` of the case's procedure; raise AppError."""
    version = db.session.scalars(sa.select(ProcessVersion).where(
        ProcessVersion.key == case.process_key, ProcessVersion.version == number)).first()
    if version is None:
        raise AppError(N_("version %(version)s of the procedure does not exist"), version=number)
    return version.spec


def _first_spec(case: Case, events: list[Event]) -> str:
    """Return the spec the case started on: that of its version, unless it moved since."""
    moved = next((e for e in events if e.kind == "migrated"), None)
    if moved is None:
        return case.process_version.spec
    try:
        return _spec_of(case, (moved.data or {}).get("from"))
    except AppError:
        return case.process_version.spec  # the replay then fails where the chain broke


def _overrides_for(event: Event, known: dict) -> dict:
    """Return the override set `event` was computed with, from `known` ({hash: set}) once read.

    Events recorded before calendar sets were kept name none: they replay on today's
    overrides, so an override changed since inside their deadlines still breaks them.
    """
    if event.calendar not in known:
        known[event.calendar] = (calendar_days.overrides() if event.calendar is None
                                 else calendar_days.recorded_set(event.calendar))
    return known[event.calendar]


def _replay(case: Case, spec: str, state: str | None, event: Event, calendars: dict):
    """Return (Step, spec after the event): a migration replays on the version it names."""
    overrides = _overrides_for(event, calendars)
    if event.kind != "migrated":
        return _replay_one(spec, state, event, overrides), spec
    new_spec = _spec_of(case, event.data.get("to"))
    return engine.migrate(spec, state, new_spec, event.at, overrides), new_spec


def _ready_id(spec: str, state: str, task: str | None, assignee: str | None) -> str:
    """Return the id the ready task `task` (of `assignee`) has in this replay (ids differ)."""
    current = engine.describe(spec, state)
    matches = [t for t in current.ready if t.name == task and t.assignee == assignee]
    if not matches:
        raise AppError(N_("task %(task)s is not ready during replay"), task=task)
    return matches[0].id


@dataclass
class Replayed:
    """One event as replayed: the engine Step it produced (None for events that move no
    state, and after a failed replay) and why replay failed, if it did."""

    event: Event
    step: object | None
    error: str | None = None
    spec: str | None = None  # the spec the step ran on

    def reached(self) -> str | None:
        """Return the step's fingerprint by the rule the event recorded its own with."""
        recorded = self.event.state_hash
        if self.step is None or recorded is None or recorded.startswith(engine.FINGERPRINT_V2):
            return self.step.fingerprint if self.step is not None else None
        return engine.state_fingerprint(self.spec, self.step.state, recorded)


def replayed(case: Case, events: list[Event]) -> Iterator[Replayed]:
    """Replay `events` (the case's, in order) on the pinned process version, yielding each.

    The one replay: verification compares its fingerprints, the history pages show its
    states. After a failed step no later state is known (their step stays None).
    """
    calendars: dict = {}
    spec, state = _first_spec(case, events), None
    for event in events:
        if event.kind not in STATE_KINDS or (state is None and event.kind != "case_started"):
            yield Replayed(event, None)
            continue
        try:
            step, spec = _replay(case, spec, state, event, calendars)
        except AppError as error:
            state = None
            yield Replayed(event, None, str(error))
            continue
        state = step.state if step is not None else state
        yield Replayed(event, step, spec=spec)


def _quick_fingerprint(session: Replay, case: Case, event: Event, calendars: dict):
    """Return the fingerprint `session` reaches by re-executing `event` (None: no change)."""
    overrides = _overrides_for(event, calendars)
    data, at = event.data or {}, event.at
    session.recorded = event.state_hash
    if event.kind == "case_started":
        return session.start(session.spec, data.get("initial", {}), at, overrides)
    if event.kind == "timers_fired":
        return session.fire_due_timers(at, overrides)
    if event.kind == "message_received":
        return session.deliver_message(data["name"], data["payload"], at, overrides)
    if event.kind == "expert_replaced":
        return session.reassign(event.task, data.get("from"), data["to"], at, overrides)
    if event.kind == "migrated":
        return session.migrate(_spec_of(case, data.get("to")), at, overrides)
    return session.complete(event.task, data.get("assignee"), data["form"], at, overrides)


def quick_fingerprints(case: Case, events: list[Event],
                       session: Replay | None = None) -> Iterator[tuple[Event, str | None]]:
    """Yield (event, fingerprint) for each event that moves the state, replayed quickly
    (engine/replay.py, on `session` when given): the fingerprints replayed() would give,
    None where nothing moved. Raises what the replay raises."""
    session, calendars, started = session or Replay(), {}, False
    session.spec = _first_spec(case, events)
    for event in events:
        if event.kind not in STATE_KINDS or (not started and event.kind != "case_started"):
            continue
        started = True
        yield event, _quick_fingerprint(session, case, event, calendars)


def quick_replay_confirms(case: Case, events: list[Event]) -> bool:
    """Return whether a quick replay reaches every recorded state of `events`.

    Any doubt (a difference, an error) answers False, and verify_case then replays the
    case step by step with replayed() to say exactly what is wrong: the quick replay only
    ever confirms, so a case's result never depends on which replay ran. The quick replay
    first reuses the rule-2 fingerprint rows of finished tasks (engine/replay.py), with the
    last state fingerprinted again in full (Replay.exact); where that does not confirm, it
    runs again writing every row.
    """
    return any(_quick_confirms(case, events, Replay(reuse_rows=reuse)) for reuse in (True, False))


def _quick_confirms(case: Case, events: list[Event], session: Replay) -> bool:
    last = None
    try:
        for event, reached in quick_fingerprints(case, events, session):
            if reached is not None:
                if reached != event.state_hash:
                    return False
                last = event.state_hash
        # Rule-1 rows are compared with what they were at every event (Replay._row).
        return last is None or not last.startswith(engine.FINGERPRINT_V2) or \
            not session.reuse_rows or session.exact() == last
    except Exception:  # noqa: BLE001 - the step-by-step replay reports it
        return False
    finally:
        session.close()


def verify_case(case: Case) -> dict:
    """Return {"ok", "steps": [{"seq", "ok", "detail"}]} from the chain check and a replay."""
    return verify_events(case, case_events(case))


def verify_events(case: Case, events: list[Event]) -> dict:
    """Return verify_case()'s answer for `case`, whose events (case_events) are `events`."""
    broken = _check_chain(case, events)
    if not broken and events and quick_replay_confirms(case, events):
        steps = [StepCheck(event.seq, True, "match") for event in events]
    else:
        steps = _replayed_steps(case, events, broken)
    if not events:
        steps.append(StepCheck(0, False, "the case has no events"))
    elif case.state_hash != events[-1].state_hash:
        # The chain cannot show that its own tail was cut off; the case row can.
        steps.append(StepCheck(events[-1].seq + 1, False, "the case's state is not the one its "
                               "last event recorded: events were removed at the end"))
    return {"ok": all(s.ok for s in steps), "steps": [s.__dict__ for s in steps]}


def _replayed_steps(case: Case, events: list[Event], broken: dict[int, str]) -> list[StepCheck]:
    """Return each event's check from the chain check and replayed()."""
    steps = []
    for result in replayed(case, events):
        event = result.event
        detail, ok = broken.get(event.seq), event.seq not in broken
        if result.error is not None:
            ok, detail = False, detail or f"replay failed: {result.error}"
        elif result.step is not None:
            same = result.reached() == event.state_hash
            ok = ok and same
            detail = detail or ("match" if same else "replayed state differs from the recorded one")
        steps.append(StepCheck(event.seq, ok, detail or "match"))
    return steps
