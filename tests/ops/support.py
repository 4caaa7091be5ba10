"""Helpers of the operations tests: scratch PostgreSQL databases and the product's commands.

They run when TEST_POSTGRES_URL names a PostgreSQL server whose user may create
databases (`.ci/run` starts one); every database made here is dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from app.config import ROOT

URL = os.environ.get("TEST_POSTGRES_URL")
BIN = Path(sys.executable).parent
DEPLOY = ROOT / "deploy"


def _server():
    return sa.create_engine(sa.make_url(URL).set(database="postgres"),
                            isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def database_url(name: str) -> str:
    """Return the SQLAlchemy URL of database `name` on the test server."""
    return sa.make_url(URL).set(database=name).render_as_string(hide_password=False)


def create_database(name: str) -> None:
    with _server().connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))


def drop_database(name: str) -> None:
    with _server().connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """Create an empty database; yield its name; drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    create_database(name)
    try:
        yield name
    finally:
        drop_database(name)


def environment(**settings: str) -> dict[str, str]:
    """Return this process's environment plus `settings`, with the virtualenv first on PATH."""
    env = {**os.environ, **settings}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("ENV_FILE", "/nonexistent/innobase.env")  # the scripts read env only
    return env


def run(args: list[str], env: dict[str, str], timeout: int = 90) -> str:
    """Run a command in the repository; assert it succeeds; return its standard output."""
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"{args}: {result.returncode}\n{result.stdout}{result.stderr}"
    return result.stdout


def flask(*args: str, env: dict[str, str], timeout: int = 90) -> str:
    """Run `flask --app app ARGS` as an operator would; return its output."""
    return run([str(BIN / "flask"), "--app", "app", *args], env, timeout)
