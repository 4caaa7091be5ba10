"""Plain data the engine returns; nothing here refers to SpiffWorkflow."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReadyTask:
    """A user task waiting for a person."""

    id: str
    name: str
    title: str
    lane: str | None
    form: str | None
    variable: str
    due_working_days: int | None = None
    assignee: str | None = None
    documentation: str | None = None
    due_at: dt.datetime | None = None  # from the dueDate property
    not_before: dt.datetime | None = None  # from the notBefore property


@dataclass(frozen=True)
class Waiting:
    """A timer or message the case waits for."""

    element: str
    name: str
    kind: str
    due: dt.datetime | None = None
    message: str = ""


@dataclass(frozen=True)
class EngineEvent:
    """Something the engine did in a step: an element completed or was cancelled."""

    kind: str
    element: str
    name: str
    element_type: str = ""


@dataclass(frozen=True)
class LoopBack:
    """A loop-back flow a step took (engine/loops.py), the user task it reopened and why."""

    task_id: str
    task: str
    gateway: str
    flow: str
    name: str
    reason: str


@dataclass(frozen=True)
class Step:
    """The outcome of one engine call: new state and what a person or the app must know."""

    state: str
    fingerprint: str
    data: dict
    ready: tuple[ReadyTask, ...]
    waiting: tuple[Waiting, ...]
    next_timer_at: dt.datetime | None
    ended: bool
    events: tuple[EngineEvent, ...] = ()
    messages: tuple[tuple[str, object], ...] = ()
    completed_elements: tuple[str, ...] = field(default=())
    loop_backs: tuple[LoopBack, ...] = ()
