"""Parse, validate and lint BPMN + DMN packages into serialized process specs.

Every problem becomes a DefinitionError with file, element id and a sentence.
XML is parsed by our own hardened lxml parser (Spiff would use lxml's
process-global default, which any library may loosen: research §1.4), and a
document type declaration is refused outright: BPMN and DMN never need one.
"""

from __future__ import annotations

import ast
import json
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import (
    BusinessRuleTaskMixin as BusinessRuleTask,
)
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from app.engine import deadlines, loops
from app.engine.lint import ISO_LITERAL, element_at, parse_xml
from app.engine.sandbox import check_source
from app.engine.serializer import SERIALIZER
from app.engine.timing import timed
from app.errors import N_, DefinitionError

ROLES = ("applicant", "county", "city", "province", "expert")


@dataclass(frozen=True)
class UserTaskInfo:
    id: str
    name: str
    lane: str | None
    form: str | None


@dataclass(frozen=True)
class ProcessDefinition:
    """One executable process: its key, name, serialized spec and user tasks."""

    key: str
    name: str
    spec: str
    user_tasks: tuple[UserTaskInfo, ...]
    # The lane of the start event: the role that may start the process on its own.
    start_lane: str | None = None
    # Business rule tasks (decision tables) the process calls, by element id.
    decisions: tuple[str, ...] = ()


class ParseError(DefinitionError):
    """A file that does not parse or fails the schema: checks that need it are skipped."""


def _from_spiff(error: Exception, default_file: str = "", root=None) -> DefinitionError:
    if isinstance(error, ValidationException):
        line = error.line_number if isinstance(error.line_number, int) else 0
        element = error.id or (element_at(root, line) if root is not None and line else "")
        return ParseError(str(error.args[0] if error.args else error),
                          file=error.file_name or default_file, element=element, line=line)
    message = error.args[0] if getattr(error, "args", None) else str(error)
    return DefinitionError(str(message), file=default_file)


def _parser(files: Mapping[str, bytes]) -> tuple[SpiffBpmnParser, list[DefinitionError]]:
    """Return the parser holding every file that parsed, and a problem per file that did not."""
    parser, problems = SpiffBpmnParser(validator=VALIDATOR), []
    for name, content in sorted(files.items()):
        try:
            tree = parse_xml(name, content)
        except DefinitionError as error:
            problems.append(ParseError(error.message, error.file, line=error.line,
                                       **error.params))
            continue
        try:
            if name.endswith(".dmn"):
                parser.add_dmn_xml(tree.getroot(), filename=name)
            else:
                parser.add_bpmn_xml(tree, filename=name)
        except (ValidationException, SpiffWorkflowException) as error:
            problems.append(_from_spiff(error, name, tree.getroot()))
    return parser, problems


def _user_tasks(spec, subprocess_specs) -> Iterator[tuple[str, object]]:
    for process in (spec, *subprocess_specs.values()):
        for task_spec in process.task_specs.values():
            yield process.file, task_spec


def _lint_task(file: str, task_spec) -> Iterator[DefinitionError]:
    element = getattr(task_spec, "bpmn_id", None) or task_spec.name
    if task_spec.manual and task_spec.bpmn_id:
        if "formId" not in task_spec.extensions.get("properties", {}):
            yield DefinitionError(N_("user task has no formId property"), file, element)
        yield from _lint_deadlines(file, element, task_spec)
        if task_spec.lane not in ROLES:
            yield DefinitionError(
                N_("user task lane '%(lane)s' is not a role (%(roles)s)"), file, element,
                lane=task_spec.lane, roles=", ".join(ROLES))
    if isinstance(task_spec, ScriptTask):
        problem = check_source(task_spec.script or "", "exec")
        if problem:
            yield DefinitionError(N_("invalid script: %(problem)s"), file, element, problem=problem)
    if isinstance(task_spec, ExclusiveGateway):
        for condition, target in task_spec.cond_task_specs:
            text = condition.args[0] if condition is not None and condition.args else None
            problem = text and check_source(text, "eval")
            if problem:
                yield DefinitionError(N_("invalid condition towards %(target)s: %(problem)s"), file,
                                      element, target=target, problem=problem)
    yield from _lint_timer(file, element, task_spec)
    yield from _lint_decision(file, element, task_spec)
    yield from _lint_event_gateway(file, element, task_spec)
    if (task_spec.bpmn_id and not isinstance(task_spec, ExclusiveGateway)
            and task_spec.manual and len(task_spec.inputs) > 1):
        yield DefinitionError(
            N_("task has several incoming flows: a loop back must enter an exclusive gateway"),
            file, element)


def _lint_event_gateway(file: str, element: str, task_spec) -> Iterator[DefinitionError]:
    """SpiffWorkflow keeps one due time per event-based gateway: a second timer after it would
    fire at the first one's time. Fold the dates into one timer and branch after it."""
    if not isinstance(task_spec, EventBasedGateway):
        return
    timers = [d for d in task_spec.event_definition.event_definitions
              if isinstance(d, TimerEventDefinition)]
    if len(timers) > 1:
        yield DefinitionError(N_("an event-based gateway may wait for one timer only (here "
                                 "%(n)s): compute the earliest date in a script, wait for it, "
                                 "then branch on which it was"), file, element, n=len(timers))


def _lint_deadlines(file: str, element: str, task_spec) -> Iterator[DefinitionError]:
    properties = task_spec.extensions.get("properties", {})
    for name in deadlines.PROPERTIES:
        problem = deadlines.check(properties[name]) if name in properties else None
        if problem:
            yield DefinitionError(N_("invalid %(property)s expression: %(problem)s"), file,
                                  element, property=name, problem=problem)


def _lint_timer(file: str, element: str, task_spec) -> Iterator[DefinitionError]:
    definition = getattr(task_spec, "event_definition", None)
    if not isinstance(definition, TimerEventDefinition):
        return
    expression = (definition.expression or "").strip()
    if ISO_LITERAL.match(expression):
        yield DefinitionError(N_('timer text is a Python expression: quote it, e.g. "%(text)s"'),
                              file, element, text=expression)
    elif check_source(expression, "eval"):
        yield DefinitionError(N_("invalid timer expression: %(problem)s"), file, element,
                              problem=check_source(expression, "eval"))


def _lint_decision(file: str, element: str, task_spec) -> Iterator[DefinitionError]:
    engine = getattr(task_spec, "dmnEngine", None)
    if engine is None:
        return
    table = engine.decision_table
    for rule in table.rules:
        for entry in rule.outputEntries:
            problem = entry.text and check_source(entry.text, "eval")
            if problem:
                yield DefinitionError(N_("decision table row %(row)s: invalid output: %(problem)s"),
                                      file, f"{element}/{table.id}", row=rule.row_number,
                                      problem=problem)
        for entry in rule.inputEntries:
            for lhs in entry.lhs:
                if lhs and not _input_cell_ok(entry.input.expression, lhs):
                    yield DefinitionError(
                        N_("decision table row %(row)s: invalid condition '%(cell)s' (cells are "
                           "Python, not FEEL)"),
                        file, f"{element}/{table.id}", row=rule.row_number, cell=lhs)


def _is_feel_list(cell: str) -> bool:
    """A bare comma list ("a","b") is FEEL; in Python it is a tuple that never equals the input."""
    try:
        return isinstance(ast.parse(cell.strip(), mode="eval").body, ast.Tuple)
    except SyntaxError:
        return False


def _input_cell_ok(expression: str, cell: str) -> bool:
    if _is_feel_list(cell):
        return False
    if "?" in cell:
        return check_source(cell.replace("?", "(0)"), "eval") is None
    return any(check_source(candidate, "eval") is None
               for candidate in (f"({expression}) == ({cell})", f"({expression}) {cell}"))


def _compile(parser: SpiffBpmnParser, key: str) -> tuple[ProcessDefinition, list[DefinitionError]]:
    try:
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except (ValidationException, SpiffWorkflowException) as error:
        owner = parser.process_parsers.get(key)
        raise _from_spiff(error, getattr(owner, "filename", "") or "") from None
    problems = [p for file, ts in _user_tasks(spec, subprocess_specs) for p in _lint_task(file, ts)]
    tasks = tuple(
        UserTaskInfo(ts.bpmn_id, ts.bpmn_name or ts.bpmn_id, ts.lane,
                     ts.extensions.get("properties", {}).get("formId"))
        for _, ts in _user_tasks(spec, subprocess_specs) if ts.manual and ts.bpmn_id)
    stored = {
        "spec": SERIALIZER.to_dict(spec),
        "subprocess_specs": {k: SERIALIZER.to_dict(v) for k, v in subprocess_specs.items()},
    }
    reasons = loops.reasons_of(parser.process_parsers[key].node)
    if reasons:  # why a loop-back flow was taken: read by runtime.loop_backs
        stored["loop_reasons"] = reasons
    serialized = json.dumps(stored, sort_keys=True, ensure_ascii=False)
    lanes = [task_spec.lane for task_spec in spec.start.outputs if task_spec.lane]
    decisions = tuple(ts.bpmn_id for _, ts in _user_tasks(spec, subprocess_specs)
                      if isinstance(ts, BusinessRuleTask) and ts.bpmn_id)
    return ProcessDefinition(key, spec.description or key, serialized, tasks,
                             lanes[0] if lanes else None, decisions), problems


@timed
def check_definitions(files: Mapping[str, bytes]) -> tuple[dict[str, ProcessDefinition],
                                                           list[DefinitionError]]:
    """Return the compiled processes of a package and every problem found in it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        definitions, problems = _check(files)
    # Spiff warns about deprecated placements it still accepts; a designer must fix them.
    problems.extend(DefinitionError(N_("%(warning)s"), warning=str(w.message)) for w in caught)
    return definitions, problems


def _check(files: Mapping[str, bytes]) -> tuple[dict, list]:
    parser, failed = _parser(files)
    if failed:  # compiling the rest would report what the failed files define as missing
        return {}, failed
    try:
        keys = parser.get_process_ids()
    except (ValidationException, SpiffWorkflowException) as error:
        return {}, [_from_spiff(error)]
    definitions, problems = {}, []
    for key in keys:
        try:
            definition, found = _compile(parser, key)
        except DefinitionError as error:
            problems.append(error)
            continue
        definitions[key] = definition
        problems.extend(found)
    return definitions, problems


@timed
def load_definitions(files: Mapping[str, bytes]) -> dict[str, ProcessDefinition]:
    """Return {process key: ProcessDefinition}; raise the first DefinitionError found."""
    definitions, problems = check_definitions(files)
    if problems:
        raise problems[0]
    return definitions
