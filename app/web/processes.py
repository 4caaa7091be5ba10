"""Published procedures and their diagrams (designers, auditors, administrators)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from app.services import accounts, process_view

bp = Blueprint("processes", __name__, url_prefix="/processes")


@bp.get("/")
@login_required
def index():
    return render_template("processes/index.html", versions=process_view.versions(current_user),
                           jurisdictions={j.key: j for j in accounts.jurisdictions()})


@bp.get("/<int:version_id>")
@login_required
def show(version_id: int):
    version = process_view.get_version(current_user, version_id)
    return render_template("processes/show.html", version=version,
                           diagram={"completed": [], "current": [], "waiting": []})
