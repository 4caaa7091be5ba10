"""Demo users for every role of every jurisdiction, from each meta.yaml."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import User
from app.services import catalog, users

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
