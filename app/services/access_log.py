"""The access journal: what auditors and administrators read (a case, its history, an
attachment, a dossier, an export), who read it and when. Auditors are watched too.

One place records (`record`) and one place decides who may read the journal (`entries`):
administrators, and auditors of the same jurisdiction (all, for those without one).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.errors import N_, NotAllowed
from app.extensions import db
from app.models import AccessEntry, Case, User
from app.services import transaction

WATCHED_ROLES = ("auditor", "admin")
# What was read; labels for the pages live in app/web/labels.py.
ACTIONS = ("case", "history", "events", "attachment", "dossier", "verify", "search", "export")
PAGE_SIZE = 100


def watched(user: User) -> bool:
    """Return whether what `user` reads is journaled."""
    return user.role in WATCHED_ROLES


def record(user: User, action: str, case: Case | None = None, detail: str = "",
           now: dt.datetime | None = None) -> None:
    """Journal that `user` read `action` (of `case`), in its own transaction; a no-op for
    roles that are not watched. Call it once the read has succeeded."""
    if not watched(user):
        return
    if action not in ACTIONS:
        raise ValueError(f"unknown access action {action!r}")
    entry = AccessEntry(at=now or dt.datetime.now(dt.timezone.utc), username=user.username,
                        role=user.role, action=action, detail=detail[:300],
                        case_id=case.id if case else None, case_ref=case.ref if case else None,
                        jurisdiction=case.jurisdiction if case else user.jurisdiction)
    with transaction():
        db.session.add(entry)


def require_reader(user: User) -> None:
    """Raise NotAllowed unless `user` may read the access journal."""
    if user.role not in WATCHED_ROLES:
        raise NotAllowed(N_("Only administrators and auditors may read the access log."))


def entries(user: User, *, case_id: int | None = None, username: str | None = None,
            before: int | None = None, limit: int = PAGE_SIZE) -> list[AccessEntry]:
    """Return the journal entries `user` may read, newest first; `before` is the id of the
    last entry of the previous page (keyset paging)."""
    require_reader(user)
    query = sa.select(AccessEntry).order_by(AccessEntry.id.desc()).limit(limit)
    if user.jurisdiction is not None:
        query = query.where(AccessEntry.jurisdiction == user.jurisdiction)
    if case_id is not None:
        query = query.where(AccessEntry.case_id == case_id)
    if username:
        query = query.where(AccessEntry.username == username)
    if before is not None:
        query = query.where(AccessEntry.id < before)
    return list(db.session.scalars(query))
