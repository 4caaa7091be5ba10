"""Nothing lost when a session ends: a task form posted after the log-in expired (or with a
page older than the session) is kept as the task's draft, then the user logs in again.

The page carries a signed token naming its user, task and login session; only a token this
server signed, for a user still allowed to work on that very task, keeps anything
(services/tasks.save_draft checks the task as for any draft).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadData, URLSafeTimedSerializer

from app.errors import AppError
from app.services import task_view, tasks, users
from app.web import taskform
from app.web.i18n import current_lang
from app.web.layout import now, safe_next, session_seconds

SALT = "task-input"
KEEPING = ("tasks.submit", "tasks.draft", "tasks.section")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def token(user, task_id: str) -> str:
    """Return the token a task page carries for its user (hidden input `keep`)."""
    return _serializer().dumps([user.id, str(task_id), user.session_nonce])


def _owner(task_id: str):
    # Valid as long as a session could last; a logout or password change ends it (nonce).
    try:
        user_id, task, nonce = _serializer().loads(
            request.form.get("keep", ""), max_age=current_app.config["SESSION_MAX_HOURS"] * 3600)
    except (BadData, ValueError, TypeError):
        return None
    if task != str(task_id):
        return None
    return users.session_user(f"{user_id}:{nonce}")


def keep_input(task_id: str) -> bool:
    """Save the posted form as the task's draft for the user its token names; return whether
    anything was kept."""
    user = _owner(task_id)
    if user is None:
        return False
    try:
        page = task_view.task_page(user, tasks.get_task(user, task_id), current_lang())
        form = taskform.from_request(page)
        tasks.save_draft(user, task_id, taskform.values(form, page), now())
    except AppError:
        return False
    return True


def _answer(task_id: str, saved: bool):
    back = url_for("tasks.show", task_id=task_id)
    logged_in = current_user.is_authenticated
    target = back if logged_in else url_for("auth.login", next=back)
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"error": _("Your session has ended."), "kept": saved,
                        "login": target}), 401
    if saved and logged_in:
        message = _("This page was older than your login, so nothing was submitted. Your input "
                    "is kept as a draft: check it and submit again.")
    elif saved:
        message = _("Your session had ended, so nothing was submitted. Your input is kept as a "
                    "draft: log in again and you return to the task with your input restored.")
    else:
        message = _("Your session had ended, so nothing was submitted. Please log in again.")
    flash(message, "warning")
    return redirect(target)


def keep_when_logged_out():
    """Before a task form's view: a post without a login keeps its input, then asks to log in."""
    if request.method != "POST" or current_user.is_authenticated or request.endpoint not in KEEPING:
        return None
    task_id = (request.view_args or {}).get("task_id", "")
    return _answer(task_id, keep_input(task_id))


def csrf_failed(_error):
    """A form whose security token failed: keep a task form's input, explain the rest."""
    if request.endpoint in KEEPING:
        task_id = (request.view_args or {}).get("task_id", "")
        return _answer(task_id, keep_input(task_id))
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"error": _("The page had expired; nothing was changed. Reload the page "
                                   "and try again.")}), 400
    return render_template("errors/expired.html", logged_in=current_user.is_authenticated,
                           minutes=session_seconds() // 60,
                           back=_same_site(request.referrer)), 400


def _same_site(url: str | None) -> str:
    parts = urlsplit(url or "")
    return safe_next(parts.path) or "" if parts.netloc == request.host else ""


def register(app) -> None:
    """Answer a failed CSRF check with the plain explanation instead of a bare 400."""
    from flask_wtf.csrf import CSRFError

    app.register_error_handler(CSRFError, csrf_failed)
