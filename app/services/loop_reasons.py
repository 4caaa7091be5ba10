"""Why a case came back to a step: the loop-back reasons its steps recorded.

The engine reports each loop-back flow a step took (engine/loops.py: the flow's
documentation with its {{ }} values filled in); progress.apply_step records them in that
step's event under LOOP_BACKS. The reopened task, the case page and the history read
them from there, each reader only the reasons of tasks whose form they may read in full.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from app import engine
from app.models import Event, WorkItem
from app.services import access, audit, visibility

LOOP_BACKS = "loop_backs"  # the key of an event's data that holds them


@dataclass(frozen=True)
class LoopReason:
    """One recorded loop-back: the task it reopened, the flow's name and the reason."""

    task_id: str
    task_title: str
    name: str
    reason: str
    at: dt.datetime
    actor: str


def recorded(step: engine.Step) -> list[dict]:
    """Return the loop-backs of `step` as an event records them."""
    return [dataclasses.asdict(loop) for loop in step.loop_backs]


def _reasons(events: list[Event], items: dict[str, WorkItem]) -> list[LoopReason]:
    found = []
    for event in events:
        for loop in (event.data or {}).get(LOOP_BACKS) or []:
            item = items.get(str(loop.get("task_id")))
            found.append(LoopReason(str(loop.get("task_id")), item.title if item else "",
                                    str(loop.get("name") or ""), str(loop.get("reason") or ""),
                                    event.at, event.actor))
    return found


def of_case(view: visibility.View) -> list[LoopReason]:
    """Return the case's loop-back reasons the reader may see, oldest first."""
    items = {i.id: i for i in access.case_items(view.case)}
    return [r for r in _reasons(audit.case_events(view.case), items)
            if visibility.sees_loop_reason(view, items.get(r.task_id))]


def of_item(view: visibility.View, item: WorkItem,
            events: list | None = None) -> LoopReason | None:
    """Return why `item` was (re)opened, when a loop-back opened it and the reader may see it
    (`events`: all the case's, audit.case_events, when the caller has them already)."""
    if not visibility.sees_loop_reason(view, item):
        return None
    events = audit.case_events(view.case) if events is None else events
    found = [r for r in _reasons(events, {item.id: item})
             if r.task_id == item.id]
    return found[-1] if found else None
