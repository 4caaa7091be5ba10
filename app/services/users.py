"""Users: creation, passwords, API tokens, applicant registration, demo users."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from app import formdefs
from app.errors import N_, Rejected
from app.extensions import db
from app.models import User
from app.services import transaction

ROLES = ("applicant", "county", "city", "expert", "auditor", "designer", "admin")
SCOPED_ROLES = {"applicant": ("jurisdiction", "county"), "county": ("jurisdiction", "county"),
                "city": ("jurisdiction",), "expert": ("jurisdiction",)}


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _validate_scope(role: str, jurisdiction, county) -> list:
    reasons = []
    if role not in ROLES:
        reasons.append(("role", N_("Role must be one of: %(roles)s."), {"roles": ", ".join(ROLES)}))
    scope = {"jurisdiction": jurisdiction, "county": county}
    for needed in SCOPED_ROLES.get(role, ()):
        if not scope[needed]:
            reasons.append((needed, N_("This role needs a county.") if needed == "county"
                            else N_("This role needs a jurisdiction.")))
    return reasons


def _validate(username: str, role: str, jurisdiction, county, password) -> list:
    reasons = []
    if not username or len(username) > 80 or not username.replace("_", "").isalnum():
        reasons.append(("username", N_("A username may contain only letters, digits and "
                                       "underscores.")))
    elif db.session.scalars(sa.select(User).where(User.username == username)).first():
        reasons.append(("username", N_("This username is already taken.")))
    if password is not None and len(password) < 8:
        reasons.append(("password", N_("The password must have at least 8 characters.")))
    return reasons + _validate_scope(role, jurisdiction, county)


def create_user(username: str, role: str, jurisdiction: str | None = None,
                county: str | None = None, password: str | None = None, name: str = "",
                credit_code: str | None = None, contact: str = "") -> tuple[User, str]:
    """Create a user; return (user, API token). Raise Rejected on bad input."""
    reasons = _validate(username, role, jurisdiction, county, password)
    if credit_code is not None and not formdefs.credit_code_valid(credit_code):
        reasons.append(("credit_code", N_("Invalid unified social credit code (check the 18 "
                                          "characters and the check digit).")))
    if reasons:
        raise Rejected(N_("Please correct the user details."), reasons)
    credit_code = formdefs.normalise_credit_code(credit_code) if credit_code else None
    token = secrets.token_urlsafe(32)
    user = User(username=username, role=role, jurisdiction=jurisdiction, county=county,
                name=name or username, credit_code=credit_code, contact=contact,
                password_hash=generate_password_hash(password or secrets.token_urlsafe(16)),
                token_hash=_token_hash(token))
    with transaction():
        db.session.add(user)
    return user, token


def issue_token(user: User) -> str:
    """Give `user` a new API token (the previous one stops working); return the token."""
    token = secrets.token_urlsafe(32)
    with transaction():
        user.token_hash = _token_hash(token)
    return token


def authenticate(username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = db.session.scalars(sa.select(User).where(User.username == username)).first()
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user


def user_for_token(token: str) -> User | None:
    """Return the active user holding API token `token`, or None."""
    user = db.session.scalars(sa.select(User).where(User.token_hash == _token_hash(token))).first()
    return user if user is not None and user.active else None


def list_users(role: str | None = None, jurisdiction: str | None = None) -> list[User]:
    """Return users, filtered by role and jurisdiction."""
    query = sa.select(User).order_by(User.jurisdiction, User.role, User.username)
    if role:
        query = query.where(User.role == role)
    if jurisdiction:
        query = query.where(User.jurisdiction == jurisdiction)
    return list(db.session.scalars(query))


def update_user(user_id: int, role: str, jurisdiction, county, active: bool) -> User:
    """Change a user's role, scope and whether they may log in; raise Rejected."""
    user = db.session.get(User, user_id)
    reasons = _validate_scope(role, jurisdiction, county)
    if reasons:
        raise Rejected(N_("Please correct the user details."), reasons)
    with transaction():
        user.role, user.jurisdiction, user.county, user.active = role, jurisdiction, county, active
    return user
