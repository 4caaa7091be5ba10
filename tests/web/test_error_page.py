"""The error page a browser gets: the sentence that says what went wrong once, and below it
only the details that add to it."""

from __future__ import annotations

import re

from flask import render_template


def test_a_bad_list_cursor_is_said_once_in_the_users_language(client, login_as):
    login_as("km_county_wuhua")

    response = client.get("/worklist?after=garbage")
    page = response.get_data(as_text=True)

    assert response.status_code == 400
    assert page.count("不是本列表给出的翻页游标") == 1
    assert 'data-testid="error-details"' not in page


def test_details_that_add_to_the_sentence_are_listed_each_once(app):
    with app.test_request_context("/tasks/x"):
        page = render_template("errors/error.html", status=400, title="请求有误",
                               message="表单有误。",
                               errors={"a": ["表单有误。", "请填写基地名称。"],
                                       "b": ["请填写基地名称。", "日期格式不对。"]})

    details = re.search(r'data-testid="error-details">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", details) == ["请填写基地名称。", "日期格式不对。"]
    assert page.count("表单有误。") == 1
