"""JSON API of the modeler's timer preview: POST /api/calendar/preview."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from app.extensions import csrf
from app.services import calendar_preview
from app.web import api, inputs

bp = Blueprint("api_calendar", __name__, url_prefix="/api/calendar")
csrf.exempt(bp)


@bp.before_request
def authenticate():
    g.api_user = api.request_user()  # a bearer token, or the modeler page's session + CSRF


@bp.post("/preview")
def preview():
    body = inputs.json_body()
    return jsonify(calendar_preview.preview(g.api_user, body.get("expression"),
                                            body.get("start"), body.get("data")))
