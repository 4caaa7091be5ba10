"""The case page and the history tell each return for correction in plain words."""

from __future__ import annotations

import datetime as dt
import re

from tests.web import support
from tests.web.support import text

NOW = dt.datetime(2026, 3, 10, 1, 0, tzinfo=dt.timezone.utc)
AUDIT = "基地运营主体上一年度财务审计报告复印件"


def returned_and_resubmitted(case_id: int) -> None:
    support.complete(case_id, "county_review", "km_county_wuhua", support.COUNTY_RETURN, NOW)
    resubmitted = {**support.case(case_id).data["application"], "contact_phone": "13912345678"}
    support.complete(case_id, "correct_application", "km_applicant", resubmitted,
                     NOW + dt.timedelta(days=2))


def test_the_history_says_what_was_asked_and_what_changed(client, login_as, submitted_case):
    returned_and_resubmitted(submitted_case)
    login_as("km_county_wuhua")

    shown = text(client.get(f"/cases/{submitted_case}/history"))

    assert f"要求补正：{AUDIT}。" in shown
    assert "修改了：联系电话（手机）。" in shown


def test_the_applicant_reads_each_return_on_the_case_page_without_the_assessment(
        client, login_as, submitted_case):
    returned_and_resubmitted(submitted_case)
    login_as("km_applicant")

    shown = text(client.get(f"/cases/{submitted_case}"))

    assert "退回补正记录" in shown
    assert re.search(AUDIT + r"\s*：上传审计报告全文。", shown)
    assert "修改了：联系电话（手机）。" in shown
    assert f"要求补正但未修改：{AUDIT}。" in shown
    assert "审计报告缺页" not in shown  # the county's assessment stays internal


def test_the_notice_reads_in_english_for_an_english_user(client, login_as, submitted_case):
    support.complete(submitted_case, "county_review", "km_county_wuhua", support.COUNTY_RETURN,
                     NOW)
    login_as("km_applicant")
    client.get("/language/en")
    item = support.ready_item(submitted_case, "correct_application")

    shown = text(client.get(f"/tasks/{item.id}"))

    assert "Notice of correction" in shown and "Please correct within 30 working days" in shown
    assert "audited financial report of last year" in shown
    assert "To correct: 上传审计报告全文。" in shown  # the official's note, as written
    assert "审计报告缺页" not in shown
