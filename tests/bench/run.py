"""`make bench`: every section in one run, medians, p95 and ratios against the bare engine
step measured in the same run, and at the end one table of the goals: goal,
figure, holds or does not hold. A benchmark never fails on a time.

1. baseline: the engine alone (restore state, complete one task, serialize) on the
   Kunming county review; one task completed through the JSON API in process (WSGI test
   client: auth, form validation, engine, database transaction, audit event); the worklist
   query and GET /api/tasks with N and 4N cases; the per-case state size (after submission,
   at expert review, at recognition: at most 8 KB is the goal);
2. completion, task open and case start over real HTTP with gunicorn (tests/bench/http.py);
3. every list and the web worklist at 1 k, 10 k and 100 k cases with the 100 k / 1 k ratio
   and the query plans at the largest size (tests/bench/lists.py);
4. the load: 50 clients against gunicorn on PostgreSQL (tests/bench/load.py);
5. the timer batch (tests/bench/lists.py);
6. `audit verify --all` with one and two jobs (tests/bench/verify_all.py);
7. GET /api/oversight and the /oversight page over 1 000 and 100 000 cases
   (tests/bench/oversight.py).

`make bench` (python -m tests.bench.run). BENCH_SIZES=1000,10000 leaves out the 100 k level
of the lists; BENCH_SKIP=load,timers leaves sections out; each module also runs alone.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path

import sqlalchemy as sa

from app import create_app, engine
from app.config import ROOT, TestConfig
from app.extensions import db
from app.models import Case, User
from app.services import calendar_days, catalog, demo, progress, tasks, users
from tests.bench import state_size

SH = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 3, 2, 10, tzinfo=SH)
SAMPLE_DIR = ROOT / "tests" / "bench"


def _median_ms(fn, repeat: int) -> float:
    """Median CPU ms of `fn` in this process (the test client and SQLite run in it): the
    figure a shared machine's other work disturbs least."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def _application() -> dict:
    return json.loads((SAMPLE_DIR / "km_application.json").read_text(encoding="utf-8"))


def config(database: str, tmp: Path) -> type:
    """Return the test settings on `database`, with the uploads, the anchor log and the
    signing key in scratch directory `tmp`."""
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database
        UPLOAD_DIR = str(tmp / "uploads")
        AUDIT_ANCHOR_LOG = str(tmp / "audit-anchors.jsonl")
        AUDIT_SIGNING_KEY = str(tmp / "audit-signing-key.pem")
    return Config


def _app(tmp: Path):
    app = create_app(config(f"sqlite:///{tmp / 'bench.sqlite'}", tmp))
    logging.getLogger("app.request").setLevel(logging.WARNING)  # no line per request
    with app.app_context():
        db.create_all()
        catalog.load_all(ROOT / "processes", ROOT / "forms")
        demo.load_demo_users(ROOT / "processes")
    return app


def cpu_ms_in_turns(runs: dict, repeat: int) -> dict:
    """Return {name: [CPU ms of each call of `runs[name]`], sorted}, the runs taking turns in
    alternating order, `repeat` calls each: a machine whose speed drifts meanwhile slows
    every run alike. CPU time, for the application and SQLite run in this process. The
    garbage an earlier section left is collected first, not inside these timings."""
    gc.collect()
    times: dict = {name: [] for name in runs}
    for turn in range(repeat):
        for name in (list(runs) if turn % 2 == 0 else list(reversed(runs))):
            start = time.process_time()
            runs[name]()
            times[name].append((time.process_time() - start) * 1000)
    return {name: sorted(values) for name, values in times.items()}


def copied_app(app):
    """Return an application on a copy of `app`'s SQLite database file (the same rows and
    accounts) in a scratch directory of its own: one database per size, so that the sizes
    can be timed in turns."""
    with app.app_context():
        db.session.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.commit()
        source = Path(db.engine.url.database)
        db.engine.dispose()
    tmp = Path(tempfile.mkdtemp())
    shutil.copyfile(source, tmp / source.name)
    return create_app(config(f"sqlite:///{tmp / source.name}", tmp))


def _submitted_case(applicant: User) -> Case:
    """Start a Kunming case and submit its application (no attachments needed for the bench)."""
    version = catalog.latest_process("kunming_recognition")
    case = progress.new_case(version, applicant, NOW, applicant.username)
    item = case_items_ready(case)[0]
    step = engine.complete(version.spec, case.state, item.id, _application(), NOW,
                           calendar_days.overrides())
    item.status = "completed"
    progress.apply_step(case, step, NOW, applicant.username, "task_completed", task=item.name,
                        task_id=item.id, data={"form": _application()})
    return case


def case_items_ready(case: Case):
    from app.models import WorkItem
    return [i for i in db.session.query(WorkItem).filter_by(case_id=case.id, status="ready")]


def _fill(count: int, applicant: User) -> None:
    for _ in range(count):
        _submitted_case(applicant)
    db.session.commit()


def bench(cases_small: int = 250, repeat: int = 30) -> list[tuple[str, bool, str]]:
    tmp = Path(tempfile.mkdtemp())
    app = _app(tmp)
    with app.app_context():
        applicant = db.session.query(User).filter_by(username="km_applicant").one()
        county = db.session.query(User).filter_by(username="km_county_wuhua").one()
        _fill(repeat + 1, applicant)
        version = catalog.latest_process("kunming_recognition")
        case = db.session.query(Case).first()
        item = case_items_ready(case)[0]
        decision = {"assessment": "符合", "decision": "approve"}
        results = {}
        results["baseline: engine complete (no database)"] = _median_ms(
            lambda: engine.complete(version.spec, case.state, item.id, decision, NOW), repeat)
        _, token = users.create_user("bench_county", "county", "kunming", "wuhua", "benchpass1")
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        pending = [i.id for c in db.session.query(Case).all() for i in case_items_ready(c)]

        def complete_via_api():
            answer = client.post(f"/api/tasks/{pending.pop()}/complete", headers=headers,
                                 json={"data": decision})
            assert answer.status_code == 200, answer.get_json()

        results["complete one task through the API"] = _median_ms(complete_via_api, repeat)
        worklist = {}
        for label, extra in (("N", cases_small), ("4N", cases_small * 3)):
            _fill(extra, applicant)
            total = db.session.query(Case).count()
            worklist[label] = total
            results[f"worklist query, {total} cases"] = _median_ms(
                lambda: tasks.list_tasks(county), repeat)
            results[f"GET /api/tasks, {total} cases"] = _median_ms(
                lambda: client.get("/api/tasks", headers=headers), repeat)
        state = db.session.query(Case).order_by(Case.id.desc()).first().state
        stages = state_size.measure()
        sizes = {"case state after submission, stored (bytes)": len(state.encode()),
                 "case state at expert review (bytes)": stages["mid"],
                 "case state at recognition (bytes)": stages["recognized"],
                 "process spec, once per version (bytes)": len(version.spec.encode())}
    base = results["baseline: engine complete (no database)"]
    print(f"{'measure':<48}{'CPU ms':>12}{'× baseline':>12}")
    for name, value in results.items():
        print(f"{name:<48}{value:>12.2f}{value / base:>12.1f}")
    for name, value in sizes.items():
        print(f"{name:<48}{value:>12}")
    holds = stages["recognized"] <= state_size.GOAL_BYTES
    print(f"goal: at most {state_size.GOAL_BYTES} bytes of state per case at recognition: "
          f"{'holds' if holds else 'does not hold'} ({stages['recognized']} bytes)")
    sys.stdout.flush()
    BARE_MS.append(base)
    return [(f"state: ≤ {state_size.GOAL_BYTES} bytes per case at recognition", holds,
             f"{stages['recognized']} bytes (expert review {stages['mid']})")]


BARE_MS: list[float] = []  # the bare engine step of this run, for the final table


def _http() -> list | None:
    try:
        from tests.bench import http
    except ImportError:
        print("\n(tests/bench/http.py is not there: completion, task open and case start over "
              "HTTP are not measured in this run)")
        return [("HTTP section present", False, "tests/bench/http.py missing")]
    return http.bench()


def _lists() -> list | None:
    from tests.bench import lists
    print("Lists at scale (CPU ms: medians and p95 of 30 requests each)")
    return lists.bench_lists(SIZES, 30)


def _timers() -> list | None:
    from tests.bench import lists, pgserver
    if not os.environ.get("TEST_POSTGRES_URL"):  # two workers on PostgreSQL: the bench's own
        found = pgserver.start()
        if found:
            os.environ["TEST_POSTGRES_URL"] = found
    return lists.main(["--sizes", ""]) or None


def _load() -> list | None:
    from tests.bench import load
    return load.bench()


def _verify() -> list | None:
    from tests.bench import verify_all  # builds on this module
    return verify_all.bench()


def _oversight() -> list | None:
    from tests.bench import oversight  # builds on this module
    return oversight.bench()


SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "1000,10000,100000").split(",")]
SECTIONS = [("baseline", bench), ("http", _http), ("lists", _lists), ("load", _load),
            ("timers", _timers), ("verify", _verify), ("oversight", _oversight)]


def main() -> None:
    from tests.bench import pgserver
    skip = set(filter(None, os.environ.get("BENCH_SKIP", "").split(",")))
    goals, spent, started = [], {}, time.perf_counter()
    server_was_running = pgserver.running()
    # Every section's scratch directory (databases of 100 000 cases, several GB in all) is
    # made under one that is removed at the end, whatever happens.
    scratch = tempfile.mkdtemp(prefix="bench-")
    tempfile.tempdir = scratch
    try:
        _run_sections(skip, goals, spent)
    finally:  # the bench's own PostgreSQL server is left as it was found
        if not server_was_running:
            pgserver.stop()
        tempfile.tempdir = None
        shutil.rmtree(scratch, ignore_errors=True)
    print_goals(goals, spent, time.perf_counter() - started)


def _run_sections(skip: set[str], goals: list, spent: dict[str, float]) -> None:
    for name, run in SECTIONS:
        if name in skip:
            continue
        print(f"\n===== {name} " + "=" * (60 - len(name)), flush=True)
        began = time.perf_counter()
        try:
            found = run()
        except Exception:  # noqa: BLE001 - one broken section must not hide the others
            traceback.print_exc()
            found = [(f"{name}: the section ran", False, "it raised, see above")]
        spent[name] = time.perf_counter() - began
        goals.extend(found if found is not None else [
            (f"{name}: (its goals are printed above)", False, "the section returned none")])


def print_goals(goals: list[tuple[str, bool, str]], spent: dict[str, float],
                total: float) -> None:
    load = os.getloadavg()
    print("\n===== goals " + "=" * 58)
    if BARE_MS:
        print(f"bare engine step of this run (county review, median): {BARE_MS[0]:.2f} ms")
    width = max(len(goal) for goal, _, _ in goals) + 2 if goals else 10
    print(f"{'goal':<{width}}{'':<16}figure")
    for goal, holds, figure in goals:
        print(f"{goal:<{width}}{'holds' if holds else 'does not hold':<16}{figure}")
    held = sum(1 for _, holds, _ in goals if holds)
    print(f"\n{held} of {len(goals)} goals hold. Sections: "
          + ", ".join(f"{name} {seconds / 60:.1f} min" for name, seconds in spent.items())
          + f"; whole run {total / 60:.1f} min; load average now {load[0]:.1f} "
          f"(1 min), {load[2]:.1f} (15 min) on {os.cpu_count()} cores")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
