"""A case re-executed event by event for verification, on one live workflow.

The product stores the state after every step and loads it before the next; replaying
for verification keeps the workflow in memory instead (loading what was just stored
gives back the same tasks, in the same order, with the same data), finds a ready task by
element and assignee rather than by its id, and returns only the fingerprint of each
step, not a full Step: runtime.fingerprint(), or for an event recorded under rule 1
runtime.legacy_fingerprint(). The text behind a rule-1 fingerprint is one row per task,
with the task's whole data; the row of a finished task (completed or cancelled) cannot
change until its state does, so it is written once per case. A caller that needs the
state, the data or the tasks of a step uses the Step-returning functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import json.encoder
import marshal
import pickle
from collections.abc import Mapping

from SpiffWorkflow.util.task import TaskState

from app.engine import migration, runtime, task_ids
from app.engine.quick_walks import quicken
from app.engine.runtime import NO_OVERRIDES, Overrides
from app.engine.serializer import dump_state, load_state
from app.engine.timing import timed
from app.errors import N_, AppError

_FINISHED = TaskState.COMPLETED | TaskState.CANCELLED | TaskState.ERROR


def _compact_encoder():
    """Return a function writing a value as json.dumps(value, **runtime.COMPACT_JSON) does.
    A replay writes hundreds of rows per case, most of them short, and json.dumps builds an
    encoder for every call, which costs several times the writing of a short row: the C
    encoder json.dumps uses is built here once (without json.dumps's check for circular
    values: plain case data holds none, and a circular value ends in RecursionError, which
    makes the quick replay give way to the step-by-step one like any other error)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python without the C accelerator
        return lambda value: json.dumps(value, **runtime.COMPACT_JSON)
    options = runtime.COMPACT_JSON
    strings = (json.encoder.encode_basestring_ascii if options["ensure_ascii"]
               else json.encoder.encode_basestring)
    encode = make(None, options["default"], strings, None, ": ", ", ", options["sort_keys"],
                  False, True)
    return lambda value: "".join(encode(value, 0))


_compact_json = _compact_encoder()


def _packed(row: list) -> bytes | None:
    """Return a fingerprint row in marshal's bytes (pickle's for a row holding an object
    marshal cannot write; the two never start alike), None if neither can write it. Equal
    bytes are equal values of equal types (1, 1.0 and True differ) in the same order."""
    try:
        return marshal.dumps(row)
    except ValueError:
        pass
    try:
        return pickle.dumps(row, protocol=5)
    except Exception:  # noqa: BLE001 - the row is then always written again
        return None


class Replay:
    """The workflow of one case being replayed and the rows of its finished tasks."""

    def __init__(self, reuse_rows: bool = False) -> None:
        """`reuse_rows`: reuse the rule-2 fingerprint rows of finished tasks (_compact_row)."""
        self.workflow = None
        self._walks = None  # quick_walks' order of the workflow's tree
        self._ids = task_ids.numbering()  # the ids of the tasks the replay creates
        self.reuse_rows = reuse_rows
        self.spec: str | None = None
        # task id -> (state, last state change, data, internal data, row) of a finished task.
        # Its row is written again when any of them changed: Spiff merges a task's data
        # into objects that earlier tasks' data may share, so a finished task's data can
        # change under it. (A value equal to the kept one that writes differently, 1 for
        # 1.0 say, could only make the quick replay disagree, never agree.)
        self._rows: dict = {}
        self._texts: dict = {}
        # (row, sha256 of the text up to that row) of each row of the last fingerprint.
        self._hashed: list = []
        # Task -> (state, text, bytes) of a finished task's rule-2 row (_compact_row, exact).
        self._compact: dict = {}
        # (spec name, state) -> the rule-2 row of a task without data, in UTF-8.
        self._bare: dict = {}
        # The fingerprint the event being replayed recorded: the next step's fingerprint
        # follows its rule (runtime.fingerprint_like); None: today's rule.
        self.recorded: str | None = None

    @timed
    def start(self, spec: str, data: Mapping, now: dt.datetime,
              overrides: Overrides = NO_OVERRIDES) -> str:
        """Start the case on `spec` with `data`; return the step's fingerprint."""
        self._forget()
        self.spec = spec
        with task_ids.numbered(self._ids):
            self.workflow = runtime.new_workflow(spec, data)
        self._walks = quicken(self.workflow)
        return self._run(lambda wf: None, now, overrides)

    @timed
    def complete(self, task: str | None, assignee: str | None, data: Mapping,
                 now: dt.datetime, overrides: Overrides = NO_OVERRIDES) -> str:
        """Complete ready task `task` (of `assignee`) with form `data`; return the fingerprint."""
        return self._run(runtime.completing(self._ready(task, assignee), data), now, overrides)

    @timed
    def reassign(self, task: str | None, assignee: str | None, to: str, now: dt.datetime,
                 overrides: Overrides = NO_OVERRIDES) -> str:
        """Give `assignee`'s ready instance of `task` to `to`; return the fingerprint."""
        return self._run(runtime.reassigning(self._ready(task, assignee), to), now, overrides)

    @timed
    def fire_due_timers(self, now: dt.datetime, overrides: Overrides = NO_OVERRIDES) -> str:
        """Fire the timers due at `now`; return the fingerprint."""
        return self._run(lambda wf: wf.refresh_timers(), now, overrides)

    @timed
    def deliver_message(self, name: str, payload: Mapping, now: dt.datetime,
                        overrides: Overrides = NO_OVERRIDES) -> str | None:
        """Deliver message `name`; return the fingerprint, or None if the case does not
        wait for it (nothing changes then)."""
        if not runtime.waits_for_message(self.workflow, name):
            return None
        return self._run(runtime.delivering(name, payload), now, overrides)

    @timed
    def migrate(self, new_spec: str, now: dt.datetime,
                overrides: Overrides = NO_OVERRIDES) -> str:
        """Move the case onto `new_spec` as the product does; return the fingerprint."""
        step = migration.migrate(self.spec, dump_state(self.workflow), new_spec, now, overrides)
        self._walks.release()
        self._forget()
        self.spec = new_spec
        self.workflow = load_state(new_spec, step.state)
        self._walks = quicken(self.workflow)
        return step.fingerprint if self._today() else runtime.legacy_fingerprint(self.workflow)

    def close(self) -> None:
        """Let the replayed workflow go. Its tasks refer to the workflow, which holds them
        (by id, as its tree, as the last one run, as those waiting for an event): such
        cycles only a garbage collection frees, walking every object made since the last
        one. Holding none of its tasks any more, the workflow leaves them to reference
        counting, which frees them at once."""
        workflow, self.workflow = self.workflow, None
        if self._walks is not None:
            self._walks.release()
        self._forget()
        if workflow is not None:
            for held in (*workflow.subprocesses.values(), workflow):
                held.tasks.clear()
                held.task_tree = held.last_task = None
            workflow.event_manager.tasks.clear()

    def _forget(self) -> None:
        """Drop what was kept of the tasks of the workflow being replaced."""
        self._rows, self._texts, self._hashed, self._compact = {}, {}, [], {}

    def _today(self) -> bool:
        """Return whether the step's fingerprint follows today's rule (not rule 1)."""
        return self.recorded is None or self.recorded.startswith(runtime.FINGERPRINT_V2)

    def _ready(self, task: str | None, assignee: str | None):
        found = runtime.ready_named(self.workflow, task, assignee)
        if found is None:
            raise AppError(N_("task %(task)s is not ready during replay"), task=task)
        return found

    def _run(self, action, now: dt.datetime, overrides: Overrides) -> str:
        # The data a step leaves is not checked again: a step that left data the product
        # could not store was never recorded, so its replay cannot reach a recorded state.
        with task_ids.numbered(self._ids):
            return runtime._engine_call(action, finish=self._fingerprint, check_data=False)(
                self.workflow, now, overrides)

    def _fingerprint(self, workflow, _before) -> str:
        if self._today():
            return self._compact_fingerprint(self._compact_row)
        tasks = workflow.get_tasks()
        position = {str(t.id): number for number, t in enumerate(tasks)}
        digest = self._hash_rows([self._row(t, position) for t in tasks])
        digest.update(runtime.fingerprint_close(workflow))
        return digest.hexdigest()

    def _compact_fingerprint(self, row_text) -> str:
        """Return the rule-2 fingerprint of the replayed workflow (its tasks in the walks'
        kept order) with each task's row written by `row_text(task, position)`."""
        tasks = self._walks.walk(TaskState.ANY_MASK, None)
        position = runtime.Positions(tasks)
        digest = self._hash_rows([row_text(t, position) for t in tasks])
        digest.update(b"], " + _compact_json(self.workflow.data)
                      .encode("utf-8") + b"]")
        return runtime.compact_hex(digest)

    def _hash_rows(self, rows: list[bytes]):
        """Return the sha256 of the text's start: OPEN and the rows joined by SEPARATOR (both
        rules begin so). As long as the rows are those of the last step, the hash of that
        step's text up to there is taken up again, not computed anew."""
        same, previous = 0, self._hashed
        while same < min(len(rows), len(previous)) and rows[same] == previous[same][0]:
            same += 1
        digest = (previous[same - 1][1] if same else hashlib.sha256(
            runtime.FINGERPRINT_OPEN)).copy()
        hashed = previous[:same]
        for row in rows[same:]:
            if hashed:
                digest.update(runtime.FINGERPRINT_SEPARATOR)
            digest.update(row)
            hashed.append((row, digest.copy()))
        self._hashed = hashed
        return digest

    def _compact_row(self, task, position: Mapping[str, int]) -> bytes:
        """Return the task's compact_row() as rule 2 writes it, in UTF-8. The row of a
        finished task is, when the replay reuses rows, written once and reused while its
        state stays: writing it again (or comparing its data with its parent's, which it
        needs) costs more than the engine's step once a long case holds many finished tasks
        with kilobytes of changed data. Spiff may change a finished task's data in place
        (objects it shares with later tasks: a corrected form merged into data that tasks
        of the first round share), which a reused row does not show: such a replay misses
        a recorded state and is run again without reusing rows (audit.quick_replay_confirms),
        and exact() checks the last state in full."""
        kept = self._compact.get(task)
        if kept is not None and kept[0] == task._state:
            return kept[1]
        if not task.data and not task.internal_data and task._parent is not None:
            # A task without data (one predicted, mostly): its row is its name and state.
            key = (task.task_spec.name, task._state)
            text = self._bare.get(key)
            if text is None:
                text = self._bare[key] = _compact_json(
                    runtime.compact_row(task, position)).encode("utf-8")
            return text
        row = runtime.compact_row(task, position)
        text = _compact_json(row).encode("utf-8")
        # A row naming other tasks by their place (which tasks added before them move) is
        # not kept.
        if self.reuse_rows and task._state & _FINISHED and row[3] == task.internal_data:
            self._compact[task] = (task._state, text, _packed(row))
        return text

    def exact(self) -> str:
        """Return the fingerprint of the workflow as it is now, every row built again, by
        the rule of the fingerprint last recorded (runtime.fingerprint_like gives the same).

        A row built again is written as JSON only when it differs from the one kept: rows
        packed into the same bytes (_packed) are the same values of the same types in the
        same order, so their JSON texts are the same too, and packing is several times
        faster than writing sorted JSON. A difference in sharing or order alone only writes
        the row again."""
        if not self._today() or not self._compact:
            return runtime.fingerprint_like(self.workflow, self.recorded)

        def checked_row(task, position) -> bytes:
            row = runtime.compact_row(task, position)
            kept = self._compact.get(task)
            if kept is not None and kept[2] is not None and kept[2] == _packed(row):
                return kept[1]
            return _compact_json(row).encode("utf-8")

        return self._compact_fingerprint(checked_row)

    def _row(self, task, position: Mapping[str, int]) -> bytes:
        """Return the task's row_text() in UTF-8."""
        if not task.state & _FINISHED:
            return runtime.row_text(task, position).encode("utf-8")
        known = self._rows.get(task.id)
        if known is not None and known[:2] == (task.state, task.last_state_change) and \
                task.data == known[2] and task.internal_data == known[3]:
            return known[4]
        data = runtime.data_json(task)
        internal = runtime.internal_json(task, position)
        row = runtime.row_text(task, position, internal, data).encode("utf-8")
        # A row that names other tasks by their place in the tree is not kept: tasks added
        # before them move those places.
        if internal == runtime.internal_json(task, {}):
            self._rows[task.id] = (task.state, task.last_state_change, self._parsed(data),
                                   json.loads(internal), row)
        return row

    def _parsed(self, text: str):
        """Return the value of JSON `text`, read once per text: finished tasks share data."""
        if text not in self._texts:
            self._texts[text] = json.loads(text)
        return self._texts[text]
