"""Demo users for every role of every jurisdiction, from each meta.yaml."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.extensions import db
from app.models import Call, User
from app.services import calls, catalog, users

ADMIN = {"username": "admin", "password": "demo1234", "role": "admin", "name": "Administrator"}


def load_demo_users(process_dir) -> list[dict]:
    """Create the demo users that do not exist yet; return every demo login.

    Their shared, published password is exempt from the password policy: demo only."""
    logins = [dict(ADMIN)]
    for package in catalog.read_packages(process_dir):
        for entry in package.meta.get("demo_users", []):
            logins.append({**entry, "jurisdiction": package.meta["key"]})
    for login in logins:
        exists = db.session.scalars(sa.select(User).where(User.username == login["username"]))
        if exists.first() is None:
            users.create_user(login["username"], login["role"], login.get("jurisdiction"),
                              login.get("county"), login["password"], login.get("name", ""),
                              policy=False, city=login.get("city"))
    return logins


DEMO_WINDOW_DAYS = 60  # the demo window opened before today and closing after it
DEMO_RECOMMEND_DAYS = 21  # the county deadline a few weeks ahead


def open_demo_calls(now: dt.datetime) -> list[Call]:
    """Open, for the current year, a call of every startable procedure that has none;
    return the calls opened (the window covers today, the deadline is weeks ahead)."""
    day = calls.today(now)
    opened = []
    for version in catalog.latest_processes(startable_only=True):
        if calls.list_calls(None, version.key, day.year):
            continue
        raw = {"year": day.year,
               "opens_on": max(day - dt.timedelta(days=DEMO_WINDOW_DAYS),
                               dt.date(day.year, 1, 1)).isoformat(),
               "closes_on": (day + dt.timedelta(days=7)).isoformat(),
               "recommend_by": (day + dt.timedelta(days=DEMO_RECOMMEND_DAYS)).isoformat()}
        opened.append(calls.open_call(None, version.key, raw, now))
    return opened
