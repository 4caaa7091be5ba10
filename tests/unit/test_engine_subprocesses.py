"""Embedded subprocesses, one inside another, as a designer may draw them in the editor.

The engine runs them to their end: leaving the inner one completes about ten elements with
no script among them, which the budget once took for a script that had grown by 100 MB
(it measured memory growth from the first script only). The quick replay walks their task
trees as Spiff's iterators do (app/engine/quick_walks.py) and reaches the engine's
fingerprint after every step.
"""

from __future__ import annotations

from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from app import engine
from app.engine import quick_walks, runtime
from app.engine.budget import MAX_STEPS, Budget
from app.engine.replay import Replay
from tests.unit.test_engine import NOW

BPMN = Path(__file__).parent.parent / "data" / "engine" / "nested_subprocesses.bpmn"
# The user tasks in the order they are completed, and the tasks ready after each.
ORDER = ("check", "review", "inner_task", "done")
READY_AFTER = [["inner_task", "review"], ["inner_task"], ["done"], []]
FILTERS = (TaskState.READY, TaskState.WAITING, TaskState.STARTED, TaskState.COMPLETED,
           TaskState.FUTURE, TaskState.MAYBE | TaskState.LIKELY, TaskState.ANY_MASK)


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


def _assert_walks_as_spiff(replay: Replay) -> None:
    workflow = replay.workflow
    for state in FILTERS:
        assert workflow.get_tasks(state=state) == BpmnWorkflow.get_tasks(workflow, state=state)
        # Waiting tasks are updated on the top workflow's tree alone.
        assert replay._walks.walk(state, None, into_subprocesses=False) == runtime.walk_tasks(
            workflow.task_tree, state, None, {})
    for manual in (True, False):
        assert workflow.get_tasks(state=TaskState.READY, manual=manual) == \
            BpmnWorkflow.get_tasks(workflow, state=TaskState.READY, manual=manual)


def test_the_quick_replay_walks_subprocess_trees_as_spiff_does():
    spec = _spec()
    step = engine.start(spec, {}, NOW)
    replay = Replay()
    assert replay.start(spec, {}, NOW) == step.fingerprint
    _assert_walks_as_spiff(replay)
    held = []
    for name in ORDER:
        [task] = [t for t in step.ready if t.name == name]
        step = engine.complete(spec, step.state, task.id, {}, NOW)

        assert replay.complete(name, None, {}, NOW) == step.fingerprint
        _assert_walks_as_spiff(replay)
        held.append(len(replay.workflow.subprocesses))
    assert held == [2, 2, 2, 2]
    # The inner subprocess, made during the replay, counts the changes of its tasks too.
    assert all(isinstance(subprocess.tasks, quick_walks._Counted)
               for subprocess in replay.workflow.subprocesses.values())


def test_the_tree_order_is_kept_until_a_task_is_added_or_removed():
    replay = Replay()
    replay.start(_spec(), {}, NOW)
    walks = replay._walks
    walks.walk(TaskState.READY, None)
    order, version = walks._order, walks.version
    [task] = [t for t in replay.workflow.get_tasks(state=TaskState.READY)
              if t.task_spec.name == "review"]
    task._set_state(TaskState.COMPLETED)  # a state change alone keeps the order

    workflow = replay.workflow
    completed = walks.walk(TaskState.COMPLETED, None)
    assert task in completed and walks._order is order
    assert completed == runtime.walk_tasks(workflow.task_tree, TaskState.COMPLETED, None,
                                           workflow.subprocesses)
    replay.complete("check", None, {}, NOW)
    assert walks.version > version and walks.walk(TaskState.ANY_MASK, None) == \
        runtime.walk_tasks(replay.workflow.task_tree, TaskState.ANY_MASK, None,
                           replay.workflow.subprocesses)
    assert walks._order is not order
