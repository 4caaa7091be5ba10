"""Who may see a case and who may work on a task: the one place these rules live.

Lanes are levels. A county, city or province official acts on every case filed in
their division (or below it), in every jurisdiction whose procedures use their
level (services/divisions.py); an applicant on its own cases, an expert on the
review instances assigned to them; auditors read their jurisdiction (or all,
without one); administrators see everything.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.errors import N_, NotAllowed
from app.extensions import db
from app.models import Case, User, WorkItem
from app.services import divisions

LEVEL_ROLES = divisions.OFFICIAL_LEVELS
READ_ALL_ROLES = ("admin",)
READ_ONLY_ROLES = ("auditor", "designer")
# Auditors change nothing anywhere; designers still write process designs.
READ_ONLY_EVERYWHERE = ("auditor",)


def _in_jurisdiction(user: User, jurisdiction: str) -> bool:
    return user.jurisdiction is None or user.jurisdiction == jurisdiction


def can_see_case(user: User, case: Case, items: list[WorkItem] | None = None) -> bool:
    """Return whether `user` may read `case` (data, history, attachments); `items`, when
    given, are the case's work items already read (a list reads a page's at once)."""
    role = user.role
    if role in READ_ALL_ROLES:
        return True
    if role == "applicant":
        return case.applicant_id == user.id
    if role in LEVEL_ROLES:
        return divisions.covers(user, case.jurisdiction, case.county)
    if role == "auditor":
        return _in_jurisdiction(user, case.jurisdiction)
    if role == "expert":
        return case.jurisdiction == user.jurisdiction and any(
            item.assignee == user.username
            for item in (case_items(case) if items is None else items))
    return False


def case_items(case: Case) -> list[WorkItem]:
    """Return every work item of `case`."""
    return list(db.session.scalars(sa.select(WorkItem).where(WorkItem.case_id == case.id)))


def can_work(user: User, item: WorkItem) -> bool:
    """Return whether `user` may claim and complete work item `item`."""
    if item.lane != user.role:
        return False
    if item.assignee is not None and item.assignee != user.username:
        return False
    if user.role == "applicant":
        return item.applicant_id == user.id
    if user.role in LEVEL_ROLES:
        return divisions.covers(user, item.jurisdiction, item.county)
    return item.jurisdiction == user.jurisdiction


def require_case(user: User, case: Case, items: list[WorkItem] | None = None) -> None:
    """Raise NotAllowed unless `user` may read `case` (`items`: see can_see_case)."""
    if not can_see_case(user, case, items):
        raise NotAllowed(N_("You may not view this case."))


def require_contribution(user: User, case: Case) -> None:
    """Raise NotAllowed unless `user` may add material (attachments) to `case`."""
    require_case(user, case)
    if user.role in READ_ONLY_ROLES:
        raise NotAllowed(N_("Your role may read this case but not change it."))


def require_writer(user: User) -> None:
    """Raise NotAllowed if `user`'s role may change nothing at all (auditors)."""
    if user.role in READ_ONLY_EVERYWHERE:
        raise NotAllowed(N_("Auditors may read but not change anything: this action is not "
                            "available to your role."))


def require_work(user: User, item: WorkItem) -> None:
    """Raise NotAllowed unless `user` may work on `item`."""
    if not can_work(user, item):
        raise NotAllowed(N_("This task is not yours to work on."))


def visible_divisions(user: User, jurisdiction_column, county_column):
    """Return a WHERE clause on rows filed under a jurisdiction and county (cases, or counts
    of cases) selecting those `user` reads as a whole division; None for the roles whose
    sight depends on the case itself (applicants, experts)."""
    role = user.role
    if role in READ_ALL_ROLES or (role == "auditor" and user.jurisdiction is None):
        return sa.true()
    if role in LEVEL_ROLES:
        return divisions.in_scope(user, jurisdiction_column, county_column)
    if role == "auditor":
        return jurisdiction_column == user.jurisdiction
    return None


def visible_cases(user: User):
    """Return a WHERE clause selecting the cases `user` may read."""
    role = user.role
    division = visible_divisions(user, Case.jurisdiction, Case.county)
    if division is not None:
        return division
    if role == "applicant":
        return Case.applicant_id == user.id
    if role == "expert":
        assigned = sa.select(WorkItem.case_id).where(WorkItem.assignee == user.username)
        return sa.and_(Case.jurisdiction == user.jurisdiction, Case.id.in_(assigned))
    return sa.false()


def workable_items(user: User):
    """Return a WHERE clause selecting the work items `user` may claim or complete."""
    lane = WorkItem.lane == user.role
    if user.role == "applicant":
        return sa.and_(lane, WorkItem.applicant_id == user.id)
    if user.role in LEVEL_ROLES:
        return sa.and_(lane, divisions.in_scope(user, WorkItem.jurisdiction, WorkItem.county))
    if user.role == "expert":
        return sa.and_(lane, WorkItem.jurisdiction == user.jurisdiction,
                       WorkItem.assignee == user.username)
    return sa.false()
