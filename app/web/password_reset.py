"""Forgotten passwords: asking for a reset link by mail, and setting a new password with it.

The answer to a request is the same whether or not the account exists."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.errors import N_, Rejected
from app.extensions import limiter
from app.services import mail, password_reset
from app.web.errors import populate_errors
from app.web.forms import ForgotForm, ResetForm
from app.web.layout import now

bp = Blueprint("password_reset", __name__, url_prefix="/password")

SENT = N_("If the account exists and has an e-mail address, we have sent it a link to set a "
          "new password. The link works once, for %(minutes)s minutes.")


def _reset_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


def send_link(user, kind: str) -> str:
    """Mail `user` a reset link of `kind` (when they have an address); return the link."""
    config = current_app.config
    token = password_reset.make_token(user, config["SECRET_KEY"], now(), kind)
    link = url_for("password_reset.reset", token=token, _external=True)
    if user.email:
        body = _("Hello %(name)s,\n\nto set a new password for the account %(username)s, open "
                 "this link:\n\n%(link)s\n\nIt works once. If you did not ask for it, ignore "
                 "this mail; your password stays as it is.",
                 name=user.name or user.username, username=user.username, link=link)
        mail.send_mail(mail.settings_from(config), user.email, _("Set a new password"), body)
    return link


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        user = password_reset.self_service_user(form.identifier.data)
        if user is not None:
            send_link(user, password_reset.SELF)
        minutes = current_app.config["PASSWORD_RESET_MINUTES"]
        flash(_(SENT, minutes=minutes), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    config = current_app.config
    secret, minutes, token = config["SECRET_KEY"], config["PASSWORD_RESET_MINUTES"], token[:200]
    try:
        user = password_reset.user_of_token(token, secret, now(), minutes)
    except Rejected as error:
        return render_template("auth/reset.html", form=None, problem=error.text(_)), 410
    form = ResetForm()
    if form.validate_on_submit():
        try:
            password_reset.reset_password(token, form.password.data, secret, now(), minutes)
            flash(_("Your new password is set. Please log in."), "success")
            return redirect(url_for("auth.login"))
        except Rejected as error:
            form.form_errors = populate_errors(form, error)
    return render_template("auth/reset.html", form=form, user=user), 422 if form.errors else 200
