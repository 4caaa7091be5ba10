"""Running cases: start, complete a task, fire timers, deliver a message.

Each call loads the stored state onto the shared spec, runs under the clock
`now` with the restricted script engine, and returns a Step: plain data the
services persist. The engine guards what Spiff does not (research §3.1): only
a READY user task can be completed, and form data is deep-copied in so that
later steps cannot rewrite what an official submitted (research §8.1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Mapping
from types import MappingProxyType
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from app.engine import clock, deadlines, loops, sandbox
from app.engine.budget import Budget, ScriptRefused
from app.engine.casedata import data_is_plain, data_problem, plain_copy, same_data_key
from app.engine.serializer import dump_state, load_state, restore_specs
from app.engine.steps import EngineEvent, ReadyTask, Step, Waiting
from app.engine.timing import timed
from app.errors import N_, Conflict, TaskError

Overrides = Mapping[dt.date, bool]
NO_OVERRIDES: Overrides = MappingProxyType({})
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _state_names_once() -> None:
    """Spiff's TaskState.get_name builds a dict at every call, and every state change calls
    it twice for its log record, even with that level off (a tenth of an engine step): it
    answers from a table made once here, of Spiff's own answers for every value a state or
    a mask of the nine states can take. Anything else still goes to Spiff's."""
    spiff = TaskState.get_name
    names = {value: spiff(value) for value in range(1, 1 << len(TaskState._values))}

    def get_name(_cls, state):
        name = names.get(state) if isinstance(state, int) else None
        return name if name is not None else spiff(state)

    TaskState.get_name = classmethod(get_name)


_state_names_once()


def _log_extras_when_logged() -> None:
    """Every state change also gathers a dict of details for its log record (looking up the
    task's parent by id among them), built before the logger can say that the record is
    not wanted. Gathered as before whenever one of the logs that Spiff writes them to takes
    DEBUG or INFO records (someone debugging the engine); otherwise those records are
    dropped unread, and nothing is gathered for them."""
    gather = Task.collect_log_extras
    task_log, workflow_log, data_log = (logging.getLogger(name) for name in (
        "spiff.task", "spiff.workflow", "spiff.data"))

    def collect_log_extras(self, dct=None):
        if task_log.isEnabledFor(logging.DEBUG) or workflow_log.isEnabledFor(logging.DEBUG) \
                or data_log.isEnabledFor(logging.DEBUG):
            return gather(self, dct)
        return {}

    Task.collect_log_extras = collect_log_extras


_log_extras_when_logged()


MAX_ELEMENTS = 500  # per engine call; the largest step of the shipped procedures completes 7
PROCEDURE_PROBLEM = N_("The procedure has a problem at %(element)s that its designer must fix; "
                       "nothing in the case was changed. Details: %(error)s")


def _engine_call(function, finish=None, check_data: bool = True):
    """Run `function(workflow)` under the clock and one Budget, turning every failure into
    TaskError: a designer's mistake must never become a server error, live or on replay.
    The call returns `finish(workflow, before)`: the full Step unless told otherwise.
    Without `check_data` the data the step left is not checked (nor `before` known): for
    a replay compared with recorded states, which were checked when they were made."""

    def wrapper(workflow: BpmnWorkflow, now: dt.datetime, overrides: Overrides, *args):
        budget = Budget()
        workflow.script_engine = sandbox.script_engine(now, overrides, budget, check_data)
        before = {task.id: task.state for task in workflow.get_tasks()} if check_data else {}
        with clock.frozen_at(now):
            try:
                function(workflow, *args)
                _settle(workflow, budget)
                if check_data:
                    _check_data(workflow, before)
                return (finish or _step)(workflow, before)
            except TaskError:
                raise
            except (SpiffWorkflowException, ScriptRefused) as error:
                raise _task_error(error) from None
            except Exception as error:  # noqa: BLE001 - the edge: nothing else may escape
                logging.getLogger(__name__).warning("engine step failed", exc_info=True)
                raise TaskError(PROCEDURE_PROBLEM, element=_running_element(workflow),
                                error=sandbox.describe(error)) from None

    return wrapper


def _settle(workflow: BpmnWorkflow, budget: Budget) -> None:
    """Run engine steps until only user tasks and future waits remain (timers already due fire).

    A loop in the diagram with no person or timer in it (a gateway that always flows
    back) would run for ever, and Spiff's cost per element grows with the task tree:
    one call may complete at most MAX_ELEMENTS elements.
    """
    completed = 0

    def spend(task):
        nonlocal completed
        completed += 1
        budget.tick()
        if completed > MAX_ELEMENTS:
            raise TaskError(PROCEDURE_PROBLEM, element=_element(task), error=(
                f"more than {MAX_ELEMENTS} elements ran without waiting for a person or a "
                "timer: a loop in the diagram never ends"))

    workflow.do_engine_steps(did_complete_task=spend)
    while workflow.get_tasks(state=TaskState.READY, manual=False):
        workflow.do_engine_steps(did_complete_task=spend)


def _element(task) -> str:
    return getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name if task else ""


def _running_element(workflow: BpmnWorkflow) -> str:
    """Return the element the engine was running when it failed (a READY automatic task)."""
    ready = workflow.get_tasks(state=TaskState.READY, manual=False)
    return _element(ready[0]) if ready else ""


def _check_data(workflow: BpmnWorkflow, before: Mapping) -> None:
    """Raise TaskError when an element that ran in this call left data that cannot be stored.

    A step's tasks mostly hold equal copies of a few data (Spiff copies a task's data to
    the next): each distinct data is walked once, known by `same_data_key` (a county
    review's step changes 13 tasks holding 2 distinct data; marshal writes all 13 in a
    quarter of the time the walk takes)."""
    walked = set()
    for task in workflow.get_tasks():
        if before.get(task.id) == task.state:
            continue
        key = same_data_key(task.data)
        if key is not None and key in walked:
            continue
        problem = None if data_is_plain(task.data) else data_problem(task.data)
        if problem:
            raise TaskError(PROCEDURE_PROBLEM, element=_element(task),
                            error=f"it left data that cannot be stored: {problem}")
        walked.add(key)


def _task_error(error: Exception) -> TaskError:
    task = getattr(error, "task", None)
    # Spiff raises its wrapper while handling the original, which stays the context.
    cause = error.__context__ if isinstance(error, SpiffWorkflowException) else None
    if isinstance(cause, ScriptRefused) or (cause is None and isinstance(error, ScriptRefused)):
        detail = str(cause or error)
    elif cause is not None:
        detail = f"{error.args[0] if error.args else ''}: {sandbox.describe(cause)}"
    else:
        detail = str(error)
    element = _element(task) if task is not None else getattr(error, "element", "")
    return TaskError(PROCEDURE_PROBLEM, element=element or "", error=detail)


@timed
def start(spec: str, data: Mapping, now: dt.datetime, overrides: Overrides = NO_OVERRIDES) -> Step:
    """Return the first Step of a new case of `spec` seeded with `data`; raise TaskError."""
    return _engine_call(lambda wf: None)(new_workflow(spec, data), now, overrides)


def prepare(spec: str) -> None:
    """Restore `spec` into this process's cache (a process forked afterwards inherits it)."""
    restore_specs(spec)


def new_workflow(spec: str, data: Mapping) -> BpmnWorkflow:
    """Return a workflow of `spec` seeded with `data`, not yet run."""
    workflow = BpmnWorkflow(*restore_specs(spec))
    workflow.task_tree.data.update(plain_copy(dict(data)))
    return workflow


@timed
def complete(spec: str, state: str, task_id: str, data: Mapping, now: dt.datetime,
             overrides: Overrides = NO_OVERRIDES) -> Step:
    """Return the Step after completing READY user task `task_id` with form `data`.

    Raises Conflict when the task is not (or no longer) ready, TaskError on engine errors.
    """
    workflow = load_state(spec, state)
    return _engine_call(completing(_ready_user_task(workflow, task_id), data))(
        workflow, now, overrides)


def completing(task, data: Mapping):
    """Return the engine action that completes READY user `task` with form `data`."""

    def run(wf):
        task.data[task_variable(task)] = plain_copy(dict(data))
        task.run()

    return run


@timed
def fire_due_timers(spec: str, state: str, now: dt.datetime,
                    overrides: Overrides = NO_OVERRIDES) -> Step:
    """Return the Step after every timer due at `now` has fired."""
    workflow = load_state(spec, state)
    return _engine_call(lambda wf: wf.refresh_timers())(workflow, now, overrides)


@timed
def deliver_message(spec: str, state: str, name: str, payload: Mapping, now: dt.datetime,
                    overrides: Overrides = NO_OVERRIDES) -> Step | None:
    """Return the Step after the case caught message `name`, or None if it is not waiting for it."""
    workflow = load_state(spec, state)
    if not waits_for_message(workflow, name):
        return None
    return _engine_call(delivering(name, payload))(workflow, now, overrides)


def waits_for_message(workflow: BpmnWorkflow, name: str) -> bool:
    """Return whether the workflow waits for message `name`."""
    return any(w.kind == "message" and w.message == name for w in _all_waiting(workflow))


def delivering(name: str, payload: Mapping):
    """Return the engine action that delivers message `name` with `payload`."""
    event = BpmnEvent(MessageEventDefinition(name), payload=plain_copy(dict(payload)))
    return lambda wf: wf.send_event(event)


@timed
def reassign(spec: str, state: str, task_id: str, assignee: str, now: dt.datetime,
             overrides: Overrides = NO_OVERRIDES) -> Step:
    """Return the Step after READY instance `task_id` of a multi-instance task got `assignee`.

    The instance's `assignee` (its inputDataItem) is what names its person, so a
    replacement changes that and nothing else. Raises Conflict when the task is not a
    ready instance, TaskError on engine errors.
    """
    workflow = load_state(spec, state)
    return _engine_call(reassigning(_ready_user_task(workflow, task_id), assignee))(
        workflow, now, overrides)


def reassigning(task, assignee: str):
    """Return the engine action that gives READY instance `task` to `assignee`; raise
    Conflict when `task` is not an instance of a multi-instance task."""
    if not _is_instance(task) or "assignee" not in task.data:
        raise Conflict(N_("Only an open task assigned to one person of a group can be "
                          "reassigned."))

    def run(wf):
        task.data["assignee"] = assignee

    return run


@timed
def state_fingerprint(spec: str, state: str, recorded: str | None) -> str:
    """Return the fingerprint of a stored state by the rule `recorded` follows."""
    return fingerprint_like(load_state(spec, state), recorded)


@timed
def describe(spec: str, state: str) -> Step:
    """Return the Step describing a stored state, without running anything."""
    workflow = load_state(spec, state)
    # No clock nor calendar here: the deadlines were computed when the tasks became ready.
    return _step(workflow, {task.id: task.state for task in workflow.get_tasks()},
                 deadlines_known=False)


def ready_named(workflow: BpmnWorkflow, name: str | None, assignee: str | None):
    """Return the first READY user task of element `name` (the instance of `assignee`, for
    a multi-instance task), as describe() lists them, or None."""
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        if task.task_spec.bpmn_id == name and (
                (task.data.get("assignee") if _is_instance(task) else None) == assignee):
            return task
    return None


def _ready_user_task(workflow: BpmnWorkflow, task_id: str):
    try:
        task = workflow.get_task_from_id(UUID(str(task_id)))
    except (ValueError, WorkflowException, KeyError):
        task = None
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        raise Conflict(N_("This task is no longer open; reload to see the case as it is now."))
    return task


def task_variable(task) -> str:
    """Return the case-data key a user task's form lands under."""
    if _is_instance(task) and task.parent.task_spec.output_item is not None:
        return task.parent.task_spec.output_item.bpmn_id
    return task.task_spec.variable or task.task_spec.bpmn_id


def _is_instance(task) -> bool:
    """Return whether `task` is one instance of a multi-instance task (not its successor)."""
    parent = task.parent.task_spec if task.parent is not None else None
    return isinstance(parent, MultiInstanceTask) and task.task_spec.name == parent.task_spec


def _ready_task(task, deadlines_known: bool = True) -> ReadyTask:
    spec = task.task_spec
    props = spec.extensions.get("properties", {})
    due = props.get("dueWorkingDays")
    due_at, not_before = ((deadlines.evaluate(task, spec.bpmn_id, name)
                           for name in deadlines.PROPERTIES) if deadlines_known else (None, None))
    return ReadyTask(
        id=str(task.id), name=spec.bpmn_id, title=spec.bpmn_name or spec.bpmn_id,
        lane=spec.lane, form=props.get("formId"), variable=task_variable(task),
        due_working_days=int(due) if due and str(due).isdigit() else None,
        assignee=task.data.get("assignee") if _is_instance(task) else None,
        documentation=spec.documentation, due_at=due_at, not_before=not_before)


def _timer_due(task) -> dt.datetime | None:
    value = task.internal_data.get("event_value")
    if not isinstance(value, str):
        return None
    due = TimerEventDefinition.parse_time_or_duration(value)  # an aware instant
    return dt.datetime.fromtimestamp(due.timestamp(), dt.timezone.utc)


def _waiting_for(task, element_spec, definition) -> Waiting | None:
    name = element_spec.bpmn_name or element_spec.bpmn_id
    if isinstance(definition, TimerEventDefinition):
        return Waiting(element_spec.bpmn_id, name, "timer", _timer_due(task))
    message = getattr(definition, "name", "") or ""
    return Waiting(element_spec.bpmn_id, name, "message", None, message) if message else None


def _waiting(task) -> list[Waiting]:
    """Return what a WAITING task waits for; an event-based gateway waits for each branch."""
    spec = task.task_spec
    definition = getattr(spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        # The gateway holds its branches' events, in the order of its outputs.
        pairs = zip(spec.outputs, definition.event_definitions, strict=False)
        return [w for out, d in pairs if (w := _waiting_for(task, out, d)) is not None]
    waiting = _waiting_for(task, spec, definition) if definition is not None else None
    return [waiting] if waiting is not None else []


def _all_waiting(workflow: BpmnWorkflow) -> tuple[Waiting, ...]:
    return tuple(w for t in workflow.get_tasks(state=TaskState.WAITING) for w in _waiting(t))


def _case_data(workflow: BpmnWorkflow) -> dict:
    """Return the case's current data: that of the last completed top-level task."""
    if workflow.is_completed():
        return plain_copy(workflow.data)
    done = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if not _is_instance(t)]
    if not done:
        return plain_copy(workflow.task_tree.data)
    latest = max(done, key=lambda t: t.last_state_change)
    return plain_copy(latest.data)


def _without_ids(value, position: Mapping[str, int]):
    """Return `value` with task ids replaced by tree positions (they differ on every replay)."""
    if isinstance(value, dict):
        return {key: _without_ids(item, position) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_ids(item, position) for item in value]
    if isinstance(value, str) and _UUID.fullmatch(value):
        return f"task#{position.get(value, '?')}"
    return value


def _by_content(value):
    """JSON fallback naming an object by its content (str() would show its memory address)."""
    if hasattr(value, "__dict__"):
        return {"type": type(value).__name__, **vars(value)}
    return str(value)


# The fingerprint of a state, recorded by every event that moves it (Event.state_hash).
# Rule 2 (FINGERPRINT_V2 and 61 hex digits of a sha256) hashes the compact state: each task's
# spec, state, internal data and the change of its data from its parent's, as the state is
# stored. Rule 1 (64 hex digits), which events recorded before keep, hashed each task's
# whole data: a text of megabytes for a long case. The prefix, which no rule-1 hash can
# hold, tells which rule a recorded fingerprint follows.
FINGERPRINT_V2 = "v2:"


def fingerprint(workflow: BpmnWorkflow) -> str:
    """Return a hash of the workflow's meaning (rule 2): each task's spec, state and data
    change, in tree order (no ids, times)."""
    tasks = _tree(workflow)
    position = Positions(tasks)
    digest = hashlib.sha256(json.dumps(
        [[compact_row(t, position) for t in tasks], workflow.data], **COMPACT_JSON)
        .encode("utf-8"))
    return compact_hex(digest)


# How rule 2 writes its text. json.dumps of a list is "[" + its items' json.dumps joined by
# ", " + "]", so the text can also be written row by row (engine/replay.py does).
COMPACT_JSON = MappingProxyType({"sort_keys": True, "ensure_ascii": False,
                                 "default": _by_content})


def compact_hex(digest) -> str:
    """Return the rule-2 fingerprint of the sha256 `digest` of its text."""
    return FINGERPRINT_V2 + digest.hexdigest()[:64 - len(FINGERPRINT_V2)]


class Positions(Mapping):
    """{task id as text: its place in `tasks`}, built on the first look-up: only the rare
    internal data that names a task asks, and writing every id as text is costly."""

    def __init__(self, tasks: list) -> None:
        self._tasks, self._places = tasks, None

    def _built(self) -> dict:
        if self._places is None:
            self._places = {_id_text(t): number for number, t in enumerate(self._tasks)}
        return self._places

    def __getitem__(self, key):
        return self._built()[key]

    def __iter__(self):
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._tasks)


def _id_text(task) -> str:
    """Return the task's id as text, written once per task (a UUID writes itself slowly, and
    a replay asks for every task's at each step whose internal data names a task)."""
    text = task.__dict__.get("_id_text")
    if text is None:
        text = task._id_text = str(task.id)
    return text


def walk_tasks(root, state: int, manual: bool | None, subprocesses) -> list:
    """Return the tasks under `root` in `state` (and of `manual` user tasks, unless None) in
    the order Spiff's iterators give them, with their rule for which branches they walk:
    not below a task of a lower state than the filter can match, and into the subprocess of
    a task (found in `subprocesses`) before its children."""
    lowest = lowest_walked(state)
    found, stack = [], [root]
    pop, push, keep = stack.pop, stack.extend, found.append
    while stack:
        task = pop()
        current = task._state
        if current & state and (manual is None or task.task_spec.manual == manual):
            keep(task)
        subprocess = subprocesses.get(task.id) if subprocesses else None
        if subprocess is not None:
            push(reversed([subprocess.task_tree, *task.children]))
        elif task._children and current >= lowest:
            push(_children_reversed(task))
    return found


def lowest_walked(state: int) -> int:
    """Return the lowest state of a task below which Spiff's iterators walk, filtering by
    `state`: below a task of a lower state, no task can be in `state`."""
    return (TaskState.MAYBE if state & TaskState.PREDICTED_MASK else TaskState.FUTURE
            if state & TaskState.DEFINITE_MASK else TaskState.COMPLETED)


def _children_reversed(task) -> list:
    """Return `task`'s children, last first. Spiff's `children` looks each child up by id
    (a UUID hashed in Python) at every call; the tasks found are kept on the task while its
    list of child ids holds the same ids (compared by identity: C speed)."""
    kept = task.__dict__.get("_walk_children")
    if kept is not None and kept[0] == task._children:
        return kept[1]
    children = task.children
    children.reverse()
    task._walk_children = (list(task._children), children)
    return children


def _tree(workflow: BpmnWorkflow) -> list:
    """Return every task as get_tasks() orders them (which walks several times slower)."""
    return walk_tasks(workflow.task_tree, TaskState.ANY_MASK, None, workflow.subprocesses)


def fingerprint_like(workflow: BpmnWorkflow, recorded: str | None) -> str:
    """Return the workflow's fingerprint by the rule the `recorded` fingerprint follows."""
    if recorded is None or recorded.startswith(FINGERPRINT_V2):
        return fingerprint(workflow)
    return legacy_fingerprint(workflow)


def compact_row(task, position: Mapping[str, int]) -> list:
    """Return one task's part of the rule-2 fingerprint: its data as a change from its
    parent's (None: no data at all), as the compact state stores it."""
    data, parent = task.data, task.parent
    if parent is None:
        change = data
    elif not data:
        change = None
    else:
        before = parent.data
        # A value that compares equal but is of another type (1 and True) is a change here.
        if data == before and [*map(type, data.values())] == [*map(type, before.values())]:
            change = [{}, []]  # most tasks leave the data as they found it: compared in C
        else:
            change = [{key: value for key, value in data.items() if key not in before or
                       before[key] != value or type(before[key]) is not type(value)},
                      sorted(key for key in before if key not in data)]
    return [task.task_spec.name, task.state, change,
            _without_ids(task.internal_data, position)]


def legacy_fingerprint(workflow: BpmnWorkflow) -> str:
    """Return the rule-1 fingerprint: a hash of each task's spec, state and whole data."""
    tasks = workflow.get_tasks()
    # Internal data names other tasks by id (a multi-instance task's "merged" children).
    position = {str(t.id): number for number, t in enumerate(tasks)}
    return fingerprint_of([row_text(t, position) for t in tasks], workflow)


def row_text(task, position: Mapping[str, int], internal: str | None = None,
             data: str | None = None) -> str:
    """Return one task's part of the rule-1 fingerprint's text (`internal` and `data`: its
    internal_json() and data_json(), when known)."""
    row = (task.task_spec.name, TaskState.get_name(task.state),
           data_json(task) if data is None else data,
           internal_json(task, position) if internal is None else internal)
    return json.dumps(row, ensure_ascii=False)


def data_json(task) -> str:
    """Return the task's data as the fingerprint writes it."""
    return json.dumps(task.data, sort_keys=True, default=_by_content)


def internal_json(task, position: Mapping[str, int]) -> str:
    """Return the task's internal data as the fingerprint writes it, ids as tree positions."""
    return json.dumps(_without_ids(task.internal_data, position), sort_keys=True,
                      default=_by_content)


def fingerprint_of(rows: list[str], workflow: BpmnWorkflow) -> str:
    """Return the rule-1 fingerprint from the tasks' row_text()s, in task order."""
    digest = hashlib.sha256(FINGERPRINT_OPEN)
    digest.update(FINGERPRINT_SEPARATOR.join(row.encode("utf-8") for row in rows))
    digest.update(fingerprint_close(workflow))
    return digest.hexdigest()


# The fingerprint is the sha256 of json.dumps([rows, workflow data as JSON]), which is
# written out piece by piece here: OPEN, the rows joined by SEPARATOR, then the close.
FINGERPRINT_OPEN, FINGERPRINT_SEPARATOR = b"[[", b", "


def fingerprint_close(workflow: BpmnWorkflow) -> bytes:
    """Return the end of the fingerprint's text, after the last row."""
    data = json.dumps(json.dumps(workflow.data, sort_keys=True, default=str),
                      ensure_ascii=False)
    return ("], " + data + "]").encode("utf-8")


def _events(workflow: BpmnWorkflow, before: Mapping) -> tuple[EngineEvent, ...]:
    events = []
    for task in workflow.get_tasks():
        spec = task.task_spec
        if not getattr(spec, "bpmn_id", None) or before.get(task.id) == task.state:
            continue
        if task.state == TaskState.COMPLETED:
            events.append(EngineEvent("completed", spec.bpmn_id, spec.bpmn_name or "",
                                      type(spec).__name__))
        elif task.state == TaskState.CANCELLED:
            events.append(EngineEvent("cancelled", spec.bpmn_id, spec.bpmn_name or "",
                                      type(spec).__name__))
    return tuple(events)


def _loop_backs(workflow: BpmnWorkflow, before: Mapping) -> tuple:
    """Return the loop-backs taken in this call (none when only describing a state)."""
    if not getattr(workflow.spec, "loop_reasons", None):
        return ()
    done = [t for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if before.get(t.id) != TaskState.COMPLETED and t.task_spec.bpmn_id
            in workflow.spec.loop_reasons]
    return loops.taken(done, workflow.script_engine.environment) if done else ()


def _step(workflow: BpmnWorkflow, before: Mapping, deadlines_known: bool = True) -> Step:
    waiting = _all_waiting(workflow)
    dues = [w.due for w in waiting if w.due is not None]
    messages = tuple((e.event_definition.name, plain_copy(e.payload))
                     for e in workflow.get_events())
    return Step(
        state=dump_state(workflow), fingerprint=fingerprint(workflow),
        data=_case_data(workflow),
        ready=tuple(_ready_task(t, deadlines_known)
                    for t in workflow.get_tasks(state=TaskState.READY, manual=True)),
        waiting=waiting, next_timer_at=min(dues) if dues else None,
        ended=workflow.is_completed(), events=_events(workflow, before), messages=messages,
        loop_backs=_loop_backs(workflow, before),
        completed_elements=tuple(sorted({t.task_spec.bpmn_id for t in workflow.get_tasks(
            state=TaskState.COMPLETED) if getattr(t.task_spec, "bpmn_id", None)})))
