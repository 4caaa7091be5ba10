"""`make bench`, lists and timers at scale: every list at 1 k, 10 k (and 100 k) cases.

The cases are copies of one submitted Kunming case made in SQL (tests/clones.py), spread
over the counties (a third in the measured county), lanes, stages, deadlines and three
years of activity: 40 % wait for a county, 30 % for the city, 30 % have ended. Each list
is requested through the app (WSGI, no network) as the city official and a county official;
the script prints medians and p95 of CPU time (the app and SQLite run in the bench
process), the largest / smallest ratio and whether the list is flat (≤ 1.3), then the query
plans (EXPLAIN QUERY PLAN) of every statement of each list at the largest size.

Each size is a database file of its own (grown from a copy of the size before), served by an
application of its own in this process, and the sizes take turns request by request: a
shared machine that slows down while the bench runs slows every size alike.

The timer batch (`--timers N`, by default 10 000 due cases fired by two workers) is
tests/bench/timers.py's.

`python -m tests.bench.lists [--sizes 1000,10000,100000] [--timers N] [--repeat R]`;
`BENCH_100K=1 make bench` adds the 100 k level (copying 90 000 more cases takes a few
minutes and about 2 GB of disk).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from app import create_app
from app.config import ROOT, TestConfig
from app.extensions import db
from app.models import Case, User
from app.services import catalog, demo, paging, users
from tests.bench import timers
from tests.bench.run import NOW, _submitted_case, copied_app, cpu_ms_in_turns
from tests.clones import clone_cases

FLAT = 1.3
LISTS = [  # (label, user, path): the API with a token, pages with a login
    ("GET /api/tasks", "km_city", "/api/tasks"),
    ("GET /api/tasks (county)", "km_county_wuhua", "/api/tasks"),
    ("GET /api/cases?page=1", "km_city", "/api/cases?page=1"),
    ("GET /api/cases?after=…", "km_city", "AFTER"),
    ("GET /api/cases?fields=summary", "km_city", "/api/cases?fields=summary"),
    ("GET /api/tasks/overdue", "km_city", "/api/tasks/overdue?per_page=50"),
    ("web worklist", "km_city", "/worklist"),
    ("web worklist (county)", "km_county_wuhua", "/worklist"),
    ("web case list", "km_city", "/cases"),
]


def _app(tmp: Path, process_dir: Path = ROOT / "processes", form_dir: Path = ROOT / "forms",
         url: str | None = None):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url or f"sqlite:///{tmp / 'lists.sqlite'}"
        UPLOAD_DIR = str(tmp / "uploads")
        PROCESS_DIR = str(process_dir)
        FORM_DIR = str(form_dir)

    app = create_app(Config)
    logging.getLogger("app.request").setLevel(logging.WARNING)  # no line per request
    with app.app_context():
        db.drop_all() if url else None
        db.create_all()
        catalog.load_all(process_dir, form_dir)
        demo.load_demo_users(process_dir)
    return app


MEASURED_COUNTY = "wuhua"  # km_county_wuhua's


def _spread(counties: list[str]):
    """Vary a copy: its county, lane and stage, deadline and time of last activity."""
    def vary(i: int, case: dict, items: list[dict]) -> None:
        # A third in the measured county (Wuhua), the rest over all: its official's list is a
        # full page (100 rows) from 1 k cases on, so the 100 k / 1 k ratio compares equal
        # pages and shows how the cost grows with N, not how a page fills.
        county = MEASURED_COUNTY if i % 3 == 0 else counties[i % len(counties)]
        kind = i % 10
        # Ended cases over three years; open ones arrived within the last 90 days.
        span = 3 * 365 if kind >= 7 else 90
        at = NOW - dt.timedelta(minutes=(i * 7919) % (span * 24 * 60))
        case.update(county=county, created_at=at, updated_at=at)
        if kind >= 7:  # ended: no open task
            case.update(status="recognized", stage="", ended=True)
            items.clear()
        for item in items:
            item.update(county=county, created_at=at,
                        due_at=None if i % 9 == 0 else at + dt.timedelta(days=15 + i % 30))
            if kind >= 4:  # waiting for the city
                item.update(lane="city", name="city_review", title="市级审核")
                case["stage"] = "市级审核"
    return vary


def _fill(template: Case, count: int, counties: list[str]) -> None:
    if count > 0:
        clone_cases(template, count, NOW, vary=_spread(counties))
        paging.analyze()


def _measure(runs: dict, repeat: int) -> dict[int, tuple[float, float]]:
    """Return {size: (median, p95) CPU ms} of `runs[size]`, the sizes taking turns."""
    return {size: (statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))])
            for size, times in cpu_ms_in_turns(runs, repeat).items()}


class Clients:
    """A test client per user: bearer tokens for the API, a login for the pages."""

    def __init__(self, app):
        self.app, self.tokens, self.pages = app, {}, {}
        for username in {u for _, u, _ in LISTS}:
            user = db.session.scalars(sa.select(User).where(User.username == username)).one()
            self.tokens[username] = {"Authorization": f"Bearer {users.issue_token(user)}"}
            client = app.test_client()
            client.post("/login", data={"username": username, "password": "demo1234"})
            self.pages[username] = client
        self.api = app.test_client()

    def get(self, username: str, path: str):
        with self.app.app_context():  # a context per request, as in a server
            if path.startswith("/api/"):
                response = self.api.get(path, headers=self.tokens[username])
            else:
                response = self.pages[username].get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response

    def path(self, username: str, path: str) -> str:
        if path != "AFTER":
            return path
        cursor = self.get(username, "/api/cases").headers["X-Next-After"]
        return f"/api/cases?after={cursor}"


def _plans(clients: Clients) -> dict[str, list[tuple[str, list[str]]]]:
    """Return, per list, each SELECT it ran with its EXPLAIN QUERY PLAN (SQLite)."""
    found: dict[str, list] = {}
    for label, username, path in LISTS:
        path = clients.path(username, path)
        statements: list = []

        def keep(conn, cursor, statement, parameters, context, executemany, into=statements):
            if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                into.append((statement, parameters))
        sa.event.listen(db.engine, "before_cursor_execute", keep)
        try:
            clients.get(username, path)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", keep)
        with db.engine.connect() as connection:
            found[label] = [(s, [row[-1] for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {s}", p).fetchall()]) for s, p in statements]
    return found


def bench_lists(sizes: list[int], repeat: int) -> list[tuple[str, bool, str]]:
    """Measure every list at each size; print the table and the query plans at the largest;
    return the goals (each list flat: largest / smallest ≤ 1.3)."""
    first = _app(Path(tempfile.mkdtemp()))
    with first.app_context():
        applicant = db.session.scalars(sa.select(User).where(
            User.username == "km_applicant")).one()
        template = _submitted_case(applicant)
        db.session.commit()
        template_id = template.id
        counties = [c["code"] for c in catalog.jurisdiction("kunming").counties]
    apps, clients, have = {}, {}, 1
    for size in sizes:
        app = first if not apps else copied_app(apps[list(apps)[-1]])
        started = time.perf_counter()
        with app.app_context():
            _fill(db.session.get(Case, template_id), size - have, counties)
            clients[size] = Clients(app)
        have, apps[size] = size, app
        print(f"  {size:>7} cases ready ({time.perf_counter() - started:.0f} s)", flush=True)
    results: dict[str, dict[int, tuple[float, float]]] = {}
    for label, username, path in LISTS:
        paths = {size: clients[size].path(username, path) for size in sizes}
        for size in sizes:
            clients[size].get(username, paths[size])  # warm
        results[label] = _measure({size: (lambda c=clients[size], u=username, p=paths[size]:
                                          c.get(u, p)) for size in sizes}, repeat)
    with apps[sizes[-1]].app_context():
        plans = _plans(clients[sizes[-1]])
    goals = _print_lists(results, sizes)
    _print_plans(plans, sizes[-1])
    return goals


def _print_lists(results: dict, sizes: list[int]) -> list[tuple[str, bool, str]]:
    low, high = sizes[0], sizes[-1]
    goals = []
    print(f"\n{'list':<34}" + "".join(f"{f'{s // 1000}k CPU med / p95 ms':>22}" for s in sizes)
          + f"{f'{high // 1000}k/{low // 1000}k':>10}  flat")
    for label, by_size in results.items():
        cells = "".join(f"{f'{m:.1f} / {p:.1f}':>22}" for m, p in (by_size[s] for s in sizes))
        ratio = by_size[high][0] / by_size[low][0]
        print(f"{label:<34}{cells}{ratio:>10.2f}  {'yes' if ratio <= FLAT else 'NO'}")
        goals.append((f"flat: {label}, {high // 1000}k / {low // 1000}k ≤ {FLAT}", ratio <= FLAT,
                      f"{ratio:.2f} ({by_size[low][0]:.1f} → {by_size[high][0]:.1f} ms median, "
                      f"p95 {by_size[high][1]:.1f} ms)"))
    sys.stdout.flush()
    return goals


def _print_plans(plans: dict, size: int) -> None:
    print(f"\nQuery plans at {size} cases (SQLite EXPLAIN QUERY PLAN), per list:")
    for label, statements in plans.items():
        print(f"\n== {label}")
        for statement, plan in statements:
            print("  " + " ".join(statement.split())[:160])
            for line in plan:
                print(f"      {line}")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> list[tuple[str, bool, str]]:
    """Run the lists and the timer batch; return the timer goal as (goal, holds, figure)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = "1000,10000,100000" if os.environ.get("BENCH_100K") else "1000,10000"
    parser.add_argument("--sizes", default=default)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--timers", type=int, default=int(os.environ.get("BENCH_TIMERS", 10000)))
    parser.add_argument("--timer-workers", default="2", help="e.g. 1,2")
    args = parser.parse_args(argv)
    goals = []
    if args.sizes:
        print("\nLists at scale (medians and p95 of", args.repeat, "requests each)")
        goals += bench_lists([int(s) for s in args.sizes.split(",")], args.repeat)
    if args.timers:  # tests/bench/timers.py
        print()
        goals += timers.main([str(args.timers), "--workers", args.timer_workers])
    return goals


if __name__ == "__main__":
    main()
