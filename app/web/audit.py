"""Auditors: re-verify a case's history (hash chain, replay, anchors), step by step, and every
case of a jurisdiction (the page drives POST /api/audit/verify a chunk at a time)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from app.services import access_log, case_view, cases, verification, verify_all
from app.web import labels

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _anchor_paths() -> tuple[Path, Path]:
    config = current_app.config
    return Path(config["AUDIT_ANCHOR_LOG"]), Path(config["AUDIT_SIGNING_KEY"])


@bp.post("/cases/<int:case_id>/verify")
@login_required
def verify(case_id: int):
    case = cases.get_case(current_user, case_id)
    ok, steps = case_view.verification(current_user, case)
    anchor = verification.case_anchor(case, *_anchor_paths())
    ok = ok and not anchor["problem"]
    access_log.record(current_user, "verify", case, "ok" if ok else "failed")
    return render_template("audit/verify.html", case=case, ok=ok,
                           steps=steps, anchor=anchor, detail=labels.verify_detail)


@bp.get("/verify")
@login_required
def verify_jurisdiction():
    return render_template("audit/verify_all.html",
                           jurisdictions=verification.jurisdictions(current_user),
                           kinds=verify_all.KINDS, kind_labels=labels.VERIFY_KINDS,
                           chunk=verification.CHUNK)
