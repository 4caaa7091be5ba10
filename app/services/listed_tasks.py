"""The rows of a task list (the worklist, the API's task lists, the overdue panel, the
applicant's home page): the columns a list shows of each work item, its case and its
claimant, read in one statement as plain rows.

A list never writes and reads nothing more, so its rows are not ORM objects: building a
WorkItem, a Case and a User per row through the ORM was most of a hundred-row list's time.
The rows keep the attribute names of those models (`item.case.ref`, `item.claimed_by.name`),
so templates and `tasks.task_json` read either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Case, ProcessVersion, User, WorkItem, subject_of

CLAIMANT = aliased(User, name="claimant")

ITEM_COLUMNS = (WorkItem.id, WorkItem.case_id, WorkItem.name, WorkItem.title, WorkItem.lane,
                WorkItem.jurisdiction, WorkItem.county, WorkItem.applicant_id, WorkItem.form,
                WorkItem.assignee, WorkItem.status, WorkItem.claimed_by_id, WorkItem.due_at,
                WorkItem.created_at, WorkItem.not_before)
# What a list row shows of its case: never its data, nor its engine state.
CASE_COLUMNS = (Case.ref, Case.stage, Case.base_name, Case.process_key, Case.process_version_id,
                Case.parent_id, Case.status, Case.jurisdiction, Case.county, Case.lock_version)
CLAIMANT_COLUMNS = (CLAIMANT.username, CLAIMANT.name)
_ITEMS, _CASES = len(ITEM_COLUMNS), len(ITEM_COLUMNS) + len(CASE_COLUMNS)


@dataclass(slots=True)
class ListedCase:
    """The summary of a listed task's case."""

    id: int
    ref: str
    stage: str
    base_name: str | None
    process_key: str
    process_version_id: int
    parent_id: int | None
    status: str
    jurisdiction: str
    county: str | None
    lock_version: int
    # {version id: ProcessVersion}, shared by the rows of one read: each version is read
    # once, when a row first asks for it (a page's rows hold it; the session would not).
    versions: dict = field(repr=False, compare=False)

    @property
    def process_version(self) -> ProcessVersion | None:
        """The case's process version."""
        key = self.process_version_id
        if key not in self.versions:
            self.versions[key] = db.session.get(ProcessVersion, key)
        return self.versions[key]

    @property
    def subject(self) -> str:
        return subject_of(self.process_version)


@dataclass(slots=True)
class Claimant:
    """Who holds a listed task's claim."""

    id: int
    username: str
    name: str | None


@dataclass(slots=True)
class ListedTask:
    """A ready work item as a list shows it."""

    id: str
    case_id: int
    name: str
    title: str
    lane: str | None
    jurisdiction: str
    county: str | None
    applicant_id: int | None
    form: str | None
    assignee: str | None
    status: str
    claimed_by_id: int | None
    due_at: dt.datetime | None
    created_at: dt.datetime
    not_before: dt.datetime | None
    case: ListedCase
    claimed_by: Claimant | None


def listed(query):
    """Return SELECT `query` of work items joined with their cases (tasks.task_filter)
    reduced to the columns a list row shows, its claimant's in the same statement."""
    return (query.with_only_columns(*ITEM_COLUMNS, *CASE_COLUMNS, *CLAIMANT_COLUMNS)
            .outerjoin(CLAIMANT, CLAIMANT.id == WorkItem.claimed_by_id))


def read(query) -> list[ListedTask]:
    """Return the rows of SELECT `query` (made by `listed`) as ListedTask."""
    found, versions = [], {}
    # On the session's connection: the rows are plain, so they skip the ORM's result layer.
    for row in db.session.connection().execute(query):
        item, case, claimant = row[:_ITEMS], row[_ITEMS:_CASES], row[_CASES:]
        claimed_by = row.claimed_by_id
        found.append(ListedTask(
            *item, case=ListedCase(row.case_id, *case, versions=versions),
            claimed_by=Claimant(claimed_by, *claimant) if claimed_by is not None else None))
    return found
