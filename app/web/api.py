"""The JSON API (../shared/API.md): bearer tokens, JSON errors, never an HTML page."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

from flask import Blueprint, current_app, g, jsonify, request, send_file
from flask_login import current_user
from flask_wtf.csrf import ValidationError, validate_csrf

from app import formdefs
from app.errors import N_, AppError, Rejected
from app.extensions import csrf
from app.services import (
    access_log,
    anchors,
    attachments,
    cases,
    catalog,
    follow_ups,
    history,
    legal_basis,
    overdue,
    registry,
    replacement,
    tasks,
    verification,
)
from app.services.held import Held
from app.web import inputs, security
from app.web.i18n import current_lang

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)
MAX_PER_PAGE = 500  # what tasks.list_tasks serves at most


class Unauthenticated(AppError):
    status = 401


class MissingCsrf(AppError):
    status = 400


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _lang() -> str:
    return current_lang()


@bp.before_request
def authenticate():
    if request.endpoint == "api.openapi":  # the contract itself is public
        return
    header = request.headers.get("Authorization", "")
    if request.endpoint == "api.titles" and not header:  # the public registry of titles
        g.api_user = None
        return
    g.api_user = request_user()


def request_user():
    """Return the user of a Bearer token, else of the logged-in browser session (whose
    changing requests must carry the CSRF token in X-CSRFToken); raise Unauthenticated /
    MissingCsrf."""
    header = request.headers.get("Authorization", "")
    if header or not current_user.is_authenticated:
        return bearer_user(header)
    if request.method not in SAFE_METHODS and current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except ValidationError:
            raise MissingCsrf(N_("The CSRF token is missing or invalid: send the page's token "
                                 "in the X-CSRFToken header.")) from None
    return current_user._get_current_object()


def bearer_user(header: str):
    """Return the user of an `Authorization: Bearer <token>` header; raise Unauthenticated."""
    token = header[7:].strip() if header.startswith("Bearer ") else ""
    user = security.token_user(token) if token else None
    if user is None:
        raise Unauthenticated(N_("Missing or invalid API token (Authorization: Bearer <token>)."))
    return user


def _body() -> dict:
    return inputs.json_body()


def _text(body: dict, key: str) -> str:
    value = body.get(key, "")
    if not isinstance(value, str):
        raise Rejected(N_("%(key)s must be a string."), [(key, N_("Must be a string."))], key=key)
    return value


def _lock_version(body: dict) -> int | None:
    value = body.get("lock_version")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= inputs.MAX_ID:
        raise Rejected(N_("lock_version must be a whole number (the case's lock_version)."),
                       [("lock_version", N_("Must be a whole number."))])
    return value


@functools.cache
def openapi_document() -> dict:
    """Return the OpenAPI document of this API (app/web/openapi.yaml), read once."""
    return formdefs.load_yaml((Path(__file__).parent / "openapi.yaml").read_text("utf-8"))


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/processes")
def processes():
    return jsonify([{"key": v.key, "version": v.version, "title": v.title,
                     "title_en": v.title_en, "jurisdiction": v.jurisdiction,
                     "startable": v.startable, "follow_up": follow_ups.is_follow_up(v),
                     "start_lane": follow_ups.starter(v),
                     "legal_basis": legal_basis.process_basis(v, _now())}
                    for v in catalog.latest_processes()])


@bp.get("/titles")
def titles():
    raw = {key: request.args.get(key, "") for key in ("jurisdiction", "status", "county")}
    found = registry.list_titles(g.api_user, registry.check_filters(**raw))
    access_log.record(g.api_user, "search", detail=access_log.filters_text(
        {"titles": "registry", **raw}))
    return jsonify(found)


@bp.post("/cases")
def start_case():
    body = _body()
    parent_id = body.get("parent_id")
    held = None
    if parent_id is None:
        held = Held()
        case = cases.start_case(g.api_user, _text(body, "process"), _now(), held)
    else:
        case = follow_ups.start_one(g.api_user, _text(body, "process"),
                                     inputs.json_id(parent_id, "parent_id"), _now())
    return jsonify(cases.case_json(g.api_user, case, held)), 201


def _paged(entries: list, after: str | None):
    """A page as the bare JSON array it always was; the next page's cursor in the headers."""
    response = jsonify(entries)
    if after:
        response.headers["X-Next-After"] = after
        response.headers["Link"] = f'<{inputs.url_after(after)}>; rel="next"'
    return response


@bp.get("/cases")
def list_cases():
    filters = {k: request.args.get(k) for k in ("status", "process", "county", "q")}
    summary = inputs.query_choice("fields", ("", "summary")) == "summary"
    page, after = inputs.query_page_or_after()
    if page > 1:
        found, after = cases.list_cases(g.api_user, page=page, **filters), None
    else:
        listed = cases.case_page(g.api_user, after=after, light=summary, **filters)
        found, after = listed.rows, listed.after
    access_log.record(g.api_user, "search", detail=access_log.filters_text(
        {**filters, "page": request.args.get("page"), "after": request.args.get("after")}))
    return _paged(cases.cases_json(g.api_user, found, summary), after)


@bp.get("/cases/<int:case_id>")
def show_case(case_id: int):
    case = cases.get_case(g.api_user, case_id)
    body = cases.case_json(g.api_user, case)
    access_log.record(g.api_user, "case", case)
    return jsonify(body)


@bp.get("/tasks")
def list_tasks():
    per_page = inputs.query_int("per_page", 100, 1, MAX_PER_PAGE)
    page, after = inputs.query_page_or_after()
    if page > 1:
        found, after = tasks.list_tasks(g.api_user, page=page, per_page=per_page), None
    else:
        listed = tasks.task_page(g.api_user, per_page, after=after)
        found, after = listed.rows, listed.after
    return _paged([tasks.task_json(i) for i in found], after)


@bp.get("/tasks/overdue")
def overdue_tasks():
    per_page = inputs.query_int("per_page", overdue.LIMIT, 1, overdue.LIMIT)
    entries, after = overdue.overdue_json(g.api_user, _now(), per_page,
                                          request.args.get("after"))
    access_log.record(g.api_user, "search", detail="overdue tasks")
    return _paged(entries, after)


@bp.post("/tasks/<task_id>/reassign")
def reassign_task(task_id: str):
    body = _body()
    item, _expert = replacement.replace_expert(g.api_user, task_id, _text(body, "assignee"),
                                               _text(body, "reason"), _now())
    return jsonify(tasks.task_json(item))


@bp.get("/tasks/<task_id>")
def show_task(task_id: str):
    item = tasks.get_task(g.api_user, task_id)
    body = tasks.task_detail(g.api_user, item, _lang())
    access_log.record(g.api_user, "case", item.case, f"task {item.name}")
    return jsonify(body)


@bp.post("/tasks/<task_id>/complete")
def complete_task(task_id: str):
    body = _body()
    data = body.get("data")
    if not isinstance(data, dict):
        raise Rejected(N_("data must be a JSON object."),
                       [("data", N_("data must be a JSON object."))])
    held = Held()
    case = tasks.complete_task(g.api_user, task_id, data, _now(), _lang(),
                               expected_version=_lock_version(body), held=held)
    return jsonify(cases.case_json(g.api_user, case, held))


@bp.post("/tasks/<task_id>/claim")
def claim_task(task_id: str):
    return jsonify(tasks.task_json(tasks.claim_task(g.api_user, task_id, _now())))


@bp.post("/tasks/<task_id>/release")
def release_task(task_id: str):
    return jsonify(tasks.task_json(tasks.release_task(g.api_user, task_id, _now())))


@bp.post("/cases/<int:case_id>/attachments")
def upload(case_id: int):
    case = cases.get_case(g.api_user, case_id)
    file = request.files.get("file")
    if file is None:
        raise Rejected(N_("No file."),
                       [("file", N_("Upload the file as the multipart field file."))])
    record = attachments.store_attachment(
        g.api_user, case, file.filename or "upload", file.read(),
        current_app.config["UPLOAD_DIR"], current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024,
        _now())
    return jsonify(attachments.attachment_json(record)), 201


@bp.get("/attachments/<attachment_id>")
def download(attachment_id: str):
    record, path = attachments.open_attachment(g.api_user, attachment_id,
                                               current_app.config["UPLOAD_DIR"])
    access_log.record_attachment(g.api_user, record)
    return send_file(path, mimetype=record.content_type, as_attachment=True,
                     download_name=record.name)


@bp.get("/cases/<int:case_id>/events")
def events(case_id: int):
    case = cases.get_case(g.api_user, case_id)
    body = cases.visible_events(g.api_user, case)
    access_log.record(g.api_user, "events", case)
    return jsonify(body)


@bp.get("/cases/<int:case_id>/history")
def case_history(case_id: int):
    seq = inputs.query_int("at", None, 1, inputs.MAX_ID)
    case = cases.get_case(g.api_user, case_id)
    answer = history.history_json(g.api_user, case, seq)
    access_log.record(g.api_user, "history", case, detail=f"at {seq}" if seq else "events")
    return jsonify(answer)


@bp.post("/cases/<int:case_id>/verify")
def verify(case_id: int):
    case = cases.get_case(g.api_user, case_id)
    result = verification.verify_case(case, *_anchor_paths())
    access_log.record(g.api_user, "verify", case, "ok" if result["ok"] else "failed")
    return jsonify(result)


def _anchor_paths() -> tuple[Path, Path]:
    config = current_app.config
    return Path(config["AUDIT_ANCHOR_LOG"]), Path(config["AUDIT_SIGNING_KEY"])


@bp.get("/audit/anchors")
def audit_anchors():
    return jsonify(anchors.entries(g.api_user, Path(current_app.config["AUDIT_ANCHOR_LOG"])))


@bp.post("/audit/verify")
def audit_verify():
    body = inputs.json_body()
    jurisdiction, after = _text(body, "jurisdiction"), body.get("after")
    if not jurisdiction:
        message = N_("Choose a jurisdiction.")
        raise Rejected(message, [("jurisdiction", message)])
    return jsonify(verification.run_chunk(
        g.api_user, jurisdiction, None if after is None else inputs.json_id(after, "after"),
        _chunk_size(body.get("limit", verification.CHUNK)), *_anchor_paths()))


def _chunk_size(limit) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or \
            not 1 <= limit <= verification.MAX_CHUNK:
        message = N_("limit must be a whole number from 1 to %(most)s.")
        raise Rejected(message, [("limit", message, {"most": verification.MAX_CHUNK})],
                       most=verification.MAX_CHUNK)
    return limit
