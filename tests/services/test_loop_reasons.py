"""A loop-back records why: the reopened task, the case page and the history read the reason."""

from __future__ import annotations

import sqlalchemy as sa

from app.engine.loops import render
from app.extensions import db
from app.models import Case, WorkItem
from app.services import audit, case_view, cases, loop_reasons, tasks, visibility
from tests.conftest import at

REASON = "退回补正：缺少营业执照（入驻小微企业42家）"  # tests/data mini.bpmn, flow f_return


def _ready(case: Case) -> WorkItem:
    [item] = db.session.scalars(sa.select(WorkItem).where(
        WorkItem.case_id == case.id, WorkItem.status == "ready"))
    return item


def returned(user) -> Case:
    """A mini case the county returned for correction (the flow f_return loops back)."""
    applicant, county = user("tl_applicant"), user("tl_county_east")
    case = cases.start_case(applicant, "mini_recognition", at("2026-03-01T09:00"))
    tasks.complete_task(applicant, _ready(case).id, {"base_name": "基地", "county": "east",
                                                     "small_micro_count": 42},
                        at("2026-03-02T09:00"))
    tasks.complete_task(county, _ready(case).id,
                        {"decision": "return", "decision_reason": "缺少营业执照"},
                        at("2026-03-03T09:00"))
    return case


def test_a_loop_back_records_its_computed_reason_in_the_event(mini_app, user):
    case = returned(user)

    last = audit.case_events(case)[-1]
    [loop] = last.data[loop_reasons.LOOP_BACKS]
    assert (loop["flow"], loop["gateway"], loop["task"]) == ("f_return", "review_outcome",
                                                             "correct_application")
    assert loop["reason"] == REASON
    assert loop["task_id"] == _ready(case).id


def test_the_reopened_task_shows_its_reason_to_who_works_it(mini_app, user):
    case = returned(user)
    item = _ready(case)

    for reader in ("tl_applicant", "tl_county_east", "tl_city"):
        found = loop_reasons.of_item(visibility.view_of(user(reader), case), item)
        assert (found.name, found.reason) == ("退回补正", REASON)
        assert found.actor == "tl_county_east"


def test_the_case_page_lists_the_reasons_and_the_history_line_quotes_them(mini_app, user):
    case = returned(user)

    page = case_view.case_page(user("tl_city"), case)
    [reason] = page.loop_reasons
    assert (reason.task_title, reason.name) == ("补正材料", "退回补正")
    assert REASON in page.timeline[-1].outcome


def test_a_flow_that_does_not_loop_back_records_nothing(mini_app, user):
    applicant, county = user("tl_applicant"), user("tl_county_east")
    case = cases.start_case(applicant, "mini_recognition", at("2026-03-01T09:00"))
    tasks.complete_task(applicant, _ready(case).id, {"base_name": "基地", "county": "east",
                                                     "small_micro_count": 42},
                        at("2026-03-02T09:00"))
    tasks.complete_task(county, _ready(case).id, {"decision": "approve"}, at("2026-03-03T09:00"))

    assert all(loop_reasons.LOOP_BACKS not in e.data for e in audit.case_events(case))
    assert loop_reasons.of_case(visibility.view_of(user("tl_city"), case)) == []


def test_a_reason_part_that_fails_shows_a_question_mark_and_the_case_moves_on():
    class Failing:
        def evaluate(self, source, data):
            raise KeyError(source)

    assert render("应抽查{{ missing }}家", {}, Failing()).startswith("应抽查?(")
