"""What a use case that moves a case read of it under the lock, kept for its answer.

The answer to a start or a completion shows the case as committed: its ready tasks and its
child cases. Read under the lock, just before COMMIT, they are what the database then holds,
and the answer needs no read transaction of its own after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from app.models import Case, WorkItem
from app.services import plain_rows


@dataclass
class Held:
    """A case's ready work items (oldest first) and its child cases' ids, as committed."""

    ready: list[WorkItem] = field(default_factory=list)
    children: list[int] = field(default_factory=list)

    def keep(self, case: Case, items: list[WorkItem]) -> None:
        """Keep, from `items` (all of `case`'s), the ready ones, and read its children; call
        it inside the transaction, after the last change to the case."""
        self.ready = sorted((i for i in items if i.status == "ready"),
                            key=lambda i: (i.created_at, i.id))
        self.children = child_ids([case.id])[case.id]


# IS NOT NULL lets the planner use the partial index ix_case_children. Built once: building
# it cost more than running it. One case (every completion's answer) by a plain parameter:
# an expanding IN is rewritten at every execution.
_CHILDREN = sa.select(Case.parent_id, Case.id).where(
    Case.parent_id.is_not(None),
    Case.parent_id.in_(sa.bindparam("ids", expanding=True))).order_by(Case.id)
_CHILDREN_OF_ONE = sa.select(Case.parent_id, Case.id).where(
    Case.parent_id.is_not(None), Case.parent_id == sa.bindparam("id")).order_by(Case.id)


def child_ids(case_ids: list[int]) -> dict[int, list[int]]:
    """Return the ids of the child cases of each of `case_ids`, in order."""
    found: dict[int, list[int]] = {i: [] for i in case_ids}
    rows = plain_rows(_CHILDREN_OF_ONE, {"id": case_ids[0]}) if len(case_ids) == 1 else \
        plain_rows(_CHILDREN, {"ids": list(case_ids)})
    for parent_id, child_id in rows:
        found[parent_id].append(child_id)
    return found
