"""`make bench`: medians, and ratios against a bare-engine baseline measured in the same run.

1. baseline: the engine alone (restore state, complete one task, serialize) on the
   Kunming county review;
2. one task completed end to end through the JSON API (HTTP request, auth, form
   validation, engine, database transaction, audit event);
3. the worklist query and GET /api/tasks with N and 4N cases in the database
   (it must stay flat: it is an indexed query, never a workflow deserialization);
4. the per-case state size (after submission, at expert review, at recognition: at most
   8 KB is the goal) next to the process spec it no longer embeds;
5. `audit verify --all` with one and two jobs (tests/bench/verify_all.py);
6. GET /api/oversight over 1 000 and 100 000 cases (tests/bench/oversight.py).
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

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
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _application() -> dict:
    return json.loads((SAMPLE_DIR / "km_application.json").read_text(encoding="utf-8"))


def _app(tmp: Path):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp / 'bench.sqlite'}"
        UPLOAD_DIR = str(tmp / "uploads")
        AUDIT_ANCHOR_LOG = str(tmp / "audit-anchors.jsonl")
        AUDIT_SIGNING_KEY = str(tmp / "audit-signing-key.pem")

    app = create_app(Config)
    with app.app_context():
        db.create_all()
        catalog.load_all(ROOT / "processes", ROOT / "forms")
        demo.load_demo_users(ROOT / "processes")
    return app


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


def bench(cases_small: int = 250, repeat: int = 30) -> None:
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
    print(f"{'measure':<48}{'median ms':>12}{'× baseline':>12}")
    for name, value in results.items():
        print(f"{name:<48}{value:>12.2f}{value / base:>12.1f}")
    for name, value in sizes.items():
        print(f"{name:<48}{value:>12}")
    holds = stages["recognized"] <= state_size.GOAL_BYTES
    print(f"goal: at most {state_size.GOAL_BYTES} bytes of state per case at recognition: "
          f"{'holds' if holds else 'does not hold'} ({stages['recognized']} bytes)")
    sys.stdout.flush()


if __name__ == "__main__":
    bench()
    from tests.bench import oversight, verify_all  # they build on this module

    verify_all.bench()
    oversight.bench()
    from tests.bench import lists  # lists and timers at 1 k, 10 k (BENCH_100K=1: 100 k) cases

    lists.main([])
