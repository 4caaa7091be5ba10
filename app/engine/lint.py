"""Facts read from BPMN and DMN XML for the lint, each with its element id and XML line.

Spiff's compiled specs forget where an element was written; the lint reads the XML again
(lxml keeps `sourceline`), so every problem names file, element id and line. Pure: the
services compare these facts with forms and meta.yaml (services/lint.py).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from lxml import etree

from app.engine import expressions
from app.errors import N_, DefinitionError

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "bpmndi": BPMNDI, "spiff": SPIFF}
# Elements the case page draws: each needs a BPMNShape (flow nodes) or BPMNEdge (flows).
FLOW_NODES = ("task", "userTask", "scriptTask", "serviceTask", "businessRuleTask", "manualTask",
              "sendTask", "receiveTask", "callActivity", "subProcess", "startEvent", "endEvent",
              "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
              "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway")
TIMERS = ("timeDate", "timeDuration", "timeCycle")
# An unquoted ISO date or duration: definitions.py reports it, it reads no names.
ISO_LITERAL = re.compile(r"^(R\d*/)?(P|\d{4}-)")
NO_DTD = N_("a document type declaration (DTD or entity) is not allowed")
_HARDENED = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                 remove_comments=True)


@dataclass(frozen=True)
class Expression:
    """One piece of designer Python: where it is, what kind, its text."""

    file: str
    element: str
    line: int
    kind: str  # condition, script, timer, dueDate, notBefore, decision input/output/cell
    source: str
    mode: str = "eval"


@dataclass(frozen=True)
class UserTask:
    file: str
    element: str
    line: int
    form: str | None
    variable: str


@dataclass
class Facts:
    """What one package's XML says, gathered over its files."""

    expressions: list[Expression] = field(default_factory=list)
    defined: set[str] = field(default_factory=set)
    # names scripts assign (a form's variable a script rewrites may hold other values)
    scripted: set[str] = field(default_factory=set)
    user_tasks: list[UserTask] = field(default_factory=list)
    # process id -> decision ids its business rule tasks call
    calls: dict[str, set[str]] = field(default_factory=dict)
    # decision id -> DMN file that holds it
    decisions: dict[str, str] = field(default_factory=dict)
    # (file, element id) -> XML line, to give other checks' problems their line
    lines: dict[tuple[str, str], int] = field(default_factory=dict)


def parse_xml(name: str, content: bytes) -> etree._ElementTree:
    """Return the parsed tree of a BPMN or DMN file; raise DefinitionError."""
    if re.search(rb"<!DOCTYPE|<!ENTITY", content, re.IGNORECASE):
        raise DefinitionError(NO_DTD, file=name)
    try:
        tree = etree.ElementTree(etree.fromstring(content, etree.XMLParser(**_HARDENED)))
    except etree.XMLSyntaxError as error:
        raise DefinitionError(N_("malformed XML: %(error)s"), file=name, error=error.msg,
                              line=error.lineno or 0) from None
    # The byte search above misses a DTD in UTF-16 (or any non-ASCII-compatible) encoding.
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        raise DefinitionError(NO_DTD, file=name)
    return tree


def read_facts(files: Mapping[str, bytes]) -> tuple[Facts, dict[str, object]]:
    """Return the facts of a package and the root of each BPMN file; files that do not parse
    are left out (check_definitions reports them)."""
    facts, roots = Facts(), {}
    for name, content in sorted(files.items()):
        try:
            root = parse_xml(name, content).getroot()
        except DefinitionError:
            continue
        facts.lines.update({(name, e.get("id")): e.sourceline or 0 for e in root.iter()
                            if isinstance(e.tag, str) and e.get("id")})
        if name.endswith(".dmn"):
            read_dmn(name, root, facts)
        else:
            read_bpmn(name, root, facts)
            roots[name] = root
    return facts, roots


def _q(tag: str) -> str:
    prefix, name = tag.split(":")
    return f"{{{NS[prefix]}}}{name}"


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _owner_id(element) -> str:
    """The id of the nearest element that has one (a script's task, a cell's rule)."""
    while element is not None and not element.get("id"):
        element = element.getparent()
    return element.get("id", "") if element is not None else ""


def element_at(root, line: int) -> str:
    """Return the id of the element written at `line` (or of its nearest parent with one)."""
    for element in root.iter():
        if getattr(element, "sourceline", None) == line and isinstance(element.tag, str):
            return _owner_id(element)
    return ""


def _text(element) -> str:
    return (element.text or "").strip() if element is not None else ""


def read_bpmn(file: str, root, facts: Facts) -> None:
    """Add the expressions, defined names, user tasks and decision calls of a BPMN file."""
    for process in root.iter(_q("bpmn:process")):
        facts.calls[process.get("id", "")] = {
            _text(d) for d in process.iter(_q("spiff:calledDecisionId")) if _text(d)}
    facts.expressions.extend(_bpmn_expressions(file, root))
    facts.defined |= _bpmn_defined(root)
    for element in root.iter(_q("bpmn:script")):
        facts.scripted |= expressions.names_written(_text(element))
    facts.user_tasks.extend(_user_tasks(file, root))


def _expression(file: str, element, kind: str, mode: str = "eval") -> Expression:
    return Expression(file, _owner_id(element), element.sourceline or 0, kind, _text(element),
                      mode)


def _bpmn_expressions(file: str, root) -> Iterator[Expression]:
    for element in root.iter(_q("bpmn:conditionExpression")):
        yield _expression(file, element, "condition")
    for element in root.iter(_q("bpmn:script")):
        yield _expression(file, element, "script", "exec")
    for name in TIMERS:
        for element in root.iter(_q(f"bpmn:{name}")):
            if not ISO_LITERAL.match(_text(element)):  # the event, not its definition
                yield Expression(file, _owner_id(element.getparent().getparent()),
                                 element.sourceline or 0, "timer", _text(element))
    for element in root.iter(_q("spiff:messagePayload")):
        yield _expression(file, element, "message payload")
    for element in root.iter(_q("spiff:property")):
        if element.get("name") in ("dueDate", "notBefore"):
            yield Expression(file, _owner_id(element), element.sourceline or 0,
                             element.get("name"), (element.get("value") or "").strip())


def _bpmn_defined(root) -> set[str]:
    """Names the diagram itself puts into the case data."""
    names = set()
    for element in root.iter(_q("bpmn:script")):
        names |= expressions.names_written(_text(element))
    for tag in ("spiff:variableName", "spiff:messageVariable", "bpmn:loopDataOutputRef",
                "bpmn:loopDataInputRef"):
        names |= {_text(e) for e in root.iter(_q(tag)) if _text(e)}
    for tag in ("bpmn:inputDataItem", "bpmn:outputDataItem", "bpmn:dataObject"):
        names |= {e.get("id") for e in root.iter(_q(tag)) if e.get("id")}
    for task in root.iter(_q("bpmn:userTask")):
        if task.find(".//spiff:variableName", NS) is None:
            names.add(task.get("id", ""))
    # A child case started by a message receives the payload's "data" as its own data.
    for element in root.iter(_q("spiff:messagePayload")):
        names |= expressions.dict_keys(_text(element), ("data",))
    return names


def _user_tasks(file: str, root) -> Iterator[UserTask]:
    for task in root.iter(_q("bpmn:userTask")):
        form = next((p.get("value") for p in task.iter(_q("spiff:property"))
                     if p.get("name") == "formId"), None)
        item = task.find("bpmn:multiInstanceLoopCharacteristics/bpmn:outputDataItem", NS)
        variable = _text(task.find(".//spiff:variableName", NS)) or task.get("id", "")
        yield UserTask(file, task.get("id", ""), task.sourceline or 0, form,
                       item.get("id") if item is not None else variable)


def read_dmn(file: str, root, facts: Facts) -> None:
    """Add the decisions, the names their outputs define and their cells of a DMN file."""
    for decision in root.iter():
        if _local(decision) == "decision" and decision.get("id"):
            facts.decisions[decision.get("id")] = file
    for table in (e for e in root.iter() if _local(e) == "decisionTable"):
        facts.defined |= {o.get("name").split(".")[0] for o in table
                          if _local(o) == "output" and o.get("name")}
        facts.expressions.extend(_table_expressions(file, table))


def _table_expressions(file: str, table) -> Iterator[Expression]:
    inputs = [next((_text(t) for t in i.iter() if _local(t) == "text"), "")
              for i in table if _local(i) == "input"]
    for element in table.iter():
        if _local(element) == "inputExpression":
            yield _cell(file, element, "decision input", _cell_text(element))
    for rule in (r for r in table if _local(r) == "rule"):
        entries = [e for e in rule if _local(e) == "inputEntry"]
        for subject, entry in zip(inputs, entries, strict=False):
            text = _cell_text(entry)
            if text and text != "-":
                yield _cell(file, entry, "decision cell", _as_condition(subject, text))
        for entry in (e for e in rule if _local(e) == "outputEntry"):
            if _cell_text(entry):
                yield _cell(file, entry, "decision output", _cell_text(entry))


def _cell_text(element) -> str:
    return next((_text(t) for t in element.iter() if _local(t) == "text"), "")


def _cell(file: str, element, kind: str, source: str) -> Expression:
    return Expression(file, _owner_id(element), element.sourceline or 0, kind, source)


def _as_condition(subject: str, cell: str) -> str:
    """The Python the engine evaluates for an input cell: `?` is the input, a bare value is
    compared with it, an operator continues it (definitions._input_cell_ok)."""
    if "?" in cell:
        return cell.replace("?", f"({subject})")
    for candidate in (f"({subject}) == ({cell})", f"({subject}) {cell}"):
        if _parses(candidate):
            return candidate
    return cell


def _parses(source: str) -> bool:
    try:
        compile(source, "<cell>", "eval", dont_inherit=True)
    except SyntaxError:
        return False
    return True


def layout_problems(file: str, root) -> list[DefinitionError]:
    """Return a problem for each flow node or sequence flow without diagram layout."""
    drawn = {e.get("bpmnElement") for e in root.iter(_q("bpmndi:BPMNShape"), _q("bpmndi:BPMNEdge"))}
    problems = []
    for element in root.iter(*(_q(f"bpmn:{n}") for n in (*FLOW_NODES, "sequenceFlow"))):
        if element.get("id") and element.get("id") not in drawn:
            kind = "edge" if _local(element) == "sequenceFlow" else "shape"
            problems.append(DefinitionError(
                N_("%(tag)s has no diagram %(kind)s (bpmndi), so the case page cannot draw it"),
                file, element.get("id"), line=element.sourceline or 0, tag=_local(element),
                kind=kind))
    return problems


# An element's English name (docs/PROCESSES.md "English names"); a name with no Chinese in
# it is English already (the lanes name their level: applicant, county, city...).
ENGLISH_NAME = "{urn:process-language:en}name"
CJK = re.compile(r"[\u3400-\u9fff]")


def english_name_warnings(file: str, root) -> list[DefinitionError]:
    """Return a warning for each element whose Chinese name has no English name (en:name)."""
    return [DefinitionError(N_("%(tag)s %(name)s has no English name (en:name), so the English "
                               "interface shows it in Chinese"), file, element.get("id"),
                            line=element.sourceline or 0, tag=_local(element),
                            name=element.get("name"))
            for element in root.iter()
            if isinstance(element.tag, str) and element.get("id")
            and CJK.search(element.get("name") or "") and not element.get(ENGLISH_NAME)]


def _graph(root) -> tuple[dict[str, list], dict[str, object]]:
    """Outgoing sequence flows by source id, and every element by id."""
    outgoing: dict[str, list] = {}
    for flow in root.iter(_q("bpmn:sequenceFlow")):
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
    return outgoing, {e.get("id"): e for e in root.iter() if isinstance(e.tag, str) and e.get("id")}


def _reads_decision(source: str, tracked: set[str]) -> bool:
    return any(v in tracked and f == "decision" for v, f in expressions.fields_read(source)) or \
        (any(q in source for q in ('"decision"', "'decision'"))
         and bool(expressions.names_read(source) & tracked))


def decides_on(root, task_id: str, variable: str) -> bool:
    """Whether an exclusive gateway reached from `task_id` (before another user task) has a
    condition reading the task's `decision`, directly or through a script's result."""
    outgoing, by_id = _graph(root)
    collection = by_id[task_id].find(".//bpmn:loopDataOutputRef", NS) if task_id in by_id else None
    tracked, derived, seen = {variable, _text(collection)} - {""}, set(), {task_id}
    queue = deque(f.get("targetRef") for f in outgoing.get(task_id, []))
    while queue:
        node = by_id.get(queue.popleft())
        if node is None or node.get("id") in seen or _local(node) == "userTask":
            continue
        seen.add(node.get("id"))
        script = _text(node.find("bpmn:script", NS))
        if script and _reads_decision(script, tracked):
            derived |= expressions.names_written(script)
        for flow in outgoing.get(node.get("id"), []):
            condition = _text(flow.find("bpmn:conditionExpression", NS))
            if _local(node) == "exclusiveGateway" and condition and (
                    _reads_decision(condition, tracked)
                    or expressions.names_read(condition) & derived):
                return True
            queue.append(flow.get("targetRef"))
    return False


def variables_of(tasks: list[UserTask]) -> Mapping[str, set[str]]:
    """Return {case-data variable: the forms whose data lands in it}."""
    found: dict[str, set[str]] = {}
    for task in tasks:
        if task.form:
            found.setdefault(task.variable, set()).add(task.form)
    return found
