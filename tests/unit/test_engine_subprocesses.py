"""Embedded subprocesses, one inside another, as a designer may draw them in the editor.

The engine runs them to their end: leaving the inner one completes about ten elements with
no script among them, which the budget once took for a script that had grown by 100 MB
(it measured memory growth from the first script only).
"""

from __future__ import annotations

from pathlib import Path

from app import engine
from app.engine.budget import MAX_STEPS, Budget
from tests.unit.test_engine import NOW

BPMN = Path(__file__).parent.parent / "data" / "engine" / "nested_subprocesses.bpmn"
# The user tasks in the order they are completed, and the tasks ready after each.
ORDER = ("check", "review", "inner_task", "done")
READY_AFTER = [["inner_task", "review"], ["inner_task"], ["done"], []]


def _spec() -> str:
    # The lint asks for lanes naming roles; the engine runs without them.
    definitions, _ = engine.check_definitions({"nested.bpmn": BPMN.read_bytes()})
    return definitions["nested"].spec


def test_nested_subprocesses_run_to_their_end():
    spec = _spec()
    step = engine.start(spec, {}, NOW)
    assert sorted(t.name for t in step.ready) == ["check", "review"]
    ready_after = []
    for name in ORDER:
        [task] = [t for t in step.ready if t.name == name]
        step = engine.complete(spec, step.state, task.id, {}, NOW)
        ready_after.append(sorted(t.name for t in step.ready))

    assert ready_after == READY_AFTER
    assert step.ended


def test_elements_completed_before_any_script_are_not_taken_for_memory_growth():
    budget = Budget()
    for _ in range(100):  # the memory is read every eight steps
        budget.tick()
    assert budget.exceeded == "" and budget.steps_left == MAX_STEPS - 100
