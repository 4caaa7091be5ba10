"""Auditors: re-verify a case's history (hash chain and replay), step by step."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from app.services import access_log, case_view, cases
from app.web import labels

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.post("/cases/<int:case_id>/verify")
@login_required
def verify(case_id: int):
    case = cases.get_case(current_user, case_id)
    ok, steps = case_view.verification(current_user, case)
    access_log.record(current_user, "verify", case, "ok" if ok else "failed")
    return render_template("audit/verify.html", case=case, ok=ok, steps=steps,
                           detail=labels.verify_detail)
