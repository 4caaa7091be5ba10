"""A task's deadline in working days and the rule that sets it (app/services/task_deadlines.py).

The dates use China's 2026 calendar: 1-7 October are holidays, Saturday 10 October is an
adjusted working day.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from lxml import etree

from app.config import ROOT
from app.extensions import db
from app.services import cases, task_deadlines, worklist
from tests.conftest import at
from tests.web import support

NONE: dict = {}  # no official overrides


def end_of(day: str) -> dt.datetime:
    return at(f"{day}T00:00") + dt.timedelta(days=1)  # 24:00 of that day, Shanghai


def test_working_days_left_count_today_and_the_last_day_and_skip_the_holidays():
    due = task_deadlines.deadline(end_of("2026-10-09"), at("2026-09-30T09:00"), "rule", NONE)

    # 30 September, then 8 and 9 October: the National Day week does not count
    assert (due.days, due.state, due.late, due.rule) == (3, "soon", 0, "rule")


def test_a_deadline_further_off_than_three_working_days_is_open():
    due = task_deadlines.deadline(end_of("2026-10-12"), at("2026-09-30T09:00"), "", NONE)

    assert (due.days, due.state) == (5, "open")  # 30 Sep, 8, 9, 10 (Saturday, worked), 12 Oct


def test_a_passed_deadline_counts_the_working_days_late():
    due = task_deadlines.deadline(end_of("2026-09-30"), at("2026-10-09T10:00"), "", NONE)

    assert (due.state, due.late) == ("overdue", 2)  # 8 and 9 October


def test_a_deadline_passed_over_a_holiday_is_overdue_by_less_than_a_working_day():
    due = task_deadlines.deadline(end_of("2026-09-30"), at("2026-10-02T10:00"), "", NONE)

    assert (due.state, due.late) == ("overdue", 0)


def test_an_official_override_of_the_calendar_changes_the_count():
    free_friday = {dt.date(2026, 10, 9): False}

    due = task_deadlines.deadline(end_of("2026-10-09"), at("2026-09-30T09:00"), "",
                                  free_friday)

    assert due.days == 2


def test_a_task_without_a_deadline_has_none():
    due = task_deadlines.deadline(None, at("2026-09-30T09:00"))

    assert (due.state, due.days, due.late) == ("none", None, 0)


def test_soon_ends_with_the_third_working_day_counted_from_today(app):
    assert task_deadlines.soon_until(at("2026-09-30T09:00")) == end_of("2026-10-09")


def test_a_work_item_reads_its_rule_from_its_process(app, user):
    case_id = cases.start_case(user("km_applicant"), "kunming_recognition",
                               at("2026-09-30T09:00")).id
    application = support.ready_item(case_id, "submit_application")
    attachment = support.stored_file(case_id, "km_applicant", at("2026-09-30T09:00"))
    support.complete(case_id, "submit_application", "km_applicant",
                     support.application(attachment), at("2026-09-30T09:00"))
    review = support.ready_item(case_id, "county_review")

    shown = task_deadlines.of_item(review, at("2026-10-09T10:00"))

    assert task_deadlines.of_item(application, at("2026-09-30T09:00")).state == "none"
    assert shown.rule == "产品默认：收到后 15 个工作日内办理"
    # due at the end of 27 October, the 15th working day after 30 September; on 9 October
    # that leaves 9, 10 (Saturday, worked), 12-16, 19-23, 26 and 27 October
    assert (review.due_at, shown.days) == (end_of("2026-10-27"), 14)


def test_the_kunming_city_steps_have_product_default_deadlines(app, user):
    case_id = cases.start_case(user("km_applicant"), "kunming_recognition",
                               at("2026-09-30T09:00")).id
    now = at("2026-09-30T09:00")
    support.complete(case_id, "submit_application", "km_applicant",
                     support.application(support.stored_file(case_id, "km_applicant", now)), now)
    support.to_expert_review(case_id, now)
    for index, expert in enumerate(["km_expert1", "km_expert2", "km_expert3"]):
        support.complete(case_id, "expert_review", expert, {
            "score": 80 + index, "opinion": "示范作用明显。", "recommend": True}, now,
            assignee=expert)
    decision = support.ready_item(case_id, "expert_decision")

    shown = task_deadlines.of_item(decision, now)

    assert decision.due_at == end_of("2026-10-13")  # 8, 9, 10 (Saturday), 12, 13 October
    assert shown.rule == "产品默认：收到后 5 个工作日内办理"


BPMN = sorted((ROOT / "processes").glob("*/*.bpmn"))
CITES = re.compile(r"^(产品默认：|\S+〔\d{4}〕\d+号 第)")


@pytest.mark.parametrize("path", BPMN, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_deadline_of_a_procedure_names_its_rule(path: Path):
    root = etree.parse(str(path)).getroot()
    missing, uncited = [], []
    for task in root.iter("{*}userTask"):
        props = {p.get("name"): p.get("value") for p in task.iter("{*}property")}
        if not {"dueDate", "dueWorkingDays"} & set(props):
            continue
        rule = props.get("dueRule", "")
        (uncited if rule else missing).append(task.get("id")) if not CITES.match(rule) else None

    assert (missing, uncited) == ([], [])


def test_the_soon_filter_of_the_worklist_counts_working_days(app, user):
    now = at("2026-09-30T09:00")
    case_id = support.submitted(now)
    item = support.ready_item(case_id, "county_review")
    county = user("km_county_wuhua")
    found = {}
    for last_day in ("2026-10-09", "2026-10-10"):  # the 3rd and the 4th working day
        item.due_at = end_of(last_day)
        db.session.commit()
        found[last_day] = [i.id for i in worklist.worklist(county, now, due="soon").claimable]

    assert found == {"2026-10-09": [item.id], "2026-10-10": []}
