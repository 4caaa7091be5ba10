"""The applicant's view of a procedure: a short row of milestones instead of the diagram.

An applicant follows who handles its case, not the engine's elements: its own application,
each authority level the procedure has a lane for, the public notice when the procedure
has one, and the result. The current milestone follows the case status and the lanes of
the open steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.models import Case, WorkItem
from app.services import element_names
from app.services.divisions import OFFICIAL_LEVELS

# A status that ends the road: the result is reached (a title may still run for years).
RESULT_STATUSES = ("recognized", "rejected", "withdrawn", "expired", "revoked")
DONE, CURRENT, TODO = "done", "current", "todo"


@dataclass(frozen=True)
class Milestone:
    key: str  # "application", a level ("county", "city", "province"), "notice", "result"
    state: str  # done, current, todo
    correction: bool = False  # the applicant is asked to correct its application


def _keys(case: Case) -> list[str]:
    lanes = element_names.of_version(case.process_version).lanes
    levels = [level for level in OFFICIAL_LEVELS if level in lanes]
    notice = "public_notice" in (case.process_version.bpmn or "")
    return ["application", *levels, *(["notice"] if notice else []), "result"]


def _open_lanes(case: Case) -> set[str]:
    """The lanes of the case's open steps (which level handles it; not the steps)."""
    return set(db.session.scalars(sa.select(WorkItem.lane).where(
        WorkItem.case_id == case.id, WorkItem.status == "ready")))


def _current(case: Case, keys: list[str], lanes: set[str]) -> str:
    if case.ended or case.status in RESULT_STATUSES:
        return "result"
    if case.status == "public_notice" and "notice" in keys:
        return "notice"
    if case.status == "draft" or "applicant" in lanes:
        return "application"
    levels = [level for level in keys if level in lanes]
    if levels:
        return levels[0]
    # waiting between steps (a timer, an expert panel): the highest level reached so far
    done = set(case.completed_elements or [])
    reached = {i.lane for i in db.session.scalars(sa.select(WorkItem).where(
        WorkItem.case_id == case.id, WorkItem.status == "completed", WorkItem.name.in_(done)))}
    return next((k for k in reversed(keys) if k in reached), keys[1] if len(keys) > 2
                else "result")


def milestones(case: Case) -> list[Milestone]:
    """Return the milestones of `case`, the current one marked (all done at a result)."""
    keys = _keys(case)
    lanes = _open_lanes(case)
    current = _current(case, keys, lanes)
    position = keys.index(current)
    correction = current == "application" and case.status != "draft"
    reached = current == "result"  # a result (a title in force too) ends the road
    return [Milestone(key, DONE if i < position or reached else CURRENT if i == position
                      else TODO,
                      correction and key == "application")
            for i, key in enumerate(keys)]
