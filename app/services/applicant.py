"""The applicant's start page: what it can apply for, its cases, what is asked of it now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import lazyload

from app.extensions import db
from app.models import Case, ProcessVersion, User, WorkItem
from app.services import cases, catalog, divisions, worklist


@dataclass
class ApplicantHome:
    startable: list[ProcessVersion]
    cases: list[Case]
    tasks: list[WorkItem]
    titles: dict[str, str]


def _title(version: ProcessVersion, lang: str) -> str:
    return version.title_en if lang == "en" and version.title_en else version.title


def home(user: User, lang: str = "zh") -> ApplicantHome:
    """Return the applicant's start page."""
    served = divisions.jurisdictions_of(user)
    versions = [v for v in catalog.latest_processes() if v.jurisdiction in served]
    own = db.session.scalars(cases.case_query(user).options(lazyload(Case.process_version))
                             .limit(200))
    return ApplicantHome(startable=[v for v in versions if v.startable], cases=list(own),
                         tasks=worklist.assigned_to_applicant(user),
                         titles={v.key: _title(v, lang) for v in versions})


def start_application(user: User, process_key: str, now: dt.datetime) -> tuple[Case, str | None]:
    """Start an application; return (case, id of its first task for the applicant or None)."""
    case = cases.start_case(user, process_key, now)
    first = db.session.scalars(sa.select(WorkItem.id).where(
        WorkItem.case_id == case.id, WorkItem.status == "ready",
        WorkItem.applicant_id == user.id, WorkItem.lane == "applicant")).first()
    return case, first
