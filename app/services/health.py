"""Readiness: can this process serve cases right now (database, schema, processes)?"""

from __future__ import annotations

import functools
from pathlib import Path

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.config import ROOT
from app.extensions import db
from app.models import ProcessVersion

MIGRATIONS = ROOT / "migrations"


@functools.cache
def schema_heads(migrations: Path = MIGRATIONS) -> frozenset[str]:
    """Return the head revisions of the migration scripts shipped with this code."""
    return frozenset(ScriptDirectory(str(migrations)).get_heads())


def readiness_problem(migrations: Path = MIGRATIONS) -> str | None:
    """Return a short code saying why the product cannot serve yet, or None when it can.

    Codes: "database_unreachable", "schema_not_current", "no_processes_loaded". Never raises
    for a database failure: the probe must answer even when the database is down.
    """
    try:
        current = MigrationContext.configure(db.session.connection()).get_current_heads()
        if frozenset(current) != schema_heads(migrations):
            return "schema_not_current"
        loaded = db.session.scalar(sa.select(ProcessVersion.id)
                                   .where(ProcessVersion.status == "published").limit(1))
    except sa.exc.SQLAlchemyError:
        return "database_unreachable"
    finally:
        db.session.rollback()
    return None if loaded is not None else "no_processes_loaded"
