"""What one task completion costs the database: counted statements, not time.

The statements are behaviour: each one a completion adds is paid by every official on every
task, so the count is pinned (docs/OPERATIONS.md, "One completion in SQL").
"""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Event
from app.services import audit, oversight_rollups, users
from tests.bench.http import GOAL_STATEMENTS, Statements
from tests.web import support


def test_a_completion_costs_at_most_12_statements_and_one_commit(client, submitted_case,
                                                                  user):
    token = users.issue_token(user("km_county_wuhua"))
    db.session.commit()
    url = f"/api/tasks/{support.ready_item(submitted_case, 'county_review').id}/complete"
    item_version = support.case(submitted_case).lock_version
    with Statements(db.engine) as counted:
        answer = client.post(url,
                             headers={"Authorization": f"Bearer {token}"},
                             json={"data": support.COUNTY_APPROVE})
    assert answer.status_code == 200, answer.get_json()
    assert len(counted.statements) <= GOAL_STATEMENTS, "\n".join(
        " ".join(s.split())[:90] for s in counted.statements)
    assert counted.commits == 1
    # The answer is built from what was read under the lock: no read after the commit.
    assert counted.after_commit == []
    assert sum(s.lstrip().upper().startswith("INSERT INTO EVENT")
               for s in counted.statements) == 1

    # The answer, built from what the transaction committed, is what a fresh read shows.
    body = answer.get_json()
    assert [t["name"] for t in body["tasks"]] == ["site_inspection"]
    assert body["lock_version"] == item_version + 1
    again = client.get(f"/api/cases/{submitted_case}",
                       headers={"Authorization": f"Bearer {token}"})
    assert again.get_json()["tasks"] == body["tasks"]
    assert again.get_json() == body
    # The chain extended from the tip read with the lock; the counts follow the case.
    case = support.case(submitted_case)
    events = db.session.scalars(sa.select(Event).where(Event.case_id == case.id)
                                .order_by(Event.seq)).all()
    assert events[-1].kind == "task_completed" and events[-1].prev_hash == events[-2].hash
    assert audit.verify_case(case)["ok"]
    assert oversight_rollups.differences(db.session.connection()) == []
