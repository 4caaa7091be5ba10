"""User-task deadlines (dueDate, notBefore) and replacing the assignee of a review instance."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pytest

from app import engine
from app.engine import deadlines
from app.errors import Conflict, TaskError

PROBE = Path(__file__).parent.parent / "data" / "engine" / "probe_deadlines.bpmn"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 9, 28, 9, tzinfo=SHANGHAI)  # a Monday


def files(due: str = "summary_due_on", not_before: str = "register_from") -> dict[str, bytes]:
    text = PROBE.read_bytes().replace(b"@DUE@", html.escape(due).encode())
    return {"probe.bpmn": text.replace(b"@NOT_BEFORE@", html.escape(not_before).encode())}


def spec_of(due: str = "summary_due_on", not_before: str = "register_from") -> str:
    definitions, _ = engine.check_definitions(files(due, not_before))
    return definitions["probe"].spec


def started(due: str = "summary_due_on", not_before: str = "register_from",
            data: dict | None = None):
    spec = spec_of(due, not_before)
    return spec, engine.start(spec, data or {"expert_list": ["e1", "e2"]}, NOW)


def test_a_due_date_is_the_end_of_that_day_in_shanghai():
    _, step = started()

    [task] = step.ready
    assert task.due_at == dt.datetime(2027, 2, 1, 0, 0, tzinfo=SHANGHAI)


def test_not_before_a_date_means_once_that_day_has_ended():
    _, step = started()

    # register_from = the third working day counting today (Mon 28 Sep -> Wed 30 Sep)
    assert step.ready[0].not_before == dt.datetime(2026, 10, 1, 0, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize("expression, expected", [
    ('"2026-10-09T15:30"', dt.datetime(2026, 10, 9, 15, 30, tzinfo=SHANGHAI)),
    ('"2026-10-09T07:30:00+00:00"', dt.datetime(2026, 10, 9, 15, 30, tzinfo=SHANGHAI)),
    ('end_of_day("2026-10-09")', dt.datetime(2026, 10, 10, 0, 0, tzinfo=SHANGHAI)),
    ('summary_due_on[:4] + "-02-28"', dt.datetime(2027, 3, 1, 0, 0, tzinfo=SHANGHAI)),
])
def test_a_due_date_expression_may_give_a_date_time_or_compute_a_date(expression, expected):
    _, step = started(due=expression)

    assert step.ready[0].due_at == expected


def test_a_task_without_the_properties_has_no_deadlines():
    spec, step = started()
    step = engine.complete(spec, step.state, step.ready[0].id, {}, NOW)

    assert {(t.assignee, t.due_at, t.not_before) for t in step.ready} == {
        ("e1", None, None), ("e2", None, None)}


@pytest.mark.parametrize("expression", ["summary_due_on +", "__import__('os')", "   "])
def test_an_invalid_deadline_expression_is_a_lint_problem(expression):
    _, problems = engine.check_definitions(files(due=expression))

    assert [(p.element, p.params.get("property")) for p in problems] == [("fill", "dueDate")]


def test_valid_deadline_expressions_pass_the_lint():
    _, problems = engine.check_definitions(files())

    assert problems == []


@pytest.mark.parametrize("expression", ["no_such_name", '"31 January"', "42", '"2026-02-30"'])
def test_a_deadline_that_fails_at_run_time_is_a_task_error_naming_the_task(expression):
    spec = spec_of(not_before=expression)

    with pytest.raises(TaskError) as raised:
        engine.start(spec, {"expert_list": ["e1"]}, NOW)

    assert raised.value.params["element"] == "fill"
    assert "notBefore" in raised.value.params["error"]


def test_deadlines_are_not_recomputed_when_a_stored_state_is_only_described():
    spec, step = started()

    assert engine.describe(spec, step.state).ready[0].due_at is None


@pytest.mark.parametrize("value, expected", [
    ("2027-01-31", dt.datetime(2027, 2, 1, tzinfo=SHANGHAI)),
    (dt.date(2027, 1, 31), dt.datetime(2027, 2, 1, tzinfo=SHANGHAI)),
    ("2027-01-31T12:00", dt.datetime(2027, 1, 31, 12, tzinfo=SHANGHAI)),
])
def test_an_instant_is_read_from_a_date_or_date_time(value, expected):
    assert deadlines.instant(value) == expected


# --- replacing the person of one review instance ------------------------------------------

def reviews():
    spec, step = started()
    return spec, engine.complete(spec, step.state, step.ready[0].id, {}, NOW)


def test_a_review_instance_can_be_given_to_another_person():
    spec, step = reviews()
    first = next(t for t in step.ready if t.assignee == "e1")

    changed = engine.reassign(spec, step.state, first.id, "e3", NOW)

    assert sorted(t.assignee for t in changed.ready) == ["e2", "e3"]
    assert next(t.id for t in changed.ready if t.assignee == "e3") == first.id
    assert changed.fingerprint != step.fingerprint


def test_the_new_person_completes_the_instance_and_the_case_moves_on():
    spec, step = reviews()
    first = next(t for t in step.ready if t.assignee == "e1")
    step = engine.reassign(spec, step.state, first.id, "e3", NOW)

    for task in step.ready:
        step = engine.complete(spec, step.state, task.id, {"score": task.assignee}, NOW)

    assert step.ended
    assert sorted(o["score"] for o in step.data["opinions"]) == ["e2", "e3"]


def test_a_task_that_is_not_a_review_instance_cannot_be_reassigned():
    spec, step = started()

    with pytest.raises(Conflict):
        engine.reassign(spec, step.state, step.ready[0].id, "e3", NOW)
