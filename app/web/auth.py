"""Log-in, log-out, applicant registration and the language switch."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user

from app.errors import Rejected
from app.services import accounts, users
from app.web.errors import populate_errors
from app.web.forms import LoginForm, RegisterForm, fill_scope_choices
from app.web.i18n import LANGUAGES, current_lang
from app.web.layout import safe_next

bp = Blueprint("auth", __name__)


def _fresh_session() -> None:
    # Nothing of the previous user (e.g. unread messages) may reach the next one.
    lang = session.get("lang")
    session.clear()
    session.permanent = True
    if lang:
        session["lang"] = lang


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = users.authenticate(form.username.data.strip(), form.password.data)
        if user is not None:
            _fresh_session()
            login_user(user)
            flash(_("Welcome, %(name)s.", name=user.name or user.username), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("worklist.home"))
        form.password.errors = [_("Wrong username or password, or the account is disabled.")]
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    _fresh_session()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


def _register_choices(form: RegisterForm) -> None:
    choose = _("Choose…")
    found = fill_scope_choices(form, choose, choose, current_lang())
    form.county_groups = {j.key: [c["code"] for c in j.counties] for j in found}


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    _register_choices(form)
    if form.validate_on_submit():
        try:
            accounts.register_applicant(**{k: form[k].data for k in (
                "organisation", "jurisdiction", "county", "credit_code", "contact",
                "username", "password")})
            flash(_("Your organisation is registered. Please log in."), "success")
            return redirect(url_for("auth.login"))
        except Rejected as error:
            form.form_errors = populate_errors(form, error)
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.get("/language/<lang>")
def language(lang: str):
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(safe_next(request.args.get("next")) or url_for("worklist.home"))
