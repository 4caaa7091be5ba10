"""`make bench`, the timer batch: N due cases fired by one and by two `flask timers run`.

The cases are copies of one case of the small test procedure whose public notice ends
2026-10-16 00:00 +08:00, each with task ids of its own and its own hash chain of the
original's events under its ref (a real chain that verifies by replay); the rollups are
recounted once the copies are in. One, then two worker processes fire them all at that
instant, on a fresh database each time (SQLite; PostgreSQL too when TEST_POSTGRES_URL is
set). Printed per run: wall seconds, fires per second, the workers' CPU ms per fire (they
have ended, so their CPU is that of this process's children) with the machine's load,
then what the run must leave: nothing due, one `timers_fired` event per case (no double
firing), the rollups equal to a recount, and a sample of the cases verified by replay.

The goal: 10 000 due cases fired in under 60 s by two workers on PostgreSQL.
`python -m tests.bench.timers [N] [--workers 1,2]`; `python -m tests.bench.lists
--timers N` runs it too. Benchmarks never fail on a time.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from app.config import ROOT
from app.extensions import db
from app.models import Case, Event, User
from app.services import audit, oversight_rollups, paging
from tests.clones import clone_cases, rechained

GOAL_SECONDS, GOAL_CASES, GOAL_WORKERS = 60, 10_000, 2
DUE = "2026-10-16T00:00:00+08:00"
SAMPLE = 100  # cases verified by replay after each run


def _with_chains(original: Case, ids: list[int]) -> None:
    """Give each copy the original's events, chained afresh under the copy's ref."""
    events = audit.case_events(original)
    refs = dict(db.session.execute(sa.select(Case.id, Case.ref).where(Case.id.in_(ids))).all())
    for start in range(0, len(ids), 1000):
        rows = []
        for case_id in ids[start:start + 1000]:
            rows += rechained(events, case_id, refs[case_id])
        db.session.execute(sa.insert(Event), rows)
    db.session.commit()


def due_cases(count: int) -> None:
    """`count` due cases of the small test procedure, with real chains and recounted rollups."""
    from tests.services.mini_cases import in_notice

    def find(name: str) -> User:
        return db.session.scalars(sa.select(User).where(User.username == name)).one()
    original = in_notice(find("tl_applicant"), find("tl_county_east"), find("tl_city"))
    db.session.commit()
    ids = clone_cases(original, count - 1, original.created_at, movable=True)
    _with_chains(original, ids)
    oversight_rollups.rebuild_all()  # the copies were written around the session
    paging.analyze()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _server_cpu(url: str) -> float | None:
    """Return the CPU seconds of a local PostgreSQL server's ended backends (its
    postmaster's reaped children), or None when that cannot be read."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            folder = connection.exec_driver_sql("SHOW data_directory").scalar()
        pid = (Path(folder) / "postmaster.pid").read_text().split()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # cutime, cstime
    except (OSError, IndexError, ValueError, sa.exc.SQLAlchemyError):
        return None
    finally:
        engine.dispose()


def run_workers(url: str, workers: int, tmp: Path) -> tuple[float, float, list[str]]:
    """Return (wall s, the workers' CPU s, the last line each printed, or why it failed)
    of `workers` concurrent `flask timers run` processes."""
    env = {**os.environ, "DATABASE_URL": url, "UPLOAD_DIR": str(tmp / "uploads"),
           "PROCESS_DIR": str(ROOT / "tests" / "data" / "processes"),
           "FORM_DIR": str(ROOT / "tests" / "data" / "forms"), "PYTHONUTF8": "1"}
    command = [sys.executable, "-m", "flask", "--app", "app", "timers", "run", "--now", DUE]
    start, cpu = time.perf_counter(), _children_cpu()
    running = [subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(workers)]
    outputs = [p.communicate() for p in running]
    seconds, cpu = time.perf_counter() - start, _children_cpu() - cpu
    lines = [(out.strip().splitlines() or [""])[-1] if process.returncode == 0 else
             f"failed ({(err.strip().splitlines() or ['?'])[-1][:200]})"
             for process, (out, err) in zip(running, outputs, strict=True)]
    return seconds, cpu, lines


def _after(count: int) -> dict:
    """What the run left: cases still due, cases fired more than once or never, rollup
    rows that differ from a recount, sampled cases that do not verify."""
    left = db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(
        Case.next_timer_at.is_not(None), Case.ended.is_(False)))
    fires = sa.select(Event.case_id, sa.func.count().label("n")).where(
        Event.kind == "timers_fired").group_by(Event.case_id).subquery()
    twice = db.session.scalar(sa.select(sa.func.count()).select_from(fires).where(fires.c.n > 1))
    fired = db.session.scalar(sa.select(sa.func.count()).select_from(fires))
    differences = len(oversight_rollups.check_all())
    ids = db.session.scalars(sa.select(Case.id).order_by(Case.id)).all()
    sample = ids[::max(1, len(ids) // SAMPLE)]
    failing = sum(not audit.verify_case(db.session.get(Case, case_id))["ok"]
                  for case_id in sample)
    db.session.rollback()
    return {"left": left, "twice": twice, "unfired": count - fired,
            "rollups": differences, "verified": len(sample), "failing": failing}


def bench_timers(count: int, url: str | None, name: str,
                 workers_list=(1, 2)) -> list[tuple[str, bool, str]]:
    """Run the timer batch; print a line per run; return [(goal, holds, figure)]."""
    from tests.bench.lists import _app

    goals = []
    for workers in workers_list:
        tmp = Path(tempfile.mkdtemp())
        database = url or f"sqlite:///{tmp / 'timers.sqlite'}"
        app = _app(tmp, ROOT / "tests" / "data" / "processes", ROOT / "tests" / "data" / "forms",
                   url=database)
        with app.app_context():
            due_cases(count)
            db.session.remove()
            db.engine.dispose()
        load, server = os.getloadavg()[0], _server_cpu(database) if url else None
        seconds, cpu, moved = run_workers(database, workers, tmp)
        if server is not None:  # the workers' backends have ended with them
            server = (_server_cpu(database) or server) - server
        with app.app_context():
            after = _after(count)
            db.session.remove()
            db.engine.dispose()
        total = sum(int(m) for m in moved if m.isdigit())
        clean = (after["left"] == after["twice"] == after["unfired"] == after["rollups"]
                 == after["failing"] == 0)
        figure = (f"{seconds:.1f} s, {count / seconds:.0f} fires/s, "
                  f"{cpu * 1000 / max(total, 1):.1f} CPU ms per fire"
                  + (f" + {server * 1000 / max(total, 1):.1f} in the server" if server else "")
                  + f" (load {load:.1f})")
        print(f"timer batch, {name}, {count} due cases, {workers} worker(s): {figure}; "
              f"moved {'+'.join(moved)} = {total}, left due {after['left']}, fired twice "
              f"{after['twice']}, never {after['unfired']}, rollups off {after['rollups']}, "
              f"{after['verified'] - after['failing']}/{after['verified']} sampled cases "
              f"verify; {'under' if seconds < GOAL_SECONDS else 'OVER'} {GOAL_SECONDS} s",
              flush=True)
        if name == "PostgreSQL" and workers == GOAL_WORKERS and count >= GOAL_CASES:
            goals.append((f"{GOAL_CASES} due timers fired by {GOAL_WORKERS} workers on "
                          f"PostgreSQL in under {GOAL_SECONDS} s, nothing left or fired twice",
                          seconds < GOAL_SECONDS and clean, figure))
    return goals


def main(argv: list[str] | None = None) -> list[tuple[str, bool, str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", default=GOAL_CASES)
    parser.add_argument("--workers", default="1,2", help="e.g. 1,2")
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    workers = [int(w) for w in args.workers.split(",")]
    goals = []
    if "sqlite" in args.databases:
        goals += bench_timers(args.count, None, "SQLite", workers)
    if "postgresql" in args.databases and os.environ.get("TEST_POSTGRES_URL"):
        goals += bench_timers(args.count, os.environ["TEST_POSTGRES_URL"], "PostgreSQL", workers)
    for goal, holds, figure in goals:
        print(f"goal: {goal}: {'holds' if holds else 'does not hold'} ({figure})")
    return goals


if __name__ == "__main__":
    main()
