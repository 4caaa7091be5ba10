"""Moving running cases of a procedure to a newer version: the dry run and the move."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template, request
from flask_babel import gettext
from flask_login import current_user, login_required

from app.errors import N_
from app.services import access_log, migrations
from app.web import inputs

bp = Blueprint("migrations", __name__, url_prefix="/processes")
MAX_VERSION = 100_000


def _number(name: str, source) -> int | None:
    """Return version number `name` of the query or form (None when absent); 400 otherwise."""
    text = (source.get(name) or "").strip()
    if text and (not text.isdigit() or not 1 <= int(text) <= MAX_VERSION):
        message = N_("%(name)s must be a whole number from %(least)s to %(most)s.")
        params = {"name": name, "least": 1, "most": MAX_VERSION}
        raise inputs.BadInput(message, [(name, message, params)], **params)
    return int(text) if text else None


@bp.get("/<key>/migrations")
@login_required
def show(key: str):
    found = migrations.report(current_user, key, _number("from", request.args),
                              _number("to", request.args), gettext)
    access_log.record(current_user, "search", detail=f"migrations {key}")
    return render_template("processes/migrations.html", key=key, results=None, **found)


@bp.post("/<key>/migrations")
@login_required
def migrate(key: str):
    old, new = _number("from", request.form), _number("to", request.form)
    chosen = [int(value) for value in request.form.getlist("case") if value.isdigit()]
    results = migrations.migrate(current_user, key, old or 0, new or 0, chosen,
                                 dt.datetime.now(dt.timezone.utc), gettext)
    found = migrations.report(current_user, key, old, new, gettext)
    return render_template("processes/migrations.html", key=key, results=results, **found)
