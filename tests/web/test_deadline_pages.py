"""Deadlines on the pages: working days left or late, the overdue panel of the county and the
city, a task that waits for its notBefore instant, and replacing an expert on the case page."""

from __future__ import annotations

import datetime as dt

import pytest

from app.extensions import db
from app.models import WorkItem
from app.services import calendar_days
from tests.web import support
from tests.web.support import text

NOW = dt.datetime.now(dt.timezone.utc)


def summary_item(case_id: int, late: dt.timedelta = dt.timedelta(days=20)) -> WorkItem:
    """The applicant's submit_application, made overdue by `late`."""
    item = support.ready_item(case_id, "submit_application")
    item.due_at = NOW - late
    db.session.commit()
    return item


@pytest.mark.parametrize("username", ["km_county_wuhua", "km_city"])
def test_an_overdue_applicant_task_shows_in_the_officials_overdue_panel(client, login_as,
                                                                        started_case, username):
    summary_item(started_case)
    login_as(username)

    page = client.get("/worklist").get_data(as_text=True)
    panel = page.split('data-testid="section-overdue"')[1].split("</section>")[0]

    assert "逾期事项" in page and support.case(started_case).ref in panel
    assert "填报申请材料" in panel and "申报主体" in panel  # the task and its lane
    assert 'data-testid="overdue-days">已超期 ' in panel and "个工作日" in panel


def test_another_countys_official_has_an_empty_overdue_panel(client, login_as, started_case):
    summary_item(started_case)
    login_as("km_county_panlong")

    page = client.get("/worklist").get_data(as_text=True)

    assert "逾期事项" in page and "暂无逾期事项" in page
    assert support.case(started_case).ref not in page


def test_the_applicant_has_no_overdue_panel(client, login_as, started_case):
    summary_item(started_case)
    login_as("km_applicant")

    assert "逾期事项" not in client.get("/worklist").get_data(as_text=True)


def test_a_due_date_shows_working_days_left_on_worklist_task_and_case_pages(client, login_as,
                                                                            submitted_case):
    item = support.ready_item(submitted_case, "county_review")
    login_as("km_county_wuhua")

    pages = [text(client.get(path)) for path in
             ("/worklist", f"/tasks/{item.id}", f"/cases/{submitted_case}")]

    assert item.due_at is not None
    left = f"剩余 {calendar_days.working_days_left(item.due_at, NOW)} 个工作日"
    assert all(left in page and "依据： 产品默认：收到后 15 个工作日内办理" in page
               for page in pages)


def test_an_overdue_task_shows_working_days_late_on_its_task_page(client, login_as,
                                                                  started_case):
    item = summary_item(started_case)
    login_as("km_applicant")

    page = text(client.get(f"/tasks/{item.id}"))

    late = -calendar_days.working_days_left(item.due_at, NOW)
    assert f"已超期 {late} 个工作日" in page


def test_the_worklist_filters_and_an_undated_task_speak_of_working_days(client, login_as,
                                                                       started_case):
    login_as("km_county_wuhua")
    worklist = text(client.get("/worklist"))
    login_as("km_applicant")
    item = support.ready_item(started_case)
    task = text(client.get(f"/tasks/{item.id}"))

    assert "3 个工作日内到期" in worklist and "3日内到期" not in worklist
    assert item.due_at is None and "办理期限： 无期限" in task


def test_a_task_that_waits_says_from_when_and_refuses_a_submission(client, login_as,
                                                                   submitted_case):
    item = support.ready_item(submitted_case, "county_review")
    item.not_before = dt.datetime(2099, 1, 1, tzinfo=dt.timezone.utc)
    db.session.commit()
    login_as("km_county_wuhua")

    shown = client.get(f"/tasks/{item.id}").get_data(as_text=True)
    response = client.post(f"/tasks/{item.id}", data=support.to_form(
        support.COUNTY_APPROVE, lock_version=support.case(submitted_case).lock_version))
    draft = client.post(f"/tasks/{item.id}/draft", data=support.to_form(support.COUNTY_APPROVE))

    assert "此任务自 2099-01-01 08:00 起方可提交；此前可随时保存草稿。" in shown
    assert 'id="submit-task" disabled' in shown
    assert response.status_code == 422 and "2099-01-01 08:00" in text(response)
    assert draft.status_code == 302 and support.ready_item(submitted_case).draft
    assert "自 2099-01-01 08:00 起可提交" in text(client.get(f"/cases/{submitted_case}"))


def test_the_city_replaces_an_expert_from_the_case_page(client, login_as, submitted_case):
    support.to_expert_review(submitted_case, NOW)
    item = support.ready_item(submitted_case, "expert_review")
    silent = item.assignee
    login_as("km_city")

    page = client.get(f"/cases/{submitted_case}").get_data(as_text=True)
    response = client.post(f"/tasks/{item.id}/reassign", data={
        "assignee": "km_expert_reserve", "reason": "逾期未提交评审意见。"})
    after = text(client.get(f"/cases/{submitted_case}"))
    refused = client.post(f"/tasks/{item.id}/reassign", data={
        "assignee": "km_expert2" if silent != "km_expert2" else "km_expert3", "reason": "x"})

    assert 'data-testid="replace-expert"' in page and "后备专家 周敏" in page
    assert response.status_code == 302
    assert db.session.get(WorkItem, item.id).assignee == "km_expert_reserve"
    assert "已改由 后备专家 周敏 办理" in after
    handed = f"专家评审 ({support.user(silent).name} → 后备专家 周敏): 逾期未提交评审意见。"
    assert f"更换评审专家：{handed}" in after
    assert refused.status_code == 302
    assert "该专家已参加本轮评审" in text(client.get(f"/cases/{submitted_case}"))
    assert db.session.get(WorkItem, item.id).assignee == "km_expert_reserve"


def test_a_county_official_sees_no_replacement_form(client, login_as, submitted_case):
    support.to_expert_review(submitted_case, NOW)
    login_as("km_county_wuhua")

    page = client.get(f"/cases/{submitted_case}").get_data(as_text=True)

    assert 'data-testid="replace-expert"' not in page


@pytest.fixture(autouse=True)
def reserve_expert(app):
    from app.services import users
    users.create_user("km_expert_reserve", "expert", "kunming", name="后备专家 周敏",
                      policy=False)
