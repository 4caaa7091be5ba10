"""The dossier of a recognised Kunming case: what the ZIP holds, that its manifest verifies
offline (deploy/verify_dossier.py, run as an inspection body would run it), and that each kind
of tampering is named. One case is recognised per module; each test downloads afresh."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.config import ROOT
from app.extensions import db
from app.models import AccessEntry
from app.services import dossier, users
from app.web import api as api_module
from tests.processes import examples_kunming as km
from tests.processes.driver import Api, CaseDriver, app_from_template
from tests.processes.test_kunming import APPLICANT, CITY, recognized

CHECKER = ROOT / "deploy" / "verify_dossier.py"
AUDITOR = "km_auditor"


@pytest.fixture(scope="module")
def world(template_db, tmp_path_factory):
    """A Kunming case recognised on 2026-11-20, on a database of this module's own."""
    folder = tmp_path_factory.mktemp("dossier")
    app = app_from_template(template_db, folder)
    with app.app_context():
        api = Api(app)
        saved, api_module._now = api_module._now, lambda: api.now
        try:
            case = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
            recognized(case)
        finally:
            api_module._now = saved
        yield api, case, folder
        db.session.remove()
        db.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


def download(api: Api, path: str, username: str = AUDITOR):
    return api.client.get(path, headers=api.headers(username))


def case_zip(world) -> zipfile.ZipFile:
    api, case, _folder = world
    response = download(api, f"/api/cases/{case.id}/dossier")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/zip"
    assert "KM-2026-0001" in response.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.data))


def check_offline(path: Path, key: Path | None = None) -> subprocess.CompletedProcess:
    """Run the standalone checker in a fresh interpreter, outside the product."""
    args = [sys.executable, str(CHECKER), str(path)] + (["--key", str(key)] if key else [])
    return subprocess.run(args, capture_output=True, text=True, timeout=60, cwd="/")


def rewritten(source: zipfile.ZipFile, target: Path, change) -> Path:
    """Write a copy of `source` to `target`, each member's content passed through
    change(name, content) (None drops it); return `target`."""
    with zipfile.ZipFile(target, "w") as out:
        for name in source.namelist():
            content = change(name, source.read(name))
            if content is not None:
                out.writestr(name, content)
    return target


def test_a_dossier_holds_the_report_the_journal_the_attachments_and_a_signed_manifest(world):
    api, case, folder = world
    archive = case_zip(world)
    names = set(archive.namelist())
    attachments = [n for n in names if n.startswith("attachments/")]

    assert {"report.pdf", "journal.json", "manifest.json", "manifest.sig"} <= names
    assert attachments and all(n.endswith("_evidence.pdf") for n in attachments)
    assert archive.read("report.pdf").startswith(b"%PDF")
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["case"] == "KM-2026-0001"
    assert manifest["files"] == {n: hashlib.sha256(archive.read(n)).hexdigest()
                                 for n in names - {"manifest.json", "manifest.sig"}}
    assert manifest["public_key"].encode() == (folder / "audit-signing-key.pem.pub").read_bytes()


def test_the_journal_is_the_events_api_answer_with_the_chains_head(world):
    api, case, _folder = world
    journal = json.loads(case_zip(world).read("journal.json"))
    events = api.get(AUDITOR, f"/api/cases/{case.id}/events")

    assert journal["events"] == events
    assert journal["head"] == events[-1]["hash"]
    assert [e["kind"] for e in events].count("task_completed") >= 10


def test_the_offline_check_passes_an_untouched_dossier(world, tmp_path):
    _api, _case, folder = world
    path = tmp_path / "dossier.zip"
    path.write_bytes(case_zip(world).fp.getvalue())

    result = check_offline(path, folder / "audit-signing-key.pem.pub")

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK KM-2026-0001: signature valid")
    assert "not yet anchored" in result.stdout


def _flip_last_byte(content: bytes) -> bytes:
    return content[:-1] + bytes([content[-1] ^ 1])


def _edit_event(content: bytes) -> bytes:
    journal = json.loads(content)
    journal["events"][2]["data"]["form"]["decision"] = "reject"
    return json.dumps(journal, ensure_ascii=False).encode()


def _drop_event(content: bytes) -> bytes:
    journal = json.loads(content)
    del journal["events"][3]
    return json.dumps(journal, ensure_ascii=False).encode()


TAMPERING = {
    "attachment": (lambda n: n.startswith("attachments/"), _flip_last_byte,
                   ["sha256 differs from the manifest"]),
    "report": (lambda n: n == "report.pdf", _flip_last_byte,
               ["report.pdf: sha256 differs from the manifest"]),
    "manifest": (lambda n: n == "manifest.json",
                 lambda c: c.replace(b"KM-2026-0001", b"KM-2026-0002"),
                 ["manifest.sig: the signature over manifest.json does not verify"]),
    "edited event": (lambda n: n == "journal.json", _edit_event,
                     ["journal.json: sha256 differs from the manifest",
                      "journal.json: event #3 does not hash to its recorded hash"]),
    "deleted event": (lambda n: n == "journal.json", _drop_event,
                      ["journal.json: event #4 is numbered 5: an event is missing"]),
}


@pytest.mark.parametrize("kind", TAMPERING)
def test_the_offline_check_names_each_kind_of_tampering(world, tmp_path, kind):
    which, change, expected = TAMPERING[kind]
    path = rewritten(case_zip(world), tmp_path / "tampered.zip",
                     lambda name, content: change(content) if which(name) else content)

    result = check_offline(path)

    assert result.returncode == 1, result.stdout
    for problem in expected:
        assert problem in result.stdout, result.stdout
    assert not result.stdout.startswith("OK")


def test_a_file_slipped_into_the_dossier_is_named(world, tmp_path):
    path = rewritten(case_zip(world), tmp_path / "extra.zip", lambda name, content: content)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("attachments/extra.pdf", b"%PDF-1.4 slipped in")

    result = check_offline(path)

    assert result.returncode == 1
    assert "attachments/extra.pdf: not listed in the manifest" in result.stdout


def test_a_dossier_signed_with_another_key_fails_against_the_instance_key(world, tmp_path):
    _api, _case, folder = world
    path = tmp_path / "dossier.zip"
    path.write_bytes(case_zip(world).fp.getvalue())
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.services import anchors
    other = tmp_path / "other.pem"
    other.write_bytes(anchors.public_pem(Ed25519PrivateKey.generate().public_key()))

    result = check_offline(path, other)

    assert result.returncode == 1
    assert "signed with another key than the one given with --key" in result.stdout


def test_the_cli_checks_a_dossier_like_the_standalone_script(world, tmp_path):
    api, _case, _folder = world
    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    archive = case_zip(world)
    good.write_bytes(archive.fp.getvalue())
    rewritten(archive, bad, lambda n, c: _flip_last_byte(c) if n == "report.pdf" else c)
    runner = api.app.test_cli_runner()

    passed = runner.invoke(args=["audit", "check-dossier", str(good)])
    failed = runner.invoke(args=["audit", "check-dossier", str(bad)])

    assert (passed.exit_code, failed.exit_code) == (0, 1)
    assert passed.output.startswith("OK KM-2026-0001")
    assert "report.pdf: sha256 differs from the manifest" in failed.output


def test_after_an_anchor_the_dossier_carries_its_root_and_a_path_the_check_follows(world,
                                                                                   tmp_path):
    api, _case, _folder = world
    output = api.app.test_cli_runner().invoke(args=["audit", "anchor"]).output
    root = output.split("root=")[1].split()[0]
    path = tmp_path / "anchored.zip"
    archive = case_zip(world)
    path.write_bytes(archive.fp.getvalue())

    manifest = json.loads(archive.read("manifest.json"))
    result = check_offline(path)

    assert manifest["anchor"]["root"] == root
    assert result.returncode == 0, result.stdout
    assert f"anchored {manifest['anchor']['at'][:10]} root={root}" in result.stdout


def test_the_report_names_the_ref_the_decisions_with_reasons_and_the_sha256(world, tmp_path):
    archive = case_zip(world)
    attachment = next(n for n in archive.namelist() if n.startswith("attachments/"))
    digest = hashlib.sha256(archive.read(attachment)).hexdigest()
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(archive.read("report.pdf"))
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; see test_report_html_*")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout

    assert "KM-2026-0001" in text and km.RECOGNIZE["certificate_no"] in text
    assert "决定及理由" in text and "专家评审" in text
    assert km.expert_opinion()["opinion"] in text
    assert digest in text.replace("\n", "")


def test_report_html_names_the_decisions_the_verification_and_each_attachment(world):
    api, case, _folder = world
    from app.models import Case, User
    from app.services.dossier_report import FileRow, report_of
    from app.web.api_dossier import render_report
    with api.app.test_request_context():
        auditor = db.session.scalars(sa.select(User).where(User.username == AUDITOR)).one()
        record = db.session.get(Case, case.id)
        files = [FileRow(a, "", "x") for a in
                 dossier.visibility.case_attachments(dossier.visibility.view_of(auditor, record))
                 .values()]
        config = api.app.config
        report = report_of(auditor, record, files, Path(config["AUDIT_ANCHOR_LOG"]),
                           Path(config["AUDIT_SIGNING_KEY"]), "zh", api.now)
        html = render_report(report)

    assert report.verification["ok"] is True and report.log_problems == []
    assert "办理记录完整可信" in html and "案卷 KM-2026-0001" in html
    assert [d.outcome for d in report.decisions if d.outcome][:2] == ["通过", "同意推荐"]
    assert km.COUNTY_APPROVE["assessment"] in html
    assert all(f.record.sha256 in html for f in files) and files
    assert any("营业执照" in f.material for f in files)
    assert html.count("data:image/svg+xml;base64,") >= 2  # the whole diagram and its slices


def test_every_download_is_journaled_once_per_case(world):
    api, case, _folder = world
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AccessEntry).where(
        AccessEntry.action == "dossier", AccessEntry.case_id == case.id))
    case_zip(world)
    assert download(api, "/api/cases/dossier?status=recognized").status_code == 200
    after = db.session.scalar(sa.select(sa.func.count()).select_from(AccessEntry).where(
        AccessEntry.action == "dossier", AccessEntry.case_id == case.id))

    assert after - before == 2


def test_a_search_result_gives_one_verifiable_folder_per_case(world, tmp_path):
    api, _case, _folder = world
    response = download(api, "/api/cases/dossier?process=kunming_recognition&q=KM-2026")
    path = tmp_path / "search.zip"
    path.write_bytes(response.data)
    names = zipfile.ZipFile(path).namelist()

    assert response.status_code == 200
    assert "KM-2026-0001/manifest.json" in names and "KM-2026-0001/report.pdf" in names
    result = check_offline(path)
    assert result.returncode == 0 and result.stdout.startswith("OK KM-2026-0001"), result.stdout


def test_a_search_above_the_limit_is_refused_with_a_clear_message(world, monkeypatch):
    api, _case, _folder = world
    monkeypatch.setattr(dossier, "MAX_CASES", 0)

    response = download(api, "/api/cases/dossier")

    assert response.status_code == 422
    assert "一次最多下载 0 件" in response.get_json()["error"]


@pytest.mark.parametrize("username", ["km_applicant", "km_county_wuhua", "km_city",
                                      "km_expert1", "km_designer", "lc_auditor"])
def test_only_auditors_of_the_case_and_administrators_download(world, username):
    api, case, _folder = world

    one = download(api, f"/api/cases/{case.id}/dossier", username)
    search = download(api, "/api/cases/dossier", username)

    assert one.status_code == 403 and one.is_json
    # An auditor of another city finds none of Kunming's cases: nothing to download.
    assert search.status_code == (422 if username == "lc_auditor" else 403)


def test_an_administrator_downloads_a_dossier(world):
    api, case, _folder = world
    admin, token = users.create_user("dossier_admin", "admin", None, None, "Admin-pass-2026!")
    response = api.client.get(f"/api/cases/{case.id}/dossier",
                              headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert "KM-2026-0001" in response.headers["Content-Disposition"]
