"""Moving a running case onto a newer version of its procedure (research §7.2).

Elements are matched by id. Only what the case waits for moves: each open task
(a READY user task, a WAITING timer, message or join) must exist in the new
version with the same type; it keeps its id and data and, when its element did
not change, its timer's due time, and what follows it is predicted afresh from
the new version. Completed history is never rewritten: a completed task keeps
its element even when the new version no longer has it (serializer.py restores
it onto a stand-in). Spiff's own `migrate_workflow` also aligns renamed
elements by structure and resets open tasks' data; neither fits an audited case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from app.engine.runtime import NO_OVERRIDES, Overrides, _engine_call
from app.engine.serializer import SERIALIZER, load_state, restore_specs
from app.engine.steps import Step
from app.engine.timing import timed
from app.errors import N_, Conflict

OPEN = TaskState.READY | TaskState.WAITING
# What a spec's serialized form holds that says where it sits, not what it does.
PLACEMENT = {"inputs", "outputs"}


@dataclass(frozen=True)
class OpenElement:
    """An element a case waits at, and how the new version has it."""

    element: str
    name: str
    kind: str  # "user_task", "timer", "message", "gateway" or "task"
    problem: str = ""  # "", "missing" (no such id) or "type" (another kind of element)
    changed: bool = False  # the element's own properties differ in the new version
    old_form: str | None = None
    new_form: str | None = None


def _kind(spec) -> str:
    definition = getattr(spec, "event_definition", None)
    if getattr(spec, "manual", False):
        return "user_task"
    if isinstance(definition, TimerEventDefinition):
        return "timer"
    if definition is not None and getattr(definition, "name", None):
        return "message"
    return "gateway" if "Gateway" in type(spec).__name__ else "task"


def _form(spec) -> str | None:
    return spec.extensions.get("properties", {}).get("formId") if spec is not None else None


def _changed(old, new) -> bool:
    before, after = SERIALIZER.registry.convert(old), SERIALIZER.registry.convert(new)
    return any(before.get(key) != after.get(key)
               for key in set(before) | set(after) if key not in PLACEMENT)


def _target_specs(task, new_top, new_dependencies):
    """Return the task specs of the new version's process that `task` runs in."""
    if task.workflow is task.workflow.top_workflow:
        return new_top.task_specs
    process = new_dependencies.get(task.workflow.spec.name)
    return process.task_specs if process is not None else {}


def _open_tasks(workflow) -> list:
    return [t for t in workflow.get_tasks(state=OPEN) if getattr(t.task_spec, "bpmn_id", None)]


def _describe(task, target) -> OpenElement:
    spec = task.task_spec
    element = OpenElement(spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, _kind(spec),
                          old_form=_form(spec))
    if target is None:
        return OpenElement(**{**element.__dict__, "problem": "missing"})
    if type(target) is not type(spec):
        return OpenElement(**{**element.__dict__, "problem": "type"})
    return OpenElement(**{**element.__dict__, "changed": _changed(spec, target),
                          "new_form": _form(target)})


def _check(workflow, new_top, new_dependencies) -> tuple[OpenElement, ...]:
    found: dict[str, OpenElement] = {}
    for task in _open_tasks(workflow):
        target = _target_specs(task, new_top, new_dependencies).get(task.task_spec.name)
        found.setdefault(task.task_spec.bpmn_id, _describe(task, target))
    return tuple(found.values())


@timed
def migration_check(old_spec: str, state: str, new_spec: str) -> tuple[OpenElement, ...]:
    """Return each element the case in `state` waits at, with how `new_spec` has it."""
    return _check(load_state(old_spec, state), *restore_specs(new_spec))


def _reopen(task, keep_internal: bool) -> None:
    """Predict what follows an open task afresh from its new element, keeping its id and data
    (Spiff's reset_branch would take the parent's data: an expert's assignee would be lost)
    and, unless its element changed, the due time its timer computed when it began."""
    internal = task.internal_data if keep_internal else {}
    data = task.data
    task._drop_children(force=True)
    task._set_state(TaskState.FUTURE)
    task.internal_data, task.data = internal, data
    task.task_spec._predict(task, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE)
    task.task_spec._update(task)


def _move(workflow, new_top, new_dependencies) -> None:
    unchanged = {e.element for e in _check(workflow, new_top, new_dependencies)
                 if not e.changed}
    reopen = [(t, t.task_spec.bpmn_id in unchanged) for t in _open_tasks(workflow)]
    for process in [workflow, *workflow.subprocesses.values()]:
        specs = new_top if process is workflow else new_dependencies.get(process.spec.name)
        if specs is None:
            continue
        process.spec = specs
        for task in process.tasks.values():
            task.task_spec = specs.task_specs.get(task.task_spec.name, task.task_spec)
    workflow.subprocess_specs = new_dependencies
    for task, keep in reopen:
        if task.id in task.workflow.tasks:
            _reopen(task, keep)


CANNOT_MOVE = N_("The case cannot move to the new version: %(elements)s")


@timed
def migrate(old_spec: str, state: str, new_spec: str, now: dt.datetime,
            overrides: Overrides = NO_OVERRIDES) -> Step:
    """Return the Step of the case in `state` moved onto `new_spec`.

    Raises Conflict when an element it waits at is missing from `new_spec` or of another
    type, TaskError on engine errors.
    """
    workflow = load_state(old_spec, state)
    new_top, new_dependencies = restore_specs(new_spec)
    problems = [e.element for e in _check(workflow, new_top, new_dependencies) if e.problem]
    if problems:
        raise Conflict(CANNOT_MOVE, elements=", ".join(problems))
    return _engine_call(lambda wf: _move(wf, new_top, new_dependencies))(
        workflow, now, overrides)
