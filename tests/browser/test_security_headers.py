"""The Content-Security-Policy blocks nothing the pages need, the BPMN diagram included."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import login, open_application, open_case

pytestmark = pytest.mark.browser


def _watch(page) -> list[str]:
    """Collect every CSP violation the page reports (console and securitypolicyviolation)."""
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', function (e) {"
        " console.error('Content Security Policy violation: ' + e.violatedDirective"
        " + ' ' + e.blockedURI); });")
    return found


def test_pages_and_the_case_diagram_run_without_csp_violations(page):
    violations = _watch(page)
    page.goto("/register")
    page.get_by_label("所属市").select_option("kunming")
    login(page, "km_applicant")
    ref = open_application(page)
    open_case(page, ref)
    expect(page.get_by_test_id("milestones")).to_be_visible()  # an applicant's progress row
    login(page, "km_auditor")  # officials and auditors see the diagram
    open_case(page, ref)
    expect(page.locator("#case-diagram svg").first).to_be_visible()
    expect(page.locator("#case-diagram .djs-element").first).to_be_attached()
    page.goto("/worklist")

    assert violations == []
