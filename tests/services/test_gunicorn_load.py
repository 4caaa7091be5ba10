"""Four gunicorn workers on PostgreSQL under parallel traffic: no server error, no lost update.

Runs when TEST_POSTGRES_URL is set (it empties that database); skipped otherwise. Set up
as an operator would (init-db, processes load, demo load), then several cases are driven
at once through the JSON API over HTTP, with deliberate races in each: officials claiming
one task, one task completed twice, three experts submitting together, applications
started at the same moment, worklists read meanwhile. A bounded number of requests.
"""

from __future__ import annotations

import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from app import create_app
from app.config import TestConfig
from app.extensions import db
from app.models import Case
from app.services import users
from tests.load_driver import CITY, COUNTY, Client, at_once, check_case, drive, flask, gunicorn
from tests.processes import examples_kunming as km
from tests.processes.driver import find_user

URL = os.environ.get("TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not URL, reason="TEST_POSTGRES_URL is not set")

WORKERS, CASES, CLAIMANTS, STARTS, READS = 4, 5, 6, 12, 40
READERS = [COUNTY, CITY, "km_applicant", *km.EXPERTS]


def prepare_database(env: dict, tmp_path) -> dict[str, str]:
    """Empty the database, set it up with the CLI; return API tokens by username."""
    engine = sa.create_engine(URL)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()
    for args in (["init-db"], ["processes", "load"], ["demo", "load"]):
        flask(env, *args)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = URL
        UPLOAD_DIR = str(tmp_path / "uploads")

    app = create_app(Config)
    with app.app_context():
        names = [f"county_{uuid.uuid4().hex[:8]}" for _ in range(CLAIMANTS - 1)]
        tokens = {name: users.create_user(name, "county", "kunming", "wuhua", name=name)[1]
                  for name in names}
        for name in (COUNTY, CITY, "km_applicant", "km_applicant2", *km.EXPERTS):
            tokens[name] = users.issue_token(find_user(name))
        db.session.remove()
        db.engine.dispose()
    return tokens


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("gunicorn")
    env = {**os.environ, "DATABASE_URL": URL, "UPLOAD_DIR": str(tmp_path / "uploads"),
           "SECRET_KEY": "load-test", "PYTHONUTF8": "1"}
    tokens = prepare_database(env, tmp_path)
    log_path = tmp_path / "gunicorn.log"
    # The production settings (deploy/gunicorn.conf.py) with four workers.
    with gunicorn(env, log_path, WEB_WORKERS=str(WORKERS)) as (base, _process):
        client = Client(base, tokens)
        yield client, env, log_path
        client.close()


def read_worklists(client: Client) -> None:
    for index in range(READS):
        client.get(READERS[index % len(READERS)], "/api/tasks")


def test_four_workers_under_parallel_traffic_lose_nothing_and_never_fail(server, tmp_path):
    client, env, log_path = server
    started = time.monotonic()
    with ThreadPoolExecutor(CASES + 2) as pool:
        claimants = [COUNTY, *[name for name in client.tokens if name.startswith("county_")]]
        cases = [pool.submit(drive, client, claimants) for _ in range(CASES)]
        reading = pool.submit(read_worklists, client)
        starts = at_once([lambda: client.post("km_applicant2", "/api/cases",
                                              {"process": "kunming_recognition"})] * STARTS)
        driven = [future.result(timeout=110) for future in cases]
        reading.result(timeout=110)
    elapsed = time.monotonic() - started

    errors = [(call, status) for call, status, _seconds in client.seen if status >= 500]
    assert errors == [], (errors, log_path.read_text(errors="replace")[-4000:])
    assert [status for status, _ in starts] == [201] * STARTS, starts
    assert len({answer["ref"] for _, answer in starts}) == STARTS
    assert len(driven) == CASES and all(len(case["claimed_by"]) == 1 for case in driven)
    assert elapsed < 120, f"{len(client.seen)} requests took {elapsed:.0f} s"

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = URL
        UPLOAD_DIR = str(tmp_path)

    app = create_app(Config)
    with app.app_context():
        every = db.session.scalars(sa.select(Case)).all()
        assert len(every) == CASES + STARTS
        assert len({case.ref for case in every}) == len(every)
        for case in every:
            check_case(case)
        db.session.remove()
        db.engine.dispose()
    flask(env, "audit", "verify", "--all")
