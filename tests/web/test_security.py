"""Secrets, sessions, log-in limits, password policy and security headers."""

from __future__ import annotations

import datetime as dt
import re
import stat
import time

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from app import create_app
from app.config import MissingSecretKey, TestConfig, secret_key
from app.extensions import db
from app.models import User
from app.services import passwords, users
from tests.web.support import text

PASSWORD = "demo1234"
STRONG = "violet-harbour-71"


def forge_cookie(secret: str, data: dict) -> str:
    """Return a session cookie signed with `secret`, as an attacker knowing it would."""
    forger = Flask("forger")
    forger.secret_key = secret
    return SecureCookieSessionInterface().get_signing_serializer(forger).dumps(data)


def log_in(client, username="km_city", password=PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


# ------------------------------------------------------------------ 1. the secret key

def test_without_secret_key_a_random_key_is_made_once_and_kept_private(tmp_path):
    first = secret_key(None, production=False, instance=tmp_path)
    again = secret_key(None, production=False, instance=tmp_path)

    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert first == again and len(first) >= 64 and first != "change-me-in-production"
    assert mode == 0o600


def test_production_refuses_to_start_without_a_secret_key():
    class Production(TestConfig):
        PRODUCTION = True
        SECRET_KEY = None

    with pytest.raises(MissingSecretKey, match="needs an explicit SECRET_KEY"):
        create_app(Production)


def test_a_cookie_forged_with_the_old_default_key_opens_nothing(client, user):
    admin = user("admin")
    cookie = forge_cookie("change-me-in-production", {
        "_user_id": admin.get_id(), "_fresh": True, "login_at": int(time.time())})
    client.set_cookie("session", cookie)

    response = client.get("/admin/users")

    assert response.status_code == 302 and "/login" in response.location


# ------------------------------------------------------------------ 2. sessions

def test_a_cookie_saved_before_logout_no_longer_works_after_it(client):
    log_in(client)
    saved = client.get_cookie("session").value
    client.post("/logout")

    client.set_cookie("session", saved)

    assert client.get("/worklist").status_code == 302


def test_disabling_an_account_ends_its_open_session(client, login_as, user):
    login_as("km_city")
    assert client.get("/worklist").status_code == 200

    users.update_user(user("km_city").id, "city", "kunming", None, False)

    assert client.get("/worklist").status_code == 302


def test_a_disabled_users_session_is_refused_even_with_the_current_nonce(client, login_as, user):
    login_as("km_city")
    user("km_city").active = False
    db.session.commit()

    assert client.get("/worklist").status_code == 302


def test_a_disabled_users_api_token_is_refused(client, user):
    token = users.issue_token(user("km_city"))
    user("km_city").active = False
    db.session.commit()

    response = client.get("/api/tasks", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401 and "Bearer" in response.get_json()["error"]


def _logged_in_ago(client, seconds: int) -> None:
    with client.session_transaction() as session:
        session["login_at"] = int(time.time()) - seconds


def test_a_session_ends_after_the_absolute_lifetime_even_when_used(client, app):
    log_in(client)
    limit = app.config["SESSION_MAX_HOURS"] * 3600
    _logged_in_ago(client, limit - 60)
    assert client.get("/worklist").status_code == 200

    _logged_in_ago(client, limit + 60)
    response = client.get("/worklist", follow_redirects=True)

    assert "会话已结束，请重新登录" in text(response)
    assert client.get("/worklist").status_code == 302


@pytest.mark.parametrize("path", ["/api/tasks", "/api/cases/999999", "/api/nowhere"])
def test_the_api_never_sets_a_cookie(client, user, path):
    token = users.issue_token(user("km_city"))
    log_in(client)  # a browser cookie sent along must neither be used nor renewed

    for headers in ({"Authorization": f"Bearer {token}"}, {}):
        response = client.get(path, headers=headers)
        assert "Set-Cookie" not in response.headers, (path, response.status_code)


def test_the_api_answers_a_logged_in_browser_but_refuses_its_posts_without_the_csrf_token(
        client, app):
    app.config["WTF_CSRF_ENABLED"] = True
    client.post("/login", data={"username": "km_city", "password": "demo1234",
                                "csrf_token": _login_token(client)})

    read = client.get("/api/tasks")
    posted = client.post("/api/tasks/nowhere/claim", json={})

    assert read.status_code == 200 and isinstance(read.get_json(), list)
    assert posted.status_code == 400 and "X-CSRFToken" in posted.get_json()["error"]


def _login_token(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]


def test_production_cookies_are_sent_only_over_https_and_same_site():
    class Production(TestConfig):
        PRODUCTION = True

    response = create_app(Production).test_client().get("/language/en")

    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie


# ------------------------------------------------------------------ 3. log-in

def test_an_account_locks_after_repeated_failures_until_the_admin_unlocks_it(client, app,
                                                                              login_as, user):
    for _attempt in range(app.config["LOGIN_MAX_FAILURES"]):
        log_in(client, "km_city", "wrong-password")

    refused = log_in(client, "km_city", PASSWORD)

    assert refused.status_code == 200 and "多次登录失败已被锁定" in text(refused)
    login_as("admin")
    target = user("km_city")
    page = client.get(f"/admin/users/{target.id}")
    assert "连续登录失败次数" in text(page) and 'data-testid="locked"' in page.get_data(True)
    assert 'data-testid="locked-km_city"' in client.get("/admin/users").get_data(True)
    client.post(f"/admin/users/{target.id}/unlock")
    client.post("/logout")
    assert log_in(client, "km_city", PASSWORD).status_code == 302


def test_a_lock_ends_by_itself_after_the_lock_time(app, user):
    now = dt.datetime(2026, 11, 30, 8, tzinfo=dt.timezone.utc)
    for _attempt in range(3):
        users.authenticate("km_city", "wrong-password", now, max_failures=3, lock_minutes=15)

    assert users.authenticate("km_city", PASSWORD, now, 3, 15) is None
    later = now + dt.timedelta(minutes=16)
    assert users.authenticate("km_city", PASSWORD, later, 3, 15) == user("km_city")
    assert user("km_city").failed_logins == 0


def test_the_lock_count_lives_in_the_database_for_every_worker(app, user):
    now = dt.datetime(2026, 11, 30, 8, tzinfo=dt.timezone.utc)
    users.authenticate("km_city", "wrong-password", now)
    db.session.expire_all()

    counted = db.session.scalar(sa.select(User.failed_logins).where(User.username == "km_city"))

    assert counted == 1


def test_login_attempts_from_one_address_are_rate_limited(client, app):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    for number in range(3):
        log_in(client, f"nobody{number}", "wrong-password")

    response = log_in(client, "km_city", PASSWORD)

    assert response.status_code == 429 and "尝试次数过多" in text(response)
    assert client.get("/worklist").status_code == 302


def test_an_unknown_username_costs_a_password_hash_like_a_known_one(client, monkeypatch):
    checked = []
    real = passwords.check_password_hash
    monkeypatch.setattr(passwords, "check_password_hash",
                        lambda stored, given: checked.append(stored) or real(stored, given))

    log_in(client, "no_such_official", "wrong-password")
    log_in(client, "km_city", "wrong-password")

    assert len(checked) == 2 and checked[0].split("$")[0] == checked[1].split("$")[0]


def test_unknown_and_known_usernames_take_about_as_long(client):
    def fastest(username: str) -> float:
        times = []
        for _attempt in range(3):
            started = time.perf_counter()
            log_in(client, username, "wrong-password")
            times.append(time.perf_counter() - started)
        return min(times)

    known, unknown = fastest("km_expert1"), fastest("no_such_official")

    assert unknown > known * 0.3, (known, unknown)


@pytest.mark.parametrize("typed", ["KM_CITY", "Km_City", "km_city"])
def test_login_works_in_any_case_of_the_username(client, typed):
    response = log_in(client, typed, PASSWORD)

    assert response.status_code == 302


def test_a_username_differing_only_in_case_cannot_be_created(app):
    with pytest.raises(Exception) as refused:
        users.create_user("KM_City", "city", "kunming", password=STRONG)

    assert "cannot be used" in str(refused.value.by_field())


def test_the_database_refuses_usernames_differing_only_in_case(app):
    db.session.add(User(username="ADMIN", role="admin", password_hash="x"))

    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("username", ["km_city", "KM_CITY", "admin", "root"])
def test_registration_does_not_tell_whether_an_account_exists(client, username):
    from tests.web.test_auth import registration

    taken = client.post("/register", data=registration(username=username))
    reserved = client.post("/register", data=registration(username="administrator"))

    assert taken.status_code == reserved.status_code == 422
    assert "该用户名不可用" in text(taken) and "该用户名不可用" in text(reserved)
    assert "已被使用" not in text(taken)


@pytest.mark.parametrize("password, message", [
    ("short-1", "密码至少为10位"),
    ("xinxing-2026!", "密码不得包含用户名"),
    ("password123", "过于常见"),
    ("qwertyuiop", "过于常见"),
    ("aaaaaaaaaaaa", "过于常见"),
])
def test_registration_applies_the_password_policy(client, password, message):
    from tests.web.test_auth import registration

    response = client.post("/register", data=registration(password=password, confirm=password))

    assert response.status_code == 422 and message in text(response)


def test_cli_users_create_applies_the_password_policy(app):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "km_new", "--role", "auditor", "--password", "password123"])

    assert result.exit_code == 1 and "too common" in result.output


def test_changing_the_password_ends_other_sessions_and_keeps_this_one(app, client, login_as):
    other = app.test_client()
    log_in(other)
    login_as("km_city")

    response = client.post("/password", data={
        "current": PASSWORD, "password": STRONG, "confirm": STRONG})

    assert response.status_code == 302 and client.get("/worklist").status_code == 200
    assert other.get("/worklist").status_code == 302
    client.post("/logout")
    assert log_in(client, "km_city", STRONG).status_code == 302


def test_changing_the_password_needs_the_current_one_and_the_policy(client, login_as):
    login_as("km_city")

    wrong = client.post("/password", data={"current": "nope-nope-1", "password": STRONG,
                                           "confirm": STRONG})
    weak = client.post("/password", data={"current": PASSWORD, "password": "password123",
                                          "confirm": "password123"})

    assert wrong.status_code == 422 and "当前密码不正确" in text(wrong)
    assert weak.status_code == 422 and "过于常见" in text(weak)


# ------------------------------------------------------------------ 4. headers

@pytest.mark.parametrize("path", ["/login", "/register", "/api/tasks", "/nowhere",
                                  "/static/js/app.js"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    response.close()

    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1] \
        .split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_only_over_tls_and_through_a_trusted_proxy():
    class BehindProxy(TestConfig):
        TRUST_PROXY = 1

    proxied = create_app(BehindProxy).test_client()

    over_tls = proxied.get("/login", headers={"X-Forwarded-Proto": "https"})
    plain = proxied.get("/login")

    assert over_tls.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in plain.headers


def test_forwarded_headers_are_ignored_without_a_trusted_proxy(client):
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})

    assert "Strict-Transport-Security" not in response.headers
