"""The production database: the schema migrations, a Kunming case to recognition, row locks.

Runs when TEST_POSTGRES_URL names an empty PostgreSQL database (`.ci/run` starts one);
skipped otherwise. The rest of the suite runs on SQLite.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import create_app
from app.config import ROOT, TestConfig
from app.extensions import db
from app.models import CalendarSet, Case, Event
from app.services import audit, calendar_days, catalog, designs, timers, transaction
from app.services.design_files import Folders
from app.web import api as api_module
from tests import pg_template
from tests.bench.http import GOAL_STATEMENTS, Statements
from tests.processes import examples_kunming as km
from tests.processes.driver import Api, CaseDriver, at, find_user
from tests.processes.test_kunming import CITY, COUNTY, in_notice, recognized

URL = os.environ.get("TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not URL, reason="TEST_POSTGRES_URL is not set")


def run_twice_at_once(target) -> None:
    threads = [threading.Thread(target=target) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.fixture(scope="module")
def pg_app(tmp_path_factory):
    """The product on a fresh PostgreSQL database migrated by `init-db`, processes, forms and
    demo users loaded (tests/pg_template.py)."""
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = pg_template.fresh_loaded_database(URL)
        UPLOAD_DIR = str(tmp_path_factory.mktemp("uploads"))

    app = create_app(Config)
    result = app.test_cli_runner().invoke(args=["init-db"])  # again: init-db is idempotent
    assert result.exit_code == 0, result.output
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def case(pg_app, monkeypatch):
    with pg_app.app_context():
        client = Api(pg_app)
        monkeypatch.setattr(api_module, "_now", lambda: client.now)
        yield CaseDriver(client, "kunming_recognition", "km_applicant", CITY)
        db.session.remove()


def test_two_officials_completing_one_task_at_once_on_postgresql_lose_nothing(case, pg_app):
    case.start()
    case.complete("km_applicant", "submit_application", km.APPLICATION, "2026-03-02T09:00")
    task_id = case.task(COUNTY, "county_review")["id"]
    headers = case.api.headers(COUNTY)
    codes = []

    def complete():
        client = pg_app.test_client()
        answer = client.post(f"/api/tasks/{task_id}/complete", headers=headers,
                             json={"data": km.COUNTY_APPROVE})
        codes.append(answer.status_code)

    run_twice_at_once(complete)

    assert sorted(codes) == [200, 409]
    completions = db.session.scalars(sa.select(Event).where(
        Event.case_id == case.id, Event.kind == "task_completed", Event.task == "county_review"))
    assert len(completions.all()) == 1
    assert case.ready() == ["site_inspection"]


def test_a_completion_on_postgresql_writes_its_case_once(case, pg_app):
    """The chain tip is read after the lock there; reading it must not flush the step's
    pending changes, which would write the case twice."""
    case.start()
    case.complete("km_applicant", "submit_application", km.APPLICATION, "2026-03-02T09:00")
    task_id = case.task(COUNTY, "county_review")["id"]
    headers = case.api.headers(COUNTY)
    flushes = []

    def count(_session, _context):
        flushes.append(1)

    sa.event.listen(Session, "after_flush", count)
    try:
        with Statements(db.engine) as counted:
            answer = pg_app.test_client().post(f"/api/tasks/{task_id}/complete",
                                               headers=headers,
                                               json={"data": km.COUNTY_APPROVE})
    finally:
        sa.event.remove(Session, "after_flush", count)

    assert answer.status_code == 200, answer.get_json()
    assert flushes == []  # the case and its work items went by their own statements
    assert len([s for s in counted.statements if s.lstrip().startswith('UPDATE "case"')]) == 1
    assert counted.commits == 1 and len(counted.statements) <= GOAL_STATEMENTS
    tip = [s for s in counted.statements if s.lstrip().startswith("SELECT event.seq")]
    assert len(tip) == 1
    # The tip was read before any write, and the event chains onto it.
    first_write = next(i for i, s in enumerate(counted.statements)
                       if s.lstrip().split()[0] in ("INSERT", "UPDATE"))
    assert counted.statements.index(tip[0]) < first_write
    assert audit.verify_case(db.session.get(Case, case.id))["ok"]


def test_two_workers_fire_a_due_notice_once_on_postgresql(case, pg_app):
    in_notice(case)
    moved = []

    def worker():
        with pg_app.app_context():
            moved.append(timers.run_due_timers(at("2026-10-16T00:00")))
            db.session.remove()

    run_twice_at_once(worker)

    assert sorted(moved) == [0, 1]
    fired = db.session.scalars(sa.select(Event).where(
        Event.case_id == case.id, Event.kind == "timers_fired"))
    assert len(fired.all()) == 1
    assert case.ready() == ["register_objections"]


def test_two_transactions_storing_a_new_calendar_set_at_once_on_postgresql_both_succeed(pg_app):
    stored, first_in = [], threading.Event()

    def store(first: bool) -> None:
        with pg_app.app_context():
            if not first:
                first_in.wait(5)
            with transaction():
                stored.append(calendar_days.set_in_force())
                if first:
                    first_in.set()
                    time.sleep(0.3)  # the other insert of the same set waits for this one
            db.session.remove()

    with pg_app.app_context():
        calendar_days.set_override(dt.date(2031, 5, 5), False, "a set no event used yet")
        try:
            threads = [threading.Thread(target=store, args=(first,)) for first in (True, False)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

            assert len(stored) == 2 and stored[0] == stored[1]
            assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarSet)
                                     .where(CalendarSet.hash == stored[0])) == 1
        finally:
            calendar_days.remove_override(dt.date(2031, 5, 5))


def test_a_calendar_change_made_with_psql_counts_at_the_next_transaction_on_postgresql(pg_app):
    day = dt.date(2031, 6, 6)
    with pg_app.app_context():
        assert day not in calendar_days.overrides()
        db.session.rollback()
        with db.engine.begin() as other:  # someone else with the database, not the product
            other.exec_driver_sql(f"INSERT INTO calendar_day (day, working, note, created_at) "
                                  f"VALUES ('{day}', false, 'psql', now())")
        try:
            assert calendar_days.overrides()[day] is False
        finally:
            db.session.rollback()
            with db.engine.begin() as other:
                other.exec_driver_sql(f"DELETE FROM calendar_day WHERE day = '{day}'")
        assert day not in calendar_days.overrides()
        db.session.remove()


# Last in the module: the title it awards bars km_applicant from applying again on this
# shared database (one valid title per base and programme).
def test_a_kunming_case_reaches_recognition_on_postgresql_and_replays(case):
    answer = recognized(case)

    assert (answer["status"], answer["valid_until"]) == ("recognized", "2029-11-19")
    stored = db.session.get(Case, case.id)
    assert audit.verify_case(stored)["ok"]
    # The compact state: at most 8 KB, as the column holds it (TOAST would compress plain
    # JSON; the stored state is compressed already).
    assert db.session.scalar(sa.select(sa.func.pg_column_size(Case.state))
                             .where(Case.id == case.id)) <= 8 * 1024


def test_a_draft_is_approved_and_published_on_postgresql(pg_app):
    key, old = "kunming_recognition", 'add_working_days(notice["notice_start"], 10,'
    with pg_app.app_context():
        designer = find_user("km_designer")
        text = designs.files(designer, key, catalog.latest_process(key).version)[
            "recognition.bpmn"]
        folders = Folders(ROOT / "processes", ROOT / "forms")
        number, problems = designs.create_draft(
            designer, key, {"recognition.bpmn": text.replace(old, old.replace("10", "15"))},
            "15 working days", folders=folders)
        designs.approve(find_user("km_designer2"), key, number)
        designs.publish(designer, key, number, folders=folders)

        assert problems == [] and catalog.latest_process(key).version == number
        assert catalog.load_all(ROOT / "processes", ROOT / "forms")["processes"] == 0
        statuses = [row["status"] for row in designs.versions(designer, key)]
        assert statuses.count("published") == 1 and statuses[0] == "published"
