"""Deadlines in Chromium at 1280 and 390 px: the county's overdue panel, a task that waits for
the end of a notice, and the city replacing an expert on the case page.

The cases are moved on through the services (as tests/web do); only what this walk checks
is done in the browser.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import WorkItem
from app.services import cases, users
from tests.browser.support import login, snap
from tests.web import support

pytestmark = pytest.mark.browser

NOW = dt.datetime.now(dt.timezone.utc)
WIDTHS = (1280, 390)
LATE, LEFT = re.compile(r"已超期 \d+ 个工作日"), re.compile(r"剩余 \d+ 个工作日")


def _applicant(username: str):
    users.create_user(username, "applicant", "kunming", "wuhua",
                      name=f"五华区示例基地{username[-1]}", policy=False)
    return support.user(username)


def _submitted(username: str) -> int:
    case_id = cases.start_case(_applicant(username), "kunming_recognition", NOW).id
    attachment = support.stored_file(case_id, username, NOW)
    support.complete(case_id, "submit_application", username, support.application(attachment),
                     NOW)
    return case_id


@pytest.fixture(scope="module")
def scene(live_server) -> dict:
    """Three wuhua cases: one left unsubmitted 20 days past its deadline, one at the county
    review waiting for a notBefore instant, one at the expert review."""
    with live_server.app.app_context():
        late = cases.start_case(_applicant("km_walk_late1"), "kunming_recognition", NOW).id
        item = support.ready_item(late, "submit_application")
        item.due_at = NOW - dt.timedelta(days=20)
        waiting = _submitted("km_walk_wait2")
        review = support.ready_item(waiting, "county_review")
        review.not_before = NOW + dt.timedelta(days=30)
        experts = _submitted("km_walk_expert3")
        support.to_expert_review(experts, NOW)
        users.create_user("km_expert_reserve", "expert", "kunming", name="后备专家 周敏",
                          policy=False)
        db.session.commit()
        found = {"late": support.case(late).ref, "review": review.id,
                 "experts": experts, "experts_ref": support.case(experts).ref}
        db.session.remove()
    return found


def at_width(page: Page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})


def test_the_county_sees_the_overdue_applicant_task_in_its_panel(page, scene):
    login(page, "km_county_wuhua")
    for width in WIDTHS:
        at_width(page, width)
        page.goto("/worklist")
        panel = page.get_by_test_id("section-overdue")
        expect(panel).to_contain_text("逾期事项")
        row = panel.get_by_role("row").filter(has_text=scene["late"])
        expect(row).to_contain_text("填报申请材料")
        expect(row).to_contain_text("申报主体")
        expect(row.get_by_test_id("overdue-days")).to_contain_text(LATE)
        snap(page, f"deadlines_worklist_county_{width}")


def test_a_task_waiting_for_its_instant_says_from_when_at_both_widths(page, scene):
    login(page, "km_county_wuhua")
    for width in WIDTHS:
        at_width(page, width)
        page.goto(f"/tasks/{scene['review']}")
        expect(page.get_by_test_id("task-not-before")).to_contain_text("方可提交")
        expect(page.locator("#submit-task")).to_be_disabled()
        deadline = page.get_by_test_id("task-deadline")
        expect(deadline.get_by_test_id("due-days")).to_contain_text(LEFT)
        expect(deadline.get_by_test_id("due-rule")).to_have_text(
            "依据： 产品默认：收到后 15 个工作日内办理")
        snap(page, f"deadlines_task_waiting_{width}")


def test_the_city_replaces_an_expert_on_the_case_page(page, scene, live_server):
    login(page, "km_city")
    at_width(page, 390)
    page.goto(f"/cases/{scene['experts']}")
    form = page.get_by_test_id("replace-expert").first
    form.locator("summary").click()
    form.get_by_label("新评审专家").select_option(label="后备专家 周敏")
    form.get_by_label("理由").fill("逾期未提交评审意见，电话联系未果。")
    snap(page, "deadlines_replace_expert_390", form)
    form.get_by_test_id("replace-submit").click()

    expect(page.get_by_test_id("flash-success")).to_contain_text("已改由 后备专家 周敏 办理")
    expect(page.get_by_test_id("case-tasks")).to_contain_text("后备专家 周敏")
    with live_server.app.app_context():
        assignees = db.session.scalars(sa.select(WorkItem.assignee).where(
            WorkItem.case_id == scene["experts"], WorkItem.status == "ready")).all()
        assert "km_expert_reserve" in assignees
    at_width(page, 1280)
    page.goto(f"/cases/{scene['experts']}")
    snap(page, "deadlines_case_tasks_city_1280",
         page.locator("section").filter(has=page.get_by_test_id("case-tasks")))
