"""The access journal: who of the auditors and administrators read what, when; a page with
filters and keyset paging, and its XLSX export (itself journaled)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.errors import Rejected
from app.services import access_log, case_view, registry_export
from app.web import inputs, labels
from app.web.layout import SHANGHAI, now

bp = Blueprint("access_journal", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The query parameters of the page and the API, and the service's names for them.
PARAMETERS = {"user": "username", "case": "case", "action": "action", "from": "since",
              "to": "until"}
COLUMNS = ("at", "name", "username", "role", "action", "case_ref", "detail")
HEADERS = {"at": _l("Time"), "name": _l("User"), "username": _l("User name"),
           "role": _l("Role"), "action": _l("Action"), "case_ref": _l("Case number"),
           "detail": _l("Detail")}


def raw_filters() -> dict[str, str]:
    """Return the filter parameters of the request, keyed as the page and API name them."""
    return {name: request.args.get(name, "").strip() for name in PARAMETERS}


def checked_filters(raw: dict[str, str]) -> access_log.Filters:
    """Return the service's filters of `raw`; raise Rejected."""
    return access_log.check_filters(**{PARAMETERS[name]: value for name, value in raw.items()})


def _page(raw: dict[str, str]):
    try:
        filters, problem = checked_filters(raw), ""
    except Rejected as error:
        return [], None, " ".join(m for ms in error.by_field(_).values() for m in ms), 422
    found, older = access_log.journal_page(
        current_user, filters, inputs.query_int("before", None, 1, inputs.MAX_ID))
    return found, older, problem, 200


@bp.get("/audit/access")
@login_required
def index():
    access_log.require_reader(current_user)
    raw = raw_filters()
    found, older, problem, status = _page(raw)
    return render_template("access_journal/index.html", entries=found, older=older,
                           filters=raw, problem=problem, actions=labels.ACCESS_ACTIONS,
                           active={name: value for name, value in raw.items() if value},
                           names=case_view.user_names({e.username for e in found})), status


def _row(entry, names: dict) -> dict:
    return {"at": entry.at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
            "name": names.get(entry.username, entry.username), "username": entry.username,
            "role": str(labels.ROLES.get(entry.role, entry.role)),
            "action": str(labels.ACCESS_ACTIONS.get(entry.action, entry.action)),
            "case_ref": entry.case_ref or "",
            "detail": str(labels.ACCESS_DETAILS.get(entry.detail, entry.detail))}


@bp.get("/audit/access.xlsx")
@login_required
def export():
    access_log.require_reader(current_user)
    raw = raw_filters()
    found = access_log.export_entries(current_user, checked_filters(raw))
    names = case_view.user_names({e.username for e in found})
    content = registry_export.to_xlsx([_row(e, names) for e in found], COLUMNS,
                                      [str(HEADERS[c]) for c in COLUMNS],
                                      sheet_title=_("Access log"))
    access_log.record(current_user, "export",
                      detail=access_log.filters_text({"access log": "xlsx", **raw}))
    name = f"access-log-{now().astimezone(SHANGHAI):%Y%m%d}.xlsx"
    return Response(content, mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename={name}"})
