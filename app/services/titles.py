"""Titles a base holds: one valid title per base and programme.

Seed 002 第十六条: 有效期内的示范基地不得重复申报；期满当年须按照申报条件和程序申请复核.
Seed 003 第十五条: 在有效期满当年可再次申报. So a base whose title in a programme is still
valid may not apply for it again, except in the calendar year its title ends.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.calendar import SHANGHAI
from app.errors import N_, Rejected
from app.extensions import db
from app.models import Case, User


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
