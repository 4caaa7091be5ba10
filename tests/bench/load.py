"""`make bench`, the load: 50 clients over real HTTP against gunicorn with the production
settings (deploy/gunicorn.conf.py) on PostgreSQL (the bench's own server, tests/bench/pgserver.py;
SQLite when PostgreSQL is not installed).

Set up as an operator would (init-db, processes load, demo load); SEED Kunming cases are
submitted beforehand through the services (each with its real event chain), so that the
county reviews are waiting. Then, for SECONDS:

- 40 county officials each loop: read the worklist (GET /api/tasks, 100 rows), open one
  of the tasks (GET /api/tasks/<id>), complete it (POST /api/tasks/<id>/complete): a county
  review, or the site inspection that follows it (its report uploaded first);
- 6 clients each drive whole cases with deliberate races (tests/load_driver.drive): six
  officials claim one task at once, one task is completed twice at once, three experts
  submit together; each race must have exactly one winner and clear 409s for the others;
- 4 applicants start cases at the same moments and read their case list.

The generator runs on the same machine: one keep-alive http.client connection per thread.
It reports completions/s, requests/s, p50/p95 per request kind (as the client saw them, and
the server's own duration_ms from its request log), the CPU seconds of gunicorn, PostgreSQL
and the generator per completion, 5xx responses (must be 0), lost updates (0) and
`audit verify --all` at the end. BENCH_PROFILE=1 runs every worker under cProfile and prints
where their CPU went.

`python -m tests.bench.load [--seconds S] [--workers W] [--threads T]`.
Returns the goals as (goal, holds, figure) rows for tests/bench/run.py.
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import sqlalchemy as sa

from app import create_app
from app.config import ROOT
from app.extensions import db
from app.models import Case, User
from app.services import users
from tests.bench import pgserver
from tests.bench.run import _submitted_case, config
from tests.load_driver import (
    COUNTY,
    Client,
    RaceLost,
    at_once,
    attached,
    drive,
    flask,
    gunicorn,
    lost_updates,
)
from tests.processes import examples_kunming as km

OFFICIALS, RACERS, STARTERS = 40, 6, 4
CLAIMANTS = 6  # officials claiming one task at once in each raced case
GOAL_RATE = 3 * 11.5  # completions/s: three times the 11.5/s first measured
GOAL_P95 = 1.5  # seconds, every request kind
PROFILE_HOOKS = ROOT / "tests" / "bench" / "gunicorn_profile.py"


def prepare(env: dict, tmp: Path, seed: int) -> tuple[dict[str, str], int]:
    """Set the database up with the CLI, submit `seed` cases; return tokens by username and
    the last seeded case id."""
    for args in (["init-db"], ["processes", "load"], ["demo", "load"]):
        flask(env, *args)
    app = create_app(config(env["DATABASE_URL"], tmp))
    with app.app_context():
        applicant = db.session.scalars(sa.select(User).where(
            User.username == "km_applicant")).one()
        for number in range(seed):
            _submitted_case(applicant)
            if number % 100 == 99:
                db.session.commit()
        db.session.commit()
        tokens = {}
        for number in range(OFFICIALS + CLAIMANTS):
            name = f"load_county_{number:02d}"
            tokens[name] = users.create_user(name, "county", "kunming", "wuhua", name=name)[1]
        for name in (COUNTY, "km_city", "km_applicant", "km_applicant2", *km.EXPERTS):
            user = db.session.scalars(sa.select(User).where(User.username == name)).one()
            tokens[name] = users.issue_token(user)
        db.session.commit()
        seeded = db.session.scalar(sa.select(sa.func.max(Case.id)))
        db.session.execute(sa.text("ANALYZE"))  # as after a migration: plans for this size
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return tokens, seeded


class Run:
    """What the clients did: completions, races and their outcome, failures."""

    def __init__(self, client: Client, until: float, seeded: int):
        # Officials take the seeded cases only: the racers' cases are theirs to race on.
        self.client, self.until, self.seeded = client, until, seeded
        self.lock = threading.Lock()
        self.completed, self.conflicts, self.races, self.lost_races = 0, 0, 0, []
        self.failures: list[str] = []

    def active(self) -> bool:
        return time.monotonic() < self.until and not self.failures

    def guard(self, loop):
        def run(*args):
            try:
                loop(*args)
            except RaceLost as lost:
                with self.lock:
                    self.lost_races.append(repr(lost.args)[:300])
            except Exception as error:  # noqa: BLE001 - reported, the run stops
                with self.lock:
                    self.failures.append(f"{type(error).__name__}: {str(error)[:300]}")
        return run

    def official(self, me: int) -> None:
        """Worklist, open, complete: the county review, or the site inspection it leads to
        (with its report uploaded first)."""
        name, rng = f"load_county_{me:02d}", random.Random(me)
        forms = {"county_review": lambda: km.COUNTY_APPROVE, "site_inspection": km.site_inspection}
        while self.active():
            page = self.client.get(name, "/api/tasks?per_page=100")
            tasks = [t for t in page if t["name"] in forms and t["case_id"] <= self.seeded]
            if not tasks:
                time.sleep(0.2)
                continue
            mine = [t for t in tasks if t["case_id"] % OFFICIALS == me] or tasks
            task = rng.choice(mine)
            status, _ = self.client.call(name, "GET", f"/api/tasks/{task['id']}")
            if status == 404:  # completed by another since the list was read
                continue
            data = attached(forms[task["name"]](),
                            lambda case=task["case_id"]: self.client.upload(name, case))
            status, answer = self.client.post(name, f"/api/tasks/{task['id']}/complete",
                                              {"data": data})
            with self.lock:
                if status == 200:
                    self.completed += 1
                elif status == 409:
                    self.conflicts += 1  # another official was faster: a clear refusal
                else:
                    raise AssertionError(("complete", status, answer))

    def racer(self, me: int, claimants: list[str]) -> None:
        while self.active():
            drive(self.client, claimants)
            with self.lock:
                self.races += 2
                self.completed += 7  # submit, county review, inspection, assignment, 3 experts

    def starter(self, me: int) -> None:
        while self.active():
            status, answer = self.client.post("km_applicant2", "/api/cases",
                                              {"process": "kunming_recognition"})
            assert status == 201, (status, answer)
            self.client.get("km_applicant2", "/api/cases?fields=summary")


def _cpu_seconds(pids: list[int]) -> float:
    """utime + stime of `pids` and their waited-for children (/proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(fields[i]) for i in (11, 12, 13, 14))
    return total / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _postgres_pids() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * share))]


def _server_times(log_path: Path, since: float) -> dict[str, list[float]]:
    """duration_ms per request kind from the application's request log."""
    from tests.load_driver import kind
    found: dict[str, list[float]] = defaultdict(list)
    for line in log_path.read_text(errors="replace").splitlines():
        if line.startswith("{") and '"duration_ms"' in line:
            entry = json.loads(line)
            found[kind(entry["method"], entry["path"])].append(entry["duration_ms"])
    return found


def _profile_report(directory: Path) -> None:
    files = [str(p) for p in directory.glob("*.prof")]
    if not files:
        return
    stats = pstats.Stats(*files)
    print("\nwhere the workers' CPU went (cProfile of CPU time): per API view (percall = CPU "
          "seconds per request), then the application's functions, then by own time")
    stats.sort_stats("cumulative").print_stats(r"app/web/api\.py", 15)
    stats.sort_stats("cumulative").print_stats(r"/app/", 30)
    stats.sort_stats("tottime").print_stats(20)


def bench(seconds: float | None = None, workers: str | None = None,
          threads: str | None = None, seed: int | None = None) -> list[tuple[str, bool, str]]:
    seconds = seconds or float(os.environ.get("BENCH_LOAD_SECONDS", 60))
    tmp = Path(tempfile.mkdtemp())
    database = pgserver.start() or f"sqlite:///{tmp / 'load.sqlite'}"
    kind_of_db = "PostgreSQL" if database.startswith("postgresql") else "SQLite"
    seed = seed or int(os.environ.get("BENCH_LOAD_SEED", 15 * seconds))
    env = {**os.environ, "DATABASE_URL": database, "UPLOAD_DIR": str(tmp / "uploads"),
           "SECRET_KEY": "load-bench", "PYTHONUTF8": "1", "LOG_LEVEL": "warning",
           "AUDIT_ANCHOR_LOG": str(tmp / "audit-anchors.jsonl"),
           "AUDIT_SIGNING_KEY": str(tmp / "audit-signing-key.pem")}
    settings = {key: value for key, value in (("WEB_WORKERS", workers),
                                              ("WEB_THREADS", threads)) if value}
    profile_dir = tmp / "profiles"
    if os.environ.get("BENCH_PROFILE"):
        profile_dir.mkdir()
        settings["BENCH_PROFILE_DIR"] = str(profile_dir)
    started = time.perf_counter()
    tokens, seeded = prepare(env, tmp, seed)
    print(f"\nLoad: 50 clients over HTTP, gunicorn (deploy/gunicorn.conf.py"
          f"{', ' + ', '.join(f'{k}={v}' for k, v in settings.items() if k.startswith('WEB'))}"
          f") on {kind_of_db}; {seed} submitted cases seeded in "
          f"{time.perf_counter() - started:.0f} s; {seconds:.0f} s of load", flush=True)
    log_path = tmp / "gunicorn.log"
    hooks = PROFILE_HOOKS if profile_dir.exists() else None
    with gunicorn(env, log_path, hooks, **settings) as (base, process):
        client = Client(base, tokens)
        # Warm every worker's caches as in service: parallel reads reach every worker.
        at_once([lambda n=name: client.get(n, "/api/tasks?per_page=100")
                 for name in list(tokens)[:OFFICIALS]])
        client.seen.clear()
        server_pids = [process.pid, *_children(process.pid)]
        database_pids = _postgres_pids() if kind_of_db == "PostgreSQL" else []
        cpu_before = (_cpu_seconds(server_pids), _cpu_seconds(database_pids),
                      time.process_time())
        load_average = os.getloadavg()
        begin = time.monotonic()
        run = Run(client, begin + seconds, seeded)
        claimants = [COUNTY, *[f"load_county_{OFFICIALS + n:02d}" for n in range(CLAIMANTS - 1)]]
        loops = ([threading.Thread(target=run.guard(run.official), args=(n,))
                  for n in range(OFFICIALS)]
                 + [threading.Thread(target=run.guard(run.racer), args=(n, claimants))
                    for n in range(RACERS)]
                 + [threading.Thread(target=run.guard(run.starter), args=(n,))
                    for n in range(STARTERS)])
        for loop in loops:
            loop.start()
        for loop in loops:
            loop.join()
        elapsed = time.monotonic() - begin
        server_pids = [process.pid, *_children(process.pid)]
        cpu = (_cpu_seconds(server_pids) - cpu_before[0],
               _cpu_seconds(database_pids) - cpu_before[1],
               time.process_time() - cpu_before[2])
        load_after = os.getloadavg()
        client.close()
    if profile_dir.exists():
        _profile_report(profile_dir)
    return report(run, client, elapsed, cpu, (load_average, load_after), log_path, env)


def report(run: Run, client: Client, elapsed: float, cpu: tuple, loads: tuple,
           log_path: Path, env: dict) -> list[tuple[str, bool, str]]:
    seen = client.seen
    by_kind: dict[str, list[float]] = defaultdict(list)
    for name, _status, seconds in seen:
        by_kind[name].append(seconds)
    server = _server_times(log_path, 0)
    errors = [(name, status) for name, status, _ in seen if status >= 500]
    statuses = Counter(status for _, status, _ in seen)
    rate = run.completed / elapsed
    print(f"\n{'request kind':<40}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'server p50':>12}{'server p95':>12}")
    worst = 0.0
    for name in sorted(by_kind, key=lambda k: -len(by_kind[k])):
        times, own = by_kind[name], server.get(name) or [0]
        p95 = _percentile(times, 0.95)
        worst = max(worst, p95)
        print(f"{name:<40}{len(times):>7}{statistics.median(times) * 1000:>9.0f}"
              f"{p95 * 1000:>9.0f}{statistics.median(own):>12.0f}{_percentile(own, .95):>12.0f}")
    print(f"\n{elapsed:.0f} s: {run.completed} completions ({rate:.1f}/s), {len(seen)} requests "
          f"({len(seen) / elapsed:.1f}/s); statuses {dict(sorted(statuses.items()))}")
    print(f"CPU seconds: gunicorn {cpu[0]:.1f}, PostgreSQL {cpu[1]:.1f}, load generator "
          f"{cpu[2]:.1f} (of {2 * elapsed:.0f} on 2 cores); per completion "
          f"{cpu[0] / max(run.completed, 1) * 1000:.0f} ms gunicorn + "
          f"{cpu[1] / max(run.completed, 1) * 1000:.0f} ms PostgreSQL")
    spent = sum(cpu)
    capacity = run.completed / spent * 2 if spent else 0.0
    print(f"capacity on 2 idle cores (completions per CPU second of server, database and "
          f"generator, × 2): {capacity:.1f} completions/s")
    print(f"load average (1 min) at start {loads[0][0]:.2f}, at end {loads[1][0]:.2f}")
    print(f"races: {run.races} with exactly one winner, {len(run.lost_races)} without "
          f"{run.lost_races[:2]}; {run.conflicts} completions refused with 409 (another "
          f"official was faster)")
    if run.failures:
        print("FAILED:", *run.failures[:5], sep="\n  ")
    app = create_app(config(env["DATABASE_URL"], Path(env["UPLOAD_DIR"]).parent))
    with app.app_context():
        lost = lost_updates()
        db.session.remove()
        db.engine.dispose()
    started = time.perf_counter()
    try:
        output = flask(env, "audit", "verify", "--all", "--jobs", "2", timeout=1800)
        verified = True
    except AssertionError as failure:
        output, verified = str(failure)[-600:], False
    print(f"lost updates: {len(lost)} {lost[:5]}; audit verify --all --jobs 2: "
          f"{'ok' if verified else 'FAILED'} ({time.perf_counter() - started:.0f} s) "
          f"{output.strip().splitlines()[-1] if output.strip() else ''}")
    sys.stdout.flush()
    load = f"load {loads[0][0]:.1f}→{loads[1][0]:.1f}"
    return [
        (f"load: ≥ {GOAL_RATE:.1f} completions/s (3 × 11.5)", rate >= GOAL_RATE,
         f"{rate:.1f}/s, {len(seen) / elapsed:.0f} requests/s ({load}); CPU-bound capacity "
         f"on 2 idle cores {capacity:.1f}/s"),
        (f"load: p95 < {GOAL_P95} s for every request kind", worst < GOAL_P95,
         f"worst p95 {worst * 1000:.0f} ms"),
        ("load: 0 server errors (5xx)", not errors, f"{len(errors)} 5xx"),
        ("load: 0 lost updates, each race one winner, audit verify --all ok",
         not lost and not run.lost_races and verified and not run.failures,
         f"{len(lost)} lost, {run.races} races won once, {len(run.lost_races)} not; "
         f"verify {'ok' if verified else 'FAILED'}"),
    ]


def main(argv: list[str] | None = None) -> list[tuple[str, bool, str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--workers")
    parser.add_argument("--threads")
    parser.add_argument("--seed", type=int)
    args = parser.parse_args(argv)
    return bench(args.seconds, args.workers, args.threads, args.seed)


if __name__ == "__main__":
    for goal, holds, figure in main():
        print(f"{goal:<70}{'holds' if holds else 'does not hold':<16}{figure}")
