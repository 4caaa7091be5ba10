"""The history page of a case: its events with who did what, the state after each (from
services/history.py), the diagrams of the versions it ran on and labels for its data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from app.extensions import db
from app.models import Case, User
from app.services import access, audit, case_view, cases, corrections, history, visibility
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
    choices: dict[str, dict[str, str]]  # dotted data path: {value: label} of a choice field
    files: dict[str, str]  # attachment id: file name, of the files the reader may see
    parent: Case | None
    children: list[Case]
    corrections: list = field(default_factory=list)  # its returns for correction (Round)


def _field(form, names: list[str]):
    """The field of the first name in `names` (list indexes are skipped), or None."""
    for name in names:
        if not name.isdigit():
            try:
                return form.field(name)
            except KeyError:
                return None
    return None


def _choices(field, lang: str) -> dict[str, str]:
    choices = field.option("choices") if field is not None else None
    if not isinstance(choices, list):
        return {}
    return {str(c["value"]): str((c.get("label_en") if lang == "en" else None) or c["label"])
            for c in choices if isinstance(c, Mapping) and "value" in c and "label" in c}


def data_labels(case: Case, paths: Iterable[str], data: dict, lang: str
                ) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Return ({dotted path: label}, {dotted path: {value: label}}) from the forms that
    produced the data (unlabelled paths are left out: the page shows them as they are)."""
    sections = {s.key: s for s in case_view.data_sections(case, data, list(data), lang)}
    labels, choices = {}, {}
    for path in paths:
        top, *rest = path.split(".")
        section = sections.get(top)
        if section is None:
            continue
        index = next((int(p) + 1 for p in rest if p.isdigit()), None)
        title = f"{section.title} #{index}" if index else section.title
        field = _field(section.form, rest) if section.form and rest else None
        name = field.label_for(lang) if field else ".".join(p for p in rest if not p.isdigit())
        labels[path] = f"{title} · {name}" if name else title
        if _choices(field, lang):
            choices[path] = _choices(field, lang)
    return labels, choices


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
    labels, choices = data_labels(case, _paths(found), last, lang)
    view = visibility.view_of(user, case)
    return HistoryPage(
        case=case, process_title=case_view.process_title(case, lang), entries=entries,
        diagrams={n: v.bpmn for n, v in versions.items()},
        labels=labels, choices=choices,
        files={key: record.name for key, record in visibility.case_attachments(view).items()},
        parent=parent if parent is not None and access.can_see_case(user, parent) else None,
        children=[c for c in cases.children_of(case) if access.can_see_case(user, c)],
        corrections=corrections.rounds(view, lang))
