"""The versions of a procedure: drafts, four-eyes approval and publishing (services/designs.py)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from app.errors import Conflict, NotAllowed
from app.services import designs
from app.web import api_designs
from app.web.errors import handle_app_error

bp = Blueprint("designs", __name__, url_prefix="/processes")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _back(key: str):
    return redirect(url_for("designs.versions", key=key), code=303)


@bp.errorhandler(NotAllowed)
@bp.errorhandler(Conflict)
def refused(error):
    """A refused approval or publication is a message on the versions page."""
    if request.method != "POST":
        return handle_app_error(error)
    flash(error.text(gettext), "error")
    return _back(request.view_args["key"])


@bp.errorhandler(designs.Unpublishable)
def unpublishable(error: designs.Unpublishable):
    flash(error.text(gettext), "error")
    key, version = request.view_args["key"], request.view_args["version"]
    return render_template("processes/versions.html", page=designs.overview(current_user, key),
                           problems=error.problems, refused=version), 422


@bp.get("/<key>/versions")
@login_required
def versions(key: str):
    return render_template("processes/versions.html",
                           page=designs.overview(current_user, key), problems=[])


@bp.post("/<key>/versions/<int:version>/approve")
@login_required
def approve(key: str, version: int):
    designs.approve(current_user, key, version, now=_now())
    flash(gettext("Version %(version)s is approved; it can now be published.",
                  version=version), "success")
    return _back(key)


@bp.post("/<key>/versions/<int:version>/publish")
@login_required
def publish(key: str, version: int):
    designs.publish(current_user, key, version, folders=api_designs.folders(), now=_now(),
                    translate=gettext)
    flash(gettext("Version %(version)s is published: new cases start on it; running cases stay "
                  "on their versions.", version=version), "success")
    return _back(key)
