"""The oversight rollups stay equal to a full recount whatever changes the cases, and the
dashboard reads the same figures from them as from a recount; `oversight rebuild` and
`oversight check` repair and compare them."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3

import sqlalchemy as sa
from flask_migrate import upgrade

from app.extensions import db
from app.models import Case, OversightRollup, WorkItem
from app.services import cases, oversight, oversight_queries, oversight_rollups
from tests.processes.driver import at, find_user
from tests.services.old_database import MIGRATIONS, app_at
from tests.services.test_oversight import build

INSERT_VERSION = (
    "INSERT INTO process_version (id, key, version, jurisdiction, title, title_en, startable, "
    "options, bpmn, dmn, spec, sha256, status, author, note, created_at, forms, origin, "
    "problem_count) VALUES (1, 'kunming_recognition', 1, 'kunming', 't', '', 1, '{}', '<x/>', "
    "'{}', '', 'sha', 'published', 'system', '', '2026-01-01 00:00:00', '{}', 'files', 0)")
INSERT_CASE = (
    "INSERT INTO \"case\" (id, ref, process_version_id, process_key, jurisdiction, county, status, "
    "stage, base_name, data, state, state_hash, waiting, completed_elements, ended, "
    "lock_version, created_at, updated_at) VALUES (?, ?, 1, 'kunming_recognition', 'kunming', "
    "?, ?, '', '', '{}', '', 'h', '[]', '[]', 0, 1, '2026-03-02 01:00:00', "
    "'2026-03-04 01:00:00')")
INSERT_ITEM = (
    "INSERT INTO work_item (id, case_id, name, title, lane, jurisdiction, county, variable, "
    "documentation, status, created_at, completed_at) VALUES ('t1', 1, 'county_review', "
    "'县级审核', 'county', 'kunming', 'wuhua', 'v', '', 'completed', '2026-03-02 01:00:00', "
    "'2026-03-04 01:00:00')")
STATUSES = ("draft", "in_review", "recognized", "rejected", "expired", "revoked")
COUNTIES = (None, "wuhua", "panlong", "guandu")


def _dashboards() -> list[dict]:
    figures = []
    for username in ("km_city", "km_auditor", "admin"):
        for year in (None, 2026, 2027):
            found = oversight.dashboard(find_user(username), None, year, at("2027-12-01T09:00"))
            figures.append({k: v for k, v in found.items() if k != "generated_at"})
    return figures


def test_after_the_case_walks_the_rollups_equal_a_recount_and_so_do_the_figures(api):
    build(api)  # two titles to recognition, one revoked, an annual summary, a draft
    counted = oversight_rollups.stored(db.session.connection())
    before = _dashboards()

    assert oversight_rollups.check_all() == []
    assert {key[0] for key in counted} == {"opened", "stage", "county", "step", "ready",
                                           "ready_month", "done", "recognition", "expiry",
                                           "revocation"}
    assert oversight_rollups.rebuild_all() == len(counted)
    assert _dashboards() == before


def _random_change(rng: random.Random, case: Case, now: dt.datetime) -> None:
    """One change of a case or of its work items, as any code path could make it."""
    items = db.session.scalars(sa.select(WorkItem).where(WorkItem.case_id == case.id)).all()
    ready = [item for item in items if item.status == "ready"]
    choice = rng.randrange(8)
    if choice == 0:
        case.status = rng.choice(STATUSES)
    elif choice == 1:
        case.stage, case.ended = rng.choice(("县级审核", "专家评审", "")), rng.random() < 0.3
    elif choice == 2:
        case.county = rng.choice(COUNTIES)
    elif choice == 3:
        case.valid_from = rng.choice((None, dt.date(2026, 11, 20), dt.date(2027, 1, 5)))
        case.valid_until = rng.choice((None, dt.date(2029, 11, 19)))
        case.data = {**case.data, "revoked_on": rng.choice(("2027-10-10", "2028-01-02"))}
        case.updated_at = now
    elif choice == 4 and ready:
        item = rng.choice(ready)
        item.status, item.completed_at = "completed", now + dt.timedelta(days=rng.randrange(9))
    elif choice == 5 and ready:
        rng.choice(ready).due_at = now + dt.timedelta(days=rng.randrange(-20, 20))
    elif choice == 6:
        db.session.add(WorkItem(
            id=f"random-{rng.random()}", case_id=case.id, name=rng.choice(("a", "b")),
            title="任务", lane="city", jurisdiction=case.jurisdiction, county=case.county,
            variable="v", status="ready", created_at=now, due_at=now + dt.timedelta(days=3)))
    elif items:
        db.session.delete(rng.choice(items))


def test_a_random_sequence_of_case_changes_keeps_the_rollups_equal_to_a_recount(api):
    rng, now = random.Random(20261201), at("2026-09-01T09:00")
    applicant = find_user("km_applicant")
    started = [cases.start_case(applicant, "kunming_recognition", now).id for _ in range(3)]
    for number in range(80):
        now += dt.timedelta(hours=rng.randrange(1, 60))
        if rng.random() < 0.1:
            started.append(cases.start_case(applicant, "kunming_recognition", now).id)
            continue
        for _ in range(rng.randrange(1, 4)):
            _random_change(rng, db.session.get(Case, rng.choice(started)), now)
            if rng.random() < 0.3:
                db.session.flush()
        if number % 5 == 4:
            db.session.rollback()  # a failed use case leaves the rollups as they were
        else:
            db.session.commit()

    assert oversight_rollups.check_all() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OversightRollup)) > 10


def test_check_names_a_wrong_count_and_rebuild_repairs_it(api, loaded_app):
    build(api)
    db.session.execute(sa.update(OversightRollup).where(
        OversightRollup.figure == "county", OversightRollup.county == "wuhua",
        OversightRollup.label == "recognized").values(n=OversightRollup.n + 5))
    db.session.commit()
    runner = loaded_app.test_cli_runner()

    wrong = runner.invoke(args=["oversight", "check"])
    assert wrong.exit_code == 1
    assert "'county', 'kunming', 'wuhua'" in wrong.output and "recounted [" in wrong.output
    assert oversight.dashboard(find_user("km_city"), None, None, at("2027-12-01T09:00"))[
        "by_county"][1]["statuses"] == {"recognized": 1 + 5, "revoked": 1}

    rebuilt = runner.invoke(args=["oversight", "rebuild"])
    assert rebuilt.exit_code == 0 and "rollup rows recounted" in rebuilt.output
    right = runner.invoke(args=["oversight", "check"])
    assert (right.exit_code, right.output.strip()) == (0, "rollups equal a full recount")
    assert oversight.dashboard(find_user("km_city"), None, None, at("2027-12-01T09:00"))[
        "by_county"][1]["statuses"] == {"recognized": 1, "revoked": 1}


def test_migration_0013_counts_the_cases_already_there(tmp_path):
    app = app_at(tmp_path, "0012")
    with sqlite3.connect(tmp_path / "old.sqlite") as connection:
        connection.execute(INSERT_VERSION)
        connection.executemany(INSERT_CASE, [(1, "KM-1", "wuhua", "recognized"),
                                             (2, "KM-2", "panlong", "in_review")])
        connection.execute(INSERT_ITEM)

    with app.app_context():
        upgrade(directory=MIGRATIONS)
        counted = oversight_rollups.stored(db.session.connection())
        assert oversight_rollups.check_all() == []
        db.engine.dispose()

    assert {key[2:6]: n for key, (n, _) in counted.items() if key[0] == "county"} == {
        ("wuhua", None, 2026, "recognized"): 1, ("panlong", None, 2026, "in_review"): 1}
    assert [(key[5], key[8], n) for key, (n, _) in counted.items() if key[0] == "step"] == [
        ("county_review", 2, 1)]  # Monday 03-02 → Wednesday 03-04


def test_overdue_from_month_rows_equals_a_count_of_the_work_items(api):
    """The overdue figure sums whole past months and compares this month's deadlines one by
    one: at any moment, its counts and earliest deadlines are those of the work items."""
    rng, now = random.Random(7), at("2026-09-01T09:00")
    started = [cases.start_case(find_user("km_applicant"), "kunming_recognition", now)
               for _ in COUNTIES]
    for case, county in zip(started, COUNTIES, strict=True):
        case.county = county  # the figure counts by the case's county
    for number in range(60):
        due = now + dt.timedelta(days=rng.randrange(0, 120), hours=rng.choice((0, 15)))
        case = rng.choice(started)
        db.session.add(WorkItem(
            id=f"due-{number}", case_id=case.id, name=rng.choice(("a", "b")), title="任务",
            lane="city", jurisdiction="kunming", county=case.county, variable="v",
            status="ready", created_at=now, due_at=due))
    db.session.commit()
    items = db.session.scalars(sa.select(WorkItem).where(
        WorkItem.status == "ready", WorkItem.due_at.is_not(None))).all()
    for moment in ("2026-09-20T09:00", "2026-10-31T23:59", "2026-11-01T00:00",
                   "2026-11-15T12:00", "2027-02-01T09:00"):
        when = at(moment)
        expected: dict[tuple, list] = {}
        for item in items:
            if item.due_at < when:
                group = (item.jurisdiction, item.case.county, item.case.process_key, item.name,
                         item.lane, item.title)
                entry = expected.setdefault(group, [0, item.due_at])
                entry[0] += 1
                entry[1] = min(entry[1], item.due_at)
        found = {tuple(row[:6]): [row[6], row[7]]
                 for row in oversight_queries.overdue_tasks(OversightRollup.figure.is_not(None),
                                                            when)}
        assert found == expected, moment
    assert len(expected) > 4  # several groups, over several months
