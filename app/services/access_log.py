"""The access journal: what auditors and administrators read (a case, its history, an
attachment, a dossier, an export), who read it and when. Auditors are watched too.

One place records (`record`) and one place decides who may read the journal (`entries`):
administrators, and auditors of the same jurisdiction (all, for those without one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from app.calendar import SHANGHAI
from app.errors import N_, NotAllowed, Rejected
from app.extensions import db
from app.models import AccessEntry, Attachment, Case, User
from app.services import transaction

WATCHED_ROLES = ("auditor", "admin")
# What was read; labels for the pages live in app/web/labels.py.
ACTIONS = ("case", "history", "events", "attachment", "dossier", "verify", "search", "export",
           "certificate")
PAGE_SIZE = 100
CASE_PAGE_SIZE = 20  # the case page shows the newest reads of the case
EXPORT_LIMIT = 10_000  # 产品默认: an export holds the newest 10 000 entries of its filters


def watched(user: User | None) -> bool:
    """Return whether what `user` reads is journaled (never for the public)."""
    return user is not None and user.role in WATCHED_ROLES


def record(user: User, action: str, case: Case | None = None, detail: str = "",
           now: dt.datetime | None = None, jurisdiction: str | None = None) -> None:
    """Journal that `user` read `action` (of `case`, or across `jurisdiction`'s cases), in its
    own transaction; a no-op for roles that are not watched. Call it once the read succeeded.
    Entries file under the case's jurisdiction, else the one read, else the reader's."""
    if not watched(user):
        return
    if action not in ACTIONS:
        raise ValueError(f"unknown access action {action!r}")
    filed_under = case.jurisdiction if case else jurisdiction or user.jurisdiction
    entry = AccessEntry(at=now or dt.datetime.now(dt.timezone.utc), username=user.username,
                        role=user.role, action=action, detail=detail[:300],
                        case_id=case.id if case else None, case_ref=case.ref if case else None,
                        jurisdiction=filed_under)
    with transaction():
        db.session.add(entry)


def record_case(user: User, action: str, case_id: int, detail: str = "") -> None:
    """Journal as `record` a read of the case with id `case_id`."""
    if watched(user):
        record(user, action, db.session.get(Case, case_id), detail)


def record_attachment(user: User, attachment: Attachment) -> None:
    """Journal that `user` downloaded `attachment`: its name and sha256 prefix."""
    record_case(user, "attachment", attachment.case_id,
                f"{attachment.name} · sha256 {attachment.sha256[:12]}")


def filters_text(filters: Mapping) -> str:
    """Return search filters as a journal detail: "key=value" pairs, empty ones left out."""
    return " ".join(f"{key}={value}" for key, value in filters.items()
                    if value not in (None, ""))


def require_reader(user: User) -> None:
    """Raise NotAllowed unless `user` may read the access journal."""
    if not may_read(user):
        raise NotAllowed(N_("Only administrators and auditors may read the access log."))


def may_read(user: User | None) -> bool:
    """Return whether `user` may read the access journal (of their jurisdiction, if any)."""
    return watched(user)


@dataclass(frozen=True)
class Filters:
    """What the journal is narrowed to; `case` is a case number (or part of one) or an id."""

    username: str = ""
    case: str = ""
    action: str = ""
    since: dt.date | None = None
    until: dt.date | None = None


def _day(text: str, field: str, reasons: list) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        reasons.append((field, N_("Enter a date as YYYY-MM-DD.")))
        return None


def check_filters(username: str = "", case: str = "", action: str = "", since: str = "",
                  until: str = "") -> Filters:
    """Return the journal filters; raise Rejected naming each bad value."""
    reasons: list = []
    username, case, action = username.strip(), case.strip(), action.strip()
    for field, value, most in (("user", username, 80), ("case", case, 30)):
        if len(value) > most:
            reasons.append((field, N_("At most %(most)s characters."), {"most": most}))
    if action and action not in ACTIONS:
        reasons.append(("action", N_("Action must be one of %(values)s."),
                        {"values": ", ".join(ACTIONS)}))
    filters = Filters(username, case, action, _day(since.strip(), "from", reasons),
                      _day(until.strip(), "to", reasons))
    if filters.since and filters.until and filters.since > filters.until:
        reasons.append(("to", N_("The end date is before the start date.")))
    if reasons:
        raise Rejected(N_("Check the filters of the access log."), reasons)
    return filters


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), SHANGHAI)


def _case_clause(case: str):
    like = AccessEntry.case_ref.ilike(
        "%" + case.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",
        escape="\\")
    if case.isdigit() and len(case) <= 9:  # an id, or digits of a case number
        return sa.or_(AccessEntry.case_id == int(case), like)
    return like


def _filtered(query, filters: Filters):
    if filters.username:
        query = query.where(AccessEntry.username == filters.username)
    if filters.case:
        query = query.where(_case_clause(filters.case))
    if filters.action:
        query = query.where(AccessEntry.action == filters.action)
    if filters.since:
        query = query.where(AccessEntry.at >= _local_midnight(filters.since))
    if filters.until:
        query = query.where(AccessEntry.at < _local_midnight(filters.until)
                            + dt.timedelta(days=1))
    return query


def entries(user: User, filters: Filters | None = None, *, case_id: int | None = None,
            username: str | None = None, before: int | None = None,
            limit: int = PAGE_SIZE) -> list[AccessEntry]:
    """Return the journal entries `user` may read, newest first; `before` is the id of the
    last entry of the previous page (keyset paging). Raise NotAllowed."""
    require_reader(user)
    query = _filtered(sa.select(AccessEntry), filters or Filters(username=username or ""))
    query = query.order_by(AccessEntry.id.desc()).limit(limit)
    if user.jurisdiction is not None:
        query = query.where(AccessEntry.jurisdiction == user.jurisdiction)
    if case_id is not None:
        query = query.where(AccessEntry.case_id == case_id)
    if before is not None:
        query = query.where(AccessEntry.id < before)
    return list(db.session.scalars(query))


def journal_page(user: User, filters: Filters, before: int | None = None,
                 size: int = PAGE_SIZE) -> tuple[list[AccessEntry], int | None]:
    """Return one page of entries and the `before` of the next (older) page, or None."""
    found = entries(user, filters, before=before, limit=size + 1)
    return found[:size], (found[size - 1].id if len(found) > size else None)


def case_entries(user: User, case: Case) -> list[AccessEntry]:
    """Return the newest reads of `case` for its page ([] for who may not read the journal)."""
    return entries(user, case_id=case.id, limit=CASE_PAGE_SIZE) if may_read(user) else []


def export_entries(user: User, filters: Filters) -> list[AccessEntry]:
    """Return the newest EXPORT_LIMIT entries an export of `filters` holds. Raise NotAllowed."""
    return entries(user, filters, limit=EXPORT_LIMIT)


def entry_json(entry: AccessEntry) -> dict:
    """Return an entry as `GET /api/audit/access` shows it."""
    return {"id": entry.id, "at": entry.at.isoformat(), "user": entry.username,
            "role": entry.role, "action": entry.action, "case_id": entry.case_id,
            "case_ref": entry.case_ref, "detail": entry.detail}
