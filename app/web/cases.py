"""Cases: the filtered list, the case page, uploading and downloading attachments."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import N_, AppError, Rejected
from app.services import (
    access_log,
    attachments,
    case_view,
    cases,
    catalog,
    certificates,
    dossier,
    follow_ups,
    materials,
)
from app.web import inputs
from app.web.i18n import current_lang
from app.web.layout import due_label, format_size, now

bp = Blueprint("cases", __name__)

FILTERS = ("status", "process", "county", "q")


@bp.get("/cases")
@login_required
def index():
    filters = {k: request.args.get(k, "").strip() for k in FILTERS}
    year = inputs.query_year()
    listing = case_view.case_list(current_user, page=inputs.query_page(),
                                  lang=current_lang(), year=year,
                                  after=request.args.get("after"),
                                  before=request.args.get("before"), **filters)
    access_log.record(current_user, "search", detail=access_log.filters_text(
        {**filters, "year": year, "page": request.args.get("page")}))
    return render_template("cases/index.html", listing=listing, filters=filters, year=year,
                           years=range(now().year, now().year - 6, -1),
                           procedures=follow_ups.my_procedures(current_user),
                           example_ref=_example_ref(), dossier_limit=dossier.MAX_CASES)


def _example_ref() -> str | None:
    """A case number of the user's own jurisdiction for the search hint (none without one)."""
    if not current_user.jurisdiction:
        return None
    return f"{catalog.jurisdiction(current_user.jurisdiction).ref_prefix}-{now().year}-0001"


def diagram_json(state: dict) -> dict:
    """Return the viewer's state JSON: waiting timers get a printable due date."""
    waiting = [{"element": w["element"], "due_label": _("Due %(date)s", date=due_label(w["due"]))
                if w.get("due") else ""} for w in state["waiting"]]
    return {"completed": state["completed"], "current": state["current"], "waiting": waiting}


@bp.get("/cases/<int:case_id>")
@login_required
def show(case_id: int):
    page = case_view.case_page(current_user, cases.get_case(current_user, case_id),
                               current_lang())
    access_log.record(current_user, "case", page.case)
    return render_template("cases/show.html", page=page, case=page.case, now=now(),
                           diagram=diagram_json(page.diagram),
                           materials=materials.materials(current_user, page.case, current_lang()),
                           certificate=certificates.offers_certificate(current_user, page.case),
                           journal=access_log.case_entries(current_user, page.case))


def _json_error(error: AppError):
    messages = [m for ms in error.by_field(_).values() for m in ms] \
        if isinstance(error, Rejected) else []
    return jsonify({"error": error.text(_), "errors": messages}), error.status


@bp.post("/cases/<int:case_id>/attachments")
@login_required
def upload(case_id: int):
    file = request.files.get("file")
    try:
        if file is None or not file.filename:
            raise Rejected(N_("Choose a file to upload."))
        record = attachments.store_attachment(
            current_user, cases.get_case(current_user, case_id), file.filename, file.read(),
            current_app.config["UPLOAD_DIR"], current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024,
            now())
    except AppError as error:
        return _json_error(error)
    body = {**attachments.attachment_json(record), "size_label": format_size(record.size)}
    return jsonify(body), 201


@bp.get("/attachments/<attachment_id>")
@login_required
def download(attachment_id: str):
    record, path = attachments.open_attachment(current_user, attachment_id,
                                               current_app.config["UPLOAD_DIR"])
    access_log.record_attachment(current_user, record)
    return send_file(path, mimetype=record.content_type, as_attachment=True,
                     download_name=record.name)
