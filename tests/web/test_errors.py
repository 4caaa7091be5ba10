"""Error pages are friendly, in Chinese, and never show a stack trace."""

from __future__ import annotations

from tests.web.support import text


def test_unknown_page_gives_a_friendly_chinese_404(client):
    response = client.get("/no-such-page")

    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "页面不存在" in text(response) and "返回首页" in text(response)
    assert "Traceback" not in html and "Not Found" not in html


def test_unknown_case_gives_404_with_the_reason(client, login_as):
    login_as("km_city")

    response = client.get("/cases/99999")

    assert response.status_code == 404 and "案卷不存在" in text(response)


def test_unknown_task_gives_404(client, login_as):
    login_as("km_city")

    response = client.get("/tasks/no-such-task")

    assert response.status_code == 404 and "任务不存在" in text(response)


def test_forbidden_page_is_friendly(client, login_as):
    login_as("km_city")

    response = client.get("/admin/users")

    assert response.status_code == 403
    assert "无权访问" in text(response) and "系统管理员" in text(response)


def test_unexpected_failure_gives_a_friendly_500_without_details(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = client.get("/boom")

    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "系统错误" in html and "本次操作未保存" in html
    assert "secret internal detail" not in html and "Traceback" not in html


def test_english_error_page(client):
    client.get("/language/en")

    response = client.get("/no-such-page")

    assert "Page not found" in text(response)
