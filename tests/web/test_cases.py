"""Case list and case page: filters, data, history, diagram, attachments, who may see what."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from app.extensions import db
from app.models import Attachment
from app.services import progress, transaction
from tests.web import support
from tests.web.support import text

NOW = dt.datetime(2026, 9, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def script(html: str, script_id: str) -> str:
    return re.search(rf'<script type="[^"]+" id="{script_id}">(.*?)</script>', html, re.S)[1]


@pytest.fixture
def panlong_case(client, login_as):
    """A case of km_applicant2 (Panlong), started but not submitted."""
    login_as("km_applicant2")
    client.post("/applicant/start", data={"process": "kunming_recognition"})
    return db.session.scalars(support.sa.select(support.Case).order_by(
        support.Case.id.desc())).first().id


@pytest.mark.parametrize("username, sees_wuhua, sees_panlong", [
    ("km_county_wuhua", True, False), ("km_county_panlong", False, True),
    ("km_city", True, True), ("km_auditor", True, True), ("admin", True, True),
    ("km_applicant", True, False), ("km_applicant2", False, True), ("km_expert1", False, False),
])
def test_case_list_shows_the_cases_each_role_may_read(client, login_as, submitted_case,
                                                      panlong_case, username, sees_wuhua,
                                                      sees_panlong):
    login_as(username)

    response = client.get("/cases")

    assert support.listed(response, support.case(submitted_case).ref) is sees_wuhua
    assert support.listed(response, support.case(panlong_case).ref) is sees_panlong


@pytest.mark.parametrize("query, wuhua, panlong", [
    ("status=in_review", True, False), ("status=draft", False, True),
    ("county=wuhua", True, False), ("q=昆明示例", True, False), ("q=KM-2026-0002", False, True),
    ("process=kunming_rereview", False, False), ("year=2020", False, False),
])
def test_case_list_filters_and_search(client, login_as, submitted_case, panlong_case, query,
                                      wuhua, panlong):
    login_as("km_city")

    response = client.get(f"/cases?{query}")

    assert support.listed(response, support.case(submitted_case).ref) is wuhua
    assert support.listed(response, support.case(panlong_case).ref) is panlong


@pytest.mark.parametrize(("username", "hint"), [("km_city", "如 KM-{year}-0001"),
                                              ("lc_city", "如 LC-{year}-0001"),
                                              ("admin", "案卷编号或名称")])
def test_the_search_hint_shows_a_case_number_of_the_users_own_jurisdiction(
        client, login_as, username, hint):
    login_as(username)
    year = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).year

    html = client.get("/cases").get_data(as_text=True)

    assert re.search(r'id="f-q"[^>]*placeholder="([^"]*)"', html)[1] == hint.format(year=year)


def test_case_list_filters_by_this_year(client, login_as, submitted_case):
    login_as("km_city")
    year = dt.datetime.now(dt.timezone.utc).year

    assert support.listed(client.get(f"/cases?year={year}"), support.case(submitted_case).ref)


def test_case_page_shows_status_stage_data_history_and_attachments(client, login_as,
                                                                    submitted_case):
    login_as("km_county_wuhua")

    response = client.get(f"/cases/{submitted_case}")

    shown, html = text(response), response.get_data(as_text=True)
    assert "审核中" in shown and "县级初审" in shown
    assert "基地名称" in shown and "昆明示例创业园" in shown and "入驻企业（项目）名录表" in shown
    assert "创建案卷" in shown and "办理完成：填报申请材料" in shown
    assert "上传附件：report.pdf" in shown
    assert "昆明示例创业园运营有限公司" in shown  # the actor's name, not the user name
    assert re.search(r'href="/attachments/[0-9a-f-]+"[^>]*>report.pdf', html)
    assert "系统自动预审" in shown
    assert '{"' not in shown and "small_micro_count" not in shown  # labels, never raw JSON


def test_case_page_has_the_diagram_with_state(client, login_as, submitted_case):
    login_as("km_county_wuhua")

    html = client.get(f"/cases/{submitted_case}").get_data(as_text=True)

    state = json.loads(script(html, "bpmn-state"))
    assert 'data-bpmn-viewer data-source="bpmn-source" data-state="bpmn-state"' in html
    assert script(html, "bpmn-source").lstrip().startswith("<?xml")
    assert "&lt;bpmn" not in script(html, "bpmn-source")
    assert "submit_application" in state["completed"] and state["current"] == ["county_review"]
    assert "/static/dist/viewer.js" in html and "/static/dist/bpmn-js/bpmn-js.css" in html


def test_waiting_timer_is_marked_with_its_due_date(client, login_as, submitted_case):
    support.to_public_notice(submitted_case, NOW)
    login_as("km_city")

    html = client.get(f"/cases/{submitted_case}").get_data(as_text=True)

    state = json.loads(script(html, "bpmn-state"))
    assert {"element": "notice_period_ends", "due_label": "截止 2026-10-15"} in state["waiting"]
    assert "公示中" in text(client.get(f"/cases/{submitted_case}"))
    shown = text(client.get(f"/cases/{submitted_case}"))
    assert "公示期满（10个工作日） — 截止 2026-10-15" in shown


def test_expert_opinions_are_listed_with_each_experts_name(client, login_as, submitted_case):
    support.to_public_notice(submitted_case, NOW)
    login_as("km_city")

    shown = text(client.get(f"/cases/{submitted_case}"))

    assert "评审专家 赵建国" in shown and "评审专家 孙志强" in shown
    assert "评分（0–100）" in shown


def test_parent_and_child_cases_link_to_each_other(client, login_as, submitted_case):
    with transaction():
        child = progress.start_child(support.case(submitted_case),
                                     {"process": "kunming_rereview", "data": {}}, NOW, "system")
    login_as("km_city")

    parent_page = client.get(f"/cases/{submitted_case}").get_data(as_text=True)
    child_page = client.get(f"/cases/{child.id}").get_data(as_text=True)

    assert f'href="/cases/{child.id}" data-testid="child-link">{child.ref}' in parent_page
    assert (f'href="/cases/{submitted_case}" data-testid="parent-link">'
            f'{support.case(submitted_case).ref}') in child_page


def test_applicant_cannot_open_another_applicants_case(client, login_as, submitted_case):
    login_as("km_applicant2")

    response = client.get(f"/cases/{submitted_case}")

    assert response.status_code == 403 and "昆明示例创业园" not in text(response)


@pytest.mark.parametrize("username, status", [
    ("km_county_wuhua", 200), ("km_city", 200), ("km_applicant", 200), ("km_auditor", 200),
    ("km_county_panlong", 403), ("km_applicant2", 403), ("km_designer", 403),
    ("lc_city", 403),
])
def test_attachments_download_only_for_those_allowed(client, login_as, submitted_case,
                                                      username, status):
    attachment = db.session.scalars(support.sa.select(Attachment)).first()
    login_as(username)

    response = client.get(f"/attachments/{attachment.id}")
    body = response.data
    response.close()

    assert response.status_code == status
    assert (body == support.PDF) is (status == 200)


@pytest.mark.parametrize("username", ["km_county_panlong", "km_applicant2", "km_designer"])
def test_case_page_of_another_scope_is_forbidden(client, login_as, submitted_case, username):
    login_as(username)

    response = client.get(f"/cases/{submitted_case}")

    assert response.status_code == 403 and "无权访问" in text(response)


def test_auditor_reads_the_case_and_verifies_its_history(client, login_as, submitted_case):
    login_as("km_auditor")

    page = client.get(f"/cases/{submitted_case}")
    verified = client.post(f"/audit/cases/{submitted_case}/verify")

    assert 'id="verify-case"' in page.get_data(as_text=True)
    assert 'data-testid="open-task"' not in page.get_data(as_text=True)
    assert verified.status_code == 200
    assert "办理记录完整可信" in text(verified) and "与记录状态一致" in text(verified)
    assert verified.get_data(as_text=True).count('<tr data-ok="true">') >= 3


def test_officials_cannot_run_the_auditors_verification(client, login_as, submitted_case):
    login_as("km_county_wuhua")

    response = client.post(f"/audit/cases/{submitted_case}/verify")

    assert response.status_code == 403 and "只有审计监察人员可以核验" in text(response)


def test_officials_see_a_button_for_their_open_task(client, login_as, submitted_case):
    login_as("km_county_wuhua")

    html = client.get(f"/cases/{submitted_case}").get_data(as_text=True)

    item = support.ready_item(submitted_case)
    assert f'href="/tasks/{item.id}" data-testid="open-task">办理：县级初审' in html


def test_applicant_sees_its_own_data_but_not_the_county_assessment(client, login_as,
                                                                   submitted_case):
    support.complete(submitted_case, "county_review", "km_county_wuhua", support.COUNTY_RETURN,
                     NOW)
    login_as("km_applicant")

    shown = text(client.get(f"/cases/{submitted_case}"))

    assert "昆明示例创业园" in shown and "请补充上一年度财务审计报告全文" in shown
    assert "审计报告缺页" not in shown and "系统自动预审" not in shown


def test_english_case_page_uses_english_labels(client, login_as, submitted_case):
    login_as("km_city")
    client.get("/language/en")

    shown = text(client.get(f"/cases/{submitted_case}"))

    assert "Base name" in shown and "Case overview" in shown and "In review" in shown
