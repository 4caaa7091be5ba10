"""Calls for applications (申报批次): one per procedure and year, with an application
window and a county recommendation deadline.

A procedure without any call accepts applications at any time (integrations and cases
started before calls existed keep working). Once it has a call, a case starts only
inside an open window and belongs to that call. Dates are days in Asia/Shanghai; a
day ends at 24:00 there, so the deadline day itself is still in time (seed 000 五(二):
"于2025年10月13日前……逾期不予受理"; seed 004 三: "于2023年5月19日前……过期不予受理").
meta.yaml's `calls:` on a process names its recommendation step (docs/PROCESSES.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import sqlalchemy as sa

from app.calendar import SHANGHAI
from app.errors import N_, NotAllowed, NotFound, Rejected
from app.extensions import db
from app.models import Call, Case, ProcessVersion, User, WorkItem
from app.services import catalog, divisions, transaction

DATE_FIELDS = ("opens_on", "closes_on", "recommend_by")
MIN_YEAR, MAX_YEAR = 2000, 2100
DEFAULT_LATE_MESSAGE = N_("late recommendations are not accepted")


def today(now: dt.datetime) -> dt.date:
    """Return the day `now` falls on in Asia/Shanghai."""
    return now.astimezone(SHANGHAI).date()


def settings(version: ProcessVersion) -> dict:
    """Return the process's meta.yaml `calls:` mapping (empty when it declares none)."""
    return dict((version.options or {}).get("calls") or {})


def top_level(version: ProcessVersion) -> str:
    """Return the role of the authority owning the process (who opens its calls)."""
    return divisions.authority_level(version.jurisdiction)


def is_open(call: Call, now: dt.datetime) -> bool:
    """Return whether `call`'s application window is open at `now`."""
    return call.closed_at is None and call.opens_on <= today(now) <= call.closes_on


def status(call: Call, now: dt.datetime) -> str:
    """Return upcoming, open or closed."""
    if is_open(call, now):
        return "open"
    if call.closed_at is None and today(now) < call.opens_on:
        return "upcoming"
    return "closed"


# --- reading ---------------------------------------------------------------------------------

def get_call(call_id: int) -> Call:
    """Return call `call_id`; raise NotFound."""
    call = db.session.get(Call, call_id)
    if call is None:
        raise NotFound(N_("No such call."))
    return call


def list_calls(user: User | None, process: str | None = None,
               year: int | None = None) -> list[Call]:
    """Return the calls `user` may see (its jurisdiction's; all without one), newest first."""
    query = sa.select(Call)
    if user is not None and user.jurisdiction and user.role != "admin":
        query = query.where(Call.jurisdiction == user.jurisdiction)
    if process:
        query = query.where(Call.process_key == process)
    if year:
        query = query.where(Call.year == year)
    return list(db.session.scalars(query.order_by(Call.year.desc(), Call.process_key)))


def calls_of(process_key: str) -> list[Call]:
    """Return the calls of one procedure, by window start."""
    return list(db.session.scalars(sa.select(Call).where(Call.process_key == process_key)
                                   .order_by(Call.opens_on)))


def call_json(call: Call, now: dt.datetime) -> dict:
    """Return a call as the JSON API shows it."""
    count = db.session.scalar(sa.select(sa.func.count()).where(Case.call_id == call.id))
    return {"id": call.id, "process": call.process_key, "jurisdiction": call.jurisdiction,
            "year": call.year, "title": call.title, "opens_on": call.opens_on.isoformat(),
            "closes_on": call.closes_on.isoformat(),
            "recommend_by": call.recommend_by.isoformat(),
            "closed_at": call.closed_at.isoformat() if call.closed_at else None,
            "status": status(call, now), "case_count": count, "created_by": call.created_by,
            "created_at": call.created_at.isoformat()}


# --- input -----------------------------------------------------------------------------------

def _date(raw: Mapping, key: str, reasons: list) -> dt.date | None:
    value = raw.get(key)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    reasons.append((key, N_("Enter a date written YYYY-MM-DD.")))
    return None


def _year(raw: Mapping, reasons: list) -> int | None:
    value = raw.get("year")
    text = str(value).strip() if isinstance(value, (int, str)) and \
        not isinstance(value, bool) else ""
    if text.isdigit() and MIN_YEAR <= int(text) <= MAX_YEAR:
        return int(text)
    reasons.append(("year", N_("Enter a year between 2000 and 2100.")))
    return None


def _order_problems(values: dict) -> list:
    opens, closes, by = (values.get(key) for key in DATE_FIELDS)
    reasons = []
    if opens and closes and opens > closes:
        reasons.append(("closes_on", N_("The window cannot close before it opens.")))
    if closes and by and by < closes:
        reasons.append(("recommend_by", N_("The recommendation deadline cannot be before the "
                                           "window closes.")))
    return reasons


def parse_input(raw: Mapping, partial: bool = False) -> dict:
    """Return the call fields of `raw` (year, title, dates) checked; raise Rejected."""
    reasons: list = []
    values: dict = {}
    # A change names only what it changes; a key it names must hold a value.
    if not partial or "year" in raw:
        values["year"] = _year(raw, reasons)
    for key in DATE_FIELDS:
        if partial and key not in raw:
            continue
        if raw.get(key) in (None, ""):
            reasons.append((key, N_("This field is required.")))
            continue
        values[key] = _date(raw, key, reasons)
    title = raw.get("title")
    if title is not None and (not isinstance(title, str) or len(title) > 200):
        reasons.append(("title", N_("At most 200 characters.")))
    elif title and title.strip():
        values["title"] = title.strip()
    if reasons:
        raise Rejected(N_("Please correct the marked fields."), reasons)
    return values


# --- writing ---------------------------------------------------------------------------------

def _require_opener(user: User | None, version: ProcessVersion) -> None:
    if user is None:  # the operator on the command line
        return
    if user.role != top_level(version) or user.jurisdiction != version.jurisdiction:
        raise NotAllowed(N_("Only the officials who run this procedure may open or change its "
                            "calls."))


def _startable(process_key: str) -> ProcessVersion:
    try:
        version = catalog.latest_process(process_key)
    except NotFound:
        version = None
    if version is None or not version.startable:
        raise Rejected(N_("No such procedure."),
                       [("process", N_("Choose a procedure that applicants start."))])
    return version


def _require_year_free(process_key: str, year: int, call_id: int | None = None) -> None:
    taken = db.session.scalar(sa.select(Call.id).where(
        Call.process_key == process_key, Call.year == year, Call.id != (call_id or 0)))
    if taken:
        raise Rejected(N_("This procedure already has a call for that year."),
                       [("year", N_("This procedure already has a call for that year."))])


def open_call(user: User | None, process_key: str, raw: Mapping, now: dt.datetime) -> Call:
    """Open the call of `process_key` for a year (`user` None: the operator); return it.
    Raise NotAllowed / Rejected."""
    version = _startable(process_key)
    _require_opener(user, version)
    values = parse_input(raw)
    reasons = _order_problems(values)
    if reasons:
        raise Rejected(N_("Please correct the marked fields."), reasons)
    with transaction():
        _require_year_free(process_key, values["year"])
        call = Call(process_key=process_key, jurisdiction=version.jurisdiction,
                    title=values.pop("title", f"{values['year']} {version.title}"),
                    created_by=user.username if user else "cli", created_at=now, **values)
        db.session.add(call)
    return call


def edit_call(user: User, call_id: int, raw: Mapping, now: dt.datetime) -> Call:
    """Change a call's title, year or dates; return it. Raise NotAllowed / Rejected."""
    with transaction():
        call = get_call(call_id)
        _require_opener(user, catalog.latest_process(call.process_key))
        values = parse_input(raw, partial=True)
        current = {key: getattr(call, key) for key in DATE_FIELDS}
        reasons = _order_problems({**current, **values})
        if reasons:
            raise Rejected(N_("Please correct the marked fields."), reasons)
        if "year" in values:
            _require_year_free(call.process_key, values["year"], call.id)
        for key, value in values.items():
            setattr(call, key, value)
    return call


def close_call(user: User, call_id: int, now: dt.datetime) -> Call:
    """Close a call's window now (applications stop; cases go on); return it."""
    with transaction():
        call = get_call(call_id)
        _require_opener(user, catalog.latest_process(call.process_key))
        call.closed_at = call.closed_at or now
    return call


# --- the rules ---------------------------------------------------------------------------------

def _window_text(call: Call) -> dict:
    return {"title": call.title, "opens": call.opens_on.isoformat(),
            "closes": call.closes_on.isoformat()}


def open_call_for(process_key: str, now: dt.datetime) -> Call | None:
    """Return the call a new case of `process_key` belongs to at `now`: None when the
    procedure has no call at all; raise Rejected naming the next or last window."""
    found = calls_of(process_key)
    if not found:
        return None
    current = [call for call in found if is_open(call, now)]
    if current:
        return current[-1]
    upcoming = [call for call in found if call.closed_at is None and call.opens_on > today(now)]
    if upcoming:
        message = N_("Applications are accepted only while a call is open; the next call "
                     "\"%(title)s\" opens on %(opens)s and closes on %(closes)s.")
        params = _window_text(upcoming[0])
    else:
        message = N_("Applications are accepted only while a call is open; the last call "
                     "\"%(title)s\" ran from %(opens)s to %(closes)s.")
        params = _window_text(found[-1])
    raise Rejected(message, [("process", message, params)], **params)


def _recommends(form_names, clean: Mapping) -> bool:
    # A recommendation form with a decision recommends only on approve; one without a
    # decision (a formal recommendation letter) recommends by being completed.
    return "decision" not in form_names or clean.get("decision") == "approve"


def require_recommendation_in_time(case: Case, item: WorkItem, form_names,
                                   clean: Mapping, now: dt.datetime) -> None:
    """Raise Rejected (with the seed's words) when `item` recommends `case` after its
    call's recommendation deadline; do nothing otherwise."""
    if case.call_id is None:
        return
    options = settings(case.process_version)
    if item.name != options.get("recommend_task") or not _recommends(form_names, clean):
        return
    call = db.session.get(Call, case.call_id)
    if call is None or today(now) <= call.recommend_by:
        return
    late = options.get("late_message") or DEFAULT_LATE_MESSAGE
    message = N_("The county recommendation deadline of this call was %(date)s: %(late)s.")
    params = {"date": call.recommend_by.isoformat(), "late": late}
    raise Rejected(message, [("_", message, params)], **params)
