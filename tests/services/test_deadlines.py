"""Task deadlines end to end on the small test procedure (tests/data/processes/mini/deadlines.bpmn):
a summary due on a computed date, an objection register that waits for the end of the notice
and bounds its received dates by the notice period, and the overdue list of each scope."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.errors import NotAllowed, Rejected
from app.extensions import db
from app.models import WorkItem
from app.services import audit, cases, overdue, tasks
from app.web import api as api_module
from tests.conftest import at
from tests.processes.driver import Api

# A Monday: the summary is due on 2026-10-03; the ten-working-day notice runs to 2026-10-15
# (1-7 October are holidays, Saturday 10 October a working day).
START = at("2026-09-28T09:00")
SUMMARY = {"text": "本年度服务入驻企业 40 户。"}


def item(case_id: int, name: str) -> WorkItem:
    return db.session.scalars(sa.select(WorkItem).where(
        WorkItem.case_id == case_id, WorkItem.name == name, WorkItem.status == "ready")).one()


@pytest.fixture
def case_id(mini_app, user) -> int:
    return cases.start_case(user("tl_applicant"), "mini_deadlines", START).id


@pytest.fixture
def register(case_id, user) -> WorkItem:
    tasks.complete_task(user("tl_applicant"), item(case_id, "annual_summary").id, SUMMARY, START)
    return item(case_id, "register_objections")


def objections(*days: str) -> dict:
    return {"objections": [{"received_on": day, "content": "异议"} for day in days]}


def test_a_due_date_expression_sets_the_work_items_deadline(case_id):
    summary = item(case_id, "annual_summary")

    assert summary.due_at == at("2026-10-04T00:00")  # the end of 2026-10-03, Shanghai
    assert summary.not_before is None


def test_a_due_date_wins_over_working_days_and_not_before_is_stored(register):
    # notice_ends_on is the instant the notice ends, 2026-10-16 00:00; + 7 days, whole days
    assert register.due_at == at("2026-10-24T00:00")  # not 1 working day after START
    assert register.not_before == at("2026-10-16T00:00")


def test_the_register_cannot_be_completed_before_the_notice_has_ended(register, user):
    with pytest.raises(Rejected) as refused:
        tasks.complete_task(user("tl_city"), register.id, objections("2026-10-16"),
                            at("2026-10-15T23:59"))

    assert refused.value.status == 422
    assert refused.value.params["when"] == "2026-10-16 00:00"
    assert item(register.case_id, "register_objections").status == "ready"


def test_a_draft_of_the_register_can_be_saved_before_the_notice_has_ended(register, user):
    tasks.save_draft(user("tl_city"), register.id, objections("2026-10-09"), at("2026-10-09"))

    assert item(register.case_id, "register_objections").draft == objections("2026-10-09")


def test_an_objection_of_the_last_notice_day_is_recorded_once_the_notice_has_ended(register,
                                                                                     user):
    case = tasks.complete_task(user("tl_city"), register.id, objections("2026-09-28", "2026-10-15"),
                               at("2026-10-16T00:00"))

    assert case.ended and len(case.data["objection_register"]["objections"]) == 2
    assert audit.verify_case(case)["ok"]


@pytest.mark.parametrize("day, message", [("2026-09-27", "日期不能早于 2026-09-28。"),
                                          ("2026-10-16", "日期不能晚于 2026-10-15。")])
def test_an_objection_received_outside_the_notice_period_is_refused(register, user, day, message):
    with pytest.raises(Rejected) as refused:
        tasks.complete_task(user("tl_city"), register.id, objections(day), at("2026-10-19"))

    assert refused.value.by_field() == {"objections[0].received_on": [message]}


def test_the_api_schema_shows_the_bounds_from_the_case_data(register, user):
    detail = tasks.task_detail(user("tl_city"), register)

    column = detail["schema"]["properties"]["objections"]["items"]["properties"]["received_on"]
    assert (column["formatMinimum"], column["formatMaximum"]) == ("2026-09-28", "2026-10-15")
    assert detail["not_before"] == "2026-10-15T16:00:00+00:00"


# --- overdue -------------------------------------------------------------------------------

def test_an_overdue_applicant_task_is_listed_for_the_county_and_the_city(case_id, user):
    later = at("2026-10-12T09:00")  # after the holidays 8, 9, 10 (Saturday) and 12 Oct work

    for official in ("tl_county_east", "tl_city"):
        listed = overdue.overdue_items(user(official), later)
        assert [(i.name, i.lane, days) for i, days in listed] == [("annual_summary", "applicant",
                                                                    4)]


def test_another_countys_official_does_not_see_the_overdue_task(case_id, user):
    assert overdue.overdue_items(user("tl_county_west"), at("2026-10-12T09:00")) == []


def test_a_task_not_yet_due_is_not_overdue(case_id, user):
    assert overdue.overdue_items(user("tl_city"), at("2026-10-03T23:59")) == []


def test_applicants_have_no_overdue_list(case_id, user):
    with pytest.raises(NotAllowed):
        overdue.overdue_items(user("tl_applicant"), at("2026-10-12T09:00"))


@pytest.fixture
def mini_api(mini_app, monkeypatch) -> Api:
    client = Api(mini_app)
    monkeypatch.setattr(api_module, "_now", lambda: client.now)
    return client


def test_the_overdue_api_lists_tasks_with_their_working_days_late(mini_api, case_id):
    mini_api.now = at("2026-10-12T09:00")

    [task] = mini_api.get("tl_city", "/api/tasks/overdue")
    mine = mini_api.get("tl_applicant", "/api/tasks")

    assert (task["name"], task["overdue_working_days"]) == ("annual_summary", 4)
    assert mine[0]["due_at"] == "2026-10-03T16:00:00+00:00"
    assert mini_api.get("tl_applicant", "/api/tasks/overdue", expect=403)["error"]


def test_completing_before_not_before_through_the_api_names_the_date(mini_api, register):
    mini_api.now = at("2026-10-10T09:00")

    answer = mini_api.post("tl_city", f"/api/tasks/{register.id}/complete",
                           {"data": objections("2026-10-09")}, expect=422)

    assert "2026-10-16 00:00" in answer["error"]
    assert dt.datetime.fromisoformat(
        mini_api.get("tl_city", f"/api/tasks/{register.id}")["not_before"]) == register.not_before
