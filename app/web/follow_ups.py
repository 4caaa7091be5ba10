"""Starting follow-up procedures: one on a case page, or one per chosen base (an evaluation
of many bases at once)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import Rejected
from app.services import catalog, follow_ups
from app.web.i18n import current_lang
from app.web.inputs import MAX_ID
from app.web.layout import now

bp = Blueprint("follow_ups", __name__)


@bp.post("/cases/<int:case_id>/follow-ups")
@login_required
def start(case_id: int):
    try:
        child = follow_ups.start_one(current_user, request.form.get("process", ""), case_id,
                                     now())
    except Rejected as error:
        flash(error.text(_), "error")
        return redirect(url_for("cases.show", case_id=case_id))
    flash(_("Started %(ref)s.", ref=child.ref), "success")
    return redirect(url_for("cases.show", case_id=child.id))


def _mine(key: str):
    version = next((v for v in follow_ups.my_procedures(current_user) if v.key == key), None)
    if version is None:
        abort(404)
    return version


def _chosen() -> list[int]:
    ids = [text for text in request.form.getlist("case") if text.isdigit()]
    return [int(text) for text in ids if 1 <= int(text) <= MAX_ID]


@bp.route("/follow-ups/<key>", methods=["GET", "POST"])
@login_required
def batch(key: str):
    version = _mine(key)
    results = []
    if request.method == "POST":
        chosen = _chosen()
        if not chosen:
            flash(_("Choose at least one base."), "error")
        else:
            results = [{"parent_id": r.parent_id, "child": r.child,
                        "refusal": r.error.text(_) if r.error else ""}
                       for r in follow_ups.start_many(current_user, key, chosen, now())]
            started = sum(1 for r in results if r["child"] is not None)
            flash(_("Started %(n)s of %(total)s.", n=started, total=len(results)),
                  "success" if started == len(results) else "error")
    jurisdiction = catalog.jurisdiction(version.jurisdiction)
    return render_template("follow_ups/batch.html", version=version, results=results,
                           candidates=follow_ups.candidates(current_user, version),
                           county_name=lambda code: jurisdiction.county_name(code,
                                                                             current_lang()))
