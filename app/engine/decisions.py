"""Trying a decision table (DMN) on one case's data, rule by rule and condition by condition.

The table is parsed and run by SpiffWorkflow's own DMN engine under the restricted script
environment and one Budget, exactly as a business rule task runs it, so what the designer
sees is what a case would get. Nothing is stored; no workflow is started.
"""

from __future__ import annotations

import ast
import copy
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace

from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from app.engine import clock, sandbox
from app.engine.budget import Budget
from app.engine.lint import parse_xml
from app.engine.timing import timed
from app.errors import N_, DefinitionError

# An output named like `<list>.passed` is a pre-check row's own verdict: its condition.
VERDICT, ACTUAL = "passed", "actual"
MAX_SHOWN = 200  # characters of a value shown beside its condition


@dataclass
class Condition:
    input: str
    text: str
    passed: bool
    value: object = None
    error: str = ""


@dataclass
class RuleTrial:
    id: str
    row: int
    description: str
    matched: bool
    conditions: list[Condition] = field(default_factory=list)
    outputs: dict[str, object] = field(default_factory=dict)


@dataclass
class DecisionTrial:
    decision: str
    name: str
    hit_policy: str
    result: object
    rules: list[RuleTrial]
    error: str = ""


class _Evaluator:
    """What DMNEngine and Rule need of a script engine, without wrapping errors into
    task exceptions (there is no task): the restricted environment under one Budget."""

    def __init__(self, now: dt.datetime, overrides: Mapping[dt.date, bool]):
        self.environment = sandbox.RestrictedEnvironment(sandbox.make_helpers(now, overrides),
                                                         Budget())

    def validate(self, expression: str) -> None:
        ast.parse(expression)

    def evaluate(self, task, expression: str, external_context=None):
        return self.environment.evaluate(expression, task.data, external_context)


def _table(name: str, content: bytes):
    """Return (decision, its first table) of a DMN file; raise DefinitionError."""
    tree = parse_xml(name, content)
    parser = BpmnDmnParser(validator=VALIDATOR)
    try:
        parser.add_dmn_xml(tree.getroot(), filename=name)
        dmn_parser = next(iter(parser.dmn_parsers.values()))
        dmn_parser.parse()
        decision = dmn_parser.decision
        table = decision.decisionTables[0]
    except Exception as error:  # noqa: BLE001 - the edge: any XML may be posted as a draft
        raise DefinitionError(N_("the decision table cannot be read: %(error)s"), file=name,
                              error=sandbox.describe(error)) from None
    return decision, table


def _plain(value):
    """Return `value` as JSON would carry it (dates as text)."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def _attempt(function, *args):
    """Return (value, error sentence) of running restricted code."""
    try:
        return function(*args), ""
    except Exception as error:  # noqa: BLE001 - a designer's cell must never be a 500
        return None, sandbox.describe(getattr(error, "error", None) or error)


def _shown(value):
    """Return `value` for the report: a long value (a whole form's data) is cut short."""
    value = _plain(value)
    text = json.dumps(value, ensure_ascii=False)
    return value if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"


def _input_conditions(dmn: DMNEngine, rule, task) -> list[Condition]:
    """Each input cell of `rule` with its verdict; "-" (any value) is no condition."""
    found = []
    for entry in rule.inputEntries:
        expression = entry.input.expression or ""
        for cell in (c for c in entry.lhs if c is not None):
            value, _ = _attempt(task.workflow.script_engine.evaluate, task, expression)
            passed, error = _attempt(dmn.evaluate, expression, cell, task)
            found.append(Condition(entry.input.label or expression, cell, bool(passed),
                                   _shown(value), error))
    return found


def _verdict(rule, outputs: Mapping[str, object]) -> list[Condition]:
    """The condition of a row that states its own verdict in a `*.passed` output."""
    for entry in rule.outputEntries:
        name = entry.output.name or ""
        if name.rsplit(".", 1)[-1] == VERDICT and name in outputs:
            prefix = name[: -len(VERDICT)]
            return [Condition(entry.output.label or name, entry.text or "",
                              bool(outputs[name]), _shown(outputs.get(prefix + ACTUAL)))]
    return []


def _outputs(rule, task) -> tuple[dict[str, object], str]:
    values: dict[str, object] = {}
    for entry in rule.outputEntries:
        name = entry.output.name or entry.output.label or entry.id
        value, error = _attempt(task.workflow.script_engine.evaluate, task, entry.text) \
            if entry.text else ("", "")
        if error:
            return values, error
        values[name] = _plain(value)
    return values, ""


def _try_rule(dmn: DMNEngine, rule, task) -> RuleTrial:
    conditions = _input_conditions(dmn, rule, task)
    matched = all(c.passed for c in conditions)
    trial = RuleTrial(rule.id, rule.row_number, rule.description or "", matched, conditions)
    if matched:
        trial.outputs, error = _outputs(rule, task)
        if error:
            trial.conditions.append(Condition("", "", False, None, error))
        trial.conditions += _verdict(rule, trial.outputs)
    return trial


@timed
def try_decision(name: str, content: bytes, data: Mapping, now: dt.datetime,
                 overrides: Mapping[dt.date, bool]) -> DecisionTrial:
    """Return the trial of DMN file `name` on case `data` at `now`; raise DefinitionError when
    the file cannot be read (a cell that fails is reported on its rule, not raised)."""
    decision, table = _table(name, content)
    dmn = DMNEngine(table)
    task = SimpleNamespace(data=copy.deepcopy(dict(data)),
                           workflow=SimpleNamespace(script_engine=_Evaluator(now, overrides)))
    with clock.frozen_at(now):
        rules = [_try_rule(dmn, rule, task) for rule in table.rules]
        result, error = _attempt(dmn.result, task)
    return DecisionTrial(decision.id, decision.name or decision.id, str(table.hit_policy),
                         _plain(result), rules, error)
