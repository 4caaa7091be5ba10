"""Workflow serialization that keeps the process spec out of every case.

Spiff's default JSON embeds the whole spec (more than half of a small case:
research §7.2). A case row here holds only its task tree and data; the spec is
stored once per process version and restored once per process (cached by the
hash of its text), then shared by every case that runs on it.

The state is kept compact: each task's data is written as its change from its parent's
(Spiff's delta), a task whose data is empty as nothing at all (Spiff would list every key
of its parent as deleted: predicted and cancelled tasks carry no data), values equal to
Spiff's defaults are left out, and the JSON is zlib-compressed and written in base64 behind
the prefix PACKED. What is restored is exactly what was dumped. States written before still
load, told by their first characters: in base85 behind PACKED_B85 (a sixteenth smaller,
but Python writes and reads base85 in Python, a seventh of a step's time, and base64 in C),
or plain JSON with whole deltas.
"""

from __future__ import annotations

import base64
import contextvars
import json
import zlib
from copy import deepcopy
from datetime import date
from decimal import Decimal
from functools import lru_cache
from uuid import UUID

import SpiffWorkflow.bpmn.serializer.default.workflow as _spiff_converters
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.specs import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.defaults import NoneTask
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task

STATE_VERSION = "1.5"
PACKED = "z2:"  # a compact state: zlib-compressed JSON in base64 (plain JSON starts with "{")
PACKED_B85 = "z1:"  # the same in base85, as compact states were written before
# A task's fields left out when they hold these values (Spiff writes them for every task).
_TASK_DEFAULTS = {"triggered": False, "internal_data": {}, "data": {}, "children": []}


# The ids read so far while a state is restored ({text: UUID}), None outside a restore.
_restoring: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "restoring_ids", default=None)


def _restored_id(text: str) -> UUID:
    """Return UUID(text): one object per id while a state is restored. A task's id is
    written as its own, its parent's and as a child of its parent; Spiff reads each with
    UUID(), and its dicts of tasks then compare equal ids in Python. One object per id is
    read once and found by identity. Spiff's converters call UUID() through their module's
    name, which this replaces (outside a restore it is UUID itself)."""
    known = _restoring.get()
    if known is None:
        return UUID(text)
    found = known.get(text)
    if found is None:
        found = known[text] = UUID(text)
    return found


_spiff_converters.UUID = _restored_id


class CaseWorkflowConverter(BpmnWorkflowConverter):
    """Serializes a workflow without its spec; restores it onto given, shared specs."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, specs=None):
        spec, subprocess_specs = specs
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _restored_id, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_restored_id(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def retired_spec(name: str):
    """Return a stand-in spec for element `name`, which the case's version no longer has.

    A case moved to a newer version keeps its completed history (engine/migration.py),
    including tasks of elements the new version removed. Their stand-in lives in a spec of
    its own: the version's spec is shared by every case and must not change.
    """
    return NoneTask(BpmnProcessSpec("retired"), name, bpmn_name=name)


class CaseTaskConverter(TaskConverter):
    """Writes a task without what its defaults and its parent already say, and restores a
    task whose element is missing from the spec onto a stand-in spec (Spiff would put it on
    a new start task, and register that in the shared spec)."""

    def to_dict(self, task):
        dct = super().to_dict(task)
        delta = dct.pop("delta")
        # Spiff restores a task without delta to its "data" ({}): a task with no data
        # needs neither, however many keys its parent has. Any other needs a delta, even
        # an empty one (the same data as its parent's).
        if task.parent is not None and task.data:
            dct["delta"] = {key: value for key, value in delta.items() if value} or {
                "updates": {}}
        if task.parent is not None:
            del dct["parent"]  # its parent lists it among its children
        for key, default in _TASK_DEFAULTS.items():
            if dct.get(key, default) == default and key in dct:
                del dct[key]
        return dct

    def from_dict(self, dct, workflow):
        for key, default in _TASK_DEFAULTS.items():
            dct.setdefault(key, deepcopy(default))
        dct.setdefault("parent", None)
        name = dct["task_spec"]
        if name in workflow.spec.task_specs:
            return super().from_dict(dct, workflow)
        spec = workflow.spec
        workflow.spec = _Lookup(spec, retired_spec(name))
        try:
            return super().from_dict(dct, workflow)
        finally:
            workflow.spec = spec


class LegacyTaskConverter(CaseTaskConverter):
    """Writes a task as states were written before PACKED ones (Spiff's own writing)."""

    to_dict = TaskConverter.to_dict


class _Lookup:
    """Answers `task_specs.get(name)` with one stand-in spec during a task's restore."""

    def __init__(self, spec, stand_in):
        self.task_specs = {stand_in.name: stand_in}
        self._spec = spec

    def __getattr__(self, name):
        return getattr(self._spec, name)


def _registry(task_converter=CaseTaskConverter):
    config = deepcopy(SPIFF_CONFIG)
    config[BpmnWorkflow] = CaseWorkflowConverter
    config[Task] = task_converter
    registry = BpmnWorkflowSerializer.configure(config)
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]))
    registry.register(date, lambda v: {"value": v.isoformat()},
                      lambda d: date.fromisoformat(d["value"]))
    return registry


SERIALIZER = BpmnWorkflowSerializer(_registry())
_LEGACY = BpmnWorkflowSerializer(_registry(LegacyTaskConverter))


@lru_cache(maxsize=64)
def restore_specs(spec_text: str):
    """Return (spec, subprocess_specs) for a serialized process spec, restored once."""
    stored = json.loads(spec_text)
    spec = SERIALIZER.from_dict(stored["spec"])
    subprocess_specs = {k: SERIALIZER.from_dict(v) for k, v in stored["subprocess_specs"].items()}
    # The loop-back reasons of the version (engine/loops.py), beside Spiff's own spec data.
    spec.loop_reasons = stored.get("loop_reasons", {})
    return spec, subprocess_specs


def dump_state(workflow) -> str:
    """Return the workflow's compact state (PACKED), without its spec."""
    return pack(_json(SERIALIZER, workflow))


def legacy_state(workflow) -> str:
    """Return the workflow's state as plain JSON, written as before PACKED states existed."""
    return _json(_LEGACY, workflow)


def _json(serializer: BpmnWorkflowSerializer, workflow) -> str:
    serializer.registry._encoder_mode = True
    try:
        dct = serializer.to_dict(workflow)
    finally:
        serializer.registry._encoder_mode = False
    dct["serializer_version"] = STATE_VERSION
    # Key order matters: Spiff restores tasks in mapping order and rebuilds each task's
    # data from its parent's, so sorting the task map by id would lose data.
    return json.dumps(dct, cls=serializer._encoder_cls, ensure_ascii=False,
                      separators=(",", ":"))


def pack(text: str) -> str:
    """Return JSON `text` compressed, as stored."""
    return PACKED + base64.b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")


def state_json(state: str) -> str:
    """Return the JSON of a stored state: compact (PACKED, PACKED_B85) or plain."""
    if state.startswith(PACKED):
        return zlib.decompress(base64.b64decode(state[len(PACKED):])).decode("utf-8")
    if state.startswith(PACKED_B85):
        return zlib.decompress(base64.b85decode(state[len(PACKED_B85):])).decode("utf-8")
    return state


def state_dict(state: str) -> dict:
    """Return a stored state as Spiff's dictionary, each task's parent named again."""
    dct = json.loads(state_json(state))
    for workflow in (dct, *dct.get("subprocesses", {}).values()):
        tasks = workflow["tasks"]
        for task_id, task in tasks.items():
            for child in task.get("children", ()):
                if child in tasks:
                    tasks[child]["parent"] = task_id
    return dct


def load_state(spec_text: str, state: str):
    """Return the workflow stored in `state`, running on the spec `spec_text`."""
    dct = state_dict(state)
    dct.pop("serializer_version", None)
    token = _restoring.set({})
    try:
        return SERIALIZER.from_dict(dct, specs=restore_specs(spec_text))
    finally:
        _restoring.reset(token)


def compact(state: str, spec_text: str) -> str:
    """Return `state` (of any format) written as dump_state() writes it today."""
    return state if state.startswith(PACKED) else dump_state(load_state(spec_text, state))


def plain(state: str, spec_text: str) -> str:
    """Return `state` (of any format) written as legacy_state() writes it."""
    return state if state.startswith("{") else legacy_state(load_state(spec_text, state))


