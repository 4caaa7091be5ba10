"""The worklist: who sees which tasks, claiming and releasing, due dates, filters, counts."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import User, WorkItem
from app.services import listed_tasks, task_deadlines, tasks, users, worklist
from tests.web import support
from tests.web.support import text

NOW = dt.datetime.now(dt.timezone.utc)


def ref_of(case_id: int) -> str:
    return support.case(case_id).ref


def test_county_official_sees_the_review_of_its_county(client, login_as, submitted_case):
    login_as("km_county_wuhua")

    shown = text(client.get("/worklist"))

    assert "县级初审" in shown and "待签收任务" in shown
    assert support.listed(client.get("/worklist"), ref_of(submitted_case))


@pytest.mark.parametrize("username", ["km_county_panlong", "km_city", "km_expert1",
                                      "km_applicant2", "lc_county", "lc_city"])
def test_others_do_not_see_a_wuhua_county_review(client, login_as, submitted_case, username):
    if username.startswith("lc_"):
        found = db.session.scalars(sa.select(support.User).where(
            support.User.jurisdiction == "liaocheng",
            support.User.role == username.split("_")[1])).first()
        username = found.username
    login_as(username)

    response = client.get("/worklist", follow_redirects=True)  # applicants: their own page

    assert response.status_code == 200
    assert not support.listed(response, ref_of(submitted_case))


def test_applicant_sees_what_is_asked_of_it_on_its_own_page(client, login_as, started_case):
    login_as("km_applicant")

    response = client.get("/worklist")
    home = client.get(response.headers["Location"])

    assert response.status_code == 302 and response.headers["Location"].endswith("/applicant/")
    assert "填报申请材料" in text(home) and ref_of(started_case) in text(home)
    assert 'data-testid="claim"' not in home.get_data(as_text=True)
    assert 'href="/worklist"' not in home.get_data(as_text=True)  # no officials' worklist


def test_claiming_and_releasing_a_task(client, login_as, submitted_case):
    official = login_as("km_county_wuhua")
    item = support.ready_item(submitted_case)

    client.post(f"/tasks/{item.id}/claim")
    claimed_by = support.ready_item(submitted_case).claimed_by_id
    mine = client.get("/worklist").get_data(as_text=True)
    client.post(f"/tasks/{item.id}/release")
    released_by = support.ready_item(submitted_case).claimed_by_id

    assert claimed_by == official.id
    assert 'data-testid="section-mine"' in mine and 'data-testid="release"' in mine
    assert released_by is None


def test_a_colleagues_claim_is_shown_and_blocks_submitting(client, login_as, submitted_case):
    users.create_user("wuhua_second", "county", "kunming", "wuhua", "demo1234", "五华区 赵强",
                      policy=False)
    login_as("wuhua_second")
    item = support.ready_item(submitted_case)
    client.post(f"/tasks/{item.id}/claim")
    login_as("km_county_wuhua")

    listing = text(client.get("/worklist"))
    response = client.post(f"/tasks/{item.id}", data=support.to_form(
        support.COUNTY_APPROVE, lock_version=support.case(submitted_case).lock_version))

    assert "同事已签收" in listing and "五华区 赵强" in listing
    assert response.status_code == 409 and "已由五华区 赵强签收" in text(response)
    assert support.ready_item(submitted_case).status == "ready"


@pytest.mark.parametrize("due_in, badge", [(dt.timedelta(days=-1), "已超期"),
                                           (dt.timedelta(days=2), "即将到期"),
                                           (dt.timedelta(days=10), None)])
def test_due_dates_are_marked_overdue_or_due_soon(client, login_as, submitted_case, due_in, badge):
    item = support.ready_item(submitted_case)
    item.due_at = NOW + due_in
    db.session.commit()
    login_as("km_county_wuhua")

    page = client.get("/worklist").get_data(as_text=True)

    assert ('data-testid="badge-overdue"' in page) == (badge == "已超期")
    assert ('data-testid="badge-due-soon"' in page) == (badge == "即将到期")


@pytest.mark.parametrize("query, shown", [
    ("stage=县级初审", True), ("stage=专家评审", False), ("county=wuhua", True),
    ("county=panlong", False), ("due=overdue", False), ("due=soon", False), ("due=none", False),
    ("process=kunming_recognition", True), ("process=kunming_rereview", False),
    ("sort=created", True), ("sort=case", True)])
def test_worklist_filters(client, login_as, submitted_case, query, shown):
    login_as("km_county_wuhua")

    response = client.get(f"/worklist?{query}")

    assert support.listed(response, ref_of(submitted_case)) is shown


def test_overdue_filter_finds_overdue_tasks(client, login_as, submitted_case):
    item = support.ready_item(submitted_case)
    item.due_at = NOW - dt.timedelta(hours=1)
    db.session.commit()
    login_as("km_county_wuhua")

    assert support.listed(client.get("/worklist?due=overdue"), ref_of(submitted_case))


def test_counts_per_stage_are_shown(client, login_as, submitted_case):
    login_as("km_county_wuhua")

    page = client.get("/worklist").get_data(as_text=True)

    assert 'data-stage="县级初审"' in page
    assert 'data-testid="stage-count">1<' in page


def _statements_for_worklist(client, app) -> int:
    seen = []

    def count(*_args):
        seen.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        client.get("/worklist")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_worklist_needs_the_same_queries_however_many_cases(client, login_as, app,
                                                            submitted_case):
    login_as("km_county_wuhua")
    with_one = _statements_for_worklist(client, app)
    for _ in range(4):
        client.post("/logout")
        login_as("km_applicant")
        client.post("/applicant/start", data={"process": "kunming_recognition"})
        case_id = db.session.scalars(sa.select(WorkItem.case_id).order_by(
            WorkItem.created_at.desc())).first()
        attachment = support.upload(client, case_id).get_json()["id"]
        item = support.ready_item(case_id)
        client.post(f"/tasks/{item.id}", data=support.to_form(
            support.application(attachment), lock_version=support.case(case_id).lock_version))
    login_as("km_county_wuhua")

    with_five = _statements_for_worklist(client, app)

    assert client.get("/worklist").get_data(as_text=True).count("data-case-ref=") == 5
    assert with_five == with_one


@pytest.mark.parametrize("filters, claimable", [
    ({}, 1), ({"process": "kunming_recognition"}, 1), ({"process": "kunming_rereview"}, 0),
    ({"county": "panlong"}, 0), ({"stage": "县级初审"}, 1)])
def test_the_totals_count_what_the_filters_list(submitted_case, filters, claimable):
    user = db.session.scalars(sa.select(User).where(User.username == "km_county_wuhua")).one()
    item = support.ready_item(submitted_case)
    item.due_at = NOW - dt.timedelta(hours=1)
    db.session.commit()

    totals = worklist.worklist(user, NOW, **filters).totals

    assert totals == {"mine": 0, "claimable": claimable, "overdue": claimable}


def test_a_listed_row_reads_as_the_work_item_it_lists(client, login_as, submitted_case):
    """The lists read plain rows, not ORM objects: each must show what the work item shows,
    claimant, case summary and deadline rule included."""
    login_as("km_county_wuhua")
    item = support.ready_item(submitted_case)
    assert client.post(f"/tasks/{item.id}/claim").status_code == 302
    user = db.session.scalars(sa.select(User).where(User.username == "km_county_wuhua")).one()
    db.session.expire_all()

    [row] = tasks.task_page(user).rows
    work_item = db.session.get(WorkItem, row.id)

    assert isinstance(row, listed_tasks.ListedTask)
    assert tasks.task_json(row) == tasks.task_json(work_item)
    assert tasks.task_json(row)["claimed_by"] == "km_county_wuhua"
    assert row.case.subject == work_item.case.subject == "base"
    assert task_deadlines.rule_of(row) == task_deadlines.rule_of(work_item) != ""
    assert row.case.process_version is work_item.case.process_version
