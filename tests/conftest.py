"""Shared fixtures: an app on a fresh SQLite file per test, processes and demo users loaded.

Loading the processes and hashing the demo users' passwords costs seconds, so it is done
once per test session into a template database; each test gets its own copy of that file.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.config import ROOT, TestConfig
from app.extensions import db
from app.models import User
from app.services import catalog, demo

DATA = Path(__file__).parent / "data"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(text: str) -> dt.datetime:
    """Return an aware instant from 'YYYY-MM-DD[THH:MM]' read in Asia/Shanghai."""
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)


def _config(database: Path, uploads: Path, process_dir, form_dir) -> type:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{database}"
        UPLOAD_DIR = str(uploads)
        PROCESS_DIR = str(process_dir)
        FORM_DIR = str(form_dir)

    return Config


def _build_template(folder: Path, process_dir, form_dir) -> Path:
    database = folder / "template.sqlite"
    app = create_app(_config(database, folder / "uploads", process_dir, form_dir))
    with app.app_context():
        db.create_all()
        catalog.load_all(process_dir, form_dir)
        demo.load_demo_users(process_dir)
        db.session.remove()
        db.engine.dispose()
    with sqlite3.connect(database) as connection:  # fold the WAL into the file before copying
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return database


@pytest.fixture(scope="session")
def template_database(tmp_path_factory):
    """Return a function giving the loaded template database of (process_dir, form_dir)."""
    built: dict[tuple, Path] = {}

    def get(process_dir, form_dir) -> Path:
        key = (str(process_dir), str(form_dir))
        if key not in built:
            built[key] = _build_template(tmp_path_factory.mktemp("template"), *key)
        return built[key]
    return get


def _make_app(tmp_path, template: Path, process_dir, form_dir):
    database = tmp_path / "test.sqlite"
    shutil.copyfile(template, database)
    return create_app(_config(database, tmp_path / "uploads", process_dir, form_dir))


@pytest.fixture
def app(tmp_path, template_database):
    """The product with the real processes/ and forms/ loaded."""
    dirs = (ROOT / "processes", ROOT / "forms")
    app = _make_app(tmp_path, template_database(*dirs), *dirs)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def mini_app(tmp_path, template_database):
    """The product with the small test procedure of tests/data loaded."""
    dirs = (DATA / "processes", DATA / "forms")
    app = _make_app(tmp_path, template_database(*dirs), *dirs)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def user():
    """Return the user named `username` (demo users are loaded)."""
    def find(username: str) -> User:
        return db.session.scalars(sa.select(User).where(User.username == username)).one()
    return find
