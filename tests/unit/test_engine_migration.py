"""Moving a running case onto a newer version of its procedure, in the engine alone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app import engine
from app.errors import Conflict

MINI = Path(__file__).parent.parent / "data" / "processes" / "mini"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)
ORIGINAL = (MINI / "mini.bpmn").read_text(encoding="utf-8")


def spec_of(text: str) -> str:
    files = {"mini.bpmn": text.encode("utf-8"),
             "mini_precheck.dmn": (MINI / "mini_precheck.dmn").read_bytes()}
    return engine.load_definitions(files)["mini_recognition"].spec


def renamed(text: str, old: str, new: str) -> str:
    return text.replace(f'"{old}"', f'"{new}"').replace(f">{old}<", f">{new}<")


OLD = spec_of(ORIGINAL)
# The next version: the notice lasts 15 working days and a completed script task was renamed.
NEW = spec_of(renamed(ORIGINAL, "mark_in_review", "mark_review").replace(
    'notice["notice_start"], 10)', 'notice["notice_start"], 15)'))


def at_county_review() -> engine.Step:
    step = engine.start(OLD, {}, NOW)
    return engine.complete(OLD, step.state, step.ready[0].id,
                           {"base_name": "示例基地", "small_micro_count": 50}, NOW)


def in_notice(spec: str, step: engine.Step) -> engine.Step:
    step = engine.complete(spec, step.state, step.ready[0].id, {"decision": "approve"}, NOW)
    return engine.complete(spec, step.state, step.ready[0].id, {"notice_start": "2026-03-02"},
                           NOW)


def test_a_case_waiting_at_a_task_both_versions_have_can_move():
    step = at_county_review()

    [open_element] = engine.migration_check(OLD, step.state, NEW)

    assert (open_element.element, open_element.kind, open_element.problem) == (
        "county_review", "user_task", "")
    assert (open_element.old_form, open_element.new_form) == ("mini_review", "mini_review")


def test_a_migrated_task_keeps_its_id_and_the_case_runs_on_the_new_version():
    step = at_county_review()

    moved = engine.migrate(OLD, step.state, NEW, NOW)
    noticed = in_notice(NEW, moved)

    assert [t.id for t in moved.ready] == [t.id for t in step.ready]
    assert noticed.waiting[0].element == "notice_ends"
    # 15 working days from Monday 2 March 2026 end on Friday 20 March (24:00 Beijing time).
    assert noticed.waiting[0].due == dt.datetime(2026, 3, 20, 16, tzinfo=dt.timezone.utc)


def test_completed_history_of_an_element_the_new_version_removed_stays_as_it_was():
    step = at_county_review()

    moved = engine.migrate(OLD, step.state, NEW, NOW)
    reloaded = engine.describe(NEW, moved.state)

    assert "mark_in_review" in reloaded.completed_elements
    assert "mark_review" not in reloaded.completed_elements
    assert reloaded.fingerprint == moved.fingerprint
    assert in_notice(NEW, moved).data["case_status"] == "public_notice"


def test_a_waiting_timer_whose_element_did_not_change_keeps_its_due_time():
    step = in_notice(OLD, at_county_review())
    same_timer = spec_of(renamed(ORIGINAL, "mark_in_review", "mark_review"))

    [timer] = engine.migration_check(OLD, step.state, same_timer)
    moved = engine.migrate(OLD, step.state, same_timer, NOW + dt.timedelta(days=3))

    assert (timer.kind, timer.changed) == ("timer", False)
    assert moved.waiting == step.waiting


def test_a_waiting_timer_whose_expression_changed_is_computed_again():
    step = in_notice(OLD, at_county_review())

    [timer] = engine.migration_check(OLD, step.state, NEW)
    moved = engine.migrate(OLD, step.state, NEW, NOW)

    assert timer.changed is True
    assert moved.waiting[0].due == dt.datetime(2026, 3, 20, 16, tzinfo=dt.timezone.utc)


def test_a_case_waiting_at_a_task_the_new_version_removed_cannot_move():
    step = at_county_review()
    without = spec_of(renamed(ORIGINAL, "county_review", "county_check"))

    [open_element] = engine.migration_check(OLD, step.state, without)
    with pytest.raises(Conflict) as refused:
        engine.migrate(OLD, step.state, without, NOW)

    assert (open_element.element, open_element.name, open_element.problem) == (
        "county_review", "县级初审", "missing")
    assert "county_review" in refused.value.text()


def test_migrating_the_same_state_twice_gives_the_same_fingerprint():
    step = at_county_review()

    first = engine.migrate(OLD, step.state, NEW, NOW)
    second = engine.migrate(OLD, step.state, NEW, NOW)

    assert first.fingerprint == second.fingerprint
