"""The `flask --app app ...` commands of API.md, run as an operator would."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.config import ROOT, TestConfig
from app.extensions import db
from app.models import CalendarDay, Case, ProcessVersion, User
from app.services import calendar_days, catalog
from tests.conftest import at
from tests.processes.driver import find_user
from tests.services.mini_cases import in_notice

FLASK = [sys.executable, "-m", "flask", "--app", "app"]


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def empty_app(tmp_path):
    """The product on a fresh database with the schema only: nothing loaded yet."""
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'empty.sqlite'}"
        UPLOAD_DIR = str(tmp_path / "uploads")

    app = create_app(Config)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


# --- init-db ----------------------------------------------------------------------------------

def test_init_db_creates_the_schema_and_is_idempotent(tmp_path):
    database = tmp_path / "fresh.sqlite"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}",
           "UPLOAD_DIR": str(tmp_path / "uploads"), "PYTHONUTF8": "1"}

    runs = [subprocess.run([*FLASK, "init-db"], cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=120) for _ in range(2)]

    assert [r.returncode for r in runs] == [0, 0], [r.stderr[-800:] for r in runs]
    assert all("database ready" in r.stdout for r in runs)
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        versions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert {"case", "event", "work_item", "process_version", "user", "calendar_day"} <= tables
    assert len(versions) == 1
    assert "Running upgrade" in runs[0].stderr and "Running upgrade" not in runs[1].stderr


# --- processes check / load -------------------------------------------------------------------

def test_processes_check_passes_on_the_repository(empty_app):
    result = invoke(empty_app, "processes", "check")

    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def _break(folder: Path, file: str, old: str, new: str) -> None:
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text, (file, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BREAKAGES = {  # file, text, replaced by, element reported, part of the sentence
    "unquoted timer": ("kunming/recognition.bpmn", '"bpmn:tFormalExpression">notice_ends_at<',
                       '"bpmn:tFormalExpression">P10D<', "notice_period_ends", "quote"),
    "form that does not exist": ("kunming/recognition.bpmn", 'value="km_county_review"',
                                 'value="km_no_such_form"', "county_review",
                                 "forms/km_no_such_form.yaml does not exist"),
    "script with an import": ("liaocheng/recognition.bpmn", 'case_status = "public_notice"',
                              "import os", "set_public_notice", "imports are not allowed"),
    "script whose loop appends to its own list": (
        "kunming/recognition.bpmn", 'case_status = "in_review"',
        "xs = [1]\nfor x in xs: xs.append(x)", "set_in_review", "adds to xs itself and never ends"),
    "script with a class statement": ("liaocheng/rereview.bpmn", 'case_status = "in_review"',
                                      "class Status:\n    pass", "set_in_review",
                                      "class statements are not allowed"),
    "malformed decision table": ("liaocheng/precheck.dmn", "</definitions>", "<definitions>",
                                 "-", "malformed XML"),
    "process missing from its file": ("kunming/meta.yaml", "key: kunming_rereview",
                                      "key: kunming_renewal", "-",
                                      "process kunming_renewal listed in meta.yaml"),
}


@pytest.mark.parametrize("name", list(BREAKAGES))
def test_processes_check_fails_on_a_broken_copy_naming_file_element_and_problem(
        empty_app, tmp_path, name):
    file, old, new, element, sentence = BREAKAGES[name]
    broken = tmp_path / "processes"
    shutil.copytree(ROOT / "processes", broken)
    _break(broken, file, old, new)

    result = invoke(empty_app, "processes", "check", str(broken))

    assert result.exit_code == 1
    problems = [line.split("\t") for line in result.output.splitlines() if "\t" in line]
    where, what, why = problems[0]
    assert where.split(":")[0] == str(broken / file)
    assert what == element
    assert sentence in why and "%(" not in why
    # One problem only: a malformed table does not also report its jurisdiction's processes.
    assert len(problems) == 1, result.output


def test_processes_load_publishes_once_and_then_creates_no_versions(empty_app):
    first = invoke(empty_app, "processes", "load")
    counted = db.session.scalar(sa.select(sa.func.count()).select_from(ProcessVersion))
    second = invoke(empty_app, "processes", "load")

    assert first.exit_code == second.exit_code == 0
    forms = len(list((ROOT / "forms").glob("*.yaml")))
    processes = sum(meta.read_text(encoding="utf-8").count("\n  - key:")
                    for meta in (ROOT / "processes").glob("*/meta.yaml"))
    assert first.output.strip() == \
        f"new process versions: {processes}, new form versions: {forms}"
    assert second.output.strip() == "new process versions: 0, new form versions: 0"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProcessVersion)) == \
        counted == processes


def test_processes_load_versions_only_the_changed_process(empty_app, tmp_path):
    invoke(empty_app, "processes", "load")
    changed = tmp_path / "processes"
    shutil.copytree(ROOT / "processes", changed)
    _break(changed, "liaocheng/rereview.bpmn", 'name="复核通过"', 'name="复核通过（新）"')
    empty_app.config["PROCESS_DIR"] = str(changed)

    result = invoke(empty_app, "processes", "load")

    assert result.output.strip() == "new process versions: 1, new form versions: 0"
    assert catalog.latest_process("liaocheng_rereview").version == 2
    assert catalog.latest_process("liaocheng_recognition").version == 1


# --- users and demo ---------------------------------------------------------------------------

def test_users_create_prints_a_token_that_works_against_the_api(loaded_app):
    result = invoke(loaded_app, "users", "create", "km_city_deputy", "--role", "city",
                    "--jurisdiction", "kunming", "--password", "secret-pass-1")

    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    response = loaded_app.test_client().get("/api/processes",
                                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert {p["key"] for p in response.get_json()} >= {"kunming_recognition"}
    assert find_user("km_city_deputy").role == "city"


def test_an_operator_creates_the_first_admin_on_a_fresh_database(empty_app):
    result = invoke(empty_app, "users", "create", "admin", "--role", "admin",
                    "--password", "Kq7-river-lantern")

    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    response = empty_app.test_client().get("/api/cases",
                                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.get_json() == []


@pytest.mark.parametrize("args, field", [
    (["someone", "--role", "mayor"], "role"),
    (["km_city", "--role", "city", "--jurisdiction", "kunming"], "username"),
    (["county_x", "--role", "county", "--jurisdiction", "kunming"], "county"),
    (["short_pw", "--role", "auditor", "--password", "short"], "password"),
])
def test_users_create_refuses_bad_input_with_exit_1(loaded_app, args, field):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))

    result = invoke(loaded_app, "users", "create", *args)

    assert result.exit_code == 1
    assert f"{field}:" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before


def test_demo_load_prints_every_login_and_is_idempotent(empty_app):
    invoke(empty_app, "processes", "load")

    first = invoke(empty_app, "demo", "load")
    second = invoke(empty_app, "demo", "load")

    assert first.exit_code == second.exit_code == 0
    logins = [line.split() for line in first.output.splitlines()]
    assert ["km_county_wuhua", "demo1234", "county", "kunming/wuhua"] in logins
    assert ["lc_expert2", "demo1234", "expert", "liaocheng"] in logins
    assert ["admin", "demo1234", "admin"] in logins
    # admin plus every demo user of every jurisdiction's meta.yaml
    expected = 1 + sum(len(package.meta.get("demo_users", []))
                       for package in catalog.read_packages(ROOT / "processes"))
    assert len(logins) == expected and first.output == second.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == expected


# --- calendar ---------------------------------------------------------------------------------

def test_calendar_import_stores_official_days(loaded_app, tmp_path):
    csv = tmp_path / "2027.csv"
    csv.write_text("date,kind,note\n2027-10-08,holiday,国庆节调休\n2027-09-26,workday,调休上班\n",
                   encoding="utf-8")

    result = invoke(loaded_app, "calendar", "import", str(csv))

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "imported 2 days"
    assert calendar_days.overrides() == {at("2027-10-08").date(): False,
                                         at("2027-09-26").date(): True}


@pytest.mark.parametrize("content", [
    "date,kind,note\n2027-10-08,holiday,ok\n2027-13-01,holiday,bad date\n",
    "date,kind,note\n2027-10-08,holiday,ok\n2027-10-09,vacation,bad kind\n",
    "2027-10-08;holiday\n",
], ids=["bad date", "bad kind", "bad separator"])
def test_calendar_import_of_a_bad_file_exits_1_and_stores_nothing(loaded_app, tmp_path, content):
    csv = tmp_path / "bad.csv"
    csv.write_text(content, encoding="utf-8")

    result = invoke(loaded_app, "calendar", "import", str(csv))

    assert result.exit_code == 1
    assert "line" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay)) == 0


# --- timers -----------------------------------------------------------------------------------

def test_timers_run_prints_how_many_cases_moved(mini_app, user):
    cases = [in_notice(user("tl_applicant"), user("tl_county_east"), user("tl_city"))
             for _ in range(2)]

    early = invoke(mini_app, "timers", "run", "--now", "2026-10-15T23:59:59+08:00")
    due = invoke(mini_app, "timers", "run", "--now", "2026-10-16T00:00:00+08:00")
    again = invoke(mini_app, "timers", "run", "--now", "2026-10-16T00:00:00+08:00")

    assert [r.output.strip().splitlines()[-1] for r in (early, due, again)] == ["0", "2", "0"]
    assert "batch 1: 2 due cases looked at, 2 moved" in due.output
    assert early.output.strip() == again.output.strip() == "0"  # nothing due: no progress
    db.session.expire_all()
    for case in cases:
        record = db.session.get(Case, case.id)
        assert (record.status, record.ended, str(record.valid_from)) == (
            "recognized", True, "2026-10-16")


@pytest.mark.parametrize("now", ["2026-10-16T00:00:00", "yesterday"])
def test_timers_run_refuses_a_time_without_zone_or_format(mini_app, now):
    result = invoke(mini_app, "timers", "run", "--now", now)

    assert result.exit_code == 2
    assert "--now" in result.output or "Invalid value" in result.output


def test_processes_check_refuses_a_pre_check_no_official_can_override_with_a_reason(
        empty_app, tmp_path):
    forms = tmp_path / "forms"
    shutil.copytree(ROOT / "forms", forms)
    review = forms / "km_county_review.yaml"
    review.write_text(review.read_text("utf-8").replace("precheck_override_reason",
                                                        "override_note"), "utf-8")

    problems = catalog.check_all(ROOT / "processes", forms)

    # Kunming's recognition (and any procedure reusing that review form), nothing else.
    assert problems and {(Path(p.file).parent.name, p.element) for p in problems} == {
        ("kunming", "precheck")}
    assert "precheck_override_reason" in problems[0].text()
