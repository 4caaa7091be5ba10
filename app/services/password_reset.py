"""Password reset links: one-time, expiring, and silent about which accounts exist.

A link's token is "<user id>.<issued, epoch seconds>.<kind>.<HMAC>", the HMAC over those and
the user's current password hash under the instance's secret key: nothing is stored, the
link stops working once the password changes (single use) or when it expires. Applicants
ask for one themselves ("self", mailed to their address); an administrator makes one for
any user ("admin", valid longer, handed over or mailed).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

import sqlalchemy as sa

from app.errors import N_, Rejected
from app.extensions import db
from app.models import User
from app.services import users

SELF, ADMIN = "self", "admin"
ADMIN_LINK_HOURS = 24  # 产品默认: an administrator's link waits a working day for its user
# 产品默认: officials' passwords are reset by an administrator, not by mail.
SELF_SERVICE_ROLES = ("applicant",)
INVALID = N_("This password reset link is invalid, was used already or has expired. Ask for a "
             "new one.")


def _signature(secret: str, user: User, issued: int, kind: str) -> str:
    text = f"password-reset|{user.id}|{issued}|{kind}|{user.password_hash}".encode()
    digest = hmac.new(secret.encode(), text, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def make_token(user: User, secret: str, now: dt.datetime, kind: str = SELF) -> str:
    """Return a reset token for `user` issued at `now`."""
    issued = int(now.timestamp())
    return f"{user.id}.{issued}.{kind}.{_signature(secret, user, issued, kind)}"


def _lifetime(kind: str, self_minutes: int) -> dt.timedelta:
    return dt.timedelta(hours=ADMIN_LINK_HOURS) if kind == ADMIN \
        else dt.timedelta(minutes=self_minutes)


def user_of_token(token: str, secret: str, now: dt.datetime, self_minutes: int) -> User:
    """Return the active user a valid, unexpired, unused token belongs to; raise Rejected."""
    parts = (token or "").split(".")
    user = None
    if len(parts) == 4 and parts[0].isdigit() and parts[1].isdigit() and parts[2] in (SELF, ADMIN):
        user = db.session.get(User, int(parts[0]))
    if user is None or not user.active:
        raise Rejected(INVALID)
    issued, kind = int(parts[1]), parts[2]
    age = now - dt.datetime.fromtimestamp(issued, dt.timezone.utc)
    genuine = hmac.compare_digest(_signature(secret, user, issued, kind), parts[3])
    if not genuine or age > _lifetime(kind, self_minutes) or age < -dt.timedelta(minutes=5):
        raise Rejected(INVALID)
    return user


def reset_password(token: str, new: str, secret: str, now: dt.datetime,
                   self_minutes: int) -> User:
    """Set a new password through a reset link; end the user's sessions; return the user.
    Raise Rejected (invalid link, or a password the policy refuses)."""
    user = user_of_token(token, secret, now, self_minutes)
    users.store_password(user, new, unlock=True)
    return user


def self_service_user(identifier: str) -> User | None:
    """Return the active applicant with this username or e-mail address that has an address
    to mail to, or None (the caller answers the same either way)."""
    text = (identifier or "").strip().lower()[:200]
    if not text:
        return None
    column = User.email if "@" in text else User.username
    user = db.session.scalars(sa.select(User).where(sa.func.lower(column) == text)).first()
    if user is None or not user.active or not user.email or user.role not in SELF_SERVICE_ROLES:
        return None
    return user
