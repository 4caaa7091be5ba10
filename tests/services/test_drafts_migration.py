"""Migration 0008 upgrades a database made by 0007: every version was published by
`processes load` when it was made; of each key only the newest is still published."""

from __future__ import annotations

import sqlite3

from flask_migrate import upgrade

from app import create_app
from app.config import ROOT, TestConfig
from app.extensions import db

INSERT = ("INSERT INTO process_version (key, version, jurisdiction, title, title_en, startable, "
          "options, bpmn, dmn, spec, sha256, status, author, note, created_at, forms) VALUES "
          "(?, ?, 'kunming', 't', '', 1, '{}', '<x/>', '{}', '', 'sha', 'published', 'system', "
          "'', ?, '{}')")


def test_upgrading_a_0007_database_dates_publications_and_retires_older_versions(tmp_path):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'old.sqlite'}"
        UPLOAD_DIR = str(tmp_path / "uploads")

    app = create_app(Config)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="0007")
        db.engine.dispose()
    with sqlite3.connect(tmp_path / "old.sqlite") as connection:
        connection.executemany(INSERT, [("a", 1, "2026-01-01 00:00:00"),
                                        ("a", 2, "2026-02-01 00:00:00"),
                                        ("b", 1, "2026-03-01 00:00:00")])

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()

    with sqlite3.connect(tmp_path / "old.sqlite") as connection:
        rows = connection.execute(
            "SELECT key, version, status, published_at, origin, approver, file "
            "FROM process_version ORDER BY key, version").fetchall()
    assert rows == [("a", 1, "retired", "2026-01-01 00:00:00", "files", None, None),
                    ("a", 2, "published", "2026-02-01 00:00:00", "files", None, None),
                    ("b", 1, "published", "2026-03-01 00:00:00", "files", None, None)]
