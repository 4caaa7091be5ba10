"""A Kunming title's life in a real browser: the annual summary from the base through the
county to the city (第十六条、第十七条), then a revocation started from the case page
(第十五条). Screenshots in test-artifacts/browser/pages/title-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import forms
from tests.browser.forms import fill_form, submit
from tests.browser.support import claim_in_worklist, login, open_case, snap
from tests.processes import examples_kunming as km
from tests.processes.test_kunming import APPLICANT, CITY

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def title(live_server) -> dict:
    """A Kunming title recognised on 2026-11-20 through the JSON API, then 1 January 2027."""
    case = live_server.recognised_title()
    assert live_server.run_timers("2027-01-01T00:00:00+08:00") == 1
    with live_server.app.app_context():
        return {**case.case(), "summary": case.child("kunming_annual_summary").case()}


def the_base_files_its_summary(page: Page, ref: str, pdf) -> None:
    login(page, APPLICANT)
    asked = page.get_by_test_id("asked-now").get_by_role("row").filter(has_text=ref)
    expect(asked).to_contain_text("报送上年度工作总结和当年工作计划")
    asked.get_by_role("link", name="填写").click()
    expect(page.get_by_test_id("earlier-data")).to_contain_text(km.RECOGNIZE["certificate_no"])
    fill_form(page, "km_annual_summary", km.SUMMARY, pdf)
    snap(page, "title-01-summary-filled")
    submit(page)
    expect(page.get_by_test_id("flash-success")).to_contain_text("县级汇总上报")


def test_the_annual_summary_goes_from_the_base_through_the_county_to_the_city(page, title,
                                                                            tmp_path):
    ref = title["summary"]["ref"]
    the_base_files_its_summary(page, ref, forms.write_pdf(tmp_path))

    login(page, "km_county_wuhua")
    claim_in_worklist(page, ref, "县级汇总上报")
    expect(page.get_by_test_id("earlier-data")).to_contain_text(km.SUMMARY["work_plan"])
    fill_form(page, "km_annual_summary_county", km.COUNTY_SUMMARY_REPORT)
    snap(page, "title-02-county-report")
    submit(page)

    login(page, CITY)
    claim_in_worklist(page, ref, "市级接收")
    fill_form(page, "km_annual_summary_city", km.CITY_SUMMARY_RECEIPT)
    submit(page)
    open_case(page, ref)
    expect(page.get_by_test_id("case-facts")).to_contain_text("年度总结已接收")
    snap(page, "title-03-summary-received")


def test_the_city_revokes_the_title_from_its_case_page(page, title, tmp_path):
    pdf = forms.write_pdf(tmp_path)
    login(page, APPLICANT)
    open_case(page, title["ref"])
    expect(page.get_by_test_id("start-kunming_revocation")).to_have_count(0)

    login(page, CITY)
    open_case(page, title["ref"])
    box = page.get_by_test_id("follow-ups")
    expect(box.get_by_test_id("start-kunming_evaluation")).to_be_visible()
    snap(page, "title-04-follow-up-box")
    box.get_by_test_id("start-kunming_revocation").click()
    # The new case opens, linked to the title, with the investigation to do.
    expect(page.get_by_test_id("case-facts")).to_contain_text(title["ref"])
    expect(page.get_by_test_id("case-facts")).to_contain_text("调查核实违法违规行为")
    revocation_ref = page.get_by_test_id("case-ref").inner_text().strip()
    claim_in_worklist(page, revocation_ref, "调查核实违法违规行为")
    expect(page.get_by_test_id("earlier-data")).to_contain_text(km.RECOGNIZE["certificate_no"])
    fill_form(page, "km_revocation_investigation", km.VIOLATION, pdf)
    snap(page, "title-05-investigation")
    submit(page)
    claim_in_worklist(page, revocation_ref, "撤销决定、收回牌匾与公告")
    fill_form(page, "km_title_cancellation", km.CANCELLATION)
    snap(page, "title-06-cancellation")
    submit(page)

    open_case(page, title["ref"])
    expect(page.get_by_test_id("case-facts").get_by_test_id("status-badge").first).to_have_text(
        "已撤销")
    snap(page, "title-07-revoked")
    login(page, APPLICANT)
    open_case(page, title["ref"])
    expect(page.get_by_test_id("case-facts").get_by_test_id("status-badge").first).to_have_text(
        "已撤销")
    snap(page, "title-08-applicant-sees-revoked")
