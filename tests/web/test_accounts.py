"""Accounts: administrators create, search and reset users and edit their
names; applicants reset a forgotten password through a one-time, expiring link by mail,
with one answer whether or not the account exists."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
import sqlalchemy as sa

from app.extensions import db, limiter
from app.models import User
from app.services import password_reset
from tests.web.support import text

NEW_PASSWORD = "Kunming-Base-2026"
SENT = "如果该账号存在并登记了电子邮箱，我们已发送邮件"


def named(username: str) -> User:
    db.session.expire_all()
    return db.session.scalars(sa.select(User).where(User.username == username)).one()


def link_in(html: str) -> str:
    return re.search(r"http://localhost(/password/reset/[\w.\-=]+)", html).group(1)


@pytest.fixture
def mails(caplog):
    """The mails written to the log (no MAIL_SERVER is set in the tests)."""
    caplog.set_level(logging.INFO, logger="app.mail")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "app.mail"]


def set_email(username: str, email: str) -> None:
    named(username).email = email
    db.session.commit()


def test_admin_creates_a_user_who_sets_a_password_through_the_link(client, login_as):
    login_as("admin")

    page = client.post("/admin/users/new", data={
        "username": "km_county_new", "name": "新科员", "email": "new@km.example.cn",
        "role": "county", "jurisdiction": "kunming", "county": "wuhua"})

    assert page.status_code == 200 and "用户 km_county_new 已创建" in text(page)
    created = named("km_county_new")
    assert (created.name, created.email, created.county) == ("新科员", "new@km.example.cn", "wuhua")
    client.post("/logout")
    link = link_in(page.get_data(as_text=True))
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
                       ).status_code == 302
    assert client.post("/login", data={"username": "km_county_new", "password": NEW_PASSWORD}
                       ).status_code == 302


def test_admin_new_user_refuses_a_taken_name_and_keeps_the_input(client, login_as):
    login_as("admin")

    page = client.post("/admin/users/new", data={
        "username": "km_city", "name": "重名", "role": "city", "jurisdiction": "kunming"})

    assert page.status_code == 422
    assert "该用户名不可用" in text(page) and 'value="重名"' in page.get_data(as_text=True)


def test_admin_searches_users_by_name_or_username(client, login_as):
    login_as("admin")

    shown = client.get("/admin/users?q=WUHUA").get_data(as_text=True)

    listed = set(re.findall(r'data-username="([^"]+)"', shown))
    assert "km_county_wuhua" in listed and "km_city" not in listed


def test_admin_edits_the_display_name_and_makes_a_reset_link(client, login_as, mails):
    login_as("admin")
    target = named("km_applicant")
    set_email("km_applicant", "base@example.cn")

    client.post(f"/admin/users/{target.id}", data={
        "name": "五华创业园（新名）", "email": "base@example.cn", "role": "applicant",
        "jurisdiction": "kunming", "county": "wuhua", "active": "y"})
    page = client.post(f"/admin/users/{target.id}/reset")

    assert named("km_applicant").name == "五华创业园（新名）"
    assert "链接也已发送至 base@example.cn" in text(page)
    assert page.headers["Cache-Control"] == "no-store"
    assert link_in(page.get_data(as_text=True)) in mails()[-1]


def test_a_forgotten_password_link_is_mailed_and_works_once(client, mails):
    set_email("km_applicant", "base@example.cn")

    answer = client.post("/password/forgot", data={"identifier": "base@example.cn"},
                         follow_redirects=True)
    [mail] = mails()
    link = link_in(mail)
    first = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    again = client.get(link)

    assert SENT in text(answer) and "To: base@example.cn" in mail
    assert first.status_code == 302
    assert again.status_code == 410 and "已使用或已过期" in text(again)
    assert client.post("/login", data={"username": "km_applicant", "password": NEW_PASSWORD}
                       ).status_code == 302


def test_the_answer_is_the_same_for_an_unknown_account_and_an_official(client, mails):
    set_email("km_county_wuhua", "county@km.example.cn")

    unknown = client.post("/password/forgot", data={"identifier": "nobody_here"},
                          follow_redirects=True)
    official = client.post("/password/forgot", data={"identifier": "km_county_wuhua"},
                           follow_redirects=True)

    assert SENT in text(unknown) and SENT in text(official)
    assert mails() == []  # officials ask their administrator


def test_an_expired_or_forged_link_sets_nothing(client, app):
    user = named("km_applicant")
    secret = app.config["SECRET_KEY"]
    old = password_reset.make_token(user, secret, dt.datetime.now(dt.timezone.utc)
                                    - dt.timedelta(minutes=61))
    forged = password_reset.make_token(user, "another key", dt.datetime.now(dt.timezone.utc))
    before = user.password_hash

    answers = [client.post(f"/password/reset/{token}", data={
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}) for token in (old, forged, "1.2.x.y")]

    assert [a.status_code for a in answers] == [410, 410, 410]
    assert named("km_applicant").password_hash == before


def test_a_weak_new_password_is_refused_and_the_link_still_works(client, app):
    token = password_reset.make_token(named("km_applicant"), app.config["SECRET_KEY"],
                                      dt.datetime.now(dt.timezone.utc))

    weak = client.post(f"/password/reset/{token}", data={"password": "123", "confirm": "123"})

    assert weak.status_code == 422 and "至少" in text(weak)
    assert client.get(f"/password/reset/{token}").status_code == 200


def test_asking_for_links_is_rate_limited(client, app, mails):
    app.config["PASSWORD_RESET_RATE_LIMIT"] = "2 per hour"
    limiter.reset()
    try:
        codes = [client.post("/password/forgot", data={"identifier": "x"}).status_code
                 for _ in range(3)]
    finally:
        app.config["PASSWORD_RESET_RATE_LIMIT"] = "1000 per minute"
        limiter.reset()

    assert codes == [302, 302, 429]
