"""The only package that imports SpiffWorkflow. Pure: no Flask, no database, no wall clock.

Public surface: load_definitions / check_definitions (BPMN + DMN packages),
start, complete, fire_due_timers, deliver_message, reassign, describe, and the plain
dataclasses Step, ReadyTask, Waiting, EngineEvent, ProcessDefinition.
"""

from app.engine.definitions import (
    ProcessDefinition,
    UserTaskInfo,
    check_definitions,
    load_definitions,
)
from app.engine.runtime import (
    complete,
    deliver_message,
    describe,
    fire_due_timers,
    reassign,
    start,
)
from app.engine.sandbox import HELPER_NAMES, check_source
from app.engine.steps import EngineEvent, ReadyTask, Step, Waiting

__all__ = [
    "EngineEvent", "HELPER_NAMES", "ProcessDefinition", "ReadyTask", "Step", "UserTaskInfo",
    "Waiting", "check_definitions", "check_source", "complete", "deliver_message", "describe",
    "fire_due_timers", "load_definitions", "reassign", "start",
]
