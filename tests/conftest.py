"""Shared fixtures: an app on a fresh SQLite file per test, processes and demo users loaded."""

from __future__ import annotations

import datetime as dt
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


def _make_app(tmp_path, process_dir, form_dir):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'test.sqlite'}"
        UPLOAD_DIR = str(tmp_path / "uploads")
        PROCESS_DIR = str(process_dir)
        FORM_DIR = str(form_dir)

    app = create_app(Config)
    with app.app_context():
        db.create_all()
        catalog.load_all(process_dir, form_dir)
        demo.load_demo_users(process_dir)
    return app


@pytest.fixture
def app(tmp_path):
    """The product with the real processes/ and forms/ loaded."""
    app = _make_app(tmp_path, ROOT / "processes", ROOT / "forms")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def mini_app(tmp_path):
    """The product with the small test procedure of tests/data loaded."""
    app = _make_app(tmp_path, DATA / "processes", DATA / "forms")
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
