"""The task page: the generated form, errors, drafts, conflicts, show_if, uploads, access."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Attachment, Event
from tests.web import support
from tests.web.support import text

NOW = dt.datetime(2026, 9, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def element(html: str, tag: str, name: str) -> str:
    """Return the first <tag ...> whose name attribute is `name` ("" when there is none)."""
    found = re.search(rf'<{tag}\b[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    return found[0] if found else ""


def task_url(case_id: int, name: str | None = None) -> str:
    return f"/tasks/{support.ready_item(case_id, name).id}"


def task_events(case_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.case_id == case_id, Event.kind == "task_completed"))


@pytest.mark.parametrize("kind, tag, name, expected", [
    ("text", "input", "base_name", 'type="text"'),
    ("text with credit-code format", "input", "credit_code", 'type="text"'),
    ("textarea", "textarea", "main_business", 'rows="4"'),
    ("integer", "input", "enterprise_count", 'type="number"'),
    ("decimal", "input", "last_year_revenue", 'inputmode="decimal"'),
    ("percent", "input", "free_service_share", 'inputmode="decimal"'),
    ("date", "input", "operator_registered_on", 'type="date"'),
    ("select", "select", "main_sector", 'id="main_sector"'),
    ("select from counties", "select", "county", 'id="county"'),
    ("multiselect", "input", "lead_industries", 'type="checkbox"'),
    ("boolean", "input", "commitment", 'type="checkbox"'),
    ("file", "input", "application_report", 'type="hidden"'),
    ("table text cell", "input", "staff_list-0-staff_name", 'type="text"'),
    ("table select cell", "select", "staff_list-0-education", 'id="staff_list-0-education"'),
    ("table boolean cell", "input", "staff_list-0-is_mentor", 'type="checkbox"'),
    ("table date cell", "input", "resident_enterprises-0-entered_on", 'type="date"'),
    ("table integer cell", "input", "resident_enterprises-0-employees", 'type="number"'),
])
def test_application_form_renders_every_field_type(client, login_as, started_case,
                                                    kind, tag, name, expected):
    login_as("km_applicant")

    html = client.get(task_url(started_case)).get_data(as_text=True)

    assert expected in element(html, tag, name), kind


def test_application_form_has_labels_tables_uploads_and_conditions(client, login_as, started_case):
    login_as("km_applicant")

    html = client.get(task_url(started_case)).get_data(as_text=True)

    assert '<label for="base_name">基地名称' in html
    assert re.search(r'<option (selected )?value="wuhua">五华区</option>', html)
    assert 'data-add-row="staff_list"' in html and 'data-rows-for="yearly_operations"' in html
    assert html.count('data-row>') >= 2 + 1  # yearly tables start with their two minimum rows
    assert f'data-upload-url="/cases/{started_case}/attachments"' in html
    assert 'id="application_report-picker"' in html and 'accept=".pdf,.jpg' in html
    assert 'name="seen"' in html and 'id="save-draft"' in html


def test_invalid_input_is_shown_in_chinese_beside_each_field_and_kept(client, login_as,
                                                                      started_case):
    login_as("km_applicant")
    url = task_url(started_case)

    response = client.post(url, data={"base_name": "测试基地", "enterprise_count": "十二",
                                      "contact_phone": "12345", "staff_list-0-position": "主任",
                                      "lock_version": support.case(started_case).lock_version})

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请填写整数" in html and "请填写11位手机号码" in html and "此项为必填项" in html
    assert 'value="测试基地"' in element(html, "input", "base_name")
    assert 'value="十二"' in element(html, "input", "enterprise_count")
    assert 'value="主任"' in element(html, "input", "staff_list-0-position")
    assert re.search(r'cell-error[^"]*">\s*<input[^>]*name="staff_list-0-staff_name"', html)
    assert support.case(started_case).status == "draft"
    assert support.ready_item(started_case).status == "ready"
    assert task_events(started_case) == 0


def test_attachment_of_another_case_is_refused_on_its_field(client, login_as, started_case):
    login_as("km_applicant")
    client.post("/applicant/start", data={"process": "kunming_recognition"})
    other = db.session.scalars(sa.select(support.WorkItem).order_by(
        support.WorkItem.created_at.desc())).first().case_id
    foreign = support.upload(client, other).get_json()["id"]

    response = client.post(task_url(started_case), data=support.to_form(
        support.application(foreign), lock_version=support.case(started_case).lock_version))

    assert response.status_code == 422
    assert "附件不存在或属于其他案卷" in text(response)
    assert support.case(started_case).status == "draft"


def test_valid_application_moves_the_case_to_county_review(client, login_as, submitted_case):
    case = support.case(submitted_case)

    assert (case.status, case.stage) == ("in_review", "县级初审")
    assert case.data["application"]["base_name"] == "昆明示例创业园"
    assert case.data["application"]["staff_list"][0]["is_mentor"] is True
    assert "提交成功" in text(client.get("/applicant/"))


def test_field_hidden_by_show_if_is_neither_required_nor_stored(client, login_as, submitted_case):
    login_as("km_county_wuhua")

    response = client.post(task_url(submitted_case), data=support.to_form(
        dict(support.COUNTY_APPROVE, decision_reason="不应保存", falsified_reason="不应保存"),
        lock_version=support.case(submitted_case).lock_version))

    stored = support.case(submitted_case).data["county_review"]
    assert response.status_code == 302
    assert "decision_reason" not in stored and "falsified_reason" not in stored
    assert stored["decision"] == "approve"


def test_field_shown_by_show_if_is_required(client, login_as, submitted_case):
    login_as("km_county_wuhua")

    response = client.post(task_url(submitted_case), data=support.to_form(
        {"assessment": "缺材料。", "decision": "return"},
        lock_version=support.case(submitted_case).lock_version))

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'data-field="decision_reason".*?此项为必填项', html, re.S)
    assert """data-show-if='{"field": "decision", "in": ["return", "reject"]}'""" in html


def test_draft_is_saved_restored_and_not_submitted(client, login_as, started_case):
    login_as("km_applicant")
    url = task_url(started_case)

    saved = client.post(f"{url}/draft", data={"base_name": "草稿基地", "enterprise_count": "12",
                                              "staff_list-0-staff_name": "王五"})
    page = client.get(url).get_data(as_text=True)

    item = support.ready_item(started_case)
    assert saved.status_code == 302
    assert item.draft["base_name"] == "草稿基地" and item.draft["enterprise_count"] == 12
    assert item.draft["staff_list"] == [{"staff_name": "王五", "position": "", "education": None,
                                         "school_major": "", "certificate_name": "",
                                         "certificate_issuer": "", "years_in_base": None,
                                         "phone": "", "is_mentor": False}]
    assert "application" not in support.case(started_case).data
    assert 'value="草稿基地"' in element(page, "input", "base_name")
    assert 'value="王五"' in element(page, "input", "staff_list-0-staff_name")
    assert "已恢复您保存的草稿" in page


def test_a_form_filled_in_against_changed_data_gives_a_conflict_message_and_keeps_the_input(
        client, login_as, submitted_case):
    login_as("km_county_wuhua")
    page = client.get(task_url(submitted_case)).get_data(as_text=True)
    current = re.search(r'name="seen" value="([0-9a-f]{64})"', page)[1]

    response = client.post(task_url(submitted_case), data=support.to_form(
        dict(support.COUNTY_APPROVE, assessment="我的测评意见"), seen="0" * 64))

    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "在您填写表单期间案卷已发生变化" in text(response)
    assert "我的测评意见" in html
    assert f'name="seen" value="{current}"' in html
    assert support.ready_item(submitted_case, "county_review").status == "ready"
    assert "county_review" not in support.case(submitted_case).data


def test_double_submission_gives_a_conflict_and_keeps_the_input(client, login_as, submitted_case):
    login_as("km_county_wuhua")
    url = task_url(submitted_case)
    form = support.to_form(dict(support.COUNTY_APPROVE, assessment="第二次提交"),
                           lock_version=support.case(submitted_case).lock_version)

    first = client.post(url, data=form)
    again = client.post(url, data=form)

    assert first.status_code == 302
    assert again.status_code == 409 and "此任务已由五华区工业和信息化局 张丽办理完毕" in text(again)
    assert "第二次提交" in again.get_data(as_text=True)
    assert task_events(submitted_case) == 2  # the application and one county review


def test_earlier_data_is_shown_read_only_with_labels_and_the_precheck(client, login_as,
                                                                      submitted_case):
    login_as("km_county_wuhua")

    response = client.get(task_url(submitted_case))

    shown = text(response)
    assert "案卷信息（供参考）" in shown and "入驻小微企业户数" in shown
    assert "昆明示例创业园" in shown
    assert "small_micro_count" not in shown and "{" not in shown
    assert "系统自动预审（逐项）" in shown and "符合" in shown
    assert 'data-condition="small_micro_count"' in response.get_data(as_text=True)


def test_expert_sees_the_application_and_the_county_opinion(client, login_as, submitted_case):
    support.to_expert_review(submitted_case, NOW)
    login_as("km_expert1")

    shown = text(client.get(task_url(submitted_case, "expert_review")))

    assert "县级初审" in shown and "逐项测评，符合条件。" in shown
    assert "满意度抽查" in shown or "推荐意见" in shown
    assert "基地名称" in shown


def test_correction_shows_the_county_reason_and_prefills_the_application(client, login_as,
                                                                         submitted_case):
    support.complete(submitted_case, "county_review", "km_county_wuhua", support.COUNTY_RETURN,
                     NOW)
    login_as("km_applicant")

    response = client.get(task_url(submitted_case, "correct_application"))

    assert "请补充上一年度财务审计报告全文" in text(response)
    assert "审计报告缺页" not in text(response)  # the county's internal assessment stays internal
    assert 'value="昆明示例创业园"' in element(response.get_data(as_text=True), "input",
                                               "base_name")


def test_english_users_see_english_labels_and_messages(client, login_as, started_case):
    login_as("km_applicant")
    client.get("/language/en")

    page = client.get(task_url(started_case))
    invalid = client.post(task_url(started_case), data={"enterprise_count": "x"})

    assert "Base name" in text(page) and "Resident enterprises" in text(page)
    assert "基地名称" not in text(page)
    assert "Enter a whole number." in text(invalid)


def test_other_county_gets_403_on_the_task_and_changes_nothing(client, login_as, submitted_case):
    login_as("km_county_panlong")
    url = task_url(submitted_case)

    page = client.get(url)
    post = client.post(url, data=support.to_form(support.COUNTY_APPROVE, lock_version=1))
    claim = client.post(f"{url}/claim")

    assert page.status_code == post.status_code == claim.status_code == 403
    assert "无权访问" in text(page) and "昆明示例创业园" not in text(page)
    assert support.ready_item(submitted_case).claimed_by_id is None
    assert "county_review" not in support.case(submitted_case).data


def test_upload_returns_the_attachment_as_json(client, login_as, started_case):
    login_as("km_applicant")

    response = support.upload(client, started_case, "营业执照.pdf")

    body = response.get_json()
    assert response.status_code == 201
    assert (body["name"], body["size"], body["content_type"]) == (
        "营业执照.pdf", len(support.PDF), "application/pdf")
    assert body["size_label"] == "25 B"
    assert db.session.get(Attachment, body["id"]).case_id == started_case


@pytest.mark.parametrize("name, content, status, message", [
    ("virus.pdf", b"MZ\x90\x00binary", 415, "仅接受 PDF、JPG、PNG、Word 和 Excel"),
    ("notes.txt", b"hello", 415, "仅接受 PDF、JPG、PNG、Word 和 Excel"),
    ("empty.pdf", b"", 422, "上传的文件为空"),
])
def test_upload_refuses_bad_files_with_a_chinese_message(client, login_as, started_case,
                                                         name, content, status, message):
    login_as("km_applicant")

    response = support.upload(client, started_case, name, content)

    assert response.status_code == status
    assert message in " ".join(response.get_json()["errors"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_upload_to_a_case_of_another_county_is_forbidden(client, login_as, submitted_case):
    login_as("km_county_panlong")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Attachment))

    response = support.upload(client, submitted_case)

    assert response.status_code == 403 and "无权查看此案卷" in response.get_json()["error"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == before
