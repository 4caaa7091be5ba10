"""`make bench`, the oversight dashboard at scale: GET /api/oversight and the /oversight page
as the Kunming city official over 1 000 and 100 000 cases; medians of CPU time and the
100k/1k ratio (never a failure), and how long `oversight rebuild` takes to recount the rollups.

One Kunming case goes through the engine (submitted, county review done, site inspection
waiting); its case row and work items are then cloned in SQL, spread over five years, the
Kunming counties, several statuses and titles, so that every figure has groups to count.
SQL copies bypass the session that keeps the rollups, so they are rebuilt after each growth.

The two sizes are two database files (the large one grown from a copy of the small one),
served by two applications in this process, and their requests alternate: a shared machine
that slows down for a minute slows both sizes alike, instead of skewing their ratio.

`python -m tests.bench.oversight [SMALL LARGE]` runs it alone.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from app import engine
from app.extensions import db
from app.models import Case, User, WorkItem
from app.services import calendar_days, oversight_rollups, progress, users
from tests.bench.run import NOW, _app, _submitted_case, copied_app, cpu_ms_in_turns
from tests.processes import examples_kunming as km

COUNTIES = ("wuhua", "panlong", "guandu", "xishan", "chenggong", "jinning", "anning", "gaoxin")
# Clones are opened over about five years before the template, their days scattered (i ×
# a prime) so that 1 000 cases already cover every year and month that 100 000 do: both
# sizes have the same groups, and the ratio shows what the number of cases costs.
SPREAD_DAYS = 1800
CASE_AGO = f"'-' || (i * 7919 % {SPREAD_DAYS}) || ' days'"  # SQLite date modifiers
ITEM_AGO = f"'-' || ((c.id - :base) * 7919 % {SPREAD_DAYS}) || ' days'"


def _choice(values: tuple[str, ...], number: str) -> str:
    """SQL: one of `values` picked by the integer expression `number`."""
    arms = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE ({number}) % {len(values)} {arms} END"


CLONE_CASES = f"""
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
INSERT INTO "case" (id, ref, process_version_id, process_key, jurisdiction, county,
  applicant_id, status, stage, base_name, data, state, state_hash, waiting,
  completed_elements, ended, valid_from, valid_until, lock_version, created_at, updated_at)
SELECT :base + i, 'BENCH-' || (:base + i), process_version_id,
  CASE WHEN i % 10 = 7 THEN 'kunming_annual_summary' ELSE process_key END,
  jurisdiction, {_choice(COUNTIES, "i")}, applicant_id,
  {_choice(("in_review", "in_review", "in_review", "recognized", "recognized", "rejected",
            "revoked", "draft", "expired", "in_review"), "i")},
  {_choice(("county_review", "site_inspection", "expert_review", "public_notice"), "i / 10")},
  base_name, '{{}}', '', state_hash, '[]', '[]', i % 10 IN (5, 6, 8),
  CASE WHEN i % 10 IN (3, 4, 6, 8) THEN date(created_at, {CASE_AGO},
       '+200 days') END,
  CASE WHEN i % 10 IN (3, 4, 6, 8) THEN date(created_at, {CASE_AGO},
       '+200 days', '+3 years', '-1 days') END,
  1, datetime(created_at, {CASE_AGO}), updated_at
FROM "case", n WHERE "case".id = :template
"""

CLONE_ITEMS = f"""
INSERT INTO work_item (id, case_id, name, title, lane, jurisdiction, county, applicant_id, form,
  variable, assignee, documentation, status, due_at, created_at, completed_by_id, completed_at)
SELECT w.id || '-' || c.id, c.id, w.name, w.title, w.lane, w.jurisdiction, c.county,
  w.applicant_id, w.form, w.variable, w.assignee, '', w.status,
  datetime(w.due_at, {ITEM_AGO}),
  datetime(w.created_at, {ITEM_AGO}), w.completed_by_id,
  datetime(w.completed_at, {ITEM_AGO},
           '+' || (c.id % 9) || ' days')
FROM work_item w JOIN "case" c ON c.id > :base AND c.id <= :base + :count
WHERE w.case_id = :template
"""


def _median_cpu_ms(runs: dict, repeat: int) -> dict:
    """Return {name: median CPU ms of `runs[name]`}, the runs taking turns."""
    return {name: statistics.median(times)
            for name, times in cpu_ms_in_turns(runs, repeat).items()}


def _complete(case: Case, name: str, data: dict) -> None:
    item = db.session.query(WorkItem).filter_by(case_id=case.id, status="ready", name=name).one()
    step = engine.complete(case.process_version.spec, case.state, item.id, data, NOW,
                           calendar_days.overrides())
    item.status, item.completed_at = "completed", NOW
    progress.apply_step(case, step, NOW, "bench", "task_completed", task=name, task_id=item.id,
                        data={"form": data})


def _template() -> int:
    """One real case moved by the engine: its rows are what the clones copy."""
    applicant = db.session.query(User).filter_by(username="km_applicant").one()
    case = _submitted_case(applicant)
    _complete(case, "county_review", km.COUNTY_APPROVE)
    # The engine-only helpers leave completed_at to the task service: a working week each.
    for item in db.session.query(WorkItem).filter_by(case_id=case.id, status="completed"):
        item.completed_at = item.created_at + dt.timedelta(days=7)
    db.session.commit()
    return case.id


def grow(template: int, total: int) -> None:
    """Clone the template until the database holds `total` cases."""
    have = db.session.scalar(sa.select(sa.func.count()).select_from(Case))
    base = db.session.scalar(sa.select(sa.func.max(Case.id)))
    params = {"template": template, "base": base, "count": total - have}
    if params["count"] > 0:
        db.session.execute(sa.text(CLONE_CASES), params)
        db.session.execute(sa.text(CLONE_ITEMS), params)
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))


def bench(small: int = 1_000, large: int = 100_000,
          repeat: int = 21) -> list[tuple[str, bool, str]]:
    apps = {small: _app(Path(tempfile.mkdtemp()))}
    logging.getLogger("app.request").setLevel(logging.WARNING)  # no line per request
    rebuilt = {}
    with apps[small].app_context():
        template = _template()
        _, token = users.create_user("bench_city", "city", "kunming", None, "benchpass1")
        db.session.commit()
    for total in (small, large):
        if total not in apps:
            apps[total] = copied_app(apps[small])
        with apps[total].app_context():
            grow(template, total)
            start = time.perf_counter()
            rows = oversight_rollups.rebuild_all()
            rebuilt[total] = (time.perf_counter() - start, rows)
    headers = {"Authorization": f"Bearer {token}"}
    clients = {total: (app.test_client(), app.test_client()) for total, app in apps.items()}
    for _api, page in clients.values():
        page.post("/login", data={"username": "bench_city", "password": "benchpass1"})

    def get(total: int, which: int, path: str, **options):
        with apps[total].app_context():
            answer = clients[total][which].get(path, **options)
        assert answer.status_code == 200, (path, answer.status_code)

    api = _median_cpu_ms({total: (lambda t=total: get(t, 0, "/api/oversight", headers=headers))
                          for total in apps}, repeat)
    web = _median_cpu_ms({total: (lambda t=total: get(t, 1, "/oversight"))
                          for total in apps}, repeat)
    results = {total: (api[total], web[total]) for total in apps}
    goals = []
    for column, label in ((0, "GET /api/oversight (city official)"),
                          (1, "web /oversight (city official)")):
        print(f"{label:<48}{'median CPU ms':>14}{'× ' + str(small):>10}")
        for total, values in results.items():
            value = values[column]
            print(f"{'  ' + str(total) + ' cases':<48}{value:>14.1f}"
                  f"{value / results[small][column]:>10.2f}")
        ratio = results[large][column] / results[small][column]
        print(f"{'  ratio ' + str(large) + ' / ' + str(small) + ' cases':<48}{ratio:>14.2f}"
              f"{'  flat' if ratio <= 1.3 else '  NOT flat'} (goal ≤ 1.3)")
        goals.append((f"flat: {label}, {large // 1000}k / {small // 1000}k ≤ 1.3", ratio <= 1.3,
                       f"{ratio:.2f} ({results[small][column]:.1f} → "
                       f"{results[large][column]:.1f} CPU ms median)"))
    for total, (seconds, rows) in rebuilt.items():
        print(f"{'oversight rebuild, ' + str(total) + ' cases':<48}{seconds:>10.1f} s"
              f"  ({rows} rollup rows)")
    sys.stdout.flush()
    return goals


if __name__ == "__main__":
    bench(*(int(arg) for arg in sys.argv[1:3]))
