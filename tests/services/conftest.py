"""Service-level fixtures: the loaded product on a fresh database copy per test (driver.py),
and on a fresh loaded PostgreSQL database (TEST_POSTGRES_URL) for the production-database
tests."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import TestConfig
from app.extensions import db
from app.web import api as api_module
from tests import pg_template
from tests.processes import examples_kunming as km
from tests.processes.driver import Api, CaseDriver, api, loaded_app, template_db  # noqa: F401


@pytest.fixture
def pg_api(tmp_path, monkeypatch) -> Api:
    """The JSON API (clock set by the test) on TEST_POSTGRES_URL, a fresh database migrated
    by `init-db` with the processes, forms and demo users loaded (tests/pg_template.py)."""
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = pg_template.fresh_loaded_database()
        UPLOAD_DIR = str(tmp_path / "uploads")
        AUDIT_ANCHOR_LOG = str(tmp_path / "audit-anchors.jsonl")
        AUDIT_SIGNING_KEY = str(tmp_path / "audit-signing-key.pem")

    app = create_app(Config)
    with app.app_context():
        client = Api(app)
        monkeypatch.setattr(api_module, "_now", lambda: client.now)
        yield client
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def submitted(api) -> CaseDriver:  # noqa: F811  (the api fixture)
    """A Kunming recognition case just submitted: its county review is ready."""
    case = CaseDriver(api, "kunming_recognition", "km_applicant", "km_city")
    case.start()
    case.complete("km_applicant", "submit_application", km.APPLICATION, "2026-03-02T09:00")
    return case
