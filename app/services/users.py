"""Users: creation, passwords, log-in with lockout, sessions, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

import sqlalchemy as sa

from app import formdefs
from app.errors import N_, NotFound, Rejected
from app.extensions import db
from app.models import Jurisdiction, User, new_session_nonce
from app.services import passwords, plain_rows, reference, row_reads, transaction

ROLES = ("applicant", "county", "city", "province", "expert", "auditor", "designer", "admin")
SCOPED_ROLES = {"applicant": ("jurisdiction", "county"), "county": ("jurisdiction", "county"),
                "city": ("jurisdiction",), "province": ("jurisdiction",),
                "expert": ("jurisdiction",)}
USERNAME = re.compile(r"[A-Za-z0-9_]{1,80}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Names an applicant could use to pass for the administration; refused like taken ones.
RESERVED = frozenset({"admin", "administrator", "root", "system", "support", "official"})
UNAVAILABLE = N_("This username cannot be used. Choose another one.")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _named(username: str) -> User | None:
    return db.session.scalars(sa.select(User).where(
        sa.func.lower(User.username) == username.lower())).first()


def _validate_scope(role: str, jurisdiction, county, city=None) -> list:
    reasons = []
    if role not in ROLES:
        reasons.append(("role", N_("Role must be one of: %(roles)s."), {"roles": ", ".join(ROLES)}))
    scope = {"jurisdiction": jurisdiction, "county": county}
    for needed in SCOPED_ROLES.get(role, ()):
        if not scope[needed]:
            reasons.append((needed, N_("This role needs a county.") if needed == "county"
                            else N_("This role needs a jurisdiction.")))
    record = db.session.get(Jurisdiction, jurisdiction) if jurisdiction else None
    if record is not None:  # a jurisdiction not loaded yet cannot be checked
        reasons += _division_problems(record, role, county, city)
    return reasons


def _division_problems(record: Jurisdiction, role: str, county, city) -> list:
    """An official's scope must be a division of the jurisdiction at the official's level."""
    counties = {c["code"] for c in record.counties or []}
    cities = {c["code"] for c in record.cities or []}
    level = (record.division or {}).get("level", "city")
    if county and county not in counties:
        return [("county", N_("%(value)s is not a county or district of this jurisdiction."),
                 {"value": county})]
    if city and (role != "city" or city not in cities):
        return [("city", N_("%(value)s is not a city of this jurisdiction, or the role is not "
                            "a city official."), {"value": city})]
    if role == "city" and cities and not city:
        return [("city", N_("A city official of a multi-city jurisdiction needs a city."))]
    if role == "city" and level != "city" and not cities:
        return [("role", N_("This jurisdiction has no city level."))]
    if role == "province" and level != "province":
        return [("role", N_("This jurisdiction has no province level."))]
    return []


def account_problems(username: str, password: str | None, policy: bool = True,
                     self_registered: bool = False) -> list:
    """Return the reasons why a new account may not have this username and password.

    Reserved names are refused to those who register themselves (an operator may create
    `admin`). A taken name gets the same answer as a reserved one: registration must not
    tell which accounts exist."""
    reasons = []
    if not USERNAME.fullmatch(username or ""):
        reasons.append(("username", N_("A username may contain only letters, digits and "
                                       "underscores.")))
    elif _named(username) is not None or (self_registered and username.lower() in RESERVED):
        reasons.append(("username", UNAVAILABLE))
    if password is not None and policy:
        reasons += passwords.problems(password, username or "")
    return reasons


def create_user(username: str, role: str, jurisdiction: str | None = None,
                county: str | None = None, password: str | None = None, name: str = "",
                credit_code: str | None = None, contact: str = "",
                contact_phone: str | None = None, policy: bool = True,
                city: str | None = None, email: str = "") -> tuple[User, str]:
    """Create a user; return (user, API token). Raise Rejected on bad input.

    `policy=False` skips the password policy: only for the demo users."""
    reasons = account_problems(username, password, policy)
    reasons += _validate_scope(role, jurisdiction, county, city)
    if credit_code is not None and not formdefs.credit_code_valid(credit_code):
        reasons.append(("credit_code", N_("Invalid unified social credit code (check the 18 "
                                          "characters and the check digit).")))
    if reasons:
        raise Rejected(N_("Please correct the user details."), reasons)
    credit_code = formdefs.normalise_credit_code(credit_code) if credit_code else None
    token = secrets.token_urlsafe(32)
    user = User(username=username, role=role, jurisdiction=jurisdiction, county=county, city=city,
                name=name or username, credit_code=credit_code, contact=contact,
                contact_phone=contact_phone, email=email.strip(),
                password_hash=passwords.hash_password(password or secrets.token_urlsafe(16)),
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


def is_locked(user: User, now: dt.datetime, lock_minutes: int) -> bool:
    """Return whether too many failed log-ins lock the account at `now` (0 minutes: until
    an administrator unlocks it)."""
    if user.locked_at is None:
        return False
    return not lock_minutes or now < user.locked_at + dt.timedelta(minutes=lock_minutes)


def _count_failure(user: User, now: dt.datetime, max_failures: int) -> None:
    with transaction():
        # Counted in the database, so every worker process sees the same count.
        db.session.execute(sa.update(User).where(User.id == user.id).values(
            failed_logins=User.failed_logins + 1))
        db.session.refresh(user)
        if max_failures and user.failed_logins >= max_failures:
            user.locked_at = now


def authenticate(username: str, password: str, now: dt.datetime, max_failures: int = 5,
                 lock_minutes: int = 15) -> User | None:
    """Return the active, unlocked user with these credentials (any case of the name), or
    None; count a failure and lock the account after `max_failures` in a row."""
    user = _named(username)
    valid = passwords.check(user.password_hash if user else None, password)
    if user is None or not user.active or is_locked(user, now, lock_minutes):
        return None
    if not valid:
        _count_failure(user, now, max_failures)
        return None
    if user.failed_logins or user.locked_at:
        with transaction():
            user.failed_logins, user.locked_at = 0, None
    return user


# The requester, the first statement of every request, with the reference tables' stamps
# (services/reference.py), read as plain columns (services/row_reads.py). Built once:
# building them cost more than running them.
_USER = row_reads.Row(User)
_BY_TOKEN = sa.select(*_USER.columns, *reference.along()).where(
    User.token_hash == sa.bindparam("token_hash"))
_BY_ID = sa.select(*_USER.columns, *reference.along()).where(
    User.id == sa.bindparam("user_id"))


def _requester(statement, **params) -> User | None:
    row = plain_rows(statement, params).first()
    if row is None:
        return None
    reference.read_along(row[len(_USER):])
    return _USER.load(db.session(), row)


def session_user(session_id: str) -> User | None:
    """Return the active user of a login session id ("<id>:<nonce>"), or None when the
    user logged out, changed the password or was disabled since."""
    user_id, _sep, nonce = session_id.partition(":")
    user = _requester(_BY_ID, user_id=int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or not nonce:
        return None
    return user if secrets.compare_digest(user.session_nonce, nonce) else None


def end_sessions(user: User) -> None:
    """End every login session of `user` (each browser must log in again)."""
    with transaction():
        user.session_nonce = new_session_nonce()


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; end the user's other sessions.
    Raise Rejected."""
    if not passwords.check(user.password_hash, current):
        raise Rejected(N_("Please correct the password details."),
                       [("current", N_("The current password is wrong."))])
    store_password(user, new)


def store_password(user: User, new: str, unlock: bool = False) -> None:
    """Store `new` as `user`'s password if the policy allows it (else raise Rejected) and end
    the user's sessions; with `unlock`, also lift a lock of too many failed log-ins."""
    reasons = passwords.problems(new, user.username)
    if reasons:
        raise Rejected(N_("Please correct the password details."), reasons)
    with transaction():
        user.password_hash = passwords.hash_password(new)
        user.session_nonce = new_session_nonce()
        if unlock:
            user.failed_logins, user.locked_at = 0, None


def unlock_user(user_id: int) -> User:
    """Lift the lock of too many failed log-ins; return the user. Raise NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(N_("No such user."))
    with transaction():
        user.failed_logins, user.locked_at = 0, None
    return user


def user_for_token(token: str) -> User | None:
    """Return the active user holding API token `token`, or None."""
    user = _requester(_BY_TOKEN, token_hash=_token_hash(token))
    return user if user is not None and user.active else None


def list_users(role: str | None = None, jurisdiction: str | None = None,
               q: str | None = None) -> list[User]:
    """Return users, filtered by role, jurisdiction and text `q` in the username, name or
    e-mail address."""
    query = sa.select(User).order_by(User.jurisdiction, User.role, User.username)
    if role:
        query = query.where(User.role == role)
    if jurisdiction:
        query = query.where(User.jurisdiction == jurisdiction)
    if q and q.strip():
        text = q.strip().lower()[:100]
        query = query.where(sa.or_(*(sa.func.lower(column).contains(text, autoescape=True)
                                     for column in (User.username, User.name, User.email))))
    return list(db.session.scalars(query))


def update_user(user_id: int, role: str, jurisdiction, county, active: bool,
                city: str | None = None, name: str | None = None,
                email: str | None = None) -> User:
    """Change a user's role, scope, whether they may log in and (when given) display name
    and e-mail address; raise Rejected.

    Disabling an account ends its sessions at once."""
    user = db.session.get(User, user_id)
    reasons = _validate_scope(role, jurisdiction, county, city)
    if name is not None and not name.strip():
        reasons.append(("name", N_("Enter a display name.")))
    if email and not EMAIL.fullmatch(email.strip()):
        reasons.append(("email", N_("Enter a valid e-mail address.")))
    if reasons:
        raise Rejected(N_("Please correct the user details."), reasons)
    with transaction():
        user.city = city
        user.name = name.strip() if name is not None else user.name
        user.email = email.strip() if email is not None else user.email
        if user.active and not active:
            user.session_nonce = new_session_nonce()
        user.role, user.jurisdiction, user.county, user.active = role, jurisdiction, county, active
    return user
