"""Attachments by material: grouped under the file fields they prove, a
replaced file kept and shown superseded, deleting an unsubmitted upload confirmed first and
journaled."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from app.extensions import db
from app.models import Attachment, Event
from app.services import audit
from tests.web import support
from tests.web.support import text

NOW = dt.datetime(2026, 9, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def materials(response) -> str:
    html = response.get_data(as_text=True)
    found = re.search(r'data-testid="materials".*?</section>', html, re.S)
    assert found, "no materials card on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0)))


def test_files_are_grouped_under_the_material_they_prove(client, login_as, submitted_case):
    login_as("km_applicant")
    support.upload(client, submitted_case, "draft-photo.png", PNG)

    shown = materials(client.get(f"/cases/{submitted_case}"))

    assert "申请报告（盖章）" in shown and "基地运营主体营业执照副本复印件" in shown
    assert shown.count("report.pdf") == 9  # the one upload proves nine materials
    assert "已上传、尚未提交的文件 draft-photo.png" in shown
    assert "application/pdf" not in shown and "image/png" not in shown
    assert shown.count("删除") == 1  # only the unsubmitted upload may be deleted


def test_a_replaced_file_is_kept_and_shown_superseded_with_its_date(client, login_as,
                                                                    submitted_case):
    support.complete(submitted_case, "county_review", "km_county_wuhua", support.COUNTY_RETURN,
                     NOW)
    login_as("km_applicant")
    old = db.session.scalars(sa.select(Attachment.id)).first()
    new = support.upload(client, submitted_case, "审计报告全文.pdf").get_json()["id"]
    support.complete(submitted_case, "correct_application", "km_applicant",
                     {**support.application(old), "audit_report": [new]}, NOW)

    html = client.get(f"/cases/{submitted_case}").get_data(as_text=True)

    audit_block = re.search(r'data-material="application.audit_report".*?</li>\s*</ul>\s*'
                            r'<details.*?</details>', html, re.S)
    assert audit_block, "the audit report material shows no replaced file"
    block = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", audit_block.group(0)))
    assert "审计报告全文.pdf" in block
    assert "已被替换的文件（1）" in block and "已被替换 report.pdf" in block
    assert "于 2026-09-01 被替换" in block
    assert db.session.get(Attachment, old).deleted_at is None  # kept for audit


def test_deleting_an_upload_asks_first_then_is_in_the_history(client, login_as, started_case):
    login_as("km_applicant")
    stray = support.upload(client, started_case, "wrong.pdf").get_json()["id"]

    confirm = client.get(f"/attachments/{stray}/delete")
    assert "确定删除此文件吗？" in text(confirm) and "wrong.pdf" in text(confirm)
    assert db.session.get(Attachment, stray).deleted_at is None  # asking deletes nothing

    done = client.post(f"/attachments/{stray}/delete")

    assert done.status_code == 302
    page = client.get(f"/cases/{started_case}")
    assert "wrong.pdf" not in materials(page)
    assert "删除附件：wrong.pdf" in text(page)
    event = db.session.scalars(sa.select(Event).where(
        Event.case_id == started_case, Event.kind == "attachment_deleted")).one()
    assert (event.actor, event.data["name"]) == ("km_applicant", "wrong.pdf")
    assert audit.verify_case(support.case(started_case))["ok"]
    assert client.get(f"/attachments/{stray}").status_code == 404


def test_a_submitted_file_cannot_be_deleted(client, login_as, submitted_case):
    login_as("km_applicant")
    submitted = db.session.scalars(sa.select(Attachment.id)).first()

    response = client.post(f"/attachments/{submitted}/delete")

    assert response.status_code == 409
    assert "已作为申报材料提交" in text(response)
    assert db.session.get(Attachment, submitted).deleted_at is None


def test_only_the_uploader_may_delete_an_upload(client, login_as, submitted_case):
    login_as("km_applicant")
    stray = support.upload(client, submitted_case, "wrong.pdf").get_json()["id"]
    login_as("km_county_wuhua")

    response = client.post(f"/attachments/{stray}/delete")

    assert response.status_code == 403
    assert db.session.get(Attachment, stray).deleted_at is None
