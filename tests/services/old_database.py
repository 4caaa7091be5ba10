"""A SQLite database made by an older migration, for tests of what a later one does to it."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_migrate import upgrade

from app import create_app
from app.config import ROOT, TestConfig
from app.extensions import db

MIGRATIONS = str(ROOT / "migrations")


def app_at(folder: Path, revision: str) -> Flask:
    """Return an app on `folder`/old.sqlite, migrated up to `revision` only."""
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'old.sqlite'}"
        UPLOAD_DIR = str(folder / "uploads")

    app = create_app(Config)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision=revision)
        db.engine.dispose()
    return app


def upgrade_to_head(app: Flask) -> None:
    """Run the remaining migrations on the app's database."""
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        db.engine.dispose()
