"""`GET /api/audit/access`: the access journal for administrators and auditors, newest first,
paged by `before` (the next page's link in the Link header)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, url_for

from app.extensions import csrf
from app.services import access_log
from app.web import api, inputs
from app.web.access_journal import checked_filters, raw_filters

bp = Blueprint("api_access", __name__, url_prefix="/api/audit")
csrf.exempt(bp)


@bp.before_request
def authenticate():
    g.api_user = api.request_user()


@bp.get("/access")
def index():
    access_log.require_reader(g.api_user)
    raw = raw_filters()
    found, older = access_log.journal_page(
        g.api_user, checked_filters(raw), inputs.query_int("before", None, 1, inputs.MAX_ID))
    response = jsonify([access_log.entry_json(entry) for entry in found])
    if older is not None:
        link = url_for("api_access.index", **{k: v for k, v in raw.items() if v}, before=older)
        response.headers["Link"] = f'<{link}>; rel="next"'
    return response
