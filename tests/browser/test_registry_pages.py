"""The registry of titles in a real browser, public and logged in, on a desktop and a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.web import layout
from tests.browser.support import login, snap
from tests.processes.driver import at
from tests.processes.test_kunming import CITY

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.mark.parametrize("device", WIDTHS)
def test_the_public_registry_lists_the_title_without_internal_data(page, recognised, device):
    page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    page.goto("/login")
    page.locator("#registry-link").click()

    table = page.get_by_test_id("title-table")
    expect(table).to_contain_text("昆明示例创业园")
    expect(table).to_contain_text(recognised["certificate_no"])
    expect(page.get_by_test_id("title-table")).not_to_contain_text(recognised["ref"])
    expect(page.get_by_test_id("export-csv")).to_be_visible()
    snap(page, f"titles-public-{device}")


@pytest.mark.parametrize("device", WIDTHS)
def test_the_city_sees_its_registry_with_links_to_cases(page, recognised, device):
    page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    login(page, CITY)
    page.goto("/titles")

    table = page.get_by_test_id("title-table")
    expect(table.get_by_role("link", name=recognised["ref"])).to_be_visible()
    page.get_by_label("状态").select_option("recognized")
    page.locator("#title-filter-submit").click()
    expect(page.get_by_test_id("title-total")).to_contain_text("1")
    snap(page, f"titles-city-{device}")


def test_after_the_liaocheng_end_date_the_start_page_and_the_city_say_so(page, monkeypatch):
    monkeypatch.setattr(layout, "now", lambda: at("2026-12-05T09:00"))
    login(page, "lc_applicant")

    expect(page.get_by_test_id("basis-expired")).to_contain_text("本办法已于 2026-12-03 到期")
    snap(page, "basis-applicant-expired", page.get_by_test_id("startable"))
    login(page, "lc_city")
    expect(page.get_by_test_id("basis-reminder")).to_contain_text("2026-12-03")
    snap(page, "basis-city-reminder")
