"""Tasks a replay creates are numbered from a random start (app/engine/task_ids.py); every
other task, in the same process and at the same time, keeps a random uuid4(). A restored
state reads each task id once (engine/serializer.py)."""

from __future__ import annotations

import threading
import uuid

from app import engine
from app.engine import task_ids
from app.engine.replay import Replay
from tests.unit.test_engine import NOW
from tests.unit.test_engine_subprocesses import ORDER, _spec


def test_a_replay_numbers_its_tasks_and_reaches_the_engine_fingerprints():
    spec = _spec()
    replay, step = Replay(), engine.start(spec, {}, NOW)
    reached = [replay.start(spec, {}, NOW)]
    engine_ids = [uuid.UUID(task.id) for task in step.ready]
    expected = [step.fingerprint]
    for name in ORDER:
        [task] = [t for t in step.ready if t.name == name]
        step = engine.complete(spec, step.state, task.id, {}, NOW)
        expected.append(step.fingerprint)
        reached.append(replay.complete(name, None, {}, NOW))
        engine_ids += [uuid.UUID(task.id) for task in step.ready]

    assert reached == expected  # fingerprints name tasks by place, never by id
    ids = sorted(task.id.int for task in replay.workflow.tasks.values())
    assert len(ids) > 10 and ids[-1] - ids[0] < 1000  # one numbering, in order
    # The engine's own workflows, run between the replay's steps, keep random ids.
    assert len(engine_ids) > 4 and all(task_id.version == 4 and abs(task_id.int - ids[0]) > 2 ** 64
                                       for task_id in engine_ids)
    replay.close()


def test_two_replays_number_apart_and_other_threads_keep_random_ids():
    first, second = task_ids.numbering(), task_ids.numbering()
    assert abs(next(first) - next(second)) > 2 ** 64  # random starts
    seen = {}

    def elsewhere():
        seen["other thread"] = task_ids._task_id()

    with task_ids.numbered(first):
        numbered = [task_ids._task_id() for _ in range(3)]
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
    assert [task_id.int - numbered[0].int for task_id in numbered] == [0, 1, 2]
    assert seen["other thread"].version == 4 and \
        abs(seen["other thread"].int - numbered[0].int) > 2 ** 64
    assert task_ids._task_id().version == 4  # numbering ends with the block


def test_a_restored_state_reads_each_id_once_and_spiff_reads_ids_as_before_elsewhere():
    import SpiffWorkflow.bpmn.serializer.default.workflow as converters

    from app.engine import runtime, serializer

    spec = _spec()
    step = engine.start(spec, {}, NOW)
    workflow = serializer.load_state(spec, step.state)
    tasks = runtime._tree(workflow)
    assert len(tasks) > 5
    for task in tasks:
        assert next(key for key in task.workflow.tasks if key == task.id) is task.id
        assert all(any(child_id is child.id for child in tasks) for child_id in task._children)
        assert task._parent is None or any(task._parent is other.id for other in tasks)
    text = str(tasks[1].id)
    assert converters.UUID(text) == tasks[1].id and converters.UUID(text) is not \
        converters.UUID(text)  # outside a restore: a new UUID each time, as Spiff's own
