"""Uploaded evidence: content-addressed by sha256, size and type checked."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import uuid
from pathlib import Path

from app.errors import N_, AppError, NotAllowed, NotFound, Rejected
from app.extensions import db
from app.models import Attachment, Case, User
from app.services import access, audit, transaction, visibility

ALLOWED = {
    ".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".png": "image/png", ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# What each allowed type's first bytes must be, so a renamed executable is refused.
MAGIC = {".pdf": (b"%PDF",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",),
         ".png": (b"\x89PNG",), ".doc": (b"\xd0\xcf\x11\xe0",), ".xls": (b"\xd0\xcf\x11\xe0",),
         ".docx": (b"PK\x03\x04",), ".xlsx": (b"PK\x03\x04",)}


# Who still opens a deleted upload: those who check the journal that names it.
AUDIT_ROLES = ("auditor", "admin")


class TooLarge(Rejected):
    status = 413


class WrongType(Rejected):
    status = 415


class NotStored(AppError):
    """The server could not write the file (a full or failing disk): nothing was saved."""
    status = 503


NOT_STORED = N_("The file could not be stored and nothing was saved. Try again later; if it "
                "happens again, tell the administrator.")


def _check(name: str, content: bytes, max_bytes: int) -> str:
    suffix = Path(name).suffix.lower()
    if not content:
        raise Rejected(N_("The file is empty."), [("file", N_("The uploaded file is empty."))])
    if len(content) > max_bytes:
        limit = {"mb": max_bytes // (1024 * 1024)}
        raise TooLarge(N_("The file is too large."),
                       [("file", N_("The file exceeds the %(mb)s MB limit."), limit)])
    if suffix not in ALLOWED or not content.startswith(MAGIC[suffix]):
        raise WrongType(N_("This file type is not allowed."),
                        [("file", N_("Only PDF, JPG, PNG, Word and Excel files are accepted."))])
    return ALLOWED[suffix]


def _write_whole(path: Path, content: bytes) -> None:
    """Write `content` under `path` whole or not at all, and on disk before the transaction
    that records it commits: a record must never name a file a power cut lost or cut short.
    A file cut short under its name by an older write is replaced (its size differs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    try:
        with open(partial, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the new name is on disk too
    except OSError as error:  # a file system that cannot sync a directory (some network ones)
        if error.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise
    finally:
        os.close(directory)


def store_attachment(user: User, case: Case, name: str, content: bytes, upload_dir: str,
                     max_bytes: int, now) -> Attachment:
    """Store an uploaded file for `case`; return its record. Raise Rejected/TooLarge/WrongType."""
    access.require_contribution(user, case)
    content_type = _check(name, content, max_bytes)
    sha = hashlib.sha256(content).hexdigest()
    path = Path(upload_dir) / sha[:2] / sha
    if not path.exists() or path.stat().st_size != len(content):
        try:
            _write_whole(path, content)
        except OSError:
            logging.getLogger(__name__).exception("upload not stored: %s", path)
            raise NotStored(NOT_STORED) from None
    record = Attachment(id=str(uuid.uuid4()), case_id=case.id, sha256=sha,
                        name=Path(name).name[:255], size=len(content), content_type=content_type,
                        uploaded_by_id=user.id, created_at=now)
    with transaction():
        db.session.add(record)
        audit.append_event(case, "attachment_added", user.username, now,
                           data={"id": record.id, "name": record.name, "sha256": sha,
                                 "size": record.size})
    return record


def attachment_json(record: Attachment) -> dict:
    """Return an attachment as the API shows it."""
    return {"id": record.id, "sha256": record.sha256, "name": record.name, "size": record.size,
            "content_type": record.content_type}


def open_attachment(user: User, attachment_id: str, upload_dir: str) -> tuple[Attachment, Path]:
    """Return (record, path) of an attachment `user` may read; raise NotFound / NotAllowed."""
    record = db.session.get(Attachment, attachment_id)
    if record is None or (record.deleted_at is not None and user.role not in AUDIT_ROLES):
        raise NotFound(N_("No such attachment."))
    view = visibility.view_of(user, db.session.get(Case, record.case_id))
    if not visibility.attachments(view, [record]):
        raise NotAllowed(N_("You may not open this attachment."))
    return record, Path(upload_dir) / record.sha256[:2] / record.sha256
