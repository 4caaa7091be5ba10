"""A fresh loaded PostgreSQL database for a test, copied from a template built once per process.

Migrating an empty database with `init-db` and loading every procedure, form and demo user
takes over ten seconds; `CREATE DATABASE … TEMPLATE` copies the result in a tenth of a
second. The template is built the first time a test asks for the database in this process
(each pytest-xdist worker has its own TEST_POSTGRES_URL, tests/conftest.py), exactly as the
tests built their database before: `init-db`, then the processes, the forms and the demo
users. Each copy is the whole database the test's URL names, dropped and created again, so
nothing a test leaves (rows, sequences, a table it altered) reaches the next.
"""

from __future__ import annotations

import os
import tempfile

import sqlalchemy as sa

from app import create_app
from app.config import ROOT, TestConfig
from app.extensions import db
from app.services import catalog, demo

_built: set[str] = set()


def _names(url: str) -> tuple[sa.engine.URL, str, str]:
    """Return (the maintenance database's URL, the test database, its template)."""
    base = sa.engine.make_url(url)
    return base.set(database="postgres"), base.database, f"{base.database}_loaded"


def _admin(statements: list[str], url: sa.engine.URL) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def _build(url: str, admin: sa.engine.URL, template: str) -> None:
    """Create `template` as `init-db` and the loaders make a production database."""
    _admin([f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)',
            f'CREATE DATABASE "{template}"'], admin)
    folder = tempfile.mkdtemp(prefix="pg-template-")

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = sa.engine.make_url(url).set(database=template).render_as_string(
            hide_password=False)
        UPLOAD_DIR = os.path.join(folder, "uploads")
        AUDIT_ANCHOR_LOG = os.path.join(folder, "audit-anchors.jsonl")
        AUDIT_SIGNING_KEY = os.path.join(folder, "audit-signing-key.pem")

    app = create_app(Config)
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        catalog.load_all(ROOT / "processes", ROOT / "forms")
        demo.load_demo_users(ROOT / "processes")
        db.session.remove()
        db.engine.dispose()


def fresh_loaded_database(url: str | None = None) -> str:
    """Make the database of `url` (TEST_POSTGRES_URL by default) a fresh copy of the loaded
    template, built first if this process has not built it; return `url`. Connections still
    open to the old database are ended."""
    url = url or os.environ["TEST_POSTGRES_URL"]
    admin, name, template = _names(url)
    if template not in _built:
        _build(url, admin, template)
        _built.add(template)
    _admin([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            f'CREATE DATABASE "{name}" TEMPLATE "{template}"'], admin)
    return url
