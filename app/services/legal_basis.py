"""The legal basis a procedure runs under: its document and the dates it is in force.

meta.yaml `legal_basis: {document, document_en, effective_from, effective_until,
after_expiry}` (per jurisdiction, overridable per process; see docs/PROCESSES.md) is stored
with each process version; `document_en`, the title in English, is the product's
translation. A case runs under the basis of its version for its whole life; after
`effective_until` a new case is refused only when `after_expiry: refuse`, otherwise it is
accepted with a warning (successor measures usually keep the conditions, and a date must
not block officials by surprise).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from app.calendar import SHANGHAI
from app.engine.lint import CJK
from app.errors import N_, DefinitionError, Rejected
from app.models import Case, ProcessVersion, User
from app.services import catalog

AFTER_EXPIRY = ("accept", "refuse")
REMINDER_DAYS = 60  # 产品默认：提前 60 天提醒发布后续办法
NOT_YET, IN_FORCE, EXPIRING, EXPIRED = "not_yet_in_force", "in_force", "expiring", "expired"
REMINDED_ROLES = ("city", "province", "designer", "admin")
KEYS = {"document", "document_en", "effective_from", "effective_until", "after_expiry"}


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):  # a day, not an instant: YAML `2026-12-03 10:00` is wrong
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _date_problems(basis: Mapping, file: str) -> list[DefinitionError]:
    problems = []
    for key in ("effective_from", "effective_until"):
        value = basis.get(key)
        if value is not None and _date(value) is None:
            problems.append(DefinitionError(
                N_("legal_basis.%(key)s must be a date written YYYY-MM-DD, not %(value)s"),
                file, key=key, value=str(value)))
    start, end = _date(basis.get("effective_from")), _date(basis.get("effective_until"))
    if start and end and start > end:
        problems.append(DefinitionError(
            N_("legal_basis.effective_from (%(start)s) is after effective_until (%(end)s)"),
            file, start=start.isoformat(), end=end.isoformat()))
    return problems


def check_mapping(basis, file: str) -> list[DefinitionError]:
    """Return the problems of one meta.yaml `legal_basis:` mapping (empty when valid)."""
    if basis is None:
        return []
    if not isinstance(basis, Mapping):
        return [DefinitionError(N_("legal_basis must be a mapping with document, "
                                   "effective_from, effective_until and after_expiry"), file)]
    problems = []
    unknown = set(basis) - KEYS
    if unknown:
        problems.append(DefinitionError(N_("legal_basis has unknown keys: %(keys)s"), file,
                                        keys=", ".join(sorted(map(str, unknown)))))
    if not isinstance(basis.get("document"), str) or not basis.get("document", "").strip():
        problems.append(DefinitionError(N_("legal_basis.document must name the measures and "
                                           "their document number"), file))
    english = basis.get("document_en")
    if english is not None and (not isinstance(english, str) or not english.strip()
                                or CJK.search(english)):
        problems.append(DefinitionError(N_("legal_basis.document_en must be the measures' "
                                           "title in English, without Chinese characters"),
                                        file))
    if basis.get("after_expiry", "accept") not in AFTER_EXPIRY:
        problems.append(DefinitionError(
            N_("legal_basis.after_expiry must be accept or refuse, not %(value)s"), file,
            value=str(basis.get("after_expiry"))))
    return problems + _date_problems(basis, file)


def check_meta(meta: Mapping, file: str) -> list[DefinitionError]:
    """Return the problems of every `legal_basis:` in a jurisdiction's meta.yaml."""
    problems = check_mapping(meta.get("legal_basis"), file)
    for entry in meta.get("processes") or []:
        if isinstance(entry, Mapping) and "legal_basis" in entry:
            problems += check_mapping(entry["legal_basis"], f"{file} ({entry.get('key')})")
    return problems


def basis_of(version: ProcessVersion) -> dict | None:
    """Return the legal basis of a process version (None when meta.yaml names none)."""
    basis = (version.options or {}).get("legal_basis")
    if not isinstance(basis, Mapping) or not basis.get("document"):
        return None
    return {"document": basis["document"], "document_en": basis.get("document_en") or "",
            "effective_from": basis.get("effective_from"),
            "effective_until": basis.get("effective_until"),
            "after_expiry": basis.get("after_expiry") or "accept"}


def today(now: dt.datetime) -> dt.date:
    """Return the calendar day of `now` in Asia/Shanghai, where the measures apply."""
    return now.astimezone(SHANGHAI).date()


def state_at(basis: Mapping, day: dt.date) -> dict:
    """Return {"state", "days_left"} of `basis` on `day`: not yet / in force / expiring / expired.

    The measures are in force through the whole of `effective_until`.
    """
    start, end = _date(basis.get("effective_from")), _date(basis.get("effective_until"))
    days_left = (end - day).days if end else None
    if start and day < start:
        state = NOT_YET
    elif days_left is None or days_left > REMINDER_DAYS:
        state = IN_FORCE
    else:
        state = EXPIRING if days_left >= 0 else EXPIRED
    return {"state": state, "days_left": days_left}


def process_basis(version: ProcessVersion, now: dt.datetime) -> dict | None:
    """Return the basis of `version` with its state at `now` (None when it names none)."""
    basis = basis_of(version)
    return {**basis, **state_at(basis, today(now))} if basis else None


def expired_on_start(version: ProcessVersion, started: dt.datetime) -> bool:
    """Return whether a case of `version` started at `started` began after its basis ended."""
    basis = basis_of(version)
    return bool(basis) and state_at(basis, today(started))["state"] == EXPIRED


def require_open(version: ProcessVersion, now: dt.datetime) -> None:
    """Raise Rejected when the basis of `version` ended before `now` and says `refuse`."""
    basis = basis_of(version)
    if not basis or basis["after_expiry"] != "refuse" or not expired_on_start(version, now):
        return
    message = N_("New applications are no longer accepted: %(document)s expired on %(date)s. "
                 "Running cases continue; new ones start once the successor measures are "
                 "published.")
    params = {"document": basis["document"], "date": basis["effective_until"]}
    raise Rejected(message, [("process", message, params)], **params)


def case_basis(case: Case) -> dict | None:
    """Return the basis a case runs under; `expired` says it was started after it ended."""
    basis = basis_of(case.process_version)
    if not basis:
        return None
    return {"document": basis["document"], "document_en": basis["document_en"],
            "effective_from": basis["effective_from"],
            "effective_until": basis["effective_until"],
            "after_expiry": basis["after_expiry"],
            "expired": expired_on_start(case.process_version, case.created_at)}


def reminders(user: User, now: dt.datetime) -> list[dict]:
    """Return, for city officials and designers, each basis of their procedures that ends
    within REMINDER_DAYS or has ended: [{"document", "effective_until", "days_left", "state",
    "processes": [latest versions]}] (successor measures are due)."""
    if user.role not in REMINDED_ROLES:
        return []
    found: dict[tuple, dict] = {}
    for version in catalog.latest_processes():
        if user.jurisdiction and version.jurisdiction != user.jurisdiction:
            continue
        basis = process_basis(version, now)
        if basis and basis["state"] in (EXPIRING, EXPIRED):
            key = (version.jurisdiction, basis["document"], basis["effective_until"])
            found.setdefault(key, {**basis, "processes": []})["processes"].append(version)
    return list(found.values())
