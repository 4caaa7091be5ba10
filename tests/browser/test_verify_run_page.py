"""An auditor verifies the whole of Kunming in the browser: the page drives the chunks, shows
the progress and the summary by kind, and links the one tampered case to its pages."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.web import api as api_module
from tests.browser.support import login, snap
from tests.processes.driver import Api
from tests.services.test_anchors import make_case, rewrite

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture(scope="module")
def cases(live_server, tmp_path_factory):
    """Three Kunming cases, the second with an event's actor edited in the database."""
    app = live_server.app
    folder = tmp_path_factory.mktemp("anchors")
    app.config["AUDIT_ANCHOR_LOG"] = str(folder / "audit-anchors.jsonl")
    app.config["AUDIT_SIGNING_KEY"] = str(folder / "audit-signing-key.pem")
    with app.app_context():
        api = Api(app)
        saved, api_module._now = api_module._now, lambda: api.now
        try:
            made = [make_case(api) for _ in range(3)]
            refs = [case.case()["ref"] for case in made]
        finally:
            api_module._now = saved
        db.session.execute(sa.text("UPDATE event SET actor = 'someone' WHERE case_id = :id "
                                   "AND seq = 2"), {"id": made[1].id})
        db.session.commit()
        db.session.remove()
    return [(case.id, ref) for case, ref in zip(made, refs, strict=True)]


@pytest.mark.parametrize("device", WIDTHS)
def test_an_auditor_runs_kunming_and_follows_the_tampered_case(page, cases, device):
    page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    login(page, "km_auditor")
    page.goto("/audit/verify")
    expect(page.get_by_label("辖区", exact=True)).to_have_value("kunming")

    page.get_by_role("button", name="开始核验").click()

    expect(page.locator("#verify-state")).to_have_text("已完成：全部案卷均已核验。")
    expect(page.locator("#verify-done")).to_have_text("3 / 3")
    expect(page.locator("#verify-failed")).to_have_text("1")
    expect(page.locator('[data-kind="hash chain broken"] td').nth(1)).to_have_text("1")
    expect(page.locator('[data-kind="anchor problem"] td').nth(1)).to_have_text("0")
    failures = page.get_by_test_id("verify-failures").locator("tbody tr")
    expect(failures).to_have_count(1)
    tampered_id, tampered_ref = cases[1]
    expect(failures.first).to_contain_text("哈希链断裂")
    expect(failures.first).to_contain_text("第 2 号事件")
    expect(page.locator("#verify-case-rate")).not_to_have_text("—")
    snap(page, f"verify-jurisdiction-{device}")

    failures.first.get_by_role("link", name=tampered_ref).click()
    expect(page).to_have_url(f"{page.url.split('/cases/')[0]}/cases/{tampered_id}")
    page.go_back()
    page.get_by_role("button", name="开始核验").click()  # the page came back fresh
    expect(page.locator("#verify-state")).to_have_text("已完成：全部案卷均已核验。")
    page.get_by_test_id("verify-failures").get_by_role("button", name="逐步核验结果").click()
    expect(page.get_by_test_id("verify-result")).to_have_attribute("data-ok", "false")
    expect(page.get_by_test_id("verify-anchor")).to_contain_text("本案尚未被锚定")
    snap(page, f"verify-case-{device}")


def test_a_rewrite_anchored_again_shows_on_both_pages_with_the_anchor(page, live_server, cases):
    app = live_server.app
    case_id, ref = cases[2]
    with app.app_context():
        runner = app.test_cli_runner()
        runner.invoke(args=["audit", "anchor"])
        rewrite(SimpleNamespace(id=case_id, case=lambda: {"ref": ref}))
        runner.invoke(args=["audit", "anchor"])
        db.session.remove()
    login(page, "km_auditor")
    page.goto("/audit/verify")
    page.get_by_role("button", name="开始核验").click()

    expect(page.locator("#verify-state")).to_have_text("已完成：全部案卷均已核验。")
    row = page.locator(f'[data-testid="verify-failures"] tr[data-ref="{ref}"]')
    expect(row).to_contain_text("与锚点记录不符")
    expect(row).to_contain_text("第 1 号锚点")
    expect(page.locator('[data-kind="anchor problem"] td').nth(1)).to_have_text("1")
    row.get_by_role("button", name="逐步核验结果").click()

    expect(page.get_by_test_id("verify-result")).to_have_attribute("data-ok", "false")
    expect(page.get_by_test_id("verify-anchor")).to_contain_text("历史被改写过")
    expect(page.get_by_test_id("anchor-root")).to_have_text(re.compile("^[0-9a-f]{64}$"))
    snap(page, "verify-case-rewritten-desktop")
    page.set_viewport_size({"width": 390, "height": 900})
    snap(page, "verify-case-rewritten-phone")
