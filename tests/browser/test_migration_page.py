"""A designer moves running Kunming cases to the procedure's second version in the browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from app.web import api as api_module
from tests.browser.support import login, snap
from tests.processes import examples_kunming as km
from tests.processes.driver import Api, CaseDriver
from tests.processes.test_kunming import APPLICANT, CITY, experts_done, submitted
from tests.processes.test_migration import PROCESS, second_version


@pytest.fixture(scope="module")
def two_cases(live_server, tmp_path_factory):
    """One case past the county review, one waiting at it; then version 2 (its county review
    task has another id) published. Return their references."""
    with live_server.app.app_context():
        api = Api(live_server.app)
        saved, api_module._now = api_module._now, lambda: api.now
        try:
            moving, staying = (CaseDriver(api, PROCESS, APPLICANT, CITY) for _ in range(2))
            experts_done(moving)
            moving.complete(CITY, "expert_decision", km.EXPERT_APPROVE, "2026-06-01T09:00")
            submitted(staying)
            second_version(tmp_path_factory.mktemp("second"))
            return moving.case()["ref"], staying.case()["ref"]
        finally:
            api_module._now = saved


def test_the_designer_sees_the_dry_run_and_moves_the_movable_case(page: Page, two_cases):
    moving, staying = two_cases
    login(page, "km_designer")

    page.goto(f"/processes/{PROCESS}/migrations?from=1&to=2")
    plan = page.get_by_test_id("migration-plan")
    expect(plan.get_by_role("row").filter(has_text=moving)).to_contain_text("可迁移")
    expect(plan.get_by_role("row").filter(has_text=staying)).to_contain_text(
        "待办任务「县级初审」在新版本中不存在。")
    expect(plan.get_by_role("checkbox")).to_have_count(1)
    snap(page, "migration-plan-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    snap(page, "migration-plan-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.once("dialog", lambda dialog: dialog.accept())  # 将所选案卷迁移至第 2 版？
    page.get_by_test_id("migrate-selected").click()

    results = page.get_by_test_id("migration-results")
    expect(results).to_contain_text("共 1 件，已迁移 1 件")
    expect(results).to_contain_text("已迁移至第 2 版")
    snap(page, "migration-result-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    snap(page, "migration-result-390")
    expect(page.get_by_test_id("migration-plan").get_by_role("row").filter(
        has_text=moving)).to_have_count(0)
