"""A form goes stale only when data its reader can see changed (the web task page's check).

The page carries a digest of what the reader may see of the case; submitting against an
older digest is a conflict. Experts review independently, so one expert's opinion never
makes another expert's open form stale, while a county official's form does go stale when
the application it was filled in against changes.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.errors import Conflict
from app.extensions import db
from app.models import Case, User, WorkItem
from app.services import tasks
from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver, at
from tests.processes.test_kunming import CITY, at_expert_review, submitted


def _user(username: str) -> User:
    return db.session.scalars(sa.select(User).where(User.username == username)).one()


def _case(case_id: int) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case_id)


def _item(case_id: int, name: str, assignee: str | None = None) -> WorkItem:
    query = sa.select(WorkItem).where(WorkItem.case_id == case_id, WorkItem.name == name,
                                      WorkItem.status == "ready")
    if assignee:
        query = query.where(WorkItem.assignee == assignee)
    return db.session.scalars(query).one()


def test_an_expert_form_opened_before_another_expert_submitted_is_still_accepted(api):
    case = CaseDriver(api, "kunming_recognition", "km_applicant", CITY)
    at_expert_review(case)
    first, second = km.EXPERTS[0], km.EXPERTS[1]
    opened = tasks.seen_digest(_user(first), _case(case.id))

    case.complete(second, "expert_review", km.expert_opinion(85), "2026-05-10T09:00")
    done = tasks.complete_task(_user(first), _item(case.id, "expert_review", first).id,
                               km.expert_opinion(80), at("2026-05-10T10:00"),
                               expected_seen=opened)

    assert done.id == case.id
    left = db.session.scalars(sa.select(WorkItem.assignee).where(
        WorkItem.case_id == case.id, WorkItem.name == "expert_review",
        WorkItem.status == "ready")).all()
    assert left == [km.EXPERTS[2]]


def test_a_county_form_filled_in_against_older_data_is_a_conflict_and_changes_nothing(api):
    case = CaseDriver(api, "kunming_recognition", "km_applicant", CITY)
    submitted(case)
    county = _user("km_county_wuhua")
    opened = tasks.seen_digest(county, _case(case.id))
    record = _case(case.id)
    record.data = {**record.data, "application": {**record.data["application"],
                                                  "base_name": "改过的名称"}}
    db.session.commit()
    item_id = _item(case.id, "county_review").id

    with pytest.raises(Conflict, match="changed while you were filling in"):
        tasks.complete_task(county, item_id, km.COUNTY_APPROVE, at("2026-03-10T09:00"),
                            expected_seen=opened)

    assert _item(case.id, "county_review").status == "ready"
    assert "county_review" not in _case(case.id).data
