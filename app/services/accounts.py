"""Accounts as the web pages need them: applicant registration, scope names, look-ups."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app import formdefs
from app.errors import N_, NotFound, Rejected
from app.extensions import db
from app.models import Jurisdiction, User
from app.services import users

# A mobile or fixed-line number, with area code and separators as people write them.
PHONE = re.compile(r"[0-9()+ -]{7,20}")
BAD_PHONE = N_("Enter a telephone number: 7 to 20 digits; an area code, spaces and - are "
               "allowed.")
BAD_CODE = N_("Invalid unified social credit code (check the 18 characters and the check digit).")


def get_user(user_id: int) -> User | None:
    """Return the user with id `user_id`, or None."""
    return db.session.get(User, user_id)


def get_user_or_404(user_id: int) -> User:
    """Return the user with id `user_id`; raise NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(N_("No such user."))
    return user


def jurisdictions() -> list[Jurisdiction]:
    """Return every jurisdiction, by key."""
    return list(db.session.scalars(sa.select(Jurisdiction).order_by(Jurisdiction.key)))


def jurisdiction_name(record: Jurisdiction | None, lang: str = "zh") -> str:
    """Return the jurisdiction's name in `lang` ("" for none)."""
    if record is None:
        return ""
    return record.name_en if lang == "en" and record.name_en else record.name


def scope_text(user: User, lang: str = "zh") -> str:
    """Return "City · County" of the user's scope, "" when it has none."""
    if not user.jurisdiction:
        return ""
    record = db.session.get(Jurisdiction, user.jurisdiction)
    if record is None:
        return user.jurisdiction
    parts = [jurisdiction_name(record, lang), record.county_name(user.county, lang)
             if user.county else ""]
    return " · ".join(p for p in parts if p)


def _scope_reasons(jurisdiction: str, county: str) -> list:
    record = db.session.get(Jurisdiction, jurisdiction or "")
    if record is None:
        return [("jurisdiction", N_("Choose the city where the base is located."))]
    if county not in {c["code"] for c in record.counties}:
        return [("county", N_("Choose a county or district of the chosen city."))]
    return []


def register_applicant(organisation: str, jurisdiction: str, county: str, credit_code: str,
                       contact: str, username: str, password: str,
                       contact_phone: str = "", email: str = "") -> User:
    """Create an applicant account for an organisation; return it. Raise Rejected."""
    code = (credit_code or "").strip().upper()
    reasons = _scope_reasons(jurisdiction, county)
    if not organisation.strip():
        reasons.append(("organisation", N_("Enter the name of the organisation.")))
    if not contact.strip():
        reasons.append(("contact", N_("Enter the contact person.")))
    if not PHONE.fullmatch((contact_phone or "").strip()):
        reasons.append(("contact_phone", BAD_PHONE))
    reasons += users.account_problems(username.strip(), password, self_registered=True)
    if reasons:
        if not formdefs.credit_code_valid(code):
            reasons.append(("credit_code", BAD_CODE))
        raise Rejected(N_("Please correct the registration details."), reasons)
    user, _token = users.create_user(username.strip(), "applicant", jurisdiction, county,
                                     password, name=organisation.strip(), credit_code=code,
                                     contact=contact.strip(),
                                     contact_phone=contact_phone.strip(), email=email or "")
    return user
