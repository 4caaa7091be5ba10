"""A case as it was after each of its events, from one replay of its journal.

The states come from re-executing the recorded events on the pinned process version(s)
(audit.replayed), never from a copy kept for display. Each reader sees them through the
visibility policy: data filtered, hidden tasks and events left out, and the diff taken
between the states that reader may see, so a diff never reveals a hidden value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

import sqlalchemy as sa
from lxml import etree

from app import calendar
from app.errors import N_, NotFound
from app.extensions import db
from app.models import Case, Event, ProcessVersion, User, WorkItem
from app.services import access, audit, calendar_days, cases, visibility


@dataclass(frozen=True)
class State:
    """What replay knows of the case after one event (all of it, before any filtering)."""

    data: dict
    tasks: tuple[dict, ...] = ()
    timers: tuple[dict, ...] = ()
    messages: tuple[dict, ...] = ()
    completed: tuple[str, ...] = ()
    version: int | None = None
    error: str | None = None


@dataclass
class Moment:
    """The case after one event, as one reader sees it."""

    event: Event
    data: dict
    tasks: list[dict]
    timers: list[dict]
    messages: list[dict]
    path: list[str]
    flows: list[str]
    version: int | None
    diff: dict[str, list] = field(default_factory=dict)
    error: str | None = None
    redacted: bool = False
    event_data: dict = field(default_factory=dict)  # the event's own data as the reader sees it


# ---------------------------------------------------------------------------- data diffs

def flatten(value, prefix: str = "") -> dict:
    """Return {dotted path: leaf value} of nested mappings and lists of mappings."""
    if isinstance(value, Mapping) and value:
        found = {}
        for key, item in value.items():
            found.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return found
    if isinstance(value, list) and value and any(isinstance(v, Mapping) for v in value):
        found = {}
        for index, item in enumerate(value):
            found.update(flatten(item, f"{prefix}.{index}"))
        return found
    return {prefix: value} if prefix else {}


def diff(old: Mapping, new: Mapping) -> dict[str, list]:
    """Return {dotted path: [old, new]} of every leaf that differs (None where absent)."""
    before, after = flatten(old), flatten(new)
    return {key: [before.get(key), after.get(key)] for key in sorted(before.keys() | after.keys())
            if before.get(key) != after.get(key)}


# ---------------------------------------------------------------------------- replay

def _version_spec(case: Case, number: int | None) -> ProcessVersion | None:
    return db.session.scalars(sa.select(ProcessVersion).where(
        ProcessVersion.key == case.process_key, ProcessVersion.version == number)).first()


def first_version(case: Case, events: list[Event]) -> int:
    """Return the version number the case started on (before any migration)."""
    moved = next((e for e in events if e.kind == "migrated"), None)
    return (moved.data or {}).get("from") if moved else case.process_version.version


def _overrides(event: Event, known: dict) -> dict:
    """The calendar override set `event` was computed with (today's for events naming none)."""
    if event.calendar not in known:
        known[event.calendar] = (calendar_days.overrides() if event.calendar is None
                                 else calendar_days.recorded_set(event.calendar))
    return known[event.calendar]


def _task_due(task, event: Event, calendars: dict) -> dt.datetime | None:
    """A task's deadline as the product set it when the task became ready at `event`."""
    if task.due_at is not None:
        return task.due_at
    if not task.due_working_days:
        return None
    day = event.at.astimezone(calendar.SHANGHAI).date() + dt.timedelta(days=1)
    return calendar.working_period_end(day, task.due_working_days, _overrides(event, calendars))


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _from_step(step, event: Event, version: int, dues: dict, calendars: dict) -> State:
    for task in step.ready:
        if task.id not in dues:  # its deadline was set when it became ready
            dues[task.id] = _task_due(task, event, calendars)
    known = _overrides(event, calendars)

    def left(due: dt.datetime | None) -> int | None:  # as counted on the day of the event
        return calendar_days.working_days_left(due, event.at, known) if due else None

    tasks = tuple({"element": t.name, "name": t.title, "lane": t.lane, "assignee": t.assignee,
                   "variable": t.variable, "due_at": _iso(dues[t.id]),
                   "working_days_left": left(dues[t.id])} for t in step.ready)
    timers = tuple({"element": w.element, "name": w.name, "due": _iso(w.due),
                    "working_days_left": left(w.due)} for w in step.waiting if w.kind == "timer")
    messages = tuple({"element": w.element, "name": w.name, "message": w.message}
                     for w in step.waiting if w.kind == "message")
    return State(dict(step.data), tasks, timers, messages, tuple(step.completed_elements), version)


def _without_engine(state: State | None, event: Event) -> State | None:
    """The state after an event replay does not execute: unchanged, except that a case
    closed with its parent ended there (progress._close_open_children)."""
    if state is None or event.kind != "closed_with_parent":
        return state
    data = {**state.data, "case_status": "withdrawn",
            "withdrawn_reason": (event.data or {}).get("reason")}
    return replace(state, data=data, tasks=(), timers=(), messages=())


def replay_states(case: Case, events: list[Event]) -> list[State | None]:
    """Return the full state after each of `events` (None before the case started)."""
    calendars, dues, states = {}, {}, []
    version, state = first_version(case, events), None
    for result in audit.replayed(case, events):
        event = result.event
        if event.kind == "migrated" and result.step is not None:
            version = (event.data or {}).get("to", version)
        if result.error is not None:
            state = State({}, version=version, error=result.error)
        elif result.step is not None:
            state = _from_step(result.step, event, version, dues, calendars)
        else:
            state = _without_engine(state, event)
        states.append(state)
    return states


# ---------------------------------------------------------------------------- the reader's view

@lru_cache(maxsize=32)
def _flows(version_id: int, bpmn: str) -> tuple[tuple[str, str, str], ...]:
    """The (id, source, target) of every sequence flow of a BPMN text."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:  # a parser per call: lxml parsers are not to be shared between threads
        root = etree.fromstring(bpmn.encode("utf-8"), parser)
    except etree.XMLSyntaxError:
        return ()
    return tuple((e.get("id"), e.get("sourceRef"), e.get("targetRef")) for e in root.iter()
                 if isinstance(e.tag, str) and etree.QName(e).localname == "sequenceFlow")


def taken_flows(flows, completed: set[str], reached: set[str]) -> list[str]:
    """Return the flows from a completed element to one completed or reached (now waiting)."""
    return [flow for flow, source, target in flows
            if source in completed and (target in completed or target in reached)]


def _visible_tasks(view: visibility.View, tasks: tuple[dict, ...]) -> list[dict]:
    """The tasks the reader may know of, asked of the one policy as if they were work items."""
    shown = []
    for task in tasks:
        item = WorkItem(lane=task["lane"], assignee=task["assignee"], variable=task["variable"])
        if visibility.tasks(view, [item]):
            shown.append({k: v for k, v in task.items() if k != "variable"})
    return shown


def _moment(view: visibility.View, shown: visibility.ShownEvent, state: State | None,
            flows: dict) -> Moment:
    event = shown.event
    if state is None:
        return Moment(event, {}, [], [], [], [], [], None, redacted=shown.redacted,
                      event_data=shown.data or {})
    completed = set(state.completed)
    reached = {t["element"] for t in state.tasks} | {t["element"] for t in state.timers} \
        | {m["element"] for m in state.messages}
    taken = taken_flows(flows.get(state.version, ()), completed, reached)
    return Moment(event, visibility.filter_data(view, state.data),
                  _visible_tasks(view, state.tasks), list(state.timers), list(state.messages),
                  sorted(completed) + taken, taken, state.version, error=state.error,
                  redacted=shown.redacted, event_data=shown.data or {})


def versions_used(case: Case, events: list[Event]) -> dict[int, ProcessVersion]:
    """Return {version number: ProcessVersion} of every version the case ran on."""
    numbers = [first_version(case, events)] + [(e.data or {}).get("to") for e in events
                                                if e.kind == "migrated"]
    found = {}
    for number in dict.fromkeys(numbers):
        version = _version_spec(case, number)
        if version is not None:
            found[number] = version
    return found


def moments(user: User, case: Case) -> list[Moment]:
    """Return the case after each event `user` may see, with the diff from the previous one
    they see; raise NotAllowed when they may not read the case."""
    view = visibility.view_of(user, case)
    events = audit.case_events(case)
    states = dict(zip((e.seq for e in events), replay_states(case, events), strict=True))
    flows = {n: _flows(v.id, v.bpmn) for n, v in versions_used(case, events).items()}
    found, previous = [], {}
    for shown in visibility.events(view, events):
        moment = _moment(view, shown, states[shown.event.seq], flows)
        if moment.error is None:
            moment.diff, previous = diff(previous, moment.data), moment.data
        found.append(moment)
    return found


def find(found: list[Moment], seq: int) -> Moment:
    """Return the moment of event `seq` among `found`; raise NotFound."""
    for moment in found:
        if moment.event.seq == seq:
            return moment
    raise NotFound(N_("This case has no event %(seq)s."), seq=seq)


# ---------------------------------------------------------------------------- JSON

def actors(found: list[Moment]) -> dict[str, tuple[str, str]]:
    """Return {username: (display name, role)} of the moments' actors."""
    names = {m.event.actor for m in found}
    rows = db.session.execute(sa.select(User.username, User.name, User.role).where(
        User.username.in_(names))) if names else []
    return {username: (name or username, role) for username, name, role in rows}


def moment_json(moment: Moment, people: Mapping[str, tuple[str, str]]) -> dict:
    """Return the API's answer for one moment (API.md: GET /api/cases/<id>/history?at=)."""
    event = moment.event
    name, role = people.get(event.actor, (event.actor, "system"))
    return {"seq": event.seq, "at": event.at.isoformat(), "data": moment.data,
            "tasks": moment.tasks, "timers": moment.timers, "path": moment.path,
            "diff": moment.diff, "kind": event.kind, "actor": event.actor, "actor_name": name,
            "role": role, "version": moment.version, "flows": moment.flows,
            "messages": moment.messages, "error": moment.error, "redacted": moment.redacted}


def summary_json(moment: Moment, people: Mapping[str, tuple[str, str]]) -> dict:
    """Return one event of the history list: who, role, when, kind, changed fields."""
    event = moment.event
    name, role = people.get(event.actor, (event.actor, "system"))
    return {"seq": event.seq, "at": event.at.isoformat(), "kind": event.kind,
            "task": event.task, "actor": event.actor, "actor_name": name, "role": role,
            "version": moment.version, "changed": sorted(moment.diff), "error": moment.error}


def related(user: User, case: Case) -> dict:
    """Return the parent and child cases of `case` that `user` may read, as {id, ref}."""
    parent = db.session.get(Case, case.parent_id) if case.parent_id else None
    return {"parent": {"id": parent.id, "ref": parent.ref}
            if parent is not None and access.can_see_case(user, parent) else None,
            "children": [{"id": c.id, "ref": c.ref} for c in cases.children_of(case)
                         if access.can_see_case(user, c)]}


def history_json(user: User, case: Case, seq: int | None = None) -> dict:
    """Return the case after event `seq`, or without `seq` the list of its events with their
    summaries; raise NotFound / NotAllowed."""
    found = moments(user, case)
    people = actors(found)
    if seq is None:
        return {"case_id": case.id, "ref": case.ref, **related(user, case),
                "events": [summary_json(m, people) for m in found]}
    return moment_json(find(found, seq), people)
