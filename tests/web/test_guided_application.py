"""The guided application: its steps, 下一步 checking one section, the error summary, the
registration's values pre-filled, automatic drafts, 续期, and input kept when the session ended."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from tests.web import support
from tests.web.support import text

STEPS = ["基本情况", "运营情况", "服务功能", "入驻企业", "申报材料", "承诺"]


def task_of(case_id: int):
    return support.ready_item(case_id, "submit_application")


def value_of(html: str, name: str) -> str | None:
    """Return the value of the <input name=`name`> of a page."""
    found = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    value = re.search(r'\bvalue="([^"]*)"', found[0]) if found else None
    return value[1] if value else None


def page_of(client, case_id: int) -> str:
    return client.get(f"/tasks/{task_of(case_id).id}").get_data(as_text=True)


def test_kunming_application_shows_the_six_steps_of_the_application_book(client, started_case):
    html = page_of(client, started_case)

    titles = re.findall(r'<span class="step-title">([^<]+)</span>', html)
    assert titles == STEPS
    assert "下一步：运营情况" in html and "共 6 步" in html
    assert html.count('data-section="') == 6


def test_next_checks_only_its_section_and_keeps_the_whole_input(client, started_case):
    item = task_of(started_case)

    response = client.post(f"/tasks/{item.id}/section", data={
        "next_section": "basic", "base_name": "", "enterprise_count": "12",
        "seen": "", "keep": ""})

    page = text(response)
    assert response.status_code == 422
    assert "请先修改本部分的下列各项" in page and "未提交" not in page
    assert "基地名称: 此项为必填项。" in page
    listed = re.findall(r'data-error-for="([^"]+)"', response.get_data(as_text=True))
    assert "base_name" in listed and "enterprise_count" not in listed
    assert f"有 {len(listed)} 处需要修改" in page
    db.session.expire_all()
    assert task_of(started_case).draft["enterprise_count"] == 12


def test_next_moves_on_once_its_section_is_complete(client, started_case):
    item = task_of(started_case)
    application = support.application("x")
    basic = {k: v for k, v in application.items()
             if k in ("base_name", "county", "operator_name", "credit_code", "operator_nature",
                      "legal_representative", "operator_registered_on", "registered_address",
                      "contact_person", "contact_phone", "base_established_on", "main_sector",
                      "lead_industries", "main_business")}

    response = client.post(f"/tasks/{item.id}/section",
                           data=support.to_form(basic, next_section="basic"))

    assert response.status_code == 302
    assert response.headers["Location"].endswith("?section=operations#section-operations")


def test_failed_submit_lists_every_problem_with_a_link_to_its_field(client, started_case):
    response = client.post(f"/tasks/{task_of(started_case).id}", data={"base_name": ""})

    page = response.get_data(as_text=True)
    links = re.findall(r'<li data-error-for="([^"]+)"><a href="#([^"]+)">', page)
    assert response.status_code == 422
    assert len(links) > 10 and all(target == href for target, href in links)
    assert f"有 {len(links)} 处需要修改" in text(response)
    assert ("base_name", "base_name") in links
    assert ("field-staff_list", "field-staff_list") in links  # a table: its fieldset
    assert ("application_report-picker", "application_report-picker") in links


def test_application_is_prefilled_from_the_registration(client):
    client.post("/logout")
    response = client.post("/register", data={
        "organisation": "昆明新星孵化器有限公司", "jurisdiction": "kunming", "county": "panlong",
        "credit_code": support.credit_code("91530102MA6K3B7Q2"), "contact": "王敏",
        "contact_phone": "13800001111", "username": "xinxing", "password": "secret-pass1",
        "confirm": "secret-pass1"})
    assert response.status_code == 302
    client.post("/login", data={"username": "xinxing", "password": "secret-pass1"})
    client.post("/applicant/start", data={"process": "kunming_recognition"})
    user = support.user("xinxing")
    item = db.session.scalars(db.select(support.WorkItem).where(
        support.WorkItem.applicant_id == user.id)).one()

    html = client.get(f"/tasks/{item.id}").get_data(as_text=True)

    assert value_of(html, "operator_name") == "昆明新星孵化器有限公司"
    assert value_of(html, "credit_code") == support.credit_code("91530102MA6K3B7Q2")
    assert '<option selected value="panlong">' in html
    assert value_of(html, "contact_person") == "王敏"
    assert value_of(html, "contact_phone") == "13800001111"
    assert value_of(html, "base_name") == ""  # not in the registration


def test_an_older_account_with_name_and_phone_in_one_field_is_split_for_the_form():
    from app.models import User
    from app.services import prefill

    values = prefill.registration_values(User(name="园区", contact="王敏 138-0000-1111"))

    assert values["contact_name"] == "王敏" and values["contact_phone"] == "138-0000-1111"


def test_automatic_draft_answers_with_the_time_it_was_saved(client, started_case):
    item = task_of(started_case)

    response = client.post(f"/tasks/{item.id}/draft", data={"base_name": "星火创业园"},
                           headers={"Accept": "application/json"})

    assert response.status_code == 200
    assert re.fullmatch(r"\d\d:\d\d", response.get_json()["saved_at"])
    db.session.expire_all()
    assert task_of(started_case).draft["base_name"] == "星火创业园"


def test_renew_keeps_the_session_and_says_for_how_long(client, login_as):
    login_as("km_applicant")
    assert client.post("/session/renew").get_json() == {"seconds": 1800}
    client.post("/logout")
    assert client.post("/session/renew").status_code == 401


def _keep_token(client, case_id: int) -> str:
    return value_of(page_of(client, case_id), "keep")


@pytest.mark.parametrize("csrf", [False, True], ids=["session-gone", "csrf-token-gone"])
def test_expired_session_keeps_the_input_as_a_draft_and_returns_after_login(
        client, login_as, app, started_case, csrf):
    item = task_of(started_case)
    app.config["WTF_CSRF_ENABLED"] = csrf
    html = page_of(client, started_case)
    keep = value_of(html, "keep")
    token = value_of(html, "csrf_token")
    client.delete_cookie("session")  # the session ended while the form was open

    response = client.post(f"/tasks/{item.id}", data={
        "base_name": "星火创业园", "keep": keep, "csrf_token": token})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=/tasks/{item.id}"
    db.session.expire_all()
    assert task_of(started_case).draft["base_name"] == "星火创业园"
    assert task_of(started_case).status == "ready"  # kept, not submitted
    login_page = client.get(response.headers["Location"])
    assert "您填写的内容已保存为草稿" in text(login_page)
    app.config["WTF_CSRF_ENABLED"] = False
    login_as("km_applicant")
    back = client.get(f"/tasks/{item.id}")
    assert value_of(back.get_data(as_text=True), "base_name") == "星火创业园"
    assert "已恢复您保存的草稿" in text(back)


@pytest.mark.parametrize("keep", ["", "forged", "other-task"])
def test_a_post_without_a_valid_token_keeps_nothing(client, login_as, started_case, app, keep):
    item = task_of(started_case)
    token = _keep_token(client, started_case)
    if keep == "other-task":  # a token signed for another task of the same user
        from app.web import kept
        with app.test_request_context():
            keep = kept.token(support.user("km_applicant"), "another-task")
    elif keep == "forged":
        keep = token[:-3] + "abc"
    client.delete_cookie("session")

    response = client.post(f"/tasks/{item.id}", data={"base_name": "伪造", "keep": keep})

    assert response.status_code == 302
    db.session.expire_all()
    assert task_of(started_case).draft is None
    assert "请重新登录" in text(client.get(response.headers["Location"]))
