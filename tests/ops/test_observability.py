"""Probes, request ids and the JSON request log (app/web/observability.py)."""

from __future__ import annotations

import json
import shutil

import pytest

from app import create_app
from app.config import ROOT, TestConfig
from app.extensions import db
from app.services import users
from tests.processes.driver import find_user, settle_file

SECRET = "demo1234-secret-password"


def product(tmp_path, url: str | None = None):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url or f"sqlite:///{tmp_path / 'ops.sqlite'}"
        UPLOAD_DIR = str(tmp_path / "uploads")

    return create_app(Config)


def cli(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def migrated(tmp_path):
    """The product on a database migrated by init-db, with no processes loaded yet."""
    app = product(tmp_path)
    cli(app, "init-db")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def ready_database(tmp_path_factory):
    """A database made ready through the CLI (init-db, processes load, a city official), once
    per test process: loading the processes takes seconds."""
    folder = tmp_path_factory.mktemp("ready")
    app = product(folder)
    cli(app, "init-db")
    cli(app, "processes", "load")
    cli(app, "users", "create", "ops_city", "--role", "city", "--jurisdiction", "kunming",
        "--password", SECRET)
    with app.app_context():
        settle_file()
    return folder / "ops.sqlite"


@pytest.fixture
def ready(ready_database, tmp_path):
    """The product on a fresh copy of the ready database."""
    shutil.copyfile(ready_database, tmp_path / "ops.sqlite")
    app = product(tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


def log_lines(captured: str) -> list[dict]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def test_healthz_answers_ok_without_a_database_or_a_session_cookie(tmp_path):
    app = product(tmp_path, f"sqlite:///{tmp_path / 'missing' / 'no.sqlite'}")

    answer = app.test_client().get("/healthz")

    assert (answer.status_code, answer.get_json()) == (200, {"status": "ok"})
    assert "Set-Cookie" not in answer.headers


def test_readyz_says_the_database_is_unreachable_without_details(tmp_path):
    app = product(tmp_path, f"sqlite:///{tmp_path / 'missing' / 'no.sqlite'}")

    answer = app.test_client().get("/readyz")

    assert answer.status_code == 503
    assert answer.get_json() == {"status": "unavailable", "reason": "database_unreachable"}
    assert "Set-Cookie" not in answer.headers


def test_readyz_waits_for_the_migrations(tmp_path):
    app = product(tmp_path)
    with app.app_context():
        db.create_all()  # the tables, but no Alembic revision stamped

    answer = app.test_client().get("/readyz")

    assert (answer.status_code, answer.get_json()["reason"]) == (503, "schema_not_current")


def test_readyz_waits_for_published_processes_then_answers_ready(migrated):
    before = migrated.test_client().get("/readyz")
    cli(migrated, "processes", "load")
    after = migrated.test_client().get("/readyz")

    assert (before.status_code, before.get_json()["reason"]) == (503, "no_processes_loaded")
    assert (after.status_code, after.get_json()) == (200, {"status": "ready"})
    assert "Set-Cookie" not in after.headers


def test_every_response_carries_a_generated_request_id_that_its_log_line_repeats(ready, capsys):
    answer = ready.test_client().get("/login")

    request_id = answer.headers["X-Request-ID"]
    [line] = log_lines(capsys.readouterr().err)
    assert len(request_id) == 32 and int(request_id, 16) >= 0
    assert line["request_id"] == request_id
    assert (line["method"], line["path"], line["status"], line["user_id"]) == \
        ("GET", "/login", 200, None)
    assert line["duration_ms"] >= 0 and line["time"].endswith("+00:00")


@pytest.mark.parametrize("offered, kept", [
    ("0123456789abcdef0123456789abcdef", True),  # nginx's $request_id
    ("req-2026.11_30", True),
    ("short", False),
    ("x" * 65, False),
    ('abc123", "status": 200', False),
    ("abcdefgh ijklmnop", False),
])
def test_an_offered_request_id_is_kept_only_when_it_is_an_opaque_token(ready, offered, kept):
    answer = ready.test_client().get("/healthz", headers={"X-Request-ID": offered})

    assert (answer.headers["X-Request-ID"] == offered) is kept
    assert answer.headers["X-Request-ID"].isascii()


def test_the_log_line_names_the_api_user_but_never_the_token_or_query(ready, capsys):
    with ready.app_context():
        user = find_user("ops_city")
        user_id, token = user.id, users.issue_token(user)
    capsys.readouterr()

    answer = ready.test_client().get("/api/cases?q=secret-query",
                                     headers={"Authorization": f"Bearer {token}"})

    output = capsys.readouterr().err
    [line] = log_lines(output)
    assert answer.status_code == 200
    assert (line["path"], line["status"], line["user_id"]) == ("/api/cases", 200, user_id)
    assert token not in output and "secret-query" not in output


def test_a_login_is_logged_without_the_password(ready, capsys):
    client = ready.test_client()

    answer = client.post("/login", data={"username": "ops_city", "password": SECRET})

    output = capsys.readouterr().err
    [line] = log_lines(output)
    assert answer.status_code == 302
    assert (line["method"], line["path"], line["status"]) == ("POST", "/login", 302)
    assert SECRET not in output and "ops_city" not in output


def test_the_migrations_folder_is_where_readiness_looks():
    from app.services import health

    assert health.MIGRATIONS == ROOT / "migrations"
    assert health.schema_heads()


def test_the_log_line_gives_the_engine_its_share_of_a_request(ready, capsys):
    token = cli(ready, "users", "create", "ops_applicant", "--role", "applicant",
                "--jurisdiction", "kunming", "--county", "wuhua").strip().splitlines()[-1]
    client = ready.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    started = client.post("/api/cases", headers=headers, json={"process": "kunming_recognition"})
    listed = client.get("/api/cases", headers=headers)

    assert (started.status_code, listed.status_code) == (201, 200)
    start, listing = log_lines(capsys.readouterr().err)
    # Starting a case runs the engine; the list only reads what earlier steps stored.
    assert (start["path"], listing["path"]) == ("/api/cases", "/api/cases")
    assert 0 < start["engine_ms"] <= start["duration_ms"]
    assert listing["engine_ms"] == 0


def test_a_verification_through_the_api_logs_the_replay_as_engine_time(ready, capsys):
    token = cli(ready, "users", "create", "ops_applicant2", "--role", "applicant",
                "--jurisdiction", "kunming", "--county", "wuhua").strip().splitlines()[-1]
    client = ready.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    case_id = client.post("/api/cases", headers=headers,
                          json={"process": "kunming_recognition"}).get_json()["id"]
    auditor_token = cli(ready, "users", "create", "ops_auditor", "--role", "auditor",
                        "--jurisdiction", "kunming").strip().splitlines()[-1]
    capsys.readouterr()

    verified = ready.test_client().post(f"/api/cases/{case_id}/verify",
                                        headers={"Authorization": f"Bearer {auditor_token}"})

    assert verified.status_code == 200 and verified.get_json()["ok"] is True
    [line] = log_lines(capsys.readouterr().err)
    assert line["path"] == f"/api/cases/{case_id}/verify"
    assert 0 < line["engine_ms"] <= line["duration_ms"]
