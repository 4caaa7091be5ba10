"""Attachments by material: grouped under the file fields they prove, a
replaced file kept and shown superseded, deleting an unsubmitted upload confirmed first and
journaled."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Attachment, Event, User
from app.services import audit, users
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


def _stored_at(app, content: bytes):
    sha = hashlib.sha256(content).hexdigest()
    return Path(app.config["UPLOAD_DIR"]) / sha[:2] / sha


def test_a_file_cut_short_under_its_name_is_written_whole_by_the_next_upload(
        app, client, login_as, started_case):
    # What a crash in the middle of writing left before files were written whole or not at
    # all: the name of the content's hash, part of the content.
    path = _stored_at(app, PNG)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PNG[:10])
    login_as("km_applicant")

    answer = support.upload(client, started_case, "photo.png", PNG)

    assert answer.status_code == 201
    assert path.read_bytes() == PNG
    download = client.get(f"/attachments/{answer.get_json()['id']}")
    body = download.data
    download.close()
    assert body == PNG
    assert not [p for p in path.parent.iterdir() if p != path]  # no partial file left


@pytest.mark.parametrize("route", ["web", "api"])
def test_a_file_the_server_cannot_write_saves_nothing_and_says_so(
        app, client, login_as, started_case, route):
    # A real failure: where the file's directory must be, a file stands.
    blocker = _stored_at(app, PNG).parent
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_bytes(b"not a directory")
    user = login_as("km_applicant")
    events = db.session.scalar(sa.select(sa.func.count(Event.id)))

    if route == "web":
        answer = support.upload(client, started_case, "photo.png", PNG)
    else:
        token = users.issue_token(db.session.get(User, user.id))
        db.session.commit()
        answer = client.post(f"/api/cases/{started_case}/attachments",
                             headers={"Authorization": f"Bearer {token}"},
                             data={"file": (io.BytesIO(PNG), "photo.png")},
                             content_type="multipart/form-data")

    assert answer.status_code == 503
    assert answer.get_json()["error"].startswith("文件未能保存，本次上传未作任何更改。请稍后重试")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id)).where(
        Attachment.name == "photo.png")) == 0
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == events
