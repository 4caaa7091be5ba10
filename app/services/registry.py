"""The registry of titles: every recognised base, its certificate and validity, by scope.

A title lives on its recognition case (a case of a procedure that is not a follow-up,
holding a certificate or a recognition date, or in a title status). Logged-in readers see
the titles of the cases they may read (app/services/access.py); the public sees only
titles in force (`recognized`) and only the fields an authority publishes anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload

from app.errors import N_, Rejected
from app.extensions import db
from app.models import Case, Jurisdiction, ProcessVersion, User
from app.services import access, divisions

TITLE_STATUSES = ("recognized", "expired", "revoked")
PUBLIC_STATUS = "recognized"
PUBLIC_FIELDS = ("case_id", "subject_name", "operator_name", "credit_code", "certificate_no",
                 "recognized_on", "valid_from", "valid_until", "status", "process",
                 "jurisdiction")
FIELDS = PUBLIC_FIELDS[:1] + ("ref",) + PUBLIC_FIELDS[1:] + ("county",)
LIMIT = 5000  # a city recognises tens of bases a year; this bounds a malformed database


@dataclass(frozen=True)
class Filters:
    jurisdiction: str = ""
    status: str = ""
    county: str = ""


def is_public(user: User | None) -> bool:
    """Return whether `user` reads the public registry (not logged in, or a role that reads
    no cases, such as a designer)."""
    return user is None or user.role == "designer"


def _jurisdiction_problem(key: str) -> list[tuple]:
    if not key or db.session.get(Jurisdiction, key) is not None:
        return []
    return [("jurisdiction", N_("Unknown jurisdiction %(value)s."), {"value": key})]


def _county_problem(filters: Filters) -> list[tuple]:
    if not filters.county:
        return []
    query = sa.select(Jurisdiction)
    if filters.jurisdiction:
        query = query.where(Jurisdiction.key == filters.jurisdiction)
    codes = {c.get("code") for j in db.session.scalars(query) for c in j.counties or []}
    if filters.county in codes:
        return []
    return [("county", N_("Unknown county %(value)s."), {"value": filters.county})]


def check_filters(jurisdiction: str = "", status: str = "", county: str = "") -> Filters:
    """Return the registry filters; raise Rejected naming each unknown value."""
    filters = Filters(jurisdiction.strip(), status.strip(), county.strip())
    reasons = _jurisdiction_problem(filters.jurisdiction) + _county_problem(filters)
    if filters.status and filters.status not in TITLE_STATUSES:
        reasons.append(("status", N_("Status must be one of %(values)s."),
                        {"values": ", ".join(TITLE_STATUSES)}))
    if reasons:
        raise Rejected(N_("Check the filters of the registry."), reasons)
    return filters


def _follow_up_versions() -> list[int]:
    # Read in Python: JSON operators differ between SQLite and PostgreSQL.
    rows = db.session.execute(sa.select(ProcessVersion.id, ProcessVersion.options))
    return [id_ for id_, options in rows if (options or {}).get("follow_up")]


def _query(user: User | None, filters: Filters):
    query = (sa.select(Case)
             .where(Case.parent_id.is_(None), Case.process_version_id.not_in(_follow_up_versions()),
                    sa.or_(Case.certificate_no.is_not(None), Case.status.in_(TITLE_STATUSES)))
             .options(lazyload(Case.process_version), joinedload(Case.applicant)))
    if is_public(user):
        query = query.where(Case.status == PUBLIC_STATUS)
    else:
        query = query.where(access.visible_cases(user))
    for column, value in ((Case.jurisdiction, filters.jurisdiction),
                          (Case.status, filters.status), (Case.county, filters.county)):
        if value:
            query = query.where(column == value)
    return query.order_by(Case.jurisdiction, Case.valid_from.desc(), Case.id.desc()).limit(LIMIT)


def _text(value) -> str | None:
    return str(value) if value not in (None, "") else None


def title_row(case: Case) -> dict:
    """Return one title of the registry with every field (FIELDS)."""
    data = case.data or {}
    application = data.get("application") if isinstance(data.get("application"), Mapping) else {}
    return {
        "case_id": case.id, "ref": case.ref,
        "subject_name": case.base_name or _text(application.get("base_name")) or "",
        "operator_name": _text(application.get("operator_name")),
        "credit_code": _text(application.get("credit_code")),
        "certificate_no": case.certificate_no,
        "recognized_on": _text(data.get("recognized_on")),
        "valid_from": case.valid_from.isoformat() if case.valid_from else None,
        "valid_until": case.valid_until.isoformat() if case.valid_until else None,
        "status": case.status, "process": case.process_key,
        "jurisdiction": case.jurisdiction, "county": case.county,
    }


def list_titles(user: User | None, filters: Filters = Filters()) -> list[dict]:
    """Return the titles `user` may see (None: the public), filtered; public readers get
    only PUBLIC_FIELDS of titles in force."""
    rows = [title_row(case) for case in db.session.scalars(_query(user, filters)).unique()]
    if is_public(user):
        return [{key: row[key] for key in PUBLIC_FIELDS} for row in rows]
    return rows


@dataclass
class RegistryPage:
    titles: list[dict]
    public: bool
    filters: Filters
    jurisdictions: dict[str, str]
    counties: dict[str, dict[str, str]]
    processes: dict[str, str]


def _name(record, lang: str) -> str:
    return (record.name_en if lang == "en" and record.name_en else record.name) or record.key


def registry_page(user: User | None, filters: Filters, lang: str = "zh") -> RegistryPage:
    """Return the registry page: the titles `user` may see and the names to show them with."""
    scope = None if is_public(user) or not user.jurisdiction \
        else divisions.jurisdictions_of(user)
    records = [j for j in db.session.scalars(sa.select(Jurisdiction).order_by(Jurisdiction.key))
               if scope is None or j.key in scope]
    versions = db.session.execute(sa.select(ProcessVersion.key, ProcessVersion.title,
                                            ProcessVersion.title_en)
                                  .order_by(ProcessVersion.version))
    return RegistryPage(
        titles=list_titles(user, filters), public=is_public(user), filters=filters,
        jurisdictions={j.key: _name(j, lang) for j in records},
        counties={j.key: {c["code"]: j.county_name(c["code"], lang) for c in j.counties or []}
                  for j in records},
        processes={key: (title_en if lang == "en" and title_en else title)
                   for key, title, title_en in versions})
