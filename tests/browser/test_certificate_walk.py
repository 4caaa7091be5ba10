"""A recognised Kunming case in a real browser: the applicant reads
its files by material (a replaced one collapsed as superseded), deletes a wrong upload after
confirming it, downloads the certificate; the public registry checks the certificate's code."""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect

from app.web import api as api_module
from tests.browser.support import login, snap
from tests.processes import examples_kunming as km
from tests.processes.driver import Api, CaseDriver
from tests.processes.test_kunming import APPLICANT, CITY, COUNTY, submitted

pytestmark = pytest.mark.browser

AUDIT_REPORT = "基地运营主体上一年度财务审计报告复印件"


def _to_recognition(case: CaseDriver) -> None:
    """From the county's second review on, as tests.processes.test_kunming.recognized."""
    case.complete(COUNTY, "county_review", km.COUNTY_APPROVE, "2026-03-20T09:00")
    case.complete(COUNTY, "site_inspection", km.site_inspection(), "2026-04-10T09:00")
    case.complete(CITY, "assign_experts", km.ASSIGN_EXPERTS, "2026-05-01T09:00")
    for number, expert in enumerate(km.EXPERTS):
        case.complete(expert, "expert_review", km.expert_opinion(80 + number), "2026-05-10T09:00")
    case.complete(CITY, "expert_decision", km.EXPERT_APPROVE, "2026-06-01T09:00")
    case.complete(CITY, "site_verification", km.VERIFY_APPROVE, "2026-09-10T09:00")
    case.complete(CITY, "publish_notice", km.NOTICE, "2026-09-28T09:00")
    assert case.api.run_timers("2026-10-16T00:00") == 1
    case.complete(CITY, "register_objections", km.NO_OBJECTION, "2026-10-16T09:00")
    case.complete(CITY, "collective_decision", km.RECOGNIZE, "2026-11-20T09:00")


@pytest.fixture(scope="module")
def title(live_server) -> dict:
    """A title recognised on 2026-11-20 after a correction that replaced the audit report on
    2026-03-15, plus a wrong upload of the applicant that no form names."""
    with live_server.app.app_context():
        api = Api(live_server.app)
        saved, api_module._now = api_module._now, lambda: api.now
        try:
            case = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
            submitted(case)
            case.complete(COUNTY, "county_review", km.COUNTY_RETURN, "2026-03-10T09:00")
            first = case.case(APPLICANT)["data"]["application"]["business_license"]
            corrected = {k: first if v == km.F else v for k, v in km.APPLICATION.items()}
            corrected["audit_report"] = [api.upload(APPLICANT, case.id, "审计报告全文.pdf")["id"]]
            case.complete(APPLICANT, "correct_application", corrected, "2026-03-15T09:00")
            _to_recognition(case)
            api.upload(APPLICANT, case.id, "错传的文件.pdf")
            return case.case(APPLICANT)
        finally:
            api_module._now = saved


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_the_applicant_reads_files_by_material_and_deletes_a_wrong_upload(page, title):
    login(page, APPLICANT)
    page.get_by_test_id("my-cases").get_by_role("link", name=title["ref"]).click()

    audit = page.locator('[data-material="application.audit_report"]')
    expect(audit).to_contain_text(AUDIT_REPORT)
    expect(audit.get_by_test_id("material-file")).to_have_text(re.compile("审计报告全文.pdf"))
    replaced = audit.get_by_test_id("superseded")
    expect(replaced.locator("summary")).to_have_text("已被替换的文件（1）")
    expect(replaced.get_by_test_id("superseded-on")).not_to_be_visible()  # collapsed
    replaced.locator("summary").click()
    expect(replaced.get_by_test_id("superseded-on")).to_have_text("于 2026-03-15 被替换")
    expect(page.get_by_test_id("materials")).not_to_contain_text("application/pdf")
    snap(page, "case-materials-desktop", page.get_by_test_id("materials"))

    loose = page.locator('[data-material=""]')
    expect(loose).to_contain_text("已上传、尚未提交的文件")
    loose.get_by_test_id("delete-file").click()
    expect(page.get_by_test_id("delete-file-name")).to_contain_text("错传的文件.pdf")
    snap(page, "delete-file-confirm-desktop")
    page.get_by_test_id("confirm-delete").click()

    expect(page.get_by_test_id("flash-success")).to_contain_text("文件 错传的文件.pdf 已删除")
    expect(page.get_by_test_id("materials")).not_to_contain_text("错传的文件.pdf")
    expect(page.get_by_test_id("timeline")).to_contain_text("删除附件：错传的文件.pdf")


def test_the_applicant_downloads_the_certificate_and_the_public_checks_it(page, title, tmp_path):
    login(page, APPLICANT)
    link = page.get_by_test_id("my-cases").get_by_test_id("certificate-link")
    with page.expect_download() as download:
        link.click()
    path = tmp_path / "certificate.pdf"
    download.value.save_as(path)
    text = _pdf_text(path)
    assert title["certificate_no"] in text and "认定证书" in text
    assert "2026-11-20 至 2029-11-19" in text and "昆明示例创业园" in text
    code = re.search(r"核验码[:：]\s*(\d+-[A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})", text).group(1)
    assert "也可扫描左侧二维码打开核验页面。" in text
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    assert len(images) == 1  # the QR code (checked module by module in tests/web)

    page.get_by_role("button", name="退出").click()
    page.goto("/titles")
    page.get_by_test_id("verify-certificate-link").click()
    page.get_by_label("核验码").fill(code)
    page.get_by_test_id("verify-certificate").click()
    check = page.get_by_test_id("certificate-check")
    expect(check).to_contain_text("证书真实，称号在有效期内。")
    expect(check).to_contain_text(title["certificate_no"])
    expect(check).to_contain_text("2026-11-20 – 2029-11-19")
    snap(page, "certificate-verified-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    snap(page, "certificate-verified-phone")

    page.get_by_label("核验码").fill(code[:-1] + ("B" if code[-1] != "B" else "C"))
    page.get_by_test_id("verify-certificate").click()
    expect(page.get_by_test_id("certificate-check")).to_contain_text("没有与此核验码对应的证书")
