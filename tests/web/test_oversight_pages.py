"""The oversight dashboard page, its XLSX and GET /api/oversight, per role."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.extensions import db
from app.models import AccessEntry
from app.services import users
from tests.web import support

SHEETS = ["各环节案卷数", "各县（市、区）案卷数", "各环节办理用时中位数（工作日）", "当前逾期任务",
          "年度工作总结报送", "各年度认定、到期与撤销"]


def test_the_city_sees_each_figure_as_a_table_under_its_chart(client, login_as, submitted_case):
    login_as("km_city")

    response = client.get("/oversight")

    html, page = response.get_data(as_text=True), support.text(response)
    assert response.status_code == 200
    assert 'data-testid="nav-oversight-index"' in html
    for title in SHEETS:
        assert f">{title}</h2>" in html
    assert " 昆明市 五华区 1 1 " in _table(html, "by_county")
    assert "县级初审" in _table(html, "by_stage")
    assert "五华区" in page and 'id="oversight-charts"' in html and "dist/oversight.js" in html


def _table(html: str, key: str) -> str:
    """The visible text of one figure's table."""
    table = html.split(f'data-testid="table-{key}"')[1].split("</table>")[0]
    return " ".join(re.sub(r"<[^>]+>", " ", table).split()) + " "


@pytest.mark.parametrize("username", ["km_applicant", "km_county_wuhua", "km_expert1",
                                      "km_designer"])
def test_other_roles_get_403_and_no_link(client, login_as, username):
    login_as(username)

    response = client.get("/oversight")

    assert response.status_code == 403
    assert "审计监察人员和系统管理员可以查看监管统计" in support.text(response)
    assert "nav-oversight-index" not in client.get("/cases").get_data(as_text=True)
    assert client.get("/oversight.xlsx").status_code == 403


@pytest.mark.parametrize(("query", "says"), [("year=twenty", "year"),
                                             ("year=1800", "year"),
                                             ("jurisdiction=shanxi", "kunming")])
def test_bad_filters_are_refused_with_400_and_a_message(client, login_as, query, says):
    login_as("km_city")

    response = client.get(f"/oversight?{query}")

    assert response.status_code == 400 and says in support.text(response)
    assert client.get(f"/api/oversight?{query}").status_code == 400


def test_the_auditor_downloads_one_sheet_per_figure_and_the_download_is_journaled(
        client, login_as, submitted_case):
    login_as("km_auditor")

    response = client.get("/oversight.xlsx?jurisdiction=kunming")

    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == SHEETS
    county = book["各县（市、区）案卷数"]
    assert [c.value for c in county[1]] == ["辖区", "县（市、区）", "案卷数", "审核中"]
    assert [c.value for c in county[2]] == ["昆明市", "五华区", 1, 1]
    steps = [[c.value for c in row] for row in book["各环节办理用时中位数（工作日）"].iter_rows()]
    assert steps[1][1:4] == ["填报申请材料", "申报主体", 1]
    [entry] = db.session.scalars(sa.select(AccessEntry)).all()
    assert (entry.username, entry.action, entry.jurisdiction) == ("km_auditor", "export", "kunming")
    assert entry.detail == "oversight.xlsx jurisdiction=kunming year=all"


def test_a_city_officials_download_is_not_journaled(client, login_as):
    login_as("km_city")

    assert client.get("/oversight.xlsx?year=2026").status_code == 200
    assert db.session.scalars(sa.select(AccessEntry)).all() == []


def test_the_api_answers_a_bearer_token_and_refuses_none(client, submitted_case):
    client.post("/logout")  # the fixture's applicant
    assert client.get("/api/oversight").status_code == 401
    token = users.issue_token(support.user("km_city"))

    answer = client.get("/api/oversight", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 200
    figures = answer.get_json()
    assert [(r["county_name"], r["cases"]) for r in figures["by_county"]] == [("五华区", 1)]
