"""The JSON API of designers: versions of a procedure, its files, drafts, four-eyes publishing.

Called with a Bearer token or from the designer pages with the browser session (the CSRF
token in X-CSRFToken: app/web/api.py `request_user`).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, g, jsonify
from flask_babel import gettext

from app.errors import N_, Rejected
from app.extensions import csrf
from app.services import designs
from app.services.design_files import Folders
from app.web import api, inputs

bp = Blueprint("api_designs", __name__, url_prefix="/api/processes")
csrf.exempt(bp)


@bp.before_request
def authenticate():
    g.api_user = api.request_user()


@bp.errorhandler(designs.Unpublishable)
def unpublishable(error: designs.Unpublishable):
    return jsonify({"error": error.text(gettext), "errors": error.by_field(gettext),
                    "problems": error.problems}), error.status


def folders() -> Folders:
    """The jurisdiction folders and forms on disk of this app (PROCESS_DIR, FORM_DIR)."""
    return Folders(Path(current_app.config["PROCESS_DIR"]), Path(current_app.config["FORM_DIR"]))


def _files(body: dict) -> dict:
    found = body.get("files")
    if not isinstance(found, dict):
        raise Rejected(N_("files must be a JSON object of file names and texts."),
                       [("files", N_("files must be a JSON object of file names and texts."))])
    return found


@bp.get("/<key>/versions")
def versions(key: str):
    return jsonify(designs.versions(g.api_user, key))


@bp.get("/<key>/versions/<int:version>/files")
def files(key: str, version: int):
    return jsonify({"files": designs.files(g.api_user, key, version)})


@bp.post("/<key>/check")
def check(key: str):
    problems = designs.check(g.api_user, key, _files(inputs.json_body()), folders=folders(),
                             translate=gettext)
    return jsonify({"problems": problems})


@bp.post("/<key>/drafts")
def create_draft(key: str):
    body = inputs.json_body()
    number, problems = designs.create_draft(g.api_user, key, _files(body), body.get("note", ""),
                                            folders=folders(), now=api._now(), translate=gettext)
    return jsonify({"draft": number, "problems": problems}), 201


@bp.post("/<key>/versions/<int:version>/approve")
def approve(key: str, version: int):
    record = designs.approve(g.api_user, key, version, now=api._now())
    return jsonify(designs.version_row(record))


@bp.post("/<key>/versions/<int:version>/publish")
def publish(key: str, version: int):
    record = designs.publish(g.api_user, key, version, folders=folders(), now=api._now(),
                             translate=gettext)
    return jsonify(designs.version_row(record))
