"""The applicant's start page: apply, follow its applications, answer what is asked."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import Rejected
from app.services import applicant
from app.web.i18n import current_lang
from app.web.layout import now

bp = Blueprint("applicant", __name__, url_prefix="/applicant")


@bp.before_request
@login_required
def only_applicants():
    if current_user.role != "applicant":
        abort(403)


@bp.get("/")
def index():
    page = applicant.home(current_user, current_lang())
    return render_template("applicant/index.html", page=page, now=now())


@bp.post("/start")
def start():
    process = request.form.get("process", "")
    try:
        case, task_id = applicant.start_application(current_user, process, now())
    except Rejected as error:  # e.g. the base still holds this title: say so on its home page
        flash(error.text(_), "error")
        return redirect(url_for("applicant.index"))
    flash(_("Application %(ref)s opened. Fill in the application form and submit it.",
            ref=case.ref), "success")
    if task_id:
        return redirect(url_for("tasks.show", task_id=task_id))
    return redirect(url_for("cases.show", case_id=case.id))
