"""Password policy and hashing, with the same work for unknown users as for known ones."""

from __future__ import annotations

import functools
import secrets
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from app.errors import N_

MIN_LENGTH = 10
COMMON = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"


@functools.cache
def _common() -> frozenset[str]:
    lines = COMMON.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """Return the salted hash stored for `password`."""
    return generate_password_hash(password)


def check(password_hash: str | None, password: str) -> bool:
    """Return whether `password` matches; with no hash (unknown user) hash a dummy anyway so
    the answer takes as long and reveals nothing."""
    matches = check_password_hash(password_hash or _dummy_hash(), password)
    return matches and password_hash is not None


def problems(password: str, username: str) -> list:
    """Return the (field, message) reasons why `password` may not be used by `username`."""
    lowered = password.lower()
    if len(password) < MIN_LENGTH:
        return [("password", N_("The password must have at least %(n)s characters."),
                 {"n": MIN_LENGTH})]
    if username and username.lower() in lowered:
        return [("password", N_("The password must not contain the username."))]
    if lowered in _common() or len(set(lowered)) < 4:
        return [("password", N_("This password is too common or too simple; choose another."))]
    return []
