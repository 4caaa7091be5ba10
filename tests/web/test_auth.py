"""Logging in and out, the session, CSRF, registration and the language switch."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import User
from tests.web.support import credit_code, text

VALID_CODE = credit_code("91530102MA6K3B7Q2")


def registration(**overrides) -> dict:
    data = {"organisation": "昆明新星孵化器有限公司", "jurisdiction": "kunming",
            "county": "wuhua", "credit_code": VALID_CODE, "contact": "王敏",
            "contact_phone": "138 0000 1111",
            "username": "xinxing", "password": "secret-pass1", "confirm": "secret-pass1"}
    return {**data, **overrides}


def user_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_login_page_is_chinese_with_labelled_fields(client):
    response = client.get("/login")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<label for="username">用户名' in page and '<label for="password">密码' in page
    assert "小微企业创业创新基地认定管理系统" in page


def test_logged_in_header_shows_name_role_and_scope(client, login_as):
    login_as("km_county_wuhua")

    shown = text(client.get("/worklist"))

    assert "五华区工业和信息化局 张丽" in shown
    assert "县级主管部门" in shown and "昆明市 · 五华区" in shown


def test_wrong_password_is_refused_with_a_message(client):
    response = client.post("/login", data={"username": "km_city", "password": "wrong-one"})

    assert response.status_code == 200
    assert "用户名或密码错误" in text(response)
    assert client.get("/worklist").status_code == 302


def test_disabled_account_cannot_log_in(client, user):
    user("km_city").active = False
    db.session.commit()

    response = client.post("/login", data={"username": "km_city", "password": "demo1234"})

    assert "账号已停用" in text(response)


def test_logout_ends_the_session(client, login_as):
    login_as("km_city")

    response = client.post("/logout")

    assert response.location.endswith("/login")
    assert client.get("/worklist").status_code == 302


def test_pages_need_login_and_return_to_the_page_after_it(client):
    response = client.get("/cases")
    assert response.status_code == 302 and "/login?next=%2Fcases" in response.location

    after = client.post("/login?next=%2Fcases",
                        data={"username": "km_city", "password": "demo1234"})

    assert after.location == "/cases"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_login_never_redirects_off_site(client, target):
    response = client.post(f"/login?next={target}",
                           data={"username": "km_city", "password": "demo1234"})

    assert response.status_code == 302 and response.location == "/"


def test_session_cookie_expires_after_the_idle_lifetime(client, app):
    client.post("/login", data={"username": "km_city", "password": "demo1234"})

    expires = client.get_cookie("session").expires
    left = expires - dt.datetime.now(dt.timezone.utc)

    lifetime = dt.timedelta(seconds=app.config["PERMANENT_SESSION_LIFETIME"])
    assert lifetime - dt.timedelta(minutes=1) < left <= lifetime


def test_csrf_is_enforced_when_enabled(client, app):
    app.config["WTF_CSRF_ENABLED"] = True

    refused = client.post("/login", data={"username": "km_city", "password": "demo1234"})
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True))[1]
    accepted = client.post("/login", data={"username": "km_city", "password": "demo1234",
                                           "csrf_token": token})

    assert refused.status_code == 400 and "页面已过期" in text(refused)
    assert "没有做任何更改" in text(refused) and "重新登录" in text(refused)
    assert "Traceback" not in refused.get_data(as_text=True)
    assert accepted.status_code == 302


def test_csrf_protects_the_upload_endpoint(client, app, login_as, started_case):
    app.config["WTF_CSRF_ENABLED"] = True
    from tests.web.support import upload

    response = upload(client, started_case)

    assert response.status_code == 400


def test_registration_creates_an_applicant_that_can_log_in(client):
    response = client.post("/register", data=registration())

    created = db.session.scalars(sa.select(User).where(User.username == "xinxing")).one()
    assert response.location.endswith("/login")
    assert (created.role, created.jurisdiction, created.county) == ("applicant", "kunming", "wuhua")
    assert (created.name, created.credit_code) == ("昆明新星孵化器有限公司", VALID_CODE)
    client.post("/login", data={"username": "xinxing", "password": "secret-pass1"})
    assert "昆明新星孵化器有限公司" in text(client.get("/applicant/"))


def test_registration_with_a_wrong_check_digit_explains_in_chinese_and_creates_nothing(client):
    before = user_count()
    wrong = VALID_CODE[:-1] + ("0" if VALID_CODE[-1] != "0" else "1")

    response = client.post("/register", data=registration(credit_code=wrong))

    assert response.status_code == 422
    assert "统一社会信用代码无效" in text(response)
    assert 'value="昆明新星孵化器有限公司"' in response.get_data(as_text=True)
    assert user_count() == before


@pytest.mark.parametrize("overrides, message", [
    ({"county": "dongchangfu"}, "请选择所选城市下辖的县（市、区）"),
    ({"username": "km_city"}, "该用户名不可用"),
    ({"confirm": "other-pass1"}, "两次输入的密码不一致"),
    ({"password": "short", "confirm": "short"}, "密码至少为10位"),
    ({"organisation": ""}, "此项为必填项"),
])
def test_registration_refuses_bad_details_with_a_message(client, overrides, message):
    before = user_count()

    response = client.post("/register", data=registration(**overrides))

    assert response.status_code == 422 and message in text(response)
    assert user_count() == before


def test_english_switch_changes_the_interface_language(client):
    response = client.get("/language/en?next=/login", follow_redirects=True)

    assert "Log in" in text(response) and "用户名" not in text(response)
    assert 'lang="en"' in response.get_data(as_text=True)
    back = client.get("/language/zh?next=/login", follow_redirects=True)
    assert "用户名" in text(back)
