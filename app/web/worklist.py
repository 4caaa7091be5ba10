"""The worklist: my claimed tasks and the tasks of my lane and scope I can claim."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.services import worklist as worklist_service
from app.web.i18n import current_lang
from app.web.layout import now

bp = Blueprint("worklist", __name__)

HOME = {"applicant": "applicant.index", "county": "worklist.index", "city": "worklist.index",
        "province": "worklist.index", "expert": "worklist.index", "auditor": "cases.index",
        "designer": "processes.index", "admin": "admin.users"}
FILTERS = ("process", "stage", "county", "due")


@bp.get("/")
@login_required
def home():
    return redirect(url_for(HOME.get(current_user.role, "cases.index")))


@bp.get("/worklist")
@login_required
def index():
    if current_user.role == "applicant":  # its own home lists what is asked of it
        return redirect(url_for("applicant.index"))
    filters = {k: request.args.get(k, "") for k in FILTERS}
    sort = request.args.get("sort", "due")
    page = worklist_service.worklist(current_user, now(), sort=sort, lang=current_lang(),
                                     after=request.args.get("after"),
                                     before=request.args.get("before"), **filters)
    return render_template("worklist/index.html", page=page, filters=filters, sort=sort,
                           now=now(), page_size=worklist_service.PAGE_SIZE)
