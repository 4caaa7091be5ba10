"""The only package that imports SpiffWorkflow. Pure: no Flask, no database, no wall clock.

Public surface: load_definitions / check_definitions (BPMN + DMN packages), read_facts and
the lint helpers (lint.py, expressions.py), bpmn_changes / dmn_changes (compare.py),
try_decision (a DMN table on one case's data), prepare (a spec restored once per
process), start,
complete, fire_due_timers, deliver_message, reassign, describe, state_fingerprint (of a
stored state, by the rule of a recorded fingerprint), migration_check and
migrate (moving a case to a newer version), and the plain dataclasses Step, ReadyTask,
Waiting, EngineEvent, OpenElement, ProcessDefinition. The module timing sums the time of
those calls per request for the request log (measured, never used to decide anything).
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
from app.engine.english import english_labels, english_rule_labels, english_text_warnings
from app.engine.expressions import comparisons, names_read
from app.engine.lint import (
    Facts,
    decides_on,
    english_name_warnings,
    layout_problems,
    parse_xml,
    read_facts,
    variables_of,
)
from app.engine.loops import reason_problems
from app.engine.migration import OpenElement, migrate, migration_check
from app.engine.preview import evaluate_expression
from app.engine.runtime import (
    FINGERPRINT_V2,
    complete,
    deliver_message,
    describe,
    fire_due_timers,
    prepare,
    reassign,
    start,
    state_fingerprint,
)
from app.engine.sandbox import HELPER_NAMES, SAFE_BUILTIN_NAMES, check_source
from app.engine.steps import EngineEvent, LoopBack, ReadyTask, Step, Waiting

__all__ = [
    "DecisionTrial", "EngineEvent", "FINGERPRINT_V2", "Facts", "HELPER_NAMES", "LoopBack",
    "OpenElement", "ParseError", "ProcessDefinition", "ReadyTask", "SAFE_BUILTIN_NAMES", "Step",
    "UserTaskInfo", "Waiting",
    "bpmn_changes", "check_definitions", "check_source", "comparisons", "complete",
    "decides_on", "deliver_message", "describe", "dmn_changes", "english_labels",
    "english_name_warnings", "english_rule_labels", "english_text_warnings", "evaluate_expression",
    "fire_due_timers", "layout_problems", "load_definitions", "migrate", "migration_check",
    "names_read", "parse_xml", "prepare", "read_facts", "reason_problems", "reassign", "start",
    "state_fingerprint",
    "try_decision", "variables_of",
]
