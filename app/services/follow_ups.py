"""Follow-up procedures on an existing case: change filings, evaluations, revocations…

A follow-up is a process whose meta.yaml entry says `follow_up: true`. It runs as a child
case of the case it concerns. Who may start it is the role of the lane holding its start
event (the applicant for its own title, the county for its county, the city for its
jurisdiction); the parent's status must be one the process allows (`parent_status`,
default `recognized`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm

from app.errors import N_, AppError, NotAllowed, Rejected
from app.extensions import db
from app.models import Case, ProcessVersion, User
from app.services import access, catalog, divisions, progress, retried, transaction

DEFAULT_PARENT_STATUS = ("recognized",)


def is_follow_up(version: ProcessVersion) -> bool:
    """Return whether `version` is a follow-up procedure."""
    return bool((version.options or {}).get("follow_up"))


def starter(version: ProcessVersion) -> str | None:
    """Return the role that may start `version` (the lane of its start event)."""
    return (version.options or {}).get("start_lane")


def allowed_parent_status(version: ProcessVersion) -> tuple[str, ...]:
    """Return the parent statuses in which `version` may be started."""
    statuses = (version.options or {}).get("parent_status") or DEFAULT_PARENT_STATUS
    return tuple(statuses) if isinstance(statuses, list | tuple) else (str(statuses),)


def may_start(user: User, version: ProcessVersion, parent: Case) -> bool:
    """Return whether `user`'s role and scope let them start `version` on `parent`."""
    if not is_follow_up(version) or version.jurisdiction != parent.jurisdiction:
        return False
    if user.role != starter(version):
        return False
    if user.role == "applicant":
        return parent.applicant_id == user.id
    return divisions.covers(user, parent.jurisdiction, parent.county)


def _open_sibling(version: ProcessVersion, parent: Case) -> Case | None:
    """Return an open case of `version`'s process on `parent`, when the process allows one
    open at a time (`one_open: true`: a second revocation of one title makes no sense)."""
    if not (version.options or {}).get("one_open"):
        return None
    return db.session.scalars(sa.select(Case).where(
        Case.parent_id == parent.id, Case.process_key == version.key,
        Case.ended.is_(False))).first()


def _state_problem(version: ProcessVersion, parent: Case) -> str | None:
    if parent.ended:
        return N_("Case %(ref)s has ended; no follow-up procedure can be started on it.")
    if parent.status not in allowed_parent_status(version):
        return N_("%(process)s can be started only on a case whose status is %(allowed)s; "
                  "case %(ref)s is %(status)s.")
    if _open_sibling(version, parent) is not None:
        return N_("%(process)s is already under way on case %(ref)s; finish that case first.")
    return None


def startable_on(user: User, parent: Case) -> list[ProcessVersion]:
    """Return the follow-up procedures `user` may start on `parent` now."""
    if not access.can_see_case(user, parent):
        return []
    return [v for v in catalog.latest_processes() if may_start(user, v, parent)
            and _state_problem(v, parent) is None]


def start(user: User, process_key: str, parent_id: int, now: dt.datetime) -> Case:
    """Start follow-up `process_key` on case `parent_id`; return the child case (flushed).

    Raise NotFound (no such case or process), NotAllowed (role or scope) or Rejected (the
    parent's state does not allow it). The caller holds the write transaction.
    """
    version = catalog.latest_process(process_key)
    parent = db.session.get(Case, parent_id, with_for_update={"key_share": True})
    if parent is None or not access.can_see_case(user, parent):
        raise NotAllowed(N_("You may not start a procedure on this case."))
    if not is_follow_up(version):
        raise Rejected(N_("%(process)s is not a follow-up procedure."),
                       [("process", N_("Not a follow-up procedure."))], process=process_key)
    if not may_start(user, version, parent):
        raise NotAllowed(N_("Your role may not start %(process)s on this case."),
                         process=version.title)
    problem = _state_problem(version, parent)
    if problem is not None:
        params = {"ref": parent.ref, "process": version.title, "status": parent.status,
                  "allowed": "、".join(allowed_parent_status(version))}
        raise Rejected(problem, [("parent_id", problem, params)], **params)
    return progress.start_child(parent, {"process": version.key, "data": {}}, now,
                                user.username)


MAX_BATCH = 500  # cases one batch start may name


def my_procedures(user: User) -> list[ProcessVersion]:
    """Return the follow-up procedures `user`'s role starts in the jurisdictions they serve."""
    served = divisions.jurisdictions_of(user)
    return [v for v in catalog.latest_processes() if is_follow_up(v)
            and starter(v) == user.role and v.jurisdiction in served]


def candidates(user: User, version: ProcessVersion, limit: int = 1000) -> list[Case]:
    """Return the cases in `user`'s scope on which `version` may be started now."""
    query = (sa.select(Case).where(access.visible_cases(user),
                                   Case.jurisdiction == version.jurisdiction,
                                   Case.parent_id.is_(None), Case.ended.is_(False),
                                   Case.status.in_(allowed_parent_status(version)))
             .order_by(Case.county, Case.ref).limit(limit))
    if (version.options or {}).get("one_open"):
        child = sa.orm.aliased(Case)
        query = query.where(~sa.exists().where(child.parent_id == Case.id,
                                               child.process_key == version.key,
                                               child.ended.is_(False)))
    return [c for c in db.session.scalars(query) if may_start(user, version, c)]


@dataclass
class BatchResult:
    """One case of a batch start: the child started, or why not."""

    parent_id: int
    child: Case | None = None
    error: AppError | None = None


@retried
def start_one(user: User, process_key: str, parent_id: int, now: dt.datetime) -> Case:
    """Start follow-up `process_key` on case `parent_id` in its own transaction; return it."""
    with transaction():
        case = start(user, process_key, parent_id, now)
    return case


def start_many(user: User, process_key: str, parent_ids: list[int],
               now: dt.datetime) -> list[BatchResult]:
    """Start `process_key` on each of `parent_ids` (e.g. one evaluation of many bases), each
    in its own transaction, so that one refusal does not hold back the others."""
    if len(parent_ids) > MAX_BATCH:
        raise Rejected(N_("Choose at most %(n)s cases at a time."), [("cases", N_(
            "Choose at most %(n)s cases at a time."), {"n": MAX_BATCH})], n=MAX_BATCH)
    results = []
    for parent_id in dict.fromkeys(parent_ids):
        try:
            results.append(BatchResult(parent_id, child=start_one(user, process_key,
                                                                   parent_id, now)))
        except (NotAllowed, Rejected) as error:
            results.append(BatchResult(parent_id, error=error))
    return results
