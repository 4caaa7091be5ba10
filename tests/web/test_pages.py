"""Every page for every role: where home leads, what each page shows, what is forbidden."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ProcessVersion
from tests.web import support
from tests.web.support import text


@pytest.mark.parametrize("username, home", [
    ("km_applicant", "/applicant/"), ("km_county_wuhua", "/worklist"), ("km_city", "/worklist"),
    ("km_expert1", "/worklist"), ("km_auditor", "/cases"), ("km_designer", "/processes/"),
    ("admin", "/admin/users"),
])
def test_home_leads_each_role_to_its_main_page(client, login_as, username, home):
    login_as(username)

    assert client.get("/").location == home


@pytest.mark.parametrize("username, nav", [
    ("km_applicant", ["我的申报", "案卷查询"]),
    ("km_county_wuhua", ["待办任务", "案卷查询"]),
    ("km_expert1", ["待办任务", "案卷查询"]),
    ("km_auditor", ["案卷查询", "流程管理"]),
    ("km_designer", ["流程管理"]),
    ("admin", ["案卷查询", "流程管理", "用户管理", "工作日历"]),
])
def test_navigation_offers_what_the_role_may_use(client, login_as, username, nav):
    login_as(username)

    html = client.get("/cases" if username != "km_designer" else "/processes/").get_data(
        as_text=True)
    menu = html[html.index('class="mainnav"'):html.index("</nav>", html.index('class="mainnav"'))]

    assert [label for label in nav if label in menu] == nav
    assert ("用户管理" in menu) is (username == "admin")


PAGES = [
    # (user, url, status, visible text)
    ("km_applicant", "/applicant/", 200, "发起申报"),
    ("km_applicant", "/cases", 200, "案卷编号"),
    ("km_applicant", "/processes/", 403, "无权访问"),
    ("km_county_wuhua", "/worklist", 200, "待签收任务"),
    ("km_county_wuhua", "/applicant/", 403, "无权访问"),
    ("km_city", "/worklist", 200, "我已签收"),
    ("km_city", "/cases", 200, "盘龙区"),  # the county filter of a city official
    ("km_expert1", "/worklist", 200, "分配给我的任务"),
    ("km_auditor", "/cases", 200, "案卷查询"),
    ("km_auditor", "/processes/", 200, "昆明市小型微型企业创业创新示范基地认定"),
    ("km_auditor", "/worklist", 200, "暂无待签收任务"),
    ("km_designer", "/processes/", 200, "昆明市小型微型企业创业创新示范基地认定"),
    ("km_designer", "/cases", 200, "没有符合条件的案卷"),
    ("admin", "/admin/users", 200, "用户管理"),
    ("admin", "/admin/calendar", 200, "工作日历"),
    ("admin", "/processes/", 200, "聊城市"),
    ("lc_applicant", "/applicant/", 200, "聊城市"),
]


@pytest.mark.parametrize("username, url, status, visible", PAGES)
def test_page_for_role(client, login_as, username, url, status, visible):
    if username == "lc_applicant":
        username = db.session.scalars(sa.select(support.User.username).where(
            support.User.jurisdiction == "liaocheng", support.User.role == "applicant")).first()
    login_as(username)

    response = client.get(url)

    assert response.status_code == status
    assert visible in text(response)


def test_applicant_start_page_offers_only_its_citys_procedure(client, login_as):
    login_as("km_applicant")

    html = client.get("/applicant/").get_data(as_text=True)

    assert 'data-testid="start-kunming_recognition"' in html
    assert "start-kunming_rereview" not in html and "start-liaocheng" not in html


def test_starting_an_application_opens_its_form(client, login_as):
    applicant = login_as("km_applicant")

    response = client.post("/applicant/start", data={"process": "kunming_recognition"})

    case = db.session.scalars(sa.select(support.Case)).one()
    item = support.ready_item(case.id)
    assert response.location == f"/tasks/{item.id}"
    assert (case.applicant_id, case.status, item.name) == (applicant.id, "draft",
                                                          "submit_application")
    assert "已创建申报案卷" in text(client.get(response.location))


def test_a_base_holding_the_title_is_told_on_its_home_page_why_it_cannot_apply(
        client, login_as, started_case):
    login_as("km_applicant")
    titled = support.case(started_case)
    titled.status, titled.certificate_no = "recognized", "KM-CX-2026-001"
    titled.valid_until = dt.date(2031, 6, 30)
    db.session.commit()

    response = client.post("/applicant/start", data={"process": "kunming_recognition"})

    assert response.location == "/applicant/"
    page = text(client.get(response.location))
    assert "KM-CX-2026-001" in page and "有效期至 2031-06-30" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(support.Case)) == 1


def test_applicant_cannot_start_another_citys_procedure(client, login_as):
    login_as("km_applicant")
    process = db.session.scalars(sa.select(ProcessVersion.key).where(
        ProcessVersion.jurisdiction == "liaocheng", ProcessVersion.startable.is_(True))).first()

    response = client.post("/applicant/start", data={"process": process})

    assert response.status_code == 403 and "您所在辖区不能发起此流程" in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(support.Case)) == 0


def test_applicant_start_page_lists_its_cases_and_what_is_asked(client, login_as, started_case):
    login_as("km_applicant")

    response = client.get("/applicant/")

    assert support.listed(response, support.case(started_case).ref)
    assert 'data-testid="do-task"' in response.get_data(as_text=True)
    assert "填报申请材料" in text(response)


def test_procedure_page_shows_the_diagram(client, login_as):
    login_as("km_designer")
    version = db.session.scalars(sa.select(ProcessVersion).where(
        ProcessVersion.key == "kunming_recognition")).first()

    html = client.get(f"/processes/{version.id}").get_data(as_text=True)

    assert "data-bpmn-viewer" in html and "<bpmn:definitions" in html


def test_designer_cannot_open_another_citys_procedure(client, login_as):
    login_as("km_designer")
    version = db.session.scalars(sa.select(ProcessVersion).where(
        ProcessVersion.jurisdiction == "liaocheng")).first()

    assert client.get(f"/processes/{version.id}").status_code == 404
