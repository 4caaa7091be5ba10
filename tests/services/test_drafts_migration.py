"""Migration 0008 upgrades a database made by 0007: every version was published by
`processes load` when it was made; of each key only the newest is still published."""

from __future__ import annotations

import sqlite3

from tests.services.old_database import app_at, upgrade_to_head

INSERT = ("INSERT INTO process_version (key, version, jurisdiction, title, title_en, startable, "
          "options, bpmn, dmn, spec, sha256, status, author, note, created_at, forms) VALUES "
          "(?, ?, 'kunming', 't', '', 1, '{}', '<x/>', '{}', '', 'sha', 'published', 'system', "
          "'', ?, '{}')")


def test_upgrading_a_0007_database_dates_publications_and_retires_older_versions(tmp_path):
    app = app_at(tmp_path, "0007")
    with sqlite3.connect(tmp_path / "old.sqlite") as connection:
        connection.executemany(INSERT, [("a", 1, "2026-01-01 00:00:00"),
                                        ("a", 2, "2026-02-01 00:00:00"),
                                        ("b", 1, "2026-03-01 00:00:00")])

    upgrade_to_head(app)

    with sqlite3.connect(tmp_path / "old.sqlite") as connection:
        rows = connection.execute(
            "SELECT key, version, status, published_at, origin, approver, file "
            "FROM process_version ORDER BY key, version").fetchall()
    assert rows == [("a", 1, "retired", "2026-01-01 00:00:00", "files", None, None),
                    ("a", 2, "published", "2026-02-01 00:00:00", "files", None, None),
                    ("b", 1, "published", "2026-03-01 00:00:00", "files", None, None)]
