"""A case's stage as pages show it: the steps open now, or what its state means.

`case.stage` (stored, and in the API) names the ready steps, else what the case waits for,
else the end it reached. A timer is named after the moment it waits for ("有效期满当年"),
which reads like a state the case is in; so while a case only waits, pages say what its
status means instead, and name every step in the reader's language.
"""

from __future__ import annotations

from flask import Flask, g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.services import catalog, element_names
from app.web.i18n import current_lang
from app.web.labels import FOLLOW_UP_STATUSES, ROLES, STATUSES
from app.web.layout import due_label

# The applicant's milestones (app/services/milestones.py).
MILESTONES = {"application": _l("Application"), "county": _l("County review"),
              "city": _l("City review"), "province": _l("Provincial review"),
              "notice": _l("Public notice period"), "result": _l("Result")}


def _waits_only(case) -> bool:
    """Whether the stored stage names what the case waits for (no step is open)."""
    names = "、".join(dict.fromkeys(w.get("name") for w in case.waiting or []))
    return bool(names) and case.stage == names


def _waiting_label(case, names: element_names.Names, lang: str) -> str:
    waiting = case.waiting or []
    dues = sorted(w["due"] for w in waiting if w.get("due"))
    if case.status == "recognized":
        return _("Title in force")
    if case.status == "public_notice":
        return _("Public notice until %(date)s", date=due_label(dues[0])) if dues \
            else _("Public notice")
    # a message names what the case waits for ("等待再次申报结果"); unnamed ones are skipped
    messages = [names.of(w["element"], lang) for w in waiting
                if w.get("kind") == "message" and names.of(w.get("element", ""), lang)]
    if messages:
        return "; ".join(dict.fromkeys(messages))
    return _("Waiting until %(date)s", date=due_label(dues[0])) if dues else _("Waiting")


def stage_of(case) -> str:
    """Return the stage of `case` in the reader's words ("—" when there is none)."""
    lang = current_lang()
    names = element_names.of_version_id(case.process_version_id)
    if case.stage and _waits_only(case) and not case.ended:
        return _waiting_label(case, names, lang)
    if not case.stage:
        return _("Finished") if case.ended else "—"
    return names.translate(case.stage, lang)


def step_title(item) -> str:
    """Return a work item's step name in the reader's language."""
    lang = current_lang()
    if lang != "en":
        return item.title
    names = element_names.of_version_id(item.case.process_version_id)
    return names.of(item.name, lang) or item.title


def milestone_label(milestone, case) -> str:
    """Return what a milestone is called; the result, once reached, says what it is."""
    if milestone.key == "result" and milestone.state != "todo" and case.status in STATUSES:
        names = FOLLOW_UP_STATUSES if case.parent_id is not None else {}
        return str(names.get(case.status) or STATUSES[case.status])
    if milestone.correction:
        return _("Correction")
    return str(MILESTONES[milestone.key])


def lane_labels() -> dict[str, str]:
    """Return {lane name: its level's name in the page language} for the diagram's lanes."""
    return {lane: str(label) for lane, label in ROLES.items()}


def step_name(title: str) -> str:
    """Return a step name (as work items store it, in Chinese) in the reader's language."""
    if current_lang() != "en":
        return title
    if "step_names" not in g:  # the names of every published procedure, once per request
        g.step_names = {}
        for version in catalog.latest_processes():
            names = element_names.of_version(version)
            g.step_names.update({names.zh[e]: n for e, n in names.en.items() if e in names.zh})
    return g.step_names.get(title, title)


def register(app: Flask) -> None:
    """Make the stage and step names available to every template."""
    app.jinja_env.globals.update(stage_of=stage_of, step_title=step_title,
                                 milestone_label=milestone_label, lane_labels=lane_labels,
                                 step_name=step_name)
