"""What every page shares: login set-up, navigation by role, date and size filters."""

from __future__ import annotations

import datetime as dt
import time
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, request, session
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.calendar import SHANGHAI
from app.errors import N_
from app.extensions import login
from app.services import accounts, calendar_days, paging, task_deadlines, users
from app.web import labels
from app.web.i18n import current_lang

# (endpoint, label, roles that see it)
NAV = [
    ("applicant.index", _l("My applications"), ("applicant",)),
    ("worklist.index", _l("Worklist"), ("county", "city", "province", "expert")),
    ("cases.index", _l("Cases"),
     ("applicant", "county", "city", "province", "expert", "auditor", "admin")),
    ("processes.index", _l("Procedures"), ("designer", "admin", "auditor")),
    ("titles.index", _l("Registry of titles"), ("county", "city", "province", "auditor", "admin")),
    ("audit.verify_jurisdiction", _l("Verification"), ("auditor", "admin")),
    ("calls.index", _l("Calls"), ("county", "city", "province")),
    ("oversight.index", _l("Oversight"), ("city", "province", "auditor", "admin")),
    ("admin.users", _l("Users"), ("admin",)),
    ("admin.calendar", _l("Working-day calendar"), ("admin",)),
    ("access_journal.index", _l("Access log"), ("auditor", "admin")),
]


def now() -> dt.datetime:
    """Return the current instant (UTC)."""
    return dt.datetime.now(dt.timezone.utc)


def _local(value):
    if isinstance(value, str):
        try:
            parse = dt.datetime.fromisoformat if "T" in value else dt.date.fromisoformat
            value = parse(value)
        except ValueError:
            return None
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
        return aware.astimezone(SHANGHAI)
    return value


def format_date(value) -> str:
    """Return YYYY-MM-DD (Asia/Shanghai) of a date, datetime or ISO string; "" for none."""
    local = _local(value)
    return local.strftime("%Y-%m-%d") if local else ""


def format_datetime(value) -> str:
    """Return YYYY-MM-DD HH:MM (Asia/Shanghai)."""
    local = _local(value)
    if isinstance(local, dt.datetime):
        return local.strftime("%Y-%m-%d %H:%M")
    return format_date(local)


def due_label(value) -> str:
    """Return the last day of a deadline instant: an end-of-day 00:00 counts as the day before."""
    local = _local(value)
    if isinstance(local, dt.datetime) and local.time() == dt.time(0):
        local -= dt.timedelta(minutes=1)
    return format_date(local)


def format_size(size) -> str:
    """Return a file size as "12 KB" / "3.4 MB"."""
    size = int(size or 0)
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _known():
    """The calendar overrides, read once per request."""
    if "calendar_overrides" not in g:
        g.calendar_overrides = calendar_days.overrides()
    return g.calendar_overrides


def due_state(due_at, at: dt.datetime | None = None) -> str:
    """Return "overdue", "soon" (within 3 working days) or "" for a deadline."""
    state = deadline(due_at, at).state
    return state if state in ("overdue", "soon") else ""


def working_days_left(due_at, at: dt.datetime | None = None) -> int:
    """Return the working days left until a deadline, negative once overdue (see
    calendar_days.working_days_left)."""
    return calendar_days.working_days_left(due_at, at or now(), _known())


def deadline(due_at, at: dt.datetime | None = None, rule: str = "") -> task_deadlines.Deadline:
    """Return a deadline as the pages show it (task_deadlines.deadline)."""
    return task_deadlines.deadline(due_at, at or now(), rule, _known())


def due_rule(item) -> str:
    """Return the rule that sets a work item's deadline, in the page's language."""
    return task_deadlines.rule_of(item, current_lang())


def safe_next(target: str | None) -> str | None:
    """Return `target` when it is a local path (no open redirects), else None."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _nav():
    if not current_user.is_authenticated:
        return []
    return [(endpoint, label) for endpoint, label, roles in NAV if current_user.role in roles]


def _scope() -> str:
    if not current_user.is_authenticated:
        return ""
    return accounts.scope_text(current_user, current_lang())


def _context() -> dict:
    return {"nav": _nav(), "scope_text": _scope(), "lang": current_lang(),
            "endpoint": request.endpoint or ""}


def _load_user(session_id: str):
    # Refuses disabled users and sessions ended by logout or a password change.
    return users.session_user(session_id)


def session_seconds() -> int:
    """Return the idle timeout of a login session in seconds (SESSION_MINUTES)."""
    return int(current_app.permanent_session_lifetime.total_seconds())


def fresh_session(logging_in: bool) -> None:
    """Clear the session: nothing of the previous user (e.g. unread messages) reaches the
    next one; keep the language; when `logging_in`, start the absolute lifetime."""
    lang = session.get("lang")
    session.clear()
    session.permanent = True
    if logging_in:
        session["login_at"] = int(time.time())
    if lang:
        session["lang"] = lang


def _session_expired() -> bool:
    started = session.get("login_at")
    limit = current_app.config["SESSION_MAX_HOURS"] * 3600
    return not isinstance(started, int) or time.time() - started > limit


def _keep_session_alive() -> None:
    # PERMANENT_SESSION_LIFETIME is an idle timeout: every request renews the cookie, up to
    # SESSION_MAX_HOURS after the log-in.
    session.permanent = True
    if "_user_id" in session and _session_expired():
        fresh_session(logging_in=False)
        flash(gettext("Your session has ended. Please log in again."), "info")


def register(app: Flask) -> None:
    """Install login handling, template helpers and the idle session timeout."""
    login.login_view = "auth.login"
    login.login_message = N_("Please log in to continue.")
    login.login_message_category = "info"
    login.localize_callback = gettext
    login.user_loader(_load_user)
    app.before_request(_keep_session_alive)
    app.context_processor(_context)
    app.jinja_env.globals.update(labels=labels, due_state=due_state,
                                 session_seconds=session_seconds,
                                 working_days_left=working_days_left,
                                 deadline=deadline, due_rule=due_rule,
                                 subject_word=labels.subject_word)
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(due_label, "due")
    app.add_template_filter(format_size, "filesize")
    app.add_template_filter(paging.count_label, "capped")
