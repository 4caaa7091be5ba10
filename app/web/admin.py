"""Administration: users with their role and scope, the working-day calendar."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import N_, Rejected
from app.services import accounts, calendar_days, calendar_view, password_reset, users
from app.web import inputs
from app.web.errors import populate_errors
from app.web.forms import (
    CalendarImportForm,
    NewUserForm,
    OverrideForm,
    UserForm,
    fill_scope_choices,
)
from app.web.i18n import current_lang
from app.web.layout import now
from app.web.password_reset import send_link

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def only_administrators():
    if current_user.role != "admin":
        abort(403)


def _locked(user) -> bool:
    return users.is_locked(user, now(), current_app.config["LOGIN_LOCK_MINUTES"])


@bp.get("/users", endpoint="users")
def users_index():
    role, jurisdiction = request.args.get("role") or None, request.args.get("jurisdiction") or None
    q = request.args.get("q", "").strip()[:100]
    return render_template("admin/users.html", users=users.list_users(role, jurisdiction, q),
                           jurisdictions=accounts.jurisdictions(), role=role,
                           jurisdiction=jurisdiction, q=q, locked=_locked)


@bp.route("/users/new", methods=["GET", "POST"], endpoint="users_new")
def user_new():
    form = NewUserForm()
    _scope_choices(form)
    if form.validate_on_submit():
        try:
            user, _token = users.create_user(
                form.username.data.strip(), form.role.data, form.jurisdiction.data or None,
                form.county.data or None, name=form.name.data.strip(),
                city=form.city.data or None, email=form.email.data or "")
            return _link_page(user, created=True)
        except Rejected as error:
            form.form_errors = populate_errors(form, error)
    return render_template("admin/user_new.html", form=form), 422 if form.errors else 200


def _link_page(user, created: bool = False):
    """Show the one-time link that sets `user`'s password (mailed too when they have an
    address): the administrator never learns nor chooses the password."""
    link = send_link(user, password_reset.ADMIN)
    response = make_response(render_template("admin/reset_link.html", user=user, link=link,
                                             created=created,
                                             hours=password_reset.ADMIN_LINK_HOURS))
    response.headers["Cache-Control"] = "no-store"  # the link sets a password
    return response


@bp.post("/users/<int:user_id>/reset", endpoint="users_reset")
def user_reset(user_id: int):
    return _link_page(accounts.get_user_or_404(user_id))


@bp.post("/users/<int:user_id>/unlock", endpoint="users_unlock")
def user_unlock(user_id: int):
    user = users.unlock_user(user_id)
    flash(_("User %(name)s may log in again.", name=user.username), "success")
    return redirect(url_for("admin.users_edit", user_id=user.id))


def _scope_choices(form: UserForm) -> None:
    fill_scope_choices(form, _("None (all)"), _("None"), current_lang())


@bp.route("/users/<int:user_id>", methods=["GET", "POST"], endpoint="users_edit")
def user_edit(user_id: int):
    user = accounts.get_user_or_404(user_id)
    form = UserForm(obj=user)
    _scope_choices(form)
    if form.validate_on_submit():
        try:
            users.update_user(user.id, form.role.data, form.jurisdiction.data or None,
                              form.county.data or None, form.active.data,
                              city=form.city.data or None, **_sent(form, "name", "email"))
            flash(_("User %(name)s updated.", name=user.username), "success")
            return redirect(url_for("admin.users"))
        except Rejected as error:
            form.form_errors = populate_errors(form, error)
    return render_template("admin/user.html", user=user, form=form,
                           locked=_locked(user)), 422 if form.errors else 200


def _sent(form, *names: str) -> dict:
    """The fields of `form` the request carries (an older client may send fewer)."""
    return {name: form[name].data or "" for name in names if name in request.form}


def _year() -> int:
    return inputs.query_year() or now().year


def _calendar_page(form=None, import_form=None, status: int = 200):
    year = _year()
    return render_template("admin/calendar.html", view=calendar_view.year_view(year),
                           form=form or OverrideForm(), import_form=import_form or
                           CalendarImportForm(), year=year), status


@bp.get("/calendar")
def calendar():
    return _calendar_page()


@bp.post("/calendar/overrides")
def calendar_add():
    form = OverrideForm()
    if not form.validate_on_submit():
        return _calendar_page(form=form, status=422)
    calendar_days.set_override(form.day.data, form.kind.data == "workday", form.note.data.strip())
    flash(_("Override for %(day)s saved.", day=form.day.data.isoformat()), "success")
    return redirect(url_for("admin.calendar", year=form.day.data.year))


@bp.post("/calendar/overrides/<day>/delete")
def calendar_remove(day: str):
    try:
        parsed = dt.date.fromisoformat(day)
    except ValueError:
        abort(404)
    calendar_days.remove_override(parsed)
    flash(_("Override for %(day)s removed.", day=day), "info")
    return redirect(url_for("admin.calendar", year=parsed.year))


def _csv_text(file) -> str:
    try:
        return file.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Rejected(N_(
            "The file is not UTF-8 text. Save the CSV as UTF-8 and try again.")) from None


def _line_problems(error: Rejected) -> list[tuple[str, str]]:
    found = []
    for where, messages in error.by_field(_).items():
        label = _("Line %(n)s", n=where[5:]) if where.startswith("line ") else ""
        found += [(label, m) for m in messages]
    return found


@bp.post("/calendar/import")
def calendar_import():
    form = CalendarImportForm()
    if form.validate_on_submit():
        try:
            count = calendar_days.import_overrides(_csv_text(form.file.data))
            flash(_("%(n)s official days imported.", n=count), "success")
            return redirect(url_for("admin.calendar", year=_year()))
        except Rejected as error:
            form.file.errors = [error.text(_)]
            form.problems = _line_problems(error)
    return _calendar_page(import_form=form, status=422)
