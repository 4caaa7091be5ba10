"""What a dossier's PDF report says about one case, as plain data for its template.

Summary, timeline (who, role, when, what), the decisions with their reasons as the
case page shows them to an auditor, the diagram with the path taken, the attachments
with their sha256 and the verification result with the anchor covering the case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from app.errors import NotFound
from app.extensions import db
from app.models import Attachment, Case, Event, User, WorkItem
from app.services import access, anchors, audit, case_view, catalog, diagram_svg, visibility

SKIPPED_TYPES = ("file", "table", "list")
DIAGRAM_SLICE = 1300  # diagram units per slice: a landscape page prints labels at about 7 pt


@dataclass
class Row:
    """One labelled value of a decision: `kind` "bool" asks the template to say yes or no."""

    label: str
    value: object
    kind: str = "text"


@dataclass
class Decision:
    event: Event
    title: str
    actor: str
    role: str
    outcome: str
    rows: list[Row]


@dataclass
class FileRow:
    record: Attachment
    material: str
    path: str  # its name inside the ZIP


@dataclass
class Report:
    case: Case
    process_title: str
    version: int
    jurisdiction_name: str
    county_name: str
    timeline: list[case_view.TimelineEntry]
    roles: dict[str, str]
    decisions: list[Decision]
    files: list[FileRow]
    verification: dict
    anchor: dict | None
    anchor_problem: str | None
    log_problems: list[str]  # what is wrong with the anchor log itself (chain, signatures)
    head: str | None
    created_at: dt.datetime
    reader: str  # who downloaded the dossier
    diagram: list[str] = field(default_factory=list)  # SVG: the whole, then its slices


def _form(item: WorkItem | None):
    if item is None or not item.form:
        return None
    try:
        return catalog.case_form(item.case, item.form)
    except NotFound:  # a form removed since: its values stay in the journal
        return None


def _choice(spec, value, lang: str):
    for choice in spec.option("choices") or []:
        if isinstance(choice, Mapping) and choice.get("value") == value:
            return (choice.get("label_en") if lang == "en" else None) or choice.get("label")
    return value


def joined(values: list[str], lang: str) -> str:
    """Return `values` as one list in `lang` (Chinese lists with the enumeration comma)."""
    return (", " if lang == "en" else "\u3001").join(values)


def _rows(form, values: Mapping, lang: str) -> list[Row]:
    rows = []
    for spec in form.fields:
        value = values.get(spec.name)
        if value in (None, "", []) or spec.type in SKIPPED_TYPES or isinstance(value, dict):
            continue
        if isinstance(value, bool):
            rows.append(Row(spec.label_for(lang), value, "bool"))
        elif isinstance(value, list):
            rows.append(Row(spec.label_for(lang), joined(
                [str(_choice(spec, v, lang)) for v in value], lang)))
        else:
            rows.append(Row(spec.label_for(lang), _choice(spec, value, lang)))
    return rows


def _materials(form, values: Mapping, lang: str, found: dict[str, list[str]]) -> None:
    """Note in `found` the file fields each attachment id of `values` was given for."""
    for spec in form.fields:
        value = values.get(spec.name)
        if spec.type == "file" and isinstance(value, list):
            for attachment_id in (v for v in value if isinstance(v, str)):
                found.setdefault(attachment_id, []).append(spec.label_for(lang))


def decisions(case: Case, shown: list[visibility.ShownEvent], timeline: list, roles: dict,
              lang: str) -> tuple[list[Decision], dict[str, list[str]]]:
    """Return the decisions (forms with a decision, and the experts' opinions) in order, and
    {attachment id: the materials it was given as}."""
    items = {i.id: i for i in access.case_items(case)}
    found, materials = [], {}
    entries = {e.event.id: e for e in timeline}
    for event, data in ((s.event, s.data or {}) for s in shown):
        item = items.get(event.task_id)
        form = _form(item) if event.kind == "task_completed" else None
        values = data.get("form")
        if form is None or not isinstance(values, Mapping):
            continue
        _materials(form, values, lang, materials)
        if "decision" in values or item.lane == "expert":
            entry = entries[event.id]
            found.append(Decision(event, entry.subject, entry.actor,
                                  roles.get(event.actor, ""), entry.outcome,
                                  _rows(form, values, lang)))
    return found, materials


def user_roles(usernames: set[str]) -> dict[str, str]:
    """Return {username: role} of the given users ("system" acts as the system)."""
    rows = db.session.execute(sa.select(User.username, User.role).where(
        User.username.in_(usernames))).all()
    return {"system": "system", **dict(rows)}


def diagram(case: Case) -> list[str]:
    """Return the diagram with the path taken as SVG documents: the whole, then slices."""
    try:
        drawing = diagram_svg.read(case.process_version.bpmn)
    except diagram_svg.DiagramError:
        return []
    ready = db.session.scalars(sa.select(WorkItem.name).where(
        WorkItem.case_id == case.id, WorkItem.status == "ready")).all()
    marks = (case.completed_elements or [], ready,
             [w.get("element") for w in case.waiting or []])
    whole = [diagram_svg.render(drawing, *marks, labels=False)]
    slices = diagram_svg.windows(drawing, DIAGRAM_SLICE)
    if len(slices) == 1:
        return whole
    return whole + [diagram_svg.render(drawing, *marks, window=w) for w in slices]


def report_of(user: User, case: Case, files: list[FileRow], log_path: Path, key_path: Path,
              lang: str, now: dt.datetime) -> Report:
    """Return the report of `case` as `user` (an auditor or administrator) reads it."""
    events = audit.case_events(case)
    shown = visibility.events(visibility.view_of(user, case), events)
    names = case_view.user_names({e.actor for e in events} | {"system"})
    roles = user_roles({e.actor for e in events})
    timeline = case_view.timeline(case, shown, names, lang)
    found, materials = decisions(case, shown, timeline, roles, lang)
    for row in files:
        row.material = joined(list(dict.fromkeys(materials.get(row.record.id, []))), lang)
    anchor = anchors.covering(log_path, case.ref)
    log = anchors.load(log_path, key_path)
    problem = anchors.case_problem(log.cases.get(case.ref), events)  # every past anchor
    jurisdiction = catalog.jurisdiction(case.jurisdiction)
    return Report(
        case=case, process_title=case_view.process_title(case, lang),
        version=case.process_version.version,
        jurisdiction_name=jurisdiction.name_en if lang == "en" and jurisdiction.name_en
        else jurisdiction.name,
        county_name=jurisdiction.county_name(case.county, lang),
        timeline=timeline, roles=roles, decisions=found,
        files=files, verification=audit.verify_case(case), anchor=anchor,
        anchor_problem=problem["detail"] if problem else None,
        log_problems=log.problems,
        head=events[-1].hash if events else None, created_at=now,
        reader=user.name or user.username, diagram=diagram(case))
