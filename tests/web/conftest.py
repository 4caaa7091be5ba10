"""Web fixtures: a test client, logging in as a demo user, a Kunming case started on the web."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g
from flask.testing import FlaskClient

from app.config import ROOT
from app.extensions import db
from app.models import User
from tests.web import support

DEMO_PASSWORD = "demo1234"


@pytest.fixture(scope="session", autouse=True)
def compiled_translations():
    """Compile the Chinese catalogue when its .mo is missing or older (as `make setup` does)."""
    po = ROOT / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with po.open("rb") as source:
            catalog = read_po(source)
        with mo.open("wb") as target:
            write_mo(target, catalog)


class FreshClient(FlaskClient):
    """The `app` fixture keeps one app context open, so `g` outlives a request; a browser
    request never shares it. Forget the user and language cached there before each request."""

    def open(self, *args, **kwargs):
        for name in ("_login_user", "_flask_babel", "calendar_overrides"):
            g.pop(name, None)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = FreshClient
    return app.test_client()


@pytest.fixture
def login_as(client):
    """Log the client in as a demo user, by username or by role (+ jurisdiction, county)."""
    def login(username: str | None = None, *, role: str | None = None,
              jurisdiction: str | None = None, county: str | None = None) -> User:
        if username is None:
            query = sa.select(User).where(User.role == role).order_by(User.username)
            if jurisdiction:
                query = query.where(User.jurisdiction == jurisdiction)
            if county:
                query = query.where(User.county == county)
            username = db.session.scalars(query).first().username
        client.post("/logout")
        response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return db.session.scalars(sa.select(User).where(User.username == username)).one()
    return login


@pytest.fixture
def started_case(client, login_as):
    """Return the id of a Kunming case km_applicant (wuhua) opened on its start page."""
    login_as("km_applicant")
    response = client.post("/applicant/start", data={"process": "kunming_recognition"})
    assert response.status_code == 302
    item = db.session.scalars(sa.select(support.WorkItem).order_by(
        support.WorkItem.created_at.desc())).first()
    return item.case_id


@pytest.fixture
def submitted_case(client, login_as, started_case):
    """Return the id of a Kunming case whose application was submitted on the web."""
    attachment = support.upload(client, started_case).get_json()["id"]
    item = support.ready_item(started_case, "submit_application")
    response = client.post(f"/tasks/{item.id}", data=support.to_form(
        support.application(attachment), lock_version=support.case(started_case).lock_version))
    assert response.status_code == 302, support.text(response)[:3000]
    return started_case
