"""Restore drill: back up a running product with deploy/backup.sh, lose it, bring it back with
deploy/restore.sh, and prove nothing was lost (docs/OPERATIONS.md, "Backup and restore").

Runs when TEST_POSTGRES_URL is set (`.ci/run` starts a throwaway PostgreSQL); skipped otherwise.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
from pathlib import Path

import pytest

from app import create_app
from app.config import TestConfig
from app.extensions import db
from app.web import api as api_module
from tests.ops import support
from tests.ops.support import DEPLOY, URL, database_url, environment, flask, run
from tests.processes import examples_kunming as km
from tests.processes.driver import PDF, Api, CaseDriver

pytestmark = pytest.mark.skipif(not URL, reason="TEST_POSTGRES_URL is not set")
APPLICANT, COUNTY, CITY = "km_applicant", "km_county_wuhua", "km_city"


def product(url: str, uploads) -> Api:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        UPLOAD_DIR = str(uploads)

    return Api(create_app(Config))


def download(api: Api, attachment_id: str) -> bytes:
    with api.client.get(f"/api/attachments/{attachment_id}", headers=api.headers(CITY)) as answer:
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
        return answer.get_data()


def close(api: Api) -> None:
    with api.app.app_context():
        db.session.remove()
        db.engine.dispose()


def drive_a_kunming_case(api: Api, monkeypatch) -> tuple[CaseDriver, str, bytes]:
    """Start a case, upload a unique PDF, submit and review it; return (case, file id, bytes)."""
    monkeypatch.setattr(api_module, "_now", lambda: api.now)
    case = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    content = PDF.replace(b"%%EOF", f"% drill {secrets.token_hex(16)}\n%%EOF".encode())
    case.start("2026-03-01T09:00")
    file_id = api.upload(APPLICANT, case.id, "report.pdf", content)["id"]
    application = {**km.APPLICATION, "application_report": [file_id]}
    case.complete(APPLICANT, "submit_application", application, "2026-03-02T09:00")
    case.complete(COUNTY, "county_review", km.COUNTY_APPROVE, "2026-03-10T09:00")
    return case, file_id, content


def test_a_backup_restored_into_a_new_database_verifies_and_keeps_every_attachment(
        tmp_path, monkeypatch):
    uploads, backups, keys = tmp_path / "uploads", tmp_path / "backups", tmp_path / "keys"
    log, key = tmp_path / "anchors" / "audit-anchors.jsonl", keys / "audit-signing-key.pem"
    with support.scratch_database("drill") as name:
        env = environment(DATABASE_URL=database_url(name), UPLOAD_DIR=str(uploads),
                          SECRET_KEY="drill-secret", AUDIT_ANCHOR_LOG=str(log),
                          AUDIT_SIGNING_KEY=str(key))
        for command in (["init-db"], ["processes", "load"], ["demo", "load", "--no-calls"]):
            flask(*command, env=env)
        api = product(database_url(name), uploads)
        with api.app.app_context():
            case, file_id, content = drive_a_kunming_case(api, monkeypatch)
            before = case.case()
        close(api)

        flask("audit", "anchor", env=env)
        anchored = log.read_text()
        backup = run([str(DEPLOY / "backup.sh"), str(backups)], env).strip().splitlines()[-1]
        support.drop_database(name)
        for lost in (uploads, log.parent, keys):  # the machine is lost: files, log and keys
            shutil.rmtree(lost)
        support.create_database(name)
        run([str(DEPLOY / "restore.sh"), backup], env)
        verified = flask("audit", "verify", "--all", env=env)
        flask("audit", "anchor", env=env)  # a new signing key; the old public key retires
        verified_again = flask("audit", "verify", "--all", env=env)

        restored = product(database_url(name), uploads)
        restored.tokens = api.tokens
        with restored.app.app_context():
            case.api = restored
            after = case.case()
            downloaded = download(restored, file_id)
        close(restored)

    assert sorted(path.name for path in Path(backup).iterdir()) == [
        "SHA256SUMS", "audit-anchors.log", "audit-signing-key.pub", "database.dump",
        "uploads.tar.gz"]  # never the private key
    assert log.read_text().startswith(anchored) and len(log.read_text().splitlines()) == 2
    assert (keys / "audit-signing-key.pem.retired.pub").exists()
    assert f"{before['ref']}\tok" in verified and f"{before['ref']}\tok" in verified_again
    assert "TAMPERED" not in verified + verified_again
    assert after == before
    assert [task["name"] for task in after["tasks"]] == ["site_inspection"]
    assert hashlib.sha256(downloaded).hexdigest() == hashlib.sha256(content).hexdigest()


def test_restore_refuses_a_database_that_already_holds_data(tmp_path):
    uploads = tmp_path / "uploads"
    with support.scratch_database("drill") as name:
        env = environment(DATABASE_URL=database_url(name), UPLOAD_DIR=str(uploads))
        flask("init-db", env=env)
        backup = run([str(DEPLOY / "backup.sh"), str(tmp_path / "backups")], env).strip()

        refused = pytest.raises(AssertionError, run, [str(DEPLOY / "restore.sh"), backup], env)

    assert "restore into a new, empty one" in str(refused.value)
