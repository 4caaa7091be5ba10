"""Dossiers as ZIP downloads: GET /api/cases/<id>/dossier and GET /api/cases/dossier?<the
filters of GET /api/cases> (auditors and administrators)."""

from __future__ import annotations

import base64
import datetime as dt
import io
from pathlib import Path

from flask import Blueprint, current_app, g, render_template, request, send_file

from app.extensions import csrf
from app.services import dossier
from app.web import api, inputs
from app.web.i18n import current_lang

bp = Blueprint("api_dossier", __name__, url_prefix="/api/cases")
csrf.exempt(bp)
FILTERS = ("status", "process", "county", "q")


@bp.before_request
def authenticate():
    g.api_user = api.request_user()  # a bearer token, or the case pages' session


def render_report(report) -> str:
    """Return the HTML the dossier's PDF is made from (the diagrams inline, as data URIs)."""
    diagram = ["data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
               for svg in report.diagram]
    return render_template("dossier/report.html", report=report, diagram=diagram)


def _paths() -> dossier.Paths:
    config = current_app.config
    return dossier.Paths(Path(config["UPLOAD_DIR"]), Path(config["AUDIT_ANCHOR_LOG"]),
                         Path(config["AUDIT_SIGNING_KEY"]))


def _send(name: str, content: bytes):
    return send_file(io.BytesIO(content), mimetype="application/zip", as_attachment=True,
                     download_name=name)


@bp.get("/<int:case_id>/dossier")
def case_dossier(case_id: int):
    return _send(*dossier.case_dossier(g.api_user, case_id, render_report, _paths(),
                                       current_lang(), dt.datetime.now(dt.timezone.utc)))


@bp.get("/dossier")
def search_dossier():
    filters = {key: request.args.get(key, "").strip() for key in FILTERS}
    filters["year"] = inputs.query_year()
    return _send(*dossier.search_dossier(g.api_user, filters, render_report, _paths(),
                                         current_lang(), dt.datetime.now(dt.timezone.utc)))
