"""Workflow serialization that keeps the process spec out of every case.

Spiff's default JSON embeds the whole spec (more than half of a small case:
research §7.2). A case row here holds only its task tree and data; the spec is
stored once per process version and restored once per process (cached by the
hash of its text), then shared by every case that runs on it.
"""

from __future__ import annotations

import json
from copy import deepcopy
from datetime import date
from decimal import Decimal
from functools import lru_cache
from uuid import UUID

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
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
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
    """Restores a task whose element is missing from the spec onto a stand-in spec
    (Spiff would put it on a new start task, and register that in the shared spec)."""

    def from_dict(self, dct, workflow):
        name = dct["task_spec"]
        if name in workflow.spec.task_specs:
            return super().from_dict(dct, workflow)
        spec = workflow.spec
        workflow.spec = _Lookup(spec, retired_spec(name))
        try:
            return super().from_dict(dct, workflow)
        finally:
            workflow.spec = spec


class _Lookup:
    """Answers `task_specs.get(name)` with one stand-in spec during a task's restore."""

    def __init__(self, spec, stand_in):
        self.task_specs = {stand_in.name: stand_in}
        self._spec = spec

    def __getattr__(self, name):
        return getattr(self._spec, name)


def _registry():
    config = deepcopy(SPIFF_CONFIG)
    config[BpmnWorkflow] = CaseWorkflowConverter
    config[Task] = CaseTaskConverter
    registry = BpmnWorkflowSerializer.configure(config)
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]))
    registry.register(date, lambda v: {"value": v.isoformat()},
                      lambda d: date.fromisoformat(d["value"]))
    return registry


SERIALIZER = BpmnWorkflowSerializer(_registry())


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
    """Return the workflow's state as JSON, without its spec."""
    SERIALIZER.registry._encoder_mode = True
    try:
        dct = SERIALIZER.to_dict(workflow)
    finally:
        SERIALIZER.registry._encoder_mode = False
    dct["serializer_version"] = STATE_VERSION
    # Key order matters: Spiff restores tasks in mapping order and rebuilds each task's
    # data from its parent's, so sorting the task map by id would lose data.
    return json.dumps(dct, cls=SERIALIZER._encoder_cls, ensure_ascii=False,
                      separators=(",", ":"))


def load_state(spec_text: str, state: str):
    """Return the workflow stored in `state`, running on the spec `spec_text`."""
    dct = json.loads(state)
    dct.pop("serializer_version", None)
    return SERIALIZER.from_dict(dct, specs=restore_specs(spec_text))


