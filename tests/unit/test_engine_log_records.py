"""Spiff names a task's state and gathers details for a log record at every state change,
even when no log takes the record (app/engine/runtime.py spares that work): the names stay
Spiff's own, and someone who switches Spiff's logs on still gets every detail."""

from __future__ import annotations

import logging

import pytest
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from tests.unit.test_engine import compiled, fill, probe

SPIFF_NAMES = dict(zip(TaskState._values, TaskState._names, strict=True))


def spiff_name(value: int) -> str:
    """TaskState.get_name as Spiff writes it: a state, else its states joined by |."""
    masks = {TaskState.FINISHED_MASK: "FINISHED_MASK", TaskState.DEFINITE_MASK: "DEFINITE_MASK",
             TaskState.PREDICTED_MASK: "PREDICTED_MASK",
             TaskState.NOT_FINISHED_MASK: "NOT_FINISHED_MASK", TaskState.ANY_MASK: "ANY_MASK"}
    found = {**SPIFF_NAMES, **masks}.get(value)
    return found or "|".join(SPIFF_NAMES[v] for v in TaskState._values if v & value)


def test_every_state_and_mask_keeps_spiffs_name():
    for value in range(1, 512):
        assert TaskState.get_name(value) == spiff_name(value), value
    assert TaskState.get_name(TaskState.COMPLETED) == "COMPLETED"
    assert TaskState.get_name(TaskState.MAYBE | TaskState.LIKELY) == "PREDICTED_MASK"


class Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def spiff_log():
    """Spiff's task log switched on at DEBUG for one test, as someone debugging would."""
    log, handler = logging.getLogger("spiff.task"), Records()
    level = log.level
    log.setLevel(logging.DEBUG)
    log.addHandler(handler)
    yield handler
    log.removeHandler(handler)
    log.setLevel(level)


def _run_probe():
    """Start the probe process and complete its user task; return the Step."""
    return fill(compiled(probe("script", "result = 1")))


def test_with_spiffs_log_on_each_state_change_carries_every_detail(spiff_log):
    _run_probe()

    changes = [r for r in spiff_log.records if r.getMessage().startswith("State changed to")]
    assert changes
    for record in changes:
        assert record.task_spec and record.workflow_spec and record.task_type
        assert record.state == record.getMessage().removeprefix("State changed to ")


def test_with_spiffs_log_off_no_detail_is_gathered():
    task_log = logging.getLogger("spiff.task")
    assert not task_log.isEnabledFor(logging.INFO)
    _run_probe()

    assert Task.collect_log_extras(object()) == {}  # nothing is read from the task
