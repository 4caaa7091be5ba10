"""The verify pages: one case's verification shows its anchor in plain words; /audit/verify
lets auditors (their jurisdiction) and administrators run a whole jurisdiction."""

from __future__ import annotations

import json

from tests.processes.driver import Api
from tests.services.test_anchors import make_case, rewrite
from tests.web.support import text


def anchor(app) -> dict:
    app.test_cli_runner().invoke(args=["audit", "anchor"])
    with open(app.config["AUDIT_ANCHOR_LOG"], encoding="utf-8") as log:
        return json.loads(log.read().splitlines()[-1])


def verify_page(client, case_id: int):
    response = client.post(f"/audit/cases/{case_id}/verify")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_verify_page_says_when_a_case_is_not_yet_anchored(app, client, login_as):
    case = make_case(Api(app))
    login_as("km_auditor")

    html = verify_page(client, case.id)

    assert 'data-testid="verify-anchor" data-ok="true"' in html
    assert "本案尚未被锚定" in html and 'data-ok="true"' in html


def test_the_verify_page_names_the_anchor_that_covers_the_case(app, client, login_as):
    case = make_case(Api(app))
    entry = anchor(app)
    login_as("km_auditor")

    html = verify_page(client, case.id)

    assert "本案历史与记录过它的每一个锚点都一致" in html
    assert "第 1 号" in text_of(html) and entry["root"] in html
    assert 'data-testid="verify-result" data-ok="true"' in html


def test_the_verify_page_shows_a_rewrite_that_only_an_earlier_anchor_catches(app, client,
                                                                              login_as):
    case = make_case(Api(app))
    first = anchor(app)
    rewrite(case)
    anchor(app)
    login_as("km_auditor")

    html = verify_page(client, case.id)

    assert 'data-testid="verify-result" data-ok="false"' in html
    assert "下方标出的锚点或步骤与记录不符" in html
    assert "号事件的哈希与第 1 号锚点的记录不再一致：历史被改写过" in html
    assert first["root"] in html


def text_of(html: str) -> str:
    class Response:
        def get_data(self, as_text):
            return html
    return text(Response())


def test_an_auditor_may_verify_only_their_own_jurisdiction(client, login_as):
    login_as("km_auditor")

    response = client.get("/audit/verify")

    page = text(response)
    assert response.status_code == 200 and "核验辖区内全部案卷" in page
    html = response.get_data(as_text=True)
    assert html.count("<option ") == 1 and 'value="kunming"' in html
    assert "开始核验" in page and "按问题类型汇总" in page


def test_an_administrator_may_choose_any_jurisdiction(client, login_as):
    login_as("admin")

    html = client.get("/audit/verify").get_data(as_text=True)

    assert 'value="kunming"' in html and 'value="shanxi"' in html and 'value="liaocheng"' in html


def test_other_roles_may_not_open_the_jurisdiction_verification(client, login_as):
    login_as("km_city")

    response = client.get("/audit/verify")

    assert response.status_code == 403
    assert "只有审计人员和系统管理员可以核验整个辖区" in text(response)


def test_auditors_and_administrators_find_the_page_in_the_navigation(client, login_as):
    for username, shown in (("km_auditor", True), ("admin", True), ("km_city", False)):
        login_as(username)
        html = client.get("/cases").get_data(as_text=True)
        assert ('data-testid="nav-audit-verify_jurisdiction"' in html) is shown, username
