"""JSON API of the modeler's timer preview: POST /api/calendar/preview."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from app.errors import N_, AppError
from app.extensions import csrf
from app.services import calendar_preview
from app.web import api, inputs

bp = Blueprint("api_calendar", __name__, url_prefix="/api/calendar")
csrf.exempt(bp)


class BadToken(AppError):
    status = 400


@bp.before_request
def authenticate():
    header = request.headers.get("Authorization", "")
    if header or not current_user.is_authenticated:
        g.api_user = api.bearer_user(header)
        return
    # The modeler page calls with its session: a forged cross-site post carries no token.
    try:
        validate_csrf(request.headers.get("X-CSRFToken", ""))
    except ValidationError:
        raise BadToken(N_("The page's security token is missing or expired; reload the page.")) \
            from None
    g.api_user = current_user._get_current_object()


@bp.post("/preview")
def preview():
    body = inputs.json_body()
    return jsonify(calendar_preview.preview(g.api_user, body.get("expression"),
                                            body.get("start"), body.get("data")))
