"""A PostgreSQL server of the bench's own on port 55443 (data in /tmp/pgbench), started when
`initdb` and `pg_ctl` are installed; the bench falls back to SQLite otherwise.

The settings are those docs/OPERATIONS.md recommends for a 2-core server running gunicorn
beside PostgreSQL: enough shared buffers for the working set, room for every worker's pool
plus the CLI, and commits that stay durable (synchronous_commit stays on: an acknowledged
completion is never lost, which an audit trail needs).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import sqlalchemy as sa

PORT = 55443
HOME = Path(os.environ.get("BENCH_PG_DIR", "/tmp/pgbench"))
SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "max_connections": "200",
    "shared_buffers": "256MB",
    "effective_cache_size": "2GB",
    "work_mem": "16MB",
    "random_page_cost": "1.1",  # SSD: index scans cost about as much as sequential reads
    "wal_buffers": "16MB",
    "checkpoint_timeout": "15min",
    "max_wal_size": "2GB",  # no checkpoint storm in the middle of a load run
}


def _as_postgres(command: list[str]) -> subprocess.CompletedProcess:
    """Run a PostgreSQL tool as the postgres user when we are root (initdb refuses root)."""
    if os.geteuid() == 0:
        command = ["su", "postgres", "-c", " ".join(command)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def url(database: str = "bench") -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{PORT}/{database}"


def running() -> bool:
    try:
        engine = sa.create_engine(url("postgres"))
        with engine.connect():
            pass
        engine.dispose()
        return True
    except sa.exc.OperationalError:
        return False


def start() -> str | None:
    """Start the bench's server if need be and return the URL of an empty database "bench";
    None when PostgreSQL is not installed."""
    if os.environ.get("BENCH_SQLITE") or not (shutil.which("initdb") and shutil.which("pg_ctl")):
        return None
    if not running():
        data = HOME / "data"
        if not (data / "PG_VERSION").exists():
            HOME.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(HOME, "postgres")
            done = _as_postgres(["initdb", "-D", str(data), "-A", "trust", "-U", "postgres",
                                 "-E", "UTF8"])
            assert done.returncode == 0, done.stderr
        options = " ".join(f"-c {key}={value}" for key, value in SETTINGS.items())
        done = _as_postgres(["pg_ctl", "-D", str(data), "-l", str(HOME / "server.log"), "-w",
                             "-o", f"\"-p {PORT} -k {HOME} {options}\"", "start"])
        assert done.returncode == 0, done.stdout + done.stderr
    engine = sa.create_engine(url("postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("DROP DATABASE IF EXISTS bench WITH (FORCE)")
        connection.exec_driver_sql("CREATE DATABASE bench")
    engine.dispose()
    return url()


def stop() -> None:
    if running():
        _as_postgres(["pg_ctl", "-D", str(HOME / "data"), "-m", "fast", "stop"])


if __name__ == "__main__":
    print(start() or "PostgreSQL is not installed")
