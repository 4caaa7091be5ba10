"""An auditor steps through a recognised Kunming case on its history page: the diagram's
markers (path taken, waiting tasks, timers with their due dates) and the data as they were
after three events, reached with the list, the keyboard and the slider, on a desktop and a
phone."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import AccessEntry
from tests.browser.support import login, snap
from tests.browser.test_dossier_download import DOWNLOAD_SECONDS, check_offline, flip_one_byte_of

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 390}
SUBMITTED, NOTICE, RECOGNISED = 3, 13, 16  # seqs: submission, public notice, recognition


@pytest.fixture(scope="module")
def case(live_server):
    return live_server.recognised_title()


def _marked(page: Page, element: str, marker: str) -> None:
    shape = page.locator(f'#history-diagram g.djs-element[data-element-id="{element}"]')
    expect(shape).to_have_class(re.compile(rf"\b{marker}\b"))


def _not_marked(page: Page, element: str, marker: str) -> None:
    shape = page.locator(f'#history-diagram g.djs-element[data-element-id="{element}"]')
    expect(shape).not_to_have_class(re.compile(rf"\b{marker}\b"))


def _at(page: Page, seq: int) -> None:
    expect(page.locator("body")).to_have_attribute("data-history-seq", str(seq))


def _value(page: Page, path: str):
    return page.get_by_test_id("history-data").locator(f'tr[data-path="{path}"] td').nth(1)


def _open(page: Page, case, device: str) -> None:
    page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    login(page, "km_auditor")
    page.goto(f"/cases/{case.id}")
    page.get_by_test_id("case-history-link").click()
    expect(page.locator("body")).to_have_attribute("data-history-ready", "true")


@pytest.mark.parametrize("device", WIDTHS)
def test_an_auditor_steps_from_submission_to_recognition(page, live_server, case, device,
                                                         tmp_path):
    _open(page, case, device)
    expect(page.get_by_test_id("history-count")).to_have_text("16")
    _at(page, RECOGNISED)  # the page opens on the last event

    # The submission, chosen in the list: the county review waits, its due date shown.
    page.locator(f'.history-event[data-seq="{SUBMITTED}"] button').click()
    _at(page, SUBMITTED)
    _marked(page, "submit_application", "state-completed")
    _marked(page, "county_review", "state-current")
    _not_marked(page, "site_inspection", "state-completed")
    expect(_value(page, "application.base_name")).to_have_text("昆明示例创业园")
    diff = page.get_by_test_id("history-diff")
    expect(diff.locator('tr[data-path="application.base_name"] td').nth(2)).to_have_text(
        "昆明示例创业园")
    expect(page.get_by_test_id("history-waiting")).to_contain_text("县级初审")
    expect(page.get_by_test_id("history-waiting")).to_contain_text("截止 2026-03-23")
    expect(page.get_by_test_id("history-position")).to_contain_text("第 3 个事件，共 16 个")
    snap(page, f"history_submitted_{device}")

    # The slider to the public notice: the notice timer is set, its due date on the diagram.
    page.get_by_test_id("history-slider").fill(str(NOTICE - 1))
    _at(page, NOTICE)
    _marked(page, "publish_notice", "state-completed")
    _marked(page, "notice_period_ends", "state-waiting")
    expect(page.locator("#history-diagram").get_by_test_id("history-due")).to_have_text(
        "截止 2026-10-15")
    expect(_value(page, "notice.notice_start")).to_have_text("2026-09-28")
    expect(_value(page, "certificate_no")).to_have_count(0)
    snap(page, f"history_notice_{device}")

    # The keyboard: one step back, then End for the recognition.
    page.locator("body").press("ArrowLeft")
    _at(page, NOTICE - 1)
    _not_marked(page, "notice_period_ends", "state-waiting")
    page.locator("body").press("End")
    _at(page, RECOGNISED)
    _marked(page, "collective_decision", "state-completed")
    _marked(page, "notice_period_ends", "state-completed")
    expect(_value(page, "certificate_no")).to_have_text("昆工信〔2026〕88号-015")
    status = page.get_by_test_id("history-diff").locator('tr[data-path="case_status"] td')
    expect(status.nth(1)).to_have_text("公示中")
    expect(status.nth(2)).to_have_text("已认定")
    page.locator("body").press("Home")
    _at(page, 1)
    expect(page.get_by_test_id("history-data")).to_contain_text("KM-2026")
    if device == "desktop":
        _hand_over_the_dossier(page, live_server, case, tmp_path)


def _hand_over_the_dossier(page: Page, live_server, case, folder) -> None:
    """Back on the case page, the auditor downloads the dossier; it verifies offline, and a
    changed byte of its journal does not."""
    live_server.app.config.update(AUDIT_SIGNING_KEY=str(folder / "signing-key.pem"),
                                  AUDIT_ANCHOR_LOG=str(folder / "anchors.jsonl"))
    page.get_by_role("link", name="返回案卷").click()
    with page.expect_download(timeout=DOWNLOAD_SECONDS * 1000) as download:
        page.get_by_test_id("download-dossier").click()
    path = folder / download.value.suggested_filename
    download.value.save_as(path)
    good = check_offline(path)
    assert good.returncode == 0, good.stdout + good.stderr
    assert re.match(r"OK KM-\d{4}-\d{4}: signature valid", good.stdout), good.stdout
    flip_one_byte_of(path, "journal.json")
    bad = check_offline(path)
    assert bad.returncode == 1 and "journal.json" in bad.stdout, bad.stdout


def test_filters_leave_the_matching_events_and_stepping_keeps_to_them(page, case):
    _open(page, case, "desktop")
    page.get_by_test_id("filter-kind").select_option("timers_fired")
    events = page.locator(".history-event:visible")
    expect(events).to_have_count(1)
    expect(events).to_contain_text("期限届满")
    _at(page, 14)  # the one match is selected
    page.get_by_test_id("filter-kind").select_option("")
    page.get_by_test_id("filter-actor").select_option("km_county_wuhua")
    expect(page.locator(".history-event:visible")).to_have_count(3)
    page.locator("body").press("Home")
    _at(page, 4)
    page.locator("body").press("ArrowRight")
    _at(page, 5)
    page.locator("body").press("ArrowRight")
    _at(page, 6)


def test_the_auditors_visit_is_journaled(page, live_server, case):
    _open(page, case, "desktop")
    with live_server.app.app_context():
        entries = db.session.scalars(sa.select(AccessEntry).where(
            AccessEntry.case_id == case.id, AccessEntry.action == "history")).all()
        assert [(e.username, e.detail) for e in entries][-1] == ("km_auditor", "page")
        db.session.remove()
