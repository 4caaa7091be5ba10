"""GET /api/oversight: every figure of the oversight dashboard as JSON."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from app.extensions import csrf
from app.web import api
from app.web.oversight import figures_for

bp = Blueprint("api_oversight", __name__, url_prefix="/api/oversight")
csrf.exempt(bp)


@bp.before_request
def authenticate():
    g.api_user = api.request_user()  # a bearer token, or the page's own session


@bp.get("")
def figures():
    return jsonify(figures_for(g.api_user, api._now()))
