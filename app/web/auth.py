"""Log-in, log-out, applicant registration and the language switch."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.errors import Rejected
from app.extensions import limiter
from app.services import accounts, users
from app.web.errors import populate_errors
from app.web.forms import LoginForm, PasswordForm, RegisterForm, fill_scope_choices
from app.web.i18n import LANGUAGES, current_lang
from app.web.layout import fresh_session, now, safe_next, session_seconds

bp = Blueprint("auth", __name__)


def _limit(name: str):
    return lambda: current_app.config[name]


def _authenticate(form: LoginForm):
    config = current_app.config
    return users.authenticate(form.username.data.strip(), form.password.data, now(),
                              config["LOGIN_MAX_FAILURES"], config["LOGIN_LOCK_MINUTES"])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_limit("LOGIN_RATE_LIMIT"), methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = _authenticate(form)
        if user is not None:
            fresh_session(logging_in=True)
            login_user(user)
            flash(_("Welcome, %(name)s.", name=user.name or user.username), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("worklist.home"))
        # One answer for every failure: it must not tell which accounts exist.
        form.password.errors = [_failed_message()]
    return render_template("auth/login.html", form=form)


def _failed_message() -> str:
    """One answer for every failure, saying what a locked-out official can do next."""
    minutes = current_app.config["LOGIN_LOCK_MINUTES"]
    if not minutes:
        return _("Wrong username or password, or the account is disabled or locked after too "
                 "many failed attempts. An administrator can unlock a locked account.")
    return _("Wrong username or password, or the account is disabled or locked after too many "
             "failed attempts. A locked account opens again after %(minutes)s minutes, or ask "
             "your administrator.", minutes=minutes)


@bp.errorhandler(429)
def too_many_attempts(_error):
    flash(_("Too many attempts from your address. Wait a few minutes and try again."), "error")
    if request.endpoint == "auth.register":
        form = RegisterForm()
        _register_choices(form)
        return render_template("auth/register.html", form=form), 429
    return render_template("auth/login.html", form=LoginForm()), 429


@bp.post("/logout")
@login_required
def logout():
    users.end_sessions(current_user._get_current_object())
    logout_user()
    fresh_session(logging_in=False)
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            users.change_password(user, form.current.data, form.password.data)
            fresh_session(logging_in=True)  # the other sessions end, this one goes on
            login_user(user)
            flash(_("Your password is changed; your other sessions have ended."), "success")
            return redirect(url_for("worklist.home"))
        except Rejected as error:
            form.form_errors = populate_errors(form, error)
    return render_template("auth/password.html", form=form), 422 if form.errors else 200


def _register_choices(form: RegisterForm) -> None:
    choose = _("Choose…")
    found = fill_scope_choices(form, choose, choose, current_lang())
    form.county_groups = {j.key: [c["code"] for c in j.counties] for j in found}


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_limit("REGISTER_RATE_LIMIT"), methods=["POST"])
def register():
    form = RegisterForm()
    _register_choices(form)
    if form.validate_on_submit():
        try:
            accounts.register_applicant(**{k: form[k].data for k in (
                "organisation", "jurisdiction", "county", "credit_code", "contact", "contact_phone",
                "username", "password", "email")})
            flash(_("Your organisation is registered. Please log in."), "success")
            return redirect(url_for("auth.login"))
        except Rejected as error:
            form.form_errors = populate_errors(form, error)
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.post("/session/renew")
def renew():
    """续期: the page's button; any request renews the idle timeout (layout), this one says so."""
    if not current_user.is_authenticated:
        return jsonify({"error": _("Your session has ended. Please log in again.")}), 401
    return jsonify({"seconds": session_seconds()})


@bp.get("/language/<lang>")
def language(lang: str):
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(safe_next(request.args.get("next")) or url_for("worklist.home"))
