"""The JSON API of version comparison: what changed between two versions of a procedure."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from app.errors import N_
from app.extensions import csrf
from app.services import version_diff
from app.web import api, inputs

bp = Blueprint("api_diff", __name__, url_prefix="/api/processes")
csrf.exempt(bp)
bp.before_request(api.authenticate)  # the same users and tokens as the rest of /api


def _number(name: str) -> int:
    value = inputs.query_int(name, None, 1, inputs.MAX_ID)
    if value is None:
        message = N_("%(name)s is required: a version number of the procedure.")
        raise inputs.BadInput(message, [(name, message, {"name": name})], name=name)
    return value


@bp.get("/<key>/diff")
def diff(key: str):
    comparison = version_diff.compare(g.api_user, key, _number("from"), _number("to"))
    return jsonify(comparison.changes)
