"""Titles a base holds: one valid title per base and programme.

Seed 002 第十六条: 有效期内的示范基地不得重复申报；期满当年须按照申报条件和程序申请复核.
Seed 003 第十五条: 在有效期满当年可再次申报. So a base whose title in a programme is still
valid may not apply for it again, except in the calendar year its title ends.
Seed 004 一: 与有效期内核心服务机构和创业创新基地存在关联关系的服务机构和创业创新基地不得重复申报:
a process naming a related-party list (`related_parties`) is refused while the applicant or a
listed entity holds a title in force in any programme of the jurisdiction.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.calendar import SHANGHAI
from app.errors import N_, Rejected
from app.extensions import db
from app.models import Case, ProcessVersion, User


def blocking_title(user: User, process_key: str, now: dt.datetime) -> Case | None:
    """Return the valid title of `user`'s base in programme `process_key` that bars a new
    application at `now` (None when the base may apply)."""
    today = now.astimezone(SHANGHAI).date()
    holder = aliased(User)
    same_base = Case.applicant_id == user.id
    if user.credit_code:
        same_base = sa.or_(same_base, holder.credit_code == user.credit_code)
    query = (sa.select(Case).outerjoin(holder, holder.id == Case.applicant_id)
             .where(Case.process_key == process_key, Case.status == "recognized",
                    # a title ending this year opens the window: it no longer bars anything
                    _reopens_at(today), same_base)
             .order_by(Case.valid_until.desc()))
    return db.session.scalars(query).first()


def _reopens_at(today: dt.date) -> sa.ColumnElement:
    return Case.valid_until >= dt.date(today.year + 1, 1, 1)


def title_of_credit_code(case: Case, credit_code: str, now: dt.datetime) -> Case | None:
    """Return another case's valid title, in `case`'s programme, held by `credit_code`, that
    bars `case` at `now` (None when the code may apply)."""
    today = now.astimezone(SHANGHAI).date()
    held = db.session.scalars(
        sa.select(Case).where(Case.process_key == case.process_key, Case.id != case.id,
                              Case.status == "recognized", _reopens_at(today))
        .order_by(Case.valid_until.desc()))
    code = credit_code.strip().upper()
    return next((title for title in held
                 if str(((title.data or {}).get("application") or {}).get("credit_code") or "")
                 .strip().upper() == code), None)


def require_credit_code_free(case: Case, clean: dict, now: dt.datetime) -> None:
    """Raise Rejected (on `credit_code`) when an application names the credit code of a base
    that holds a valid title in the same programme (see module)."""
    code = clean.get("credit_code")
    if not isinstance(code, str) or not code.strip() or not case.process_version.startable:
        return
    _refuse(title_of_credit_code(case, code, now), "credit_code", N_(
        "The base with this credit code already holds this title (certificate "
        "%(certificate)s, case %(ref)s), valid until %(until)s. It may apply again only from "
        "the start of the year in which the title ends."))


def _listed_codes(value) -> list[str]:
    """Return the credit codes of a related-party list: bare codes or rows with `credit_code`."""
    rows = value if isinstance(value, list) else []
    codes = [row.get("credit_code") if isinstance(row, dict) else row for row in rows]
    return [code.strip().upper() for code in codes if isinstance(code, str) and code.strip()]


def _holder_code(title: Case) -> str:
    application = (title.data or {}).get("application") or {}
    return str(application.get("credit_code") or "").strip().upper()


def related_title(case: Case, codes: dict[str, str], now: dt.datetime) -> tuple[Case, str] | None:
    """Return the first title in force at `now`, in any startable programme of `case`'s
    jurisdiction, held by one of `codes` (code -> the field naming it), with that field;
    None when there is none. The applicant's own title in this programme is left to
    require_credit_code_free (its re-application window)."""
    today = now.astimezone(SHANGHAI).date()
    startable = sa.select(ProcessVersion.id).where(ProcessVersion.startable.is_(True))
    held = db.session.scalars(
        sa.select(Case).where(Case.jurisdiction == case.jurisdiction, Case.id != case.id,
                              Case.status == "recognized", Case.valid_until >= today,
                              Case.process_version_id.in_(startable))
        .order_by(Case.valid_until.desc()))
    for title in held:
        field = codes.get(_holder_code(title))
        own = field == "credit_code" and title.process_key == case.process_key
        if field and not own:
            return title, field
    return None


def require_no_related_title(case: Case, clean: dict, now: dt.datetime) -> None:
    """Raise Rejected when the applicant, or an entity it lists as related (process option
    `related_parties`: the list field), holds a title in force in the jurisdiction."""
    field = (case.process_version.options or {}).get("related_parties")
    if not field or not case.process_version.startable:
        return
    codes = dict.fromkeys(_listed_codes(clean.get(field)), field)
    own = clean.get("credit_code")
    if isinstance(own, str) and own.strip():
        codes[own.strip().upper()] = "credit_code"
    hit = related_title(case, codes, now)
    if hit is None:
        return
    title, on = hit
    message = N_("%(holder)s (credit code %(code)s) holds a title in force: %(process)s, "
                 "certificate %(certificate)s, case %(ref)s, valid until %(until)s. An entity "
                 "related to a holder of a title in force may not apply.")
    params = {"holder": title.base_name or "—", "code": _holder_code(title),
              "process": title.process_version.title, "certificate": title.certificate_no or "—",
              "ref": title.ref, "until": title.valid_until.isoformat()}
    raise Rejected(message, [(on, message, params)], **params)


def require_no_valid_title(user: User, process_key: str, now: dt.datetime) -> None:
    """Raise Rejected when `user`'s base holds a valid title in `process_key` (see module)."""
    _refuse(blocking_title(user, process_key, now), "process", N_(
        "Your base already holds this title (certificate %(certificate)s, case %(ref)s), "
        "valid until %(until)s. It may apply again only from the start of the year in which "
        "the title ends."))


def _refuse(title: Case | None, field: str, message: str) -> None:
    """Raise Rejected on `field`, naming `title`, when there is one."""
    if title is None:
        return
    params = {"certificate": title.certificate_no or "—", "ref": title.ref,
              "until": title.valid_until.isoformat()}
    raise Rejected(message, [(field, message, params)], **params)
