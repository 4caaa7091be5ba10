"""The error page a browser gets: the sentence that says what went wrong once, and below it
only the details that add to it."""

from __future__ import annotations

import re

from flask import render_template


def test_a_stale_page_link_starts_the_list_again_with_a_note(client, login_as):
    login_as("km_county_wuhua")

    response = client.get("/worklist?after=garbage&sort=created&due=overdue")
    page = client.get(response.headers["Location"]).get_data(as_text=True)

    assert response.status_code == 302
    assert response.headers["Location"] == "/worklist?sort=created&due=overdue"
    assert page.count("翻页链接已失效") == 1 and "X-Next-After" not in page


def test_a_bad_cursor_in_the_api_still_names_the_headers(client, login_as):
    login_as("km_county_wuhua")

    response = client.get("/api/tasks?after=garbage")

    assert response.status_code == 400
    assert "X-Next-After" in response.get_json()["error"]


def test_details_that_add_to_the_sentence_are_listed_each_once(app):
    with app.test_request_context("/tasks/x"):
        page = render_template("errors/error.html", status=400, title="请求有误",
                               message="表单有误。",
                               errors={"a": ["表单有误。", "请填写基地名称。"],
                                       "b": ["请填写基地名称。", "日期格式不对。"]})

    details = re.search(r'data-testid="error-details">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", details) == ["请填写基地名称。", "日期格式不对。"]
    assert page.count("表单有误。") == 1
