"""Published procedures for the designer and auditor pages: which versions exist, their diagram."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import load_only

from app.errors import N_, NotAllowed, NotFound
from app.extensions import db
from app.models import ProcessVersion, User

READERS = ("designer", "admin", "auditor")


def _require(user: User) -> None:
    if user.role not in READERS:
        raise NotAllowed(N_(
            "Only process designers, auditors and administrators see the procedures."))


def versions(user: User) -> list[ProcessVersion]:
    """Return every version of every procedure of the user's jurisdiction, newest first."""
    _require(user)
    query = (sa.select(ProcessVersion).options(load_only(
        ProcessVersion.id, ProcessVersion.key, ProcessVersion.version, ProcessVersion.title,
        ProcessVersion.title_en, ProcessVersion.jurisdiction, ProcessVersion.startable,
        ProcessVersion.status, ProcessVersion.author, ProcessVersion.note,
        ProcessVersion.created_at, ProcessVersion.sha256))
        .order_by(ProcessVersion.jurisdiction, ProcessVersion.key, ProcessVersion.version.desc()))
    if user.jurisdiction:
        query = query.where(ProcessVersion.jurisdiction == user.jurisdiction)
    return list(db.session.scalars(query))


def get_version(user: User, version_id: int) -> ProcessVersion:
    """Return one procedure version the user may read; raise NotFound / NotAllowed."""
    _require(user)
    version = db.session.get(ProcessVersion, version_id)
    if version is None or (user.jurisdiction and version.jurisdiction != user.jurisdiction):
        raise NotFound(N_("No such procedure version."))
    return version
