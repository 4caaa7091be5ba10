"""An auditor reads a case, then finds that read in the access journal, on a desktop and a
phone; the verify button still works for them while every changing form is refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import login, open_case, snap

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.mark.parametrize("device", WIDTHS)
def test_an_auditor_finds_their_reads_in_the_access_journal(page, recognised, device):
    page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    login(page, "km_auditor")
    open_case(page, recognised["ref"])
    page.locator("#verify-case").click()
    expect(page.locator("body")).not_to_contain_text("审计监察只能查阅")
    open_case(page, recognised["ref"])

    section = page.get_by_test_id("case-journal")
    expect(section).to_contain_text("核验历史")
    expect(section).to_contain_text("查看案卷")
    snap(page, f"access-case-section-{device}", section)
    section.get_by_test_id("case-journal-all").click()

    table = page.get_by_test_id("journal-table")
    expect(page.get_by_label("案卷编号")).to_have_value(recognised["ref"])
    expect(table.get_by_role("link", name=recognised["ref"]).first).to_be_visible()
    expect(table).to_contain_text("核验历史")
    snap(page, f"access-journal-{device}")
    page.get_by_label("操作").select_option("verify")
    page.locator("#journal-filter-submit").click()
    expect(table.locator("tbody tr").filter(has_not_text="核验历史")).to_have_count(0)
    expect(table.locator("tbody tr").first).to_contain_text("历史完整")
