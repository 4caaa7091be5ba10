"""Migration 0002 upgrades a database made by 0001: nonces, counters, unique names in any case."""

from __future__ import annotations

import sqlite3

import pytest
from flask_migrate import upgrade

from app import create_app
from app.config import ROOT, TestConfig
from app.extensions import db

INSERT = ("INSERT INTO user (username, password_hash, name, role, contact, active, created_at) "
          "VALUES (?, 'x', '', 'admin', '', 1, '2026-01-01 00:00:00')")


def _app(tmp_path):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'old.sqlite'}"
        UPLOAD_DIR = str(tmp_path / "uploads")

    return create_app(Config)


def _old_database(tmp_path, names):
    app = _app(tmp_path)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="0001")
        db.engine.dispose()
    with sqlite3.connect(tmp_path / "old.sqlite") as connection:
        connection.executemany(INSERT, [(name,) for name in names])
    return app


def test_upgrading_a_0001_database_gives_every_user_their_own_nonce(tmp_path):
    app = _old_database(tmp_path, ["Old_Admin", "clerk"])

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()

    with sqlite3.connect(tmp_path / "old.sqlite") as connection:
        rows = connection.execute("SELECT session_nonce, failed_logins, locked_at FROM user")
        nonces = [(nonce, failed, locked) for nonce, failed, locked in rows]
        assert len({n for n, _f, _l in nonces}) == 2 and all(len(n) == 32 for n, _f, _l in nonces)
        assert [(f, lock) for _n, f, lock in nonces] == [(0, None), (0, None)]
        with pytest.raises(sqlite3.IntegrityError):
            connection.execute(INSERT, ("OLD_ADMIN",))


def test_upgrading_refuses_names_that_differ_only_in_case(tmp_path):
    app = _old_database(tmp_path, ["clerk", "CLERK"])

    with app.app_context(), pytest.raises(SystemExit):  # Flask-Migrate exits on an error
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()

    with sqlite3.connect(tmp_path / "old.sqlite") as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("0001",)]
