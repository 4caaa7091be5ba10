"""`make bench`, verify at scale: `audit verify --all` over generated Kunming cases with one
job (in process) and two worker processes; medians, the speed-up, events per second, and the
projection for 100 000 cases of 40 events (the figure to reach: under 30 minutes).

`python -m tests.bench.verify_all [CASES]` runs it alone.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from app import engine
from app.extensions import db
from app.models import Case, User, WorkItem
from app.services import calendar_days, progress
from tests.bench.run import NOW, _app, _submitted_case
from tests.processes import examples_kunming as km

# After the submission: county review, site inspection, expert assignment, three reviews.
STEPS = [("county_review", km.COUNTY_APPROVE, None), ("site_inspection", km.site_inspection(),
                                                      None),
         ("assign_experts", km.ASSIGN_EXPERTS, None)] + [
    ("expert_review", km.expert_opinion(), expert) for expert in km.EXPERTS]


def _complete(case: Case, name: str, data: dict, assignee: str | None) -> None:
    item = db.session.query(WorkItem).filter_by(case_id=case.id, status="ready", name=name,
                                                assignee=assignee).first()
    step = engine.complete(case.process_version.spec, case.state, item.id, data, NOW,
                           calendar_days.overrides())
    item.status = "completed"
    progress.apply_step(case, step, NOW, assignee or "bench", "task_completed", task=name,
                        task_id=item.id, data={"form": data, "assignee": assignee})


def generate(count: int) -> None:
    """Create `count` Kunming cases, each through its expert reviews."""
    applicant = db.session.query(User).filter_by(username="km_applicant").one()
    for _ in range(count):
        case = _submitted_case(applicant)
        for name, data, assignee in STEPS:
            _complete(case, name, data, assignee)
        db.session.commit()


def _median_s(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench(cases: int = 200, repeat: int = 3) -> None:
    app = _app(Path(tempfile.mkdtemp()))
    with app.app_context():
        generate(cases)
    runner = app.test_cli_runner()
    outputs = {}

    def verify(jobs: int):
        def run():
            result = runner.invoke(args=["audit", "verify", "--all", "--jobs", str(jobs)])
            assert result.exit_code == 0, result.output[-2000:]
            outputs[jobs] = result.output
        return run

    medians = {jobs: _median_s(verify(jobs), repeat) for jobs in (1, 2)}
    assert outputs[1] == outputs[2]
    events = int(next(line for line in outputs[1].splitlines()
                      if line.startswith("events\t")).split("\t")[1])
    rate = events / medians[2]
    print(f"{'verify --all, ' + str(cases) + ' cases, ' + str(events) + ' events':<48}"
          f"{'median s':>12}{'× 1 job':>12}")
    for jobs, seconds in medians.items():
        print(f"{'  --jobs ' + str(jobs):<48}{seconds:>12.2f}{seconds / medians[1]:>12.2f}")
    print(f"{'  speed-up, 2 jobs over 1':<48}{medians[1] / medians[2]:>12.2f}")
    print(f"{'  events per second, 2 jobs':<48}{rate:>12.0f}")
    print(f"{'  100 000 cases x 40 events, 2 jobs (minutes)':<48}"
          f"{100_000 * 40 / rate / 60:>12.0f}")
    sys.stdout.flush()


if __name__ == "__main__":
    bench(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
