"""The task page: the generated form, drafts, claiming and releasing, submitting."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import Conflict, Rejected
from app.services import access_log, replacement, task_view, tasks
from app.web import kept, taskform
from app.web.i18n import current_lang
from app.web.layout import format_datetime, now, safe_next

bp = Blueprint("tasks", __name__, url_prefix="/tasks")
bp.before_request(kept.keep_when_logged_out)


def _page(task_id: str) -> task_view.TaskPage:
    return task_view.task_page(current_user, tasks.get_task(current_user, task_id), current_lang(),
                               now())


def _render(page, form, status: int = 200, problem: str = "", seen: str | None = None,
            section: str | None = None):
    seen = seen or tasks.seen_digest(current_user, page.case)
    return render_template("tasks/show.html", page=page, form=form, now=now(), problem=problem,
                           status=status, seen=seen, errors=taskform.error_list(form, page),
                           section=section or request.args.get("section"),
                           keep=kept.token(current_user, page.item.id)), status


@bp.get("/<task_id>")
@login_required
def show(task_id: str):
    page = _page(task_id)
    access_log.record(current_user, "case", page.case, f"task {page.item.name}")
    return _render(page, taskform.for_display(page))


def _after_submit(case):
    flash(_("Submitted. Case %(ref)s is now at: %(stage)s.", ref=case.ref,
            stage=case.stage or _("finished")), "success")
    home = "applicant.index" if current_user.role == "applicant" else "worklist.index"
    return redirect(url_for(home))


@bp.post("/<task_id>")
@login_required
def submit(task_id: str):
    page = _page(task_id)
    form = taskform.from_request(page)
    if not form.validate_on_submit():
        return _render(page, form, 422, _("Please correct the marked fields."), taskform.seen())
    try:
        case = tasks.complete_task(current_user, task_id, taskform.values(form, page), now(),
                                   current_lang(), expected_seen=taskform.seen())
    except Rejected as error:
        return _render(page, form, 422, " ".join(taskform.apply_reasons(form, error))
                       or error.text(_), taskform.seen())
    except Conflict as error:
        return _render(_page(task_id), form, 409, error.text(_))
    return _after_submit(case)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/<task_id>/draft")
@login_required
def draft(task_id: str):
    page = _page(task_id)
    form = taskform.from_request(page)
    item = tasks.save_draft(current_user, task_id, taskform.values(form, page), now())
    if _wants_json():  # the page's automatic saving
        return jsonify({"saved_at": format_datetime(now())[-5:], "task": item.id})
    flash(_("Draft saved. You can continue later; nothing was submitted."), "success")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.post("/<task_id>/section")
@login_required
def section(task_id: str):
    """下一步: check one section, keep the whole input as the draft, go on or show the errors."""
    name = request.form.get("next_section", "")
    page = _page(task_id)
    form = taskform.from_request(page)
    tasks.save_draft(current_user, task_id, taskform.values(form, page), now())
    try:
        problems = taskform.check_section(form, page, name)
    except KeyError:
        return redirect(url_for("tasks.show", task_id=task_id))
    if problems:
        return _render(page, form, 422, _("Please correct this section before going on."),
                       taskform.seen(), section=name)
    following = taskform.next_section(page, name) or name
    return redirect(url_for("tasks.show", task_id=task_id, section=following,
                            _anchor=f"section-{following}"))


def _refusal(error: Rejected | Conflict) -> str:
    reasons = error.by_field(_).values() if isinstance(error, Rejected) else []
    return " ".join(m for messages in reasons for m in messages) or error.text(_)


@bp.post("/<task_id>/reassign")
@login_required
def reassign(task_id: str):
    try:
        item, expert = replacement.replace_expert(
            current_user, task_id, request.form.get("assignee", ""),
            request.form.get("reason", ""), now())
    except (Rejected, Conflict) as error:
        flash(_refusal(error), "error")
        return redirect(url_for("cases.show", case_id=tasks.get_task(current_user, task_id)
                                .case_id))
    flash(_("“%(task)s” of case %(ref)s is now assigned to %(name)s.", task=item.title,
            ref=item.case.ref, name=expert.name or expert.username), "success")
    return redirect(url_for("cases.show", case_id=item.case_id))


@bp.post("/<task_id>/claim")
@login_required
def claim(task_id: str):
    item = tasks.claim_task(current_user, task_id, now())
    flash(_("You claimed “%(task)s” of case %(ref)s.", task=item.title, ref=item.case.ref),
          "success")
    return redirect(safe_next(request.form.get("next")) or url_for("worklist.index"))


@bp.post("/<task_id>/release")
@login_required
def release(task_id: str):
    item = tasks.release_task(current_user, task_id, now())
    flash(_("You released “%(task)s” of case %(ref)s.", task=item.title, ref=item.case.ref), "info")
    return redirect(safe_next(request.form.get("next")) or url_for("worklist.index"))
