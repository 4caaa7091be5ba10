"""Cases of the test procedure `mini_recognition` brought to a known point through the services."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Case, WorkItem
from app.services import cases, tasks
from tests.conftest import at


def in_notice(applicant, county, city) -> Case:
    """A mini case whose notice (published 2026-09-28) runs until 2026-10-16 00:00 +08:00."""
    case = cases.start_case(applicant, "mini_recognition", at("2026-09-01T09:00"))
    application = {"base_name": "基地", "county": "east", "small_micro_count": 50}
    notice = {"notice_start": "2026-09-28", "notice_url": "https://x.gov.cn/1"}
    for user, data in ((applicant, application), (county, {"decision": "approve"}),
                       (city, notice)):
        [item] = db.session.scalars(sa.select(WorkItem).where(
            WorkItem.case_id == case.id, WorkItem.status == "ready"))
        tasks.complete_task(user, item.id, data, at("2026-09-28T09:00"))
    return case
