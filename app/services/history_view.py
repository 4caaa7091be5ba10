"""The history page of a case: its events with who did what, the state after each (from
services/history.py), the diagrams of the versions it ran on and labels for its data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.extensions import db
from app.models import Case, User
from app.services import access, audit, case_view, cases, history
from app.services.visibility import ShownEvent


@dataclass
class Entry:
    """One event of the page's list and the case after it."""

    moment: history.Moment
    actor_name: str
    role: str
    subject: str
    outcome: str


@dataclass
class HistoryPage:
    case: Case
    process_title: str
    entries: list[Entry]
    diagrams: dict[int, str]  # version number: BPMN text
    labels: dict[str, str]  # dotted data path: "form title · field label"
    parent: Case | None
    children: list[Case]


def _field_label(form, names: list[str], lang: str) -> str | None:
    """The label of the first field named in `names` (list indexes are skipped)."""
    for name in names:
        if not name.isdigit():
            try:
                return form.field(name).label_for(lang)
            except KeyError:
                return None
    return None


def data_labels(case: Case, paths: Iterable[str], data: dict, lang: str) -> dict[str, str]:
    """Return {dotted path: label} from the forms that produced the data (unlabelled paths
    are left out: the page shows them as they are)."""
    sections = {s.key: s for s in case_view.data_sections(case, data, list(data), lang)}
    labels = {}
    for path in paths:
        top, *rest = path.split(".")
        section = sections.get(top)
        if section is None:
            continue
        index = next((int(p) + 1 for p in rest if p.isdigit()), None)
        title = f"{section.title} #{index}" if index else section.title
        label = _field_label(section.form, rest, lang) if section.form and rest else None
        labels[path] = f"{title} · {label}" if label else title
    return labels


def _paths(entries: list[history.Moment]) -> set[str]:
    return {path for moment in entries for path in history.flatten(moment.data)}


def history_page(user: User, case: Case, lang: str = "zh") -> HistoryPage:
    """Return everything the history page shows `user`; raise NotAllowed."""
    found = history.moments(user, case)
    people = history.actors(found)
    names = {username: name for username, (name, _role) in people.items()}
    shown = [ShownEvent(m.event, m.event_data, m.redacted) for m in found]
    lines = case_view.timeline(case, shown, names, lang)
    entries = [Entry(m, line.actor, people.get(m.event.actor, ("", "system"))[1], line.subject,
                     line.outcome) for m, line in zip(found, lines, strict=True)]
    last = next((m.data for m in reversed(found) if m.error is None and m.data), {})
    versions = history.versions_used(case, audit.case_events(case))
    parent = db.session.get(Case, case.parent_id) if case.parent_id else None
    return HistoryPage(
        case=case, process_title=case_view.process_title(case, lang), entries=entries,
        diagrams={n: v.bpmn for n, v in versions.items()},
        labels=data_labels(case, _paths(found), last, lang),
        parent=parent if parent is not None and access.can_see_case(user, parent) else None,
        children=[c for c in cases.children_of(case) if access.can_see_case(user, c)])
