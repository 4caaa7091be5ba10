"""A Liaocheng title's life in Chromium: the yearly summary from the base to the city, then a
revocation started by the city from the title's case page.

The title is recognised through the JSON API first, on the 2026 dates of the procedure
tests (the API's clock is set by the test); `timers run --now 2027-01-01` then starts the
2026 summary (第十四条: due 10 January; 第十五条: the county reports by 20 January). The
pages are worked on the wall clock, which is before those dates.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from app.web import api as api_module
from tests.browser.forms import fill_form, submit, write_pdf
from tests.browser.support import claim_in_worklist, login, open_case, snap
from tests.processes import examples_liaocheng as lc
from tests.processes.driver import Api, CaseDriver
from tests.processes.test_liaocheng import APPLICANT, CITY, COUNTY, recognized

pytestmark = pytest.mark.browser


@pytest.fixture
def title(live_server, monkeypatch) -> list[str]:
    """Recognise a Liaocheng title on 2026-10-20 and start its 2026 summary; return both refs."""
    with live_server.app.app_context():
        api = Api(live_server.app)
        monkeypatch.setattr(api_module, "_now", lambda: api.now)
        case = CaseDriver(api, "liaocheng_recognition", APPLICANT, CITY)
        recognized(case)
        assert live_server.run_timers("2027-01-01T00:00:00+08:00") == 1
        refs = [case.api.get(CITY, f"/api/cases/{i}")["ref"]
                 for i in (case.id, *case.case()["children"])]
    return refs


def test_a_yearly_summary_goes_from_the_base_to_the_city_and_the_city_revokes_the_title(
        page: Page, title, tmp_path):
    pdf = write_pdf(tmp_path, "工作总结.pdf")
    title_ref, summary = title

    login(page, APPLICANT)
    open_case(page, summary)
    expect(page.get_by_test_id("case-ref")).to_have_text(summary)
    page.goto("/applicant/")  # what is asked of the base: on its own home
    row = page.get_by_test_id("asked-now").get_by_role("row").filter(has_text=summary)
    expect(row).to_contain_text("报送上一年度工作总结")
    expect(row).to_contain_text("2027-01-10")  # 第十四条: due by 10 January
    row.get_by_test_id("do-task").click()
    fill_form(page, "lc_annual_summary", lc.SUMMARY, pdf)
    snap(page, "lc-01-summary-by-the-base")
    submit(page)

    login(page, COUNTY)
    claim_in_worklist(page, summary, "县级检查并报市工信局")
    expect(page.get_by_test_id("earlier-data")).to_contain_text("全年服务入驻企业260家次")
    fill_form(page, "lc_summary_county_check", lc.COUNTY_CHECK, pdf)
    snap(page, "lc-02-county-check")
    submit(page)

    login(page, CITY)
    claim_in_worklist(page, summary, "市工信局确认收到")
    fill_form(page, "lc_summary_city_ack", lc.CITY_ACK)
    submit(page)
    open_case(page, title_ref)
    expect(page.get_by_test_id("case-ref")).to_have_text(title_ref)
    expect(page.locator("main")).to_contain_text("称号有效期内")
    snap(page, "lc-03-title-after-the-summary")

    page.get_by_test_id("start-liaocheng_revocation").click()
    revocation = page.get_by_test_id("case-ref").inner_text().strip()
    claim_in_worklist(page, revocation, "撤销决定")
    fill_form(page, "lc_revocation_decision", {**lc.REVOKE_FALSIFIED,
                                               "decision_date": "2026-11-30"}, pdf)
    snap(page, "lc-04-revocation-decision")
    submit(page)
    claim_in_worklist(page, revocation, "收回牌匾并公告")
    fill_form(page, "lc_revocation_execution", lc.REVOCATION_EXECUTION)
    submit(page)

    open_case(page, title_ref)
    expect(page.get_by_test_id("case-facts")).to_contain_text("已撤销")
    expect(page.get_by_test_id("case-end-reason")).to_contain_text("聊工信字〔2027〕3号")
    snap(page, "lc-05-title-revoked", page.get_by_test_id("case-facts"))
    login(page, APPLICANT)
    open_case(page, title_ref)
    expect(page.get_by_test_id("case-end-reason")).to_contain_text("依据第十八条（一）")
    expect(page.locator("main")).not_to_contain_text("revocation_notice")
    snap(page, "lc-06-revoked-as-the-base-sees-it", page.get_by_test_id("case-facts"))
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_test_id("case-end-reason")).to_be_visible()
    snap(page, "lc-07-revoked-on-a-phone", page.get_by_test_id("case-facts"))
