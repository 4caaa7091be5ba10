"""`make bench`, over real HTTP: a task completion, a task open and a case start, served by
gunicorn (deploy/gunicorn.conf.py, one worker) next to the bare engine step measured in the
same run; then the SQL statements and commits of one completion. The completion is measured
in WORKERS fresh workers one after the other and its figures pooled: each process runs it at
a speed of its own (docs/OPERATIONS.md, "Where a completion's time goes"); each worker's
median is printed too.

The bare step is measured twice: as many times in a row as each request is sent, before the
server starts (its best case, the processor's caches holding the engine's code and data; the
goal must hold against it), and once after each measured completion, in this process while
the worker idles. The second sees the machine as the completion just did: a shared
machine's speed moves by up to 2× within minutes, and a request's engine step runs with
caches the rest of its work has filled. The goal holds only when it holds against both.

The database is a fresh SQLite file set up as an operator would (tables, procedures and
forms, demo accounts; tests/bench/run.py), with submitted Kunming cases waiting for the
Wuhua county review; PostgreSQL too when TEST_POSTGRES_URL is set (its tables are dropped
and made again). The client keeps one HTTP/1.1 connection alive (http.client), like a
browser behind nginx. Each figure is the median and p95 of the wall time a request takes,
and the worker's CPU time per request (read from /proc, steadier on a shared machine).

The worker's request log (app/web/observability.py) gives each completion's own engine
time (`engine_ms`): the same engine call as the bare step, run inside the request. The
completion is also given as a multiple of it, which no change of the machine's speed between
two measurements can move.

The statements are counted in this process through the test client (the same code path as
gunicorn's), with a `before_cursor_execute` listener: every statement but the transaction
control (BEGIN, COMMIT), and the COMMITs of transactions that wrote; for a process whose
caches are warm (the spec texts and form versions it has read), and for its first one.

`python -m tests.bench.http [--repeat N]`
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import sqlalchemy as sa

from app import engine
from app.config import ROOT
from app.extensions import db
from app.models import User, WorkItem
from app.services import calendar_days, catalog, users
from tests.bench import run

GOAL_RATIO = 3.0  # a completion over HTTP within 3× the bare engine step
# Fresh gunicorn workers the completion is measured in, one after the other: one process
# runs it at a speed of its own (medians 2.75× to 3.5× the bare step over nine fresh
# workers on an idle machine), so one worker's figure says little of the code.
WORKERS = 3
GOAL_STATEMENTS = 12
DECISION = {"assessment": "符合", "decision": "approve"}
CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.I)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _cpu_seconds(pid: int) -> float:
    """Return the user + system CPU time process `pid` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Figure:
    """Wall times (ms) of one kind of request and the server's CPU time (ms) per request."""

    def __init__(self, name: str, wall: list[float], cpu_ms: float | None):
        self.name, self.wall, self.cpu_ms = name, wall, cpu_ms

    @property
    def median(self) -> float:
        return statistics.median(self.wall)


class Server:
    """gunicorn with the production settings file, one worker, on a free local port."""

    def __init__(self, env: dict, log: Path):
        self.port = _free_port()
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
            cwd=ROOT, env={**os.environ, **env, "BIND": f"127.0.0.1:{self.port}",
                           "WEB_WORKERS": "1", "WEB_MAX_REQUESTS": "0",
                           "LOG_LEVEL": "warning"},
            stdout=self.log, stderr=subprocess.STDOUT)
        self.connection = self._connect()
        self.worker = self._worker_pid()

    def _connect(self) -> http.client.HTTPConnection:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                connection.request("GET", "/login")
                connection.getresponse().read()
                return connection
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start: see {self.log.name}") from None
                time.sleep(0.2)

    def _worker_pid(self) -> int:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return int(children.read_text().split()[0])

    def request(self, method: str, path: str, headers: dict, body: bytes | None = None):
        self.connection.request(method, path, body=body, headers=headers)
        answer = self.connection.getresponse()
        return answer, answer.read()

    def stop(self) -> None:
        self.connection.close()
        self.process.terminate()
        self.process.wait(30)
        self.log.close()


def _timed(server: Server, name: str, calls: list, check) -> Figure:
    """Send every (method, path, headers, body) of `calls`, checking each answer."""
    wall = []
    cpu_before = _cpu_seconds(server.worker)
    for method, path, headers, body in calls:
        start = time.perf_counter()
        answer, content = server.request(method, path, headers, body)
        wall.append((time.perf_counter() - start) * 1000)
        check(answer, content)
    cpu_ms = (_cpu_seconds(server.worker) - cpu_before) * 1000 / len(calls)
    return Figure(name, wall, cpu_ms)


def _request_log(path: str) -> list[dict]:
    """The application's JSON lines in a server's log."""
    return [json.loads(line) for line in Path(path).read_text(errors="replace").splitlines()
            if line.startswith("{") and '"engine_ms"' in line]


def _ok(status: int):
    def check(answer, content):
        if answer.status != status:
            raise RuntimeError(f"HTTP {answer.status}: {content[:300]!r}")
    return check


def _login(server: Server, username: str, password: str) -> dict:
    """Log in through the form, as a browser does; return the headers carrying the session."""
    answer, content = server.request("GET", "/login", {})
    cookie = answer.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', content).group(1).decode()
    form = urllib.parse.urlencode({"csrf_token": token, "username": username,
                                   "password": password}).encode()
    answer, _ = server.request("POST", "/login", {
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}, form)
    if answer.status != 302:
        raise RuntimeError(f"log-in failed: HTTP {answer.status}")
    return {"Cookie": answer.getheader("Set-Cookie", "").split(";")[0]}


def _prepare(url: str | None, tmp: Path, count: int) -> tuple:
    """Fill a fresh database; return (app, county token, applicant token, ready task ids)."""
    app = run._app(tmp) if url is None else _pg_app(tmp, url)
    with app.app_context():
        applicant = db.session.query(User).filter_by(username="km_applicant").one()
        run._fill(count, applicant)
        _, county = users.create_user("bench_county", "county", "kunming", "wuhua",
                                      "benchpass1")
        starter = users.issue_token(applicant)
        db.session.commit()
        ready = list(db.session.scalars(sa.select(WorkItem.id).where(
            WorkItem.status == "ready", WorkItem.lane == "county").order_by(WorkItem.id)))
    return app, county, starter, ready


def _pg_app(tmp: Path, url: str):
    from tests.bench import lists
    return lists._app(tmp, url=url)


def _bare_inputs(app) -> tuple:
    """What the bare step runs on: the first submitted Kunming case still at its county review
    (one whose review a request completed already has moved on to the site inspection)."""
    with app.app_context():
        version = catalog.latest_process("kunming_recognition")
        item = db.session.scalars(sa.select(WorkItem).where(
            WorkItem.name == "county_review", WorkItem.status == "ready")
            .order_by(WorkItem.case_id)).first()
        inputs = (version.spec, item.case.state, item.id, DECISION, run.NOW,
                  calendar_days.overrides())
        db.session.rollback()
    return inputs


def _bare_once(app, inputs: tuple) -> tuple[float, float]:
    """One bare engine step: (wall ms, CPU ms)."""
    with app.app_context():
        start, cpu_start = time.perf_counter(), time.process_time()
        engine.complete(*inputs)
        return (time.perf_counter() - start) * 1000, (time.process_time() - cpu_start) * 1000


def _bare_step(app, repeat: int) -> Figure:
    """The engine alone on the Kunming county review: restore, complete, serialize."""
    inputs = _bare_inputs(app)
    steps = [_bare_once(app, inputs) for _ in range(repeat)]
    return Figure("bare engine step (restore, complete, serialize)",
                  [wall for wall, _cpu in steps], statistics.median(cpu for _wall, cpu in steps))


def _serve(url: str | None, tmp: Path) -> dict:
    env = {"APP_ENV": "development", "SECRET_KEY": "bench", "DATABASE_URL":
           url or f"sqlite:///{tmp / 'bench.sqlite'}", "UPLOAD_DIR": str(tmp / "uploads"),
           "AUDIT_ANCHOR_LOG": str(tmp / "anchors.jsonl"),
           "AUDIT_SIGNING_KEY": str(tmp / "signing-key.pem"), "LOGIN_RATE_LIMIT": "1000/minute"}
    return env


def measure(label: str, url: str | None, repeat: int) -> tuple[list[Figure], dict, list]:
    """Return the figures over HTTP, the statement count of one completion and the
    completion's figures in each fresh worker."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-http-"))
    # Ready county reviews: `repeat` per worker the completion is measured in, some counted.
    app, county, starter, ready = _prepare(url, tmp, repeat * WORKERS + 8)
    counting, ready = ready[:5], ready[5:]
    figures = [_bare_step(app, repeat)]
    api = {"Authorization": f"Bearer {county}", "Content-Type": "application/json"}
    body = json.dumps({"data": DECISION}).encode()
    inputs = _bare_inputs(app)
    runs, inner = [], []

    def completions(server: Server, task_ids: list[str]) -> None:
        between = []

        def completed_then_bare(answer, content):
            _ok(200)(answer, content)
            between.append(_bare_once(app, inputs))

        runs.append((_timed(server, "complete a county review: POST …/complete",
                            [("POST", f"/api/tasks/{i}/complete", api, body)
                             for i in task_ids], completed_then_bare),
                     Figure("bare engine step, one after each completion",
                            [wall for wall, _cpu in between],
                            statistics.median(cpu for _wall, cpu in between))))

    def inside(server: Server) -> None:
        """The engine's time inside each completion the worker logged (after it stopped)."""
        logged = [line["engine_ms"] for line in _request_log(server.log.name)
                  if line["method"] == "POST" and line["path"].endswith("/complete")]
        inner.append(Figure("engine step inside each completion (request log)", logged, None))

    server = Server(_serve(url, tmp), tmp / "gunicorn.log")
    try:
        web = _login(server, "bench_county", "benchpass1")
        opened = ready[:repeat]
        figures.append(_timed(server, "open a task: GET /api/tasks/<id>",
                              [("GET", f"/api/tasks/{i}", api, None) for i in opened], _ok(200)))
        figures.append(_timed(server, "open a task: web page /tasks/<id>",
                              [("GET", f"/tasks/{i}", web, None) for i in opened], _ok(200)))
        completions(server, opened)
        start = json.dumps({"process": "kunming_recognition"}).encode()
        starting = {"Authorization": f"Bearer {starter}", "Content-Type": "application/json"}
        started = _timed(server, "start a case: POST /api/cases",
                         [("POST", "/api/cases", starting, start)] * repeat, _ok(201))
    finally:
        server.stop()
    inside(server)
    for worker in range(1, WORKERS):
        server = Server(_serve(url, tmp), tmp / f"gunicorn-{worker}.log")
        try:
            completions(server, ready[worker * repeat:(worker + 1) * repeat])
        finally:
            server.stop()
        inside(server)
    # Pooled over the workers: each figure's median is that of every completion.
    figures.append(Figure(runs[0][0].name, [ms for run, _ in runs for ms in run.wall],
                          statistics.mean(run.cpu_ms for run, _ in runs)))
    figures.append(Figure(runs[0][1].name, [ms for _, paired in runs for ms in paired.wall],
                          statistics.median(paired.cpu_ms for _, paired in runs)))
    figures.append(Figure(inner[0].name, [ms for run in inner for ms in run.wall], None))
    figures.append(started)
    counted = count_completion(app, county, counting)
    return figures, counted, list(zip(runs, inner, strict=True))


class Statements:
    """Counts the statements and the writing COMMITs an engine executes meanwhile."""

    def __init__(self, bind):
        self.bind, self.statements, self.commits, self.empty_commits = bind, [], 0, 0
        self.after_commit = []  # the statements run after the last writing COMMIT
        self._wrote = False

    def __enter__(self):
        sa.event.listen(self.bind, "before_cursor_execute", self._statement)
        sa.event.listen(self.bind, "commit", self._commit)
        return self

    def __exit__(self, *_exc):
        sa.event.remove(self.bind, "before_cursor_execute", self._statement)
        sa.event.remove(self.bind, "commit", self._commit)

    def _statement(self, _conn, _cursor, statement, _params, _context, _many):
        if CONTROL.match(statement):
            if statement.strip().upper().startswith("COMMIT"):
                self._commit(None)
            return
        self._wrote = self._wrote or bool(WRITES.match(statement))
        self.statements.append(statement)
        if self.commits:
            self.after_commit.append(statement)

    def _commit(self, _conn):
        if self._wrote:
            self.commits += 1
            self.after_commit = []
        else:
            self.empty_commits += 1
        self._wrote = False


def count_completion(app, token: str, task_ids: list[str]) -> dict:
    """Complete `task_ids` through the test client; return the count of the last one (the
    process's caches warm, as in a running server) and of the first one (cold)."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    seen = []
    with app.app_context():
        bind = db.engine
    for task_id in task_ids:
        with Statements(bind) as counted:
            answer = client.post(f"/api/tasks/{task_id}/complete", headers=headers,
                                 json={"data": DECISION})
        if answer.status_code != 200:
            raise RuntimeError(f"HTTP {answer.status_code}: {answer.get_data(as_text=True)}")
        seen.append(counted)
    last = seen[-1]
    return {"statements": len(last.statements), "commits": last.commits,
            "empty_commits": last.empty_commits, "sql": last.statements,
            "first": len(seen[0].statements)}


def bench(repeat: int = 30, verbose: bool = False) -> list[tuple[str, bool, str]]:
    """Print the figures; return [(goal, holds, figure)] for `make bench`'s summary."""
    goals = []
    targets = [("SQLite", None)]
    if os.environ.get("TEST_POSTGRES_URL"):
        targets.append(("PostgreSQL", os.environ["TEST_POSTGRES_URL"]))
    for label, url in targets:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        figures, counted, runs = measure(label, url, repeat)
        base = figures[0]
        print(f"\nover HTTP, gunicorn 1 worker, {label} (load average {load})")
        print(f"{'measure':<52}{'median ms':>10}{'p95 ms':>9}{'× bare':>8}"
              f"{'CPU ms':>8}{'× bare':>8}")
        for figure in figures:
            cpu = ("" if figure.cpu_ms is None else
                   f"{figure.cpu_ms:>8.2f}{figure.cpu_ms / base.cpu_ms:>8.1f}")
            print(f"{figure.name:<52}{figure.median:>10.2f}{_p95(figure.wall):>9.2f}"
                  f"{figure.median / base.median:>8.1f}{cpu}")
        print(f"  the completion in {len(runs)} fresh workers, {repeat} each: medians "
              + ", ".join(f"{run.median:.1f} ms ({run.median / base.median:.1f}×, "
                          f"{run.median / paired.median:.1f}× the step after each, "
                          f"{run.median / own.median:.1f}× its own engine step of "
                          f"{own.median:.1f} ms)"
                          for (run, paired), own in runs))
        completion, paired, own = figures[3], figures[4], figures[5]
        print(f"  the completion is {completion.median / own.median:.1f}× the engine step it "
              f"runs; that step takes {own.median / base.median:.1f}× the bare step run in a "
              f"row")
        ratio, paired_ratio = completion.median / base.median, completion.median / paired.median
        # Held only against both: one alone may hold because the machine slowed meanwhile.
        goals.append((f"completion ≤ {GOAL_RATIO:g}× bare over HTTP ({label})",
                      max(ratio, paired_ratio) <= GOAL_RATIO,
                      f"{ratio:.1f}× ({completion.median:.1f} ms / {base.median:.1f} ms; "
                      f"CPU {completion.cpu_ms / base.cpu_ms:.1f}×); against the bare step "
                      f"run after each completion {paired_ratio:.1f}×"))
        sql_ok = counted["statements"] <= GOAL_STATEMENTS and counted["commits"] == 1
        goals.append((f"completion ≤ {GOAL_STATEMENTS} SQL and 1 commit ({label})", sql_ok,
                      f"{counted['statements']} statements, {counted['commits']} commit"
                      + (f" (+{counted['empty_commits']} ending a read-only transaction)"
                         if counted["empty_commits"] else "")
                      + f"; the first in a fresh process: {counted['first']}"))
        if verbose:
            for statement in counted["sql"]:
                print("   ", " ".join(statement.split())[:140])
    for goal, holds, figure in goals:
        print(f"goal: {goal}: {'holds' if holds else 'does not hold'} ({figure})")
    sys.stdout.flush()
    return goals


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--sql", action="store_true", help="print the statements counted")
    args = parser.parse_args(argv)
    bench(args.repeat, args.sql)


if __name__ == "__main__":
    main()
