"""The JSON API of moving running cases to a newer version of their procedure."""

from __future__ import annotations

from flask import Blueprint, g, jsonify
from flask_babel import gettext

from app.errors import N_
from app.extensions import csrf
from app.services import migrations
from app.web import api, inputs

bp = Blueprint("api_migrations", __name__, url_prefix="/api/processes")
csrf.exempt(bp)


@bp.before_request
def authenticate():
    api.authenticate()


def _version(body: dict, name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= inputs.MAX_ID:
        message = N_("%(name)s must be a version number (a whole number).")
        raise inputs.BadInput(message, [(name, message, {"name": name})], name=name)
    return value


def case_selection(value):
    """Return "all" or the list of case ids `value` names; raise BadInput (400) otherwise."""
    if value == "all":
        return value
    if not isinstance(value, list) or len(value) > inputs.MAX_PAGE:
        message = N_("cases must be \"all\" or a list of case ids.")
        raise inputs.BadInput(message, [("cases", message)])
    return [inputs.json_id(item, "cases") for item in value]


@bp.post("/<key>/migrations")
def migrate(key: str):
    body = inputs.json_body()
    versions = (_version(body, "from"), _version(body, "to"))
    selected = case_selection(body.get("cases"))
    if body.get("dry_run", True) is not False:
        rows = migrations.plan(g.api_user, key, *versions, selected, gettext)
    else:
        rows = migrations.migrate(g.api_user, key, *versions, selected, api._now(),
                                  gettext)
    return jsonify([{key: row[key] for key in ("case_id", "ok", "reason")} for row in rows])
