"""The only package that imports SpiffWorkflow. Pure: no Flask, no database, no wall clock.

Public surface: load_definitions / check_definitions (BPMN + DMN packages), read_facts and
the lint helpers (lint.py, expressions.py), bpmn_changes / dmn_changes (compare.py),
try_decision (a DMN table on one case's data), start,
complete, fire_due_timers, deliver_message, reassign, describe, migration_check and
migrate (moving a case to a newer version), and the plain dataclasses Step, ReadyTask,
Waiting, EngineEvent, OpenElement, ProcessDefinition.
"""

from app.engine.compare import bpmn_changes, dmn_changes
from app.engine.decisions import DecisionTrial, try_decision
from app.engine.definitions import (
    ParseError,
    ProcessDefinition,
    UserTaskInfo,
    check_definitions,
    load_definitions,
)
from app.engine.expressions import comparisons, names_read
from app.engine.lint import Facts, decides_on, layout_problems, read_facts, variables_of
from app.engine.loops import reason_problems
from app.engine.migration import OpenElement, migrate, migration_check
from app.engine.preview import evaluate_expression
from app.engine.runtime import (
    complete,
    deliver_message,
    describe,
    fire_due_timers,
    reassign,
    start,
)
from app.engine.sandbox import HELPER_NAMES, SAFE_BUILTIN_NAMES, check_source
from app.engine.steps import EngineEvent, LoopBack, ReadyTask, Step, Waiting

__all__ = [
    "DecisionTrial", "EngineEvent", "Facts", "HELPER_NAMES", "LoopBack", "OpenElement",
    "ParseError", "ProcessDefinition", "ReadyTask", "SAFE_BUILTIN_NAMES", "Step",
    "UserTaskInfo", "Waiting", "bpmn_changes", "check_definitions", "check_source",
    "comparisons", "complete", "decides_on", "deliver_message", "describe", "dmn_changes",
    "evaluate_expression", "fire_due_timers", "layout_problems", "load_definitions", "migrate",
    "migration_check", "names_read", "read_facts", "reason_problems", "reassign", "start",
    "try_decision", "variables_of",
]
