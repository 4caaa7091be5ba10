"""An auditor hands a Kunming case to an inspection body: on the recognised case's page they
download the dossier with 下载案卷, the offline check (deploy/verify_dossier.py) passes it, and
one changed byte makes it fail. The case list downloads the dossiers of a search.
Screenshots in test-artifacts/browser/pages/dossier-*.png."""

from __future__ import annotations

import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.config import ROOT
from tests.browser.support import ARTIFACTS, login, open_case

pytestmark = pytest.mark.browser
CHECKER = ROOT / "deploy" / "verify_dossier.py"
# Replay plus the PDF take a few seconds per case, many more on a loaded machine.
DOWNLOAD_SECONDS = 90


@pytest.fixture(scope="module")
def recognised(live_server, tmp_path_factory) -> dict:
    """A Kunming case recognised on 2026-11-20; the signing key and anchors in a test folder."""
    folder = tmp_path_factory.mktemp("keys")
    live_server.app.config.update(AUDIT_SIGNING_KEY=str(folder / "signing-key.pem"),
                                  AUDIT_ANCHOR_LOG=str(folder / "anchors.jsonl"))
    case = live_server.recognised_title()
    with live_server.app.app_context():
        return case.case()


def snap_top(page: Page, name: str) -> None:
    """The top of the page at 1280 px and at a phone's 390 px (the buttons sit there)."""
    folder = ARTIFACTS / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(folder / f"{name}-390.png"))
    page.set_viewport_size({"width": 1280, "height": 900})


def check_offline(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CHECKER), str(path)], capture_output=True,
                          text=True, timeout=60, cwd="/")


def flip_one_byte_of(path: Path, member: str) -> None:
    """Change one byte inside the stored data of `member`, as a careless copy would."""
    with zipfile.ZipFile(path) as archive:
        offset = archive.getinfo(member).header_offset
    data = bytearray(path.read_bytes())
    name_length, extra_length = struct.unpack("<HH", data[offset + 26:offset + 30])
    data[offset + 30 + name_length + extra_length + 100] ^= 0x01
    path.write_bytes(bytes(data))


def test_an_auditor_downloads_a_case_dossier_that_verifies_offline(page: Page, recognised,
                                                                  tmp_path):
    ref = recognised["ref"]
    login(page, "km_auditor")
    open_case(page, ref)
    button = page.get_by_test_id("download-dossier")
    expect(button).to_have_text("下载案卷")
    snap_top(page, "dossier-01-case-page")
    with page.expect_download(timeout=DOWNLOAD_SECONDS * 1000) as download:
        button.click()
    assert ref in download.value.suggested_filename
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)

    good = check_offline(path)
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.startswith(f"OK {ref}: signature valid")

    flip_one_byte_of(path, "report.pdf")
    bad = check_offline(path)
    assert bad.returncode == 1
    assert "report.pdf: damaged" in bad.stdout


def test_the_case_list_downloads_the_dossiers_of_the_search(page: Page, recognised, tmp_path):
    ref = recognised["ref"]
    login(page, "km_auditor")
    page.goto("/cases")
    page.get_by_label("案卷编号或基地名称").fill(ref)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("case-total")).to_contain_text("1")
    expect(page.get_by_test_id("download-dossiers")).to_have_text("下载案卷（1 件）")
    snap_top(page, "dossier-02-case-list")
    with page.expect_download(timeout=DOWNLOAD_SECONDS * 1000) as download:
        page.get_by_test_id("download-dossiers").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)

    assert f"{ref}/manifest.json" in zipfile.ZipFile(path).namelist()
    result = check_offline(path)
    assert result.returncode == 0 and result.stdout.startswith(f"OK {ref}"), result.stdout


def test_officials_see_no_dossier_button(page: Page, recognised):
    login(page, "km_city")
    open_case(page, recognised["ref"])
    expect(page.get_by_test_id("case-facts")).to_contain_text(recognised["ref"])
    expect(page.get_by_test_id("download-dossier")).to_have_count(0)
    page.goto("/cases")
    expect(page.get_by_test_id("download-dossiers")).to_have_count(0)
