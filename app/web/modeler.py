"""The browser modeler of a procedure: /processes/<key>/edit[?version=n]."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from app.services import modeler

bp = Blueprint("modeler", __name__, url_prefix="/processes")


@bp.get("/<key>/edit")
@login_required
def edit(key: str):
    version = request.args.get("version", type=int)
    return render_template("processes/edit.html", editor=modeler.editor(current_user, key, version))
