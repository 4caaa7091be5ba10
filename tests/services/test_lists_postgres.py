"""Lists and timers at scale on the production database: keyset pages over timestamptz keys,
and two timer workers sharing more due cases than a batch holds, each fired once.

Runs when TEST_POSTGRES_URL names an empty PostgreSQL database; skipped otherwise.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.extensions import db
from app.models import Case, Event, User
from app.services import timers, users
from tests.clones import clone_cases
from tests.processes.driver import at
from tests.processes.test_kunming import in_notice
from tests.services.test_postgres import (  # noqa: F401 (fixtures)
    case,
    pg_app,
    pytestmark,
    run_twice_at_once,
)


def _case_record(driver) -> Case:
    return db.session.get(Case, driver.id)


def test_two_workers_share_more_due_cases_than_a_batch_on_postgresql(case, pg_app):  # noqa: F811
    in_notice(case)
    clone_cases(_case_record(case), 29, at("2026-09-28T09:00"), movable=True)
    moved = []

    def worker():
        with pg_app.app_context():
            moved.append(timers.run_due_timers(at("2026-10-16T00:00"), batch=7))
            db.session.remove()

    run_twice_at_once(worker)

    fired = db.session.scalars(sa.select(Event.case_id).where(
        Event.kind == "timers_fired")).all()
    assert sum(moved) == len(fired) == len(set(fired)) == 30
    assert min(moved) > 0  # both workers took a share
    assert timers.due_case_ids(at("2026-10-16T00:00")) == []


def test_case_pages_walk_every_case_once_on_postgresql(case, pg_app):  # noqa: F811
    case.start()
    start = dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc)
    clone_cases(_case_record(case), 120, start,
                vary=lambda i, row, items: row.update(updated_at=start + dt.timedelta(
                    seconds=i // 4)))  # four cases share each instant
    city = db.session.scalars(sa.select(User).where(User.username == "km_city")).one()
    headers = {"Authorization": f"Bearer {users.issue_token(city)}"}
    client, url, seen = pg_app.test_client(), "/api/cases?fields=summary", []
    while url:
        response = client.get(url, headers=headers)
        seen += [c["id"] for c in response.get_json()]
        url = response.headers.get("Link", "").removeprefix("<").split(">")[0] or None

    expected = db.session.scalars(sa.select(Case.id).where(Case.jurisdiction == "kunming")
                                  .order_by(Case.updated_at.desc(), Case.id.desc())).all()
    assert seen == expected and len(seen) > 120
