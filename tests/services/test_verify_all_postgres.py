"""`audit verify --all --jobs 2` on PostgreSQL: each worker process opens its own connections.

Runs when TEST_POSTGRES_URL names a PostgreSQL database (`.ci/run` starts one); skipped
otherwise.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from app import create_app
from app.config import ROOT, TestConfig
from app.extensions import db
from app.services import catalog, demo
from app.web import api as api_module
from tests.processes.driver import Api
from tests.services.test_anchors import cli, events_of, make_case, ref_of

URL = os.environ.get("TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not URL, reason="TEST_POSTGRES_URL is not set")


@pytest.fixture
def pg_api(tmp_path, monkeypatch):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = URL
        UPLOAD_DIR = str(tmp_path / "uploads")
        AUDIT_ANCHOR_LOG = str(tmp_path / "audit-anchors.jsonl")
        AUDIT_SIGNING_KEY = str(tmp_path / "audit-signing-key.pem")

    app = create_app(Config)
    with app.app_context():
        db.session.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.session.commit()
    assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    with app.app_context():
        catalog.load_all(ROOT / "processes", ROOT / "forms")
        demo.load_demo_users(ROOT / "processes")
        client = Api(app)
        monkeypatch.setattr(api_module, "_now", lambda: client.now)
        yield client
        db.session.remove()
        db.engine.dispose()


def test_workers_on_postgresql_find_the_edited_case_as_one_process_does(pg_api):
    good, edited, other = make_case(pg_api), make_case(pg_api), make_case(pg_api)
    forged = events_of(edited.id)[1]
    forged.data = {**forged.data, "forged": True}
    db.session.commit()

    parallel = cli(pg_api, "verify", "--all", "--jobs", "2")
    single = cli(pg_api, "verify", "--all", "--jobs", "1")

    assert parallel.exit_code == 1 and parallel.output == single.output, parallel.output
    lines = parallel.output.splitlines()
    assert f"{ref_of(good)}\tok" in lines and f"{ref_of(other)}\tok" in lines
    assert "cases\t3" in lines and "failed\t1" in lines
    assert (f"failure\t{ref_of(edited)}\t#2\thash chain broken: an event was edited or deleted"
            in lines)
