"""`make bench`, verify at scale: `audit verify --all` over a generated data set of real chains.

1. One Kunming case is driven through the JSON API from submission to recognition and three
   years of its title (annual summaries, change filings, the re-application): 35 events,
   of which 25 change the engine state, and 119 tasks in its state at the end.
2. It is cloned under new case refs, each clone's hash chain computed afresh for its ref:
   every clone is a real, valid chain that verifies by replay (the events' inputs and
   recorded states are those of the sample).
3. Measured in the same run: the bare engine step (restore a state, complete one task,
   serialize: the Kunming county review), one case verified by the quick replay and by the
   step-by-step replay (replayed(), what verification ran before), then `audit verify --all`
   with one job (in process) and two worker processes on the whole data set (anchored first).
   It prints cases/s, events/s, the median CPU ms per event, the ratio to the bare step and
   the projection for 100 000 cases of 40 events, and says whether the goal (under 30
   minutes with two jobs, on two idle cores: the CPU the workers spent, halved) holds, and
   returns it as (goal, holds, figure) for run.py. Benchmarks never fail on a time.

`python -m tests.bench.verify_all [CASES]` runs it alone (default 500 clones: a few minutes).
"""

from __future__ import annotations

import logging
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from app import engine
from app.extensions import db
from app.models import Case, Event, User
from app.services import audit
from app.web import api as api_module
from tests.bench.run import NOW, _app, _submitted_case, case_items_ready
from tests.clones import rechained
from tests.processes import examples_kunming as km
from tests.processes import test_kunming as kunming
from tests.processes.driver import Api, CaseDriver
from tests.processes.test_kunming_title_follow_ups import file_change

APPLICANT, COUNTY, CITY = "km_applicant", "km_county_wuhua", "km_city"
GOAL_CASES, GOAL_EVENTS, GOAL_MINUTES = 100_000, 40, 30


def _summary_year(api: Api, child_id: int, year: int) -> None:
    summary = CaseDriver(api, "kunming_annual_summary", APPLICANT, CITY)
    summary.id = child_id
    summary.complete(APPLICANT, "submit_summary", km.SUMMARY, f"{year}-01-20T09:00")
    summary.complete(COUNTY, "county_report", km.COUNTY_SUMMARY_REPORT, f"{year}-02-20T09:00")
    summary.complete(CITY, "city_acknowledge", km.CITY_SUMMARY_RECEIPT, f"{year}-02-25T09:00")


def sample_case(app) -> Case:
    """Drive one Kunming case through recognition and three years of its title; return it."""
    api = Api(app)
    real_now = api_module._now
    api_module._now = lambda: api.now
    try:
        case = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
        kunming.recognized(case)
        for year in (2027, 2028):
            api.run_timers(f"{year}-01-01T00:00")
            _summary_year(api, case.case()["children"][-1], year)
            for month, day in (("03", "29"), ("06", "19")):
                file_change(case, f"{year}-{month}-15", f"{year}-{month}-{day}T09:00")
        api.run_timers("2029-01-01T00:00")
        for child_id in case.case()["children"][-2:]:
            child = CaseDriver(api, "", APPLICANT, CITY)
            child.id = child_id
            if child.case()["process"] == "kunming_annual_summary":
                _summary_year(api, child_id, 2029)
            else:
                kunming.run_steps(child, km.reapplication_steps())
    finally:
        api_module._now = real_now
    return db.session.get(Case, case.id)


_COPIED = [c.name for c in Case.__table__.columns if c.name not in ("id", "ref", "parent_id")]


def clone(sample: Case, count: int) -> None:
    """Add `count` copies of `sample` under new refs, each with its own valid hash chain."""
    events = audit.case_events(sample)
    table, columns = Case.__table__, ", ".join(f'"{name}"' for name in _COPIED)
    done = 0
    while done < count:
        batch = range(done, min(count, done + 200))
        rows = []
        for number in batch:
            ref = f"BENCH-{number:06d}"
            db.session.execute(sa.text(
                f'INSERT INTO "{table.name}" (ref, {columns}) SELECT :ref, {columns} '
                f'FROM "{table.name}" WHERE id = :id'), {"ref": ref, "id": sample.id})
            case_id = db.session.scalar(sa.select(Case.id).where(Case.ref == ref))
            rows += rechained(events, case_id, ref)
        db.session.execute(sa.insert(Event), rows)
        db.session.commit()
        done = batch.stop


def _bare_step_ms(repeat: int = 30) -> float:
    """Return the median ms of the bare engine step: the Kunming county review completed."""
    applicant = db.session.query(User).filter_by(username=APPLICANT).one()
    case = _submitted_case(applicant)
    db.session.commit()
    item, spec = case_items_ready(case)[0], case.process_version.spec
    decision = {"assessment": "符合", "decision": "approve"}
    return _median_ms(lambda: engine.complete(spec, case.state, item.id, decision, NOW), repeat)


def _median_ms(run, repeat: int) -> float:
    """Return the median CPU ms of `run` (CPU time: the machine may be shared)."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def _one_case_ms(case: Case, repeat: int = 9) -> tuple[float, float]:
    """Return the median ms to verify `case`: quick replay, and step-by-step replay."""
    events = audit.case_events(case)
    assert audit.verify_events(case, events)["ok"]
    quick = _median_ms(lambda: audit.verify_events(case, events), repeat)
    stepwise = _median_ms(lambda: audit._replayed_steps(case, events, {}), max(3, repeat // 3))
    return quick, stepwise


def _cpu() -> float:
    """Return the CPU seconds of this process and of its ended child processes."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                          resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _run_all(runner, jobs: int) -> tuple[float, float, str]:
    """Return (wall seconds, CPU seconds, output) of `audit verify --all --jobs N`."""
    start, cpu = time.perf_counter(), _cpu()
    result = runner.invoke(args=["audit", "verify", "--all", "--jobs", str(jobs)])
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu  # the workers have ended
    assert result.exit_code == 0, result.output[-2000:]  # every generated chain is valid
    return seconds, cpu, result.output


def _summary_number(output: str, name: str) -> int:
    return int(next(line for line in output.splitlines()
                    if line.startswith(name + "\t")).split("\t")[1])


def bench(cases: int = 500) -> list[tuple[str, bool, str]]:
    """Run the benchmark, print it, and return its goals as (goal, holds, figure)."""
    logging.disable(logging.INFO)  # the request log of the sample's API calls
    app = _app(Path(tempfile.mkdtemp()))
    with app.app_context():
        bare = _bare_step_ms()
        sample = sample_case(app)
        sample_events = len(audit.case_events(sample))
        quick, stepwise = _one_case_ms(sample)
        clone(sample, cases)
        total = db.session.scalar(sa.select(sa.func.count(Case.id)))
        db.session.remove()
    logging.disable(logging.NOTSET)
    runner = app.test_cli_runner()
    anchored = runner.invoke(args=["audit", "anchor"])
    assert anchored.exit_code == 0, anchored.output
    runs = {jobs: _run_all(runner, jobs) for jobs in (1, 2)}
    same = runs[1][2] == runs[2][2]
    events = _summary_number(runs[1][2], "events")
    per_event = quick / sample_events
    print(f"\nverify at scale: sample case of {sample_events} events, {cases} clones with their "
          f"own chains ({total} cases, {events} events in all)")
    print(f"{'measure':<50}{'CPU ms':>12}{'× bare step':>12}")
    print(f"{'bare engine step (county review)':<50}{bare:>12.2f}{1:>12.1f}")
    for label, value in (("verify one case, step-by-step replay (before)", stepwise),
                         ("verify one case, quick replay", quick),
                         ("  per event, quick replay", per_event)):
        print(f"{label:<50}{value:>12.2f}{value / bare:>12.1f}")
    print(f"{'  quick replay over step-by-step':<50}{stepwise / quick:>11.1f}×")
    print(f"{'audit verify --all':<20}{'wall s':>9}{'CPU s':>9}{'cases/s':>9}{'events/s':>10}"
          f"{'CPU ms/event':>14}{'× bare':>8}")
    for jobs, (seconds, cpu, _) in runs.items():
        per = cpu * 1000 / events
        print(f"{'  --jobs ' + str(jobs):<20}{seconds:>9.1f}{cpu:>9.1f}{total / seconds:>9.1f}"
              f"{events / seconds:>10.0f}{per:>14.2f}{per / bare:>8.2f}")
    print(f"{'  speed-up, 2 jobs over 1 (wall)':<50}{runs[1][0] / runs[2][0]:>12.2f}")
    print(f"{'  same output with 1 and 2 jobs':<50}{'yes' if same else 'NO':>12}")
    wall = GOAL_CASES * GOAL_EVENTS / (events / runs[2][0]) / 60
    # What two otherwise idle cores give: the CPU the two workers spent, shared by two.
    idle = GOAL_CASES * GOAL_EVENTS * (runs[2][1] / events) / 2 / 60
    print(f"{'  projection 100 000 × 40 events, 2 jobs, wall':<50}{wall:>11.0f}m")
    print(f"{'  projection on 2 idle cores (CPU / 2)':<50}{idle:>11.0f}m")
    # The workers' start (an app each) is a large part of a small data set's CPU time and
    # none of 100 000 cases': the in-process run's CPU per event leaves it out.
    amortised = GOAL_CASES * GOAL_EVENTS * (runs[1][1] / events) / 2 / 60
    print(f"{'  the same, workers started once (1-job CPU / 2)':<50}{amortised:>11.0f}m")
    # The machine is shared: its wall clock measures the other work as much as this one, so
    # the goal is judged on the CPU the two workers spent, on two otherwise idle cores.
    goal = (f"100 000 cases × 40 events verified in under {GOAL_MINUTES} minutes with 2 jobs "
            "(2 idle cores)")
    holds = idle < GOAL_MINUTES
    figure = (f"projected {idle:.0f} minutes on two idle cores ({runs[2][1] * 1000 / events:.2f} "
              f"CPU ms per event, workers' start included), {amortised:.0f} with the workers' "
              f"start amortised, {wall:.0f} as measured on this machine's load")
    print(f"goal: {goal}: {'holds' if holds else 'does not hold'} ({figure})")
    sys.stdout.flush()
    return [(goal, holds, figure)]


if __name__ == "__main__":
    bench(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
