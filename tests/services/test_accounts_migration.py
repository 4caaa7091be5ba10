"""Migration 0002 upgrades a database made by 0001: nonces, counters, unique names in any case."""

from __future__ import annotations

import sqlite3

import pytest

from tests.services.old_database import app_at, upgrade_to_head

INSERT = ("INSERT INTO user (username, password_hash, name, role, contact, active, created_at) "
          "VALUES (?, 'x', '', 'admin', '', 1, '2026-01-01 00:00:00')")


def _old_database(tmp_path, names):
    app = app_at(tmp_path, "0001")
    with sqlite3.connect(tmp_path / "old.sqlite") as connection:
        connection.executemany(INSERT, [(name,) for name in names])
    return app


def test_upgrading_a_0001_database_gives_every_user_their_own_nonce(tmp_path):
    app = _old_database(tmp_path, ["Old_Admin", "clerk"])

    upgrade_to_head(app)

    with sqlite3.connect(tmp_path / "old.sqlite") as connection:
        rows = connection.execute("SELECT session_nonce, failed_logins, locked_at FROM user")
        nonces = [(nonce, failed, locked) for nonce, failed, locked in rows]
        assert len({n for n, _f, _l in nonces}) == 2 and all(len(n) == 32 for n, _f, _l in nonces)
        assert [(f, lock) for _n, f, lock in nonces] == [(0, None), (0, None)]
        with pytest.raises(sqlite3.IntegrityError):
            connection.execute(INSERT, ("OLD_ADMIN",))


def test_upgrading_refuses_names_that_differ_only_in_case(tmp_path):
    app = _old_database(tmp_path, ["clerk", "CLERK"])

    with pytest.raises(SystemExit):  # Flask-Migrate exits on an error
        upgrade_to_head(app)

    with sqlite3.connect(tmp_path / "old.sqlite") as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("0001",)]
