"""The fixed forms of the web pages (log-in, registration, administration)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from app.services import accounts
from app.services.users import ROLES
from app.web import labels

REQUIRED = _l("This field is required.")


def _required():
    return DataRequired(message=REQUIRED)


def _listed():
    # keys of the database's 40-character scope columns; the service checks the rest
    return Length(max=40, message=_l("Choose a value from the list."))


def _email():
    return Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter a valid e-mail address."))


def _new_password(label) -> PasswordField:
    # Length, username and common passwords: the service's policy (app/services/passwords.py).
    return PasswordField(label, validators=[_required()],
                         description=_l("At least 10 characters; not a common password."),
                         render_kw={"autocomplete": "new-password"})


def _repeated() -> PasswordField:
    return PasswordField(_l("Repeat the password"), validators=[_required(), EqualTo(
        "password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"})


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[_required()],
                           render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("Password"), validators=[_required()],
                             render_kw={"autocomplete": "current-password"})


class RegisterForm(FlaskForm):
    organisation = StringField(
        _l("Organisation name"), validators=[_required(), Length(max=200)],
        description=_l("The operating entity of the base, as on its business licence."))
    jurisdiction = SelectField(_l("City"), validators=[_required()])
    county = SelectField(_l("County / district"), validators=[_required()], validate_choice=False)
    credit_code = StringField(
        _l("Unified social credit code"), validators=[_required()],
        description=_l("18 characters, as on the business licence."),
        render_kw={"maxlength": 18, "autocomplete": "off", "spellcheck": "false"})
    contact = StringField(_l("Contact person"), validators=[_required(), Length(max=50)],
                          render_kw={"autocomplete": "name"})
    # The service checks the number (accounts.PHONE), so the page and the service agree.
    contact_phone = StringField(_l("Contact telephone"), validators=[_required()],
                                description=_l("A mobile or fixed-line number."),
                                render_kw={"autocomplete": "tel", "inputmode": "tel",
                                           "maxlength": 20})
    email = StringField(_l("E-mail address"), validators=[Optional(), Length(max=200), _email()],
                        description=_l("Where we send a link if you forget your password."),
                        render_kw={"autocomplete": "email", "type": "email"})
    username = StringField(
        _l("Username"), validators=[_required(), Length(max=80), Regexp(
            r"^[A-Za-z0-9_]+$",
            message=_l("A username may contain only letters, digits and underscores."))],
        render_kw={"autocomplete": "username"})
    password = _new_password(_l("Password"))
    confirm = _repeated()


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[_required()],
                            render_kw={"autocomplete": "current-password"})
    password = _new_password(_l("New password"))
    confirm = _repeated()


class UserForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(r, labels.ROLES[r]) for r in ROLES],
                       validators=[_required()])
    jurisdiction = SelectField(_l("Jurisdiction"), validators=[Optional(), _listed()],
                               validate_choice=False)
    city = SelectField(_l("City within the province"), validators=[Optional(), _listed()],
                       validate_choice=False)
    county = SelectField(_l("County / district"), validators=[Optional(), _listed()],
                         validate_choice=False)
    active = BooleanField(_l("Account active (may log in)"))
    name = StringField(_l("Display name"), validators=[Optional(), Length(max=200)])
    email = StringField(_l("E-mail address"), validators=[Optional(), Length(max=200), _email()],
                        render_kw={"type": "email"})


class NewUserForm(UserForm):
    username = StringField(
        _l("Username"), validators=[_required(), Length(max=80), Regexp(
            r"^[A-Za-z0-9_]+$",
            message=_l("A username may contain only letters, digits and underscores."))],
        description=_l("The user sets a password through a one-time link shown after saving."))


class ForgotForm(FlaskForm):
    identifier = StringField(_l("Username or e-mail address"),
                             validators=[_required(), Length(max=200)],
                             render_kw={"autocomplete": "username", "autofocus": True})


class ResetForm(FlaskForm):
    password = _new_password(_l("New password"))
    confirm = _repeated()


class OverrideForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired(message=_l("Enter a valid date."))])
    kind = SelectField(_l("Kind"), choices=[
        SelectChoice("holiday", _l("Holiday (office closed)")),
        SelectChoice("workday", _l("Working day (adjusted)"))])
    note = StringField(
        _l("Note"), validators=[Length(max=200)],
        description=_l("For example: National Day holiday, per the State Council notice."))


class CalendarImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file."))],
                     description=_l("Columns date,kind,note; kind is holiday or workday."))


def fill_scope_choices(form, blank_jurisdiction: str, blank_county: str, lang: str) -> list:
    """Fill a form's jurisdiction and county selects (counties grouped by jurisdiction)."""
    found = accounts.jurisdictions()
    form.jurisdiction.choices = [SelectChoice("", blank_jurisdiction)] + [
        SelectChoice(j.key, accounts.jurisdiction_name(j, lang)) for j in found]
    form.county.choices = [SelectChoice("", blank_county)] + [
        SelectChoice(c["code"], j.county_name(c["code"], lang),
                     optgroup=accounts.jurisdiction_name(j, lang))
        for j in found for c in j.counties]
    if hasattr(form, "city"):  # the cities of multi-city (provincial) jurisdictions
        form.city.choices = [SelectChoice("", blank_county)] + [
            SelectChoice(c["code"], c["name_en"] if lang == "en" and c.get("name_en")
                         else c["name"], optgroup=accounts.jurisdiction_name(j, lang))
            for j in found for c in j.cities or []]
    return found
