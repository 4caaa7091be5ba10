"""The JSON API of calls (申报批次): open, change and close a call, the county's batch
recommendation and summary table, the ranking and the public notice list."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from app.errors import N_, Rejected
from app.extensions import csrf
from app.services import access_log, batches, call_reports, calls, tasks
from app.web import api, inputs
from app.web.i18n import current_lang

bp = Blueprint("api_calls", __name__, url_prefix="/api/calls")
csrf.exempt(bp)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.before_request
def authenticate():
    header = request.headers.get("Authorization", "")
    if request.endpoint == "api_calls.notice" and not header:  # the public notice is public
        g.api_user = None
        return
    g.api_user = api.bearer_user(header)


@bp.get("")
def index():
    found = calls.list_calls(g.api_user, request.args.get("process") or None,
                             inputs.query_year())
    return jsonify([calls.call_json(c, api._now()) for c in found])


@bp.post("")
def open_call():
    body = inputs.json_body()
    call = calls.open_call(g.api_user, api._text(body, "process"), body, api._now())
    return jsonify(calls.call_json(call, api._now())), 201


@bp.get("/<int:call_id>")
def show(call_id: int):
    return jsonify(calls.call_json(calls.get_call(call_id), api._now()))


@bp.post("/<int:call_id>")
def edit(call_id: int):
    call = calls.edit_call(g.api_user, call_id, inputs.json_body(), api._now())
    return jsonify(calls.call_json(call, api._now()))


@bp.post("/<int:call_id>/close")
def close(call_id: int):
    return jsonify(calls.call_json(calls.close_call(g.api_user, call_id, api._now()),
                                   api._now()))


@bp.get("/<int:call_id>/batch")
def batch(call_id: int):
    found = batches.candidates(g.api_user, calls.get_call(call_id))
    return jsonify([tasks.task_json(item) for item in found])


def _task_ids(body: dict) -> list[str]:
    ids = body.get("tasks")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise Rejected(N_("tasks must be a list of task ids."),
                       [("tasks", N_("tasks must be a list of task ids."))])
    return ids


@bp.post("/<int:call_id>/recommend")
def recommend(call_id: int):
    body = inputs.json_body()
    data = body.get("data")
    if not isinstance(data, dict):
        raise Rejected(N_("data must be a JSON object."),
                       [("data", N_("data must be a JSON object."))])
    moved = batches.recommend(g.api_user, call_id, _task_ids(body), data, api._now(),
                              current_lang())
    return jsonify([{"id": case.id, "ref": case.ref, "status": case.status,
                     "stage": case.stage} for case in moved])


@bp.get("/<int:call_id>/summary.xlsx")
def summary(call_id: int):
    call = calls.get_call(call_id)
    content = call_reports.summary_xlsx(g.api_user, call, g.api_user.name or "",
                                        current_lang())
    access_log.record(g.api_user, "export", detail=f"call {call.id} summary.xlsx")
    return Response(content, mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=call-{call.id}-summary.xlsx"})


@bp.get("/<int:call_id>/ranking")
def ranking(call_id: int):
    rows = call_reports.ranking(g.api_user, calls.get_call(call_id))
    return jsonify([{"rank": place, "case_id": row.case.id, "ref": row.case.ref,
                     "subject_name": row.case.base_name, "county": row.case.county,
                     "scores": row.scores, "average": row.average}
                    for place, row in enumerate(rows, start=1)])


@bp.get("/<int:call_id>/notice")
def notice(call_id: int):
    return jsonify(call_reports.notice_json(calls.get_call(call_id), api._now(),
                                            current_lang()))
