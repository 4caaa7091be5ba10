"""Stepping through a case's history: every event, and the case as it was after it."""

from __future__ import annotations

import json

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.services import access_log, cases, history, history_view
from app.web import labels
from app.web.i18n import current_lang
from app.web.layout import due_label

bp = Blueprint("history", __name__)


def shown(value, choices: dict | None = None) -> str:
    """Return a data value as the page prints it; choice codes by their labels."""
    choices = choices or {}
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return "、".join(choices.get(str(v), str(v)) for v in value) or "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return choices.get(str(value), str(value))


def _labeller(page: history_view.HistoryPage):
    """Return shown(path, value) for this page: choice labels, status and file names."""
    statuses = {k: str(v) for k, v in labels.STATUSES.items()}

    def show(path: str, value) -> str:
        names = statuses if path == "case_status" else page.choices.get(path, page.files)
        return shown(value, names)

    return show


def _due(value, left) -> str:
    if not value:
        return ""
    text = _("due %(date)s", date=due_label(value))
    return text if left is None else _("%(due)s (%(days)s working days left then)", due=text,
                                       days=left)


def _people(moment: history.Moment) -> dict:
    return {"tasks": [{"element": t["element"], "name": t["name"],
                       "lane": str(labels.ROLES.get(t["lane"], t["lane"] or "")),
                       "assignee": t["assignee"] or "",
                       "due": _due(t["due_at"], t.get("working_days_left"))}
                      for t in moment.tasks],
            "timers": [{"element": t["element"], "name": t["name"],
                        "due": _due(t["due"], t.get("working_days_left")),
                        "due_label": _("Due %(date)s", date=due_label(t["due"]))
                        if t["due"] else ""} for t in moment.timers]}


def step_json(entry: history_view.Entry, before: set[str], show) -> dict:
    """Return what the page's script shows for one event (`before`: the elements completed
    at the previous one; `show` prints a value)."""
    moment = entry.moment
    completed = [p for p in moment.path if p not in moment.flows]
    return {"seq": moment.event.seq, "version": moment.version, "error": moment.error,
            "completed": completed, "flows": moment.flows,
            "done_now": [p for p in completed if p not in before],
            "data": {k: show(k, v) for k, v in history.flatten(moment.data).items()},
            "diff": {k: [show(k, old), show(k, new)] for k, (old, new) in moment.diff.items()},
            "messages": [m["name"] for m in moment.messages], **_people(moment)}


def steps_json(page: history_view.HistoryPage) -> list[dict]:
    """Return the page script's steps, one per event."""
    steps, before, show = [], set(), _labeller(page)
    for entry in page.entries:
        steps.append(step_json(entry, before, show))
        before = set(steps[-1]["completed"])
    return steps


@bp.get("/cases/<int:case_id>/history")
@login_required
def show(case_id: int):
    case = cases.get_case(current_user, case_id)
    page = history_view.history_page(current_user, case, current_lang())
    access_log.record(current_user, "history", case, detail="page")
    return render_template("history/show.html", page=page, case=case, shown=_labeller(page),
                           steps=steps_json(page))
