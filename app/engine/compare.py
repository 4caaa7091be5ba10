"""What changed between two versions of a procedure's BPMN and DMN texts, element by element.

Pure (lxml only, parsed by the lint's hardened parser). An element is known by its id; its
properties are what this product reads from it (name, documentation, script, condition,
timer, lane, the spiffworkflow properties, flows), each written as one text, so that a
designer sees "old → new" for exactly what a case will do differently. A decision table's
rows are known by their rule id.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from lxml import etree

from app.engine.english import ENGLISH_LABEL, LANGUAGE  # English texts, listed as "en:…"
from app.engine.lint import BPMNDI, NS, SPIFF, parse_xml

BPMN = NS["bpmn"]
DI = "http://www.omg.org/spec/DD/20100524/DI"
# Containers whose children are the diagram's elements; the containers are elements too.
CONTAINERS = ("process", "subProcess", "transaction", "adHocSubProcess", "collaboration",
              "laneSet", "childLaneSet")
# Children that are properties of their element, read one by one below.
READ = ("documentation", "incoming", "outgoing", "extensionElements", "script",
        "conditionExpression", "flowNodeRef", "laneSet", "childLaneSet")
TIMERS = ("timeDate", "timeDuration", "timeCycle")


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _text(element) -> str:
    return (element.text or "").strip() if element is not None else ""


def _joined(values) -> str | None:
    found = sorted(v for v in values if v)
    return ", ".join(found) if found else None


def _canonical(element) -> str:
    """One line for a nested element: tag, attributes, text and children, ids left out."""
    attributes = " ".join(f"{etree.QName(k).localname}={v}" for k, v in
                          sorted(element.attrib.items()) if k != "id")
    inner = " ".join(_canonical(child) for child in element if isinstance(child.tag, str))
    text = _text(element)
    return f"{_local(element)}({' '.join(p for p in (attributes, text, inner) if p)})"


def _elements(root) -> Iterator:
    """Every element of the semantic model with an id (not the diagram's layout)."""
    for element in root.iter():
        parent = element.getparent()
        if (isinstance(element.tag, str) and element.get("id") and parent is not None
                and etree.QName(element).namespace == BPMN
                and (parent is root or _local(parent) in CONTAINERS)):
            yield element


def _lanes(root) -> dict[str, str]:
    """{flow node id: name of the innermost lane holding it}."""
    lanes = {}
    for lane in root.iter(f"{{{BPMN}}}lane"):
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            lanes[_text(ref)] = lane.get("name") or lane.get("id")
    return lanes


def _extensions(element) -> Iterator[tuple[str, str | None]]:
    extensions = element.find("bpmn:extensionElements", NS)
    for child in extensions if extensions is not None else ():
        if not isinstance(child.tag, str):
            continue
        if _local(child) == "properties" and etree.QName(child).namespace == SPIFF:
            for item in child.findall("spiffworkflow:property", {"spiffworkflow": SPIFF}):
                yield item.get("name", ""), item.get("value")
        elif len(child):
            yield _local(child), " ".join(_canonical(c) for c in child
                                          if isinstance(c.tag, str))
        else:
            yield _local(child), _text(child)


def _nested(element) -> Iterator[tuple[str, str | None]]:
    """Timers and other nested parts (event definitions, loops, data) as properties."""
    container = _local(element) in CONTAINERS
    for child in element:
        name = _local(child)
        if not name or name in READ or (container and child.get("id")):
            continue  # a container's elements are compared on their own
        timers = [t for t in child.iter() if _local(t) in TIMERS]
        if timers:
            yield "timer", _joined(f"{_local(t)}: {_text(t)}" for t in timers)
            continue
        yield name, _canonical(child)


def properties(element, lanes: Mapping[str, str]) -> dict[str, str | None]:
    """Return {property name: text} of one element, as compared between versions."""
    found: dict[str, str | None] = {
        "name": element.get("name"),
        "documentation": _joined(_text(d) for d in element.findall("bpmn:documentation", NS)),
        "script": _text(element.find("bpmn:script", NS)) or None,
        "condition": _text(element.find("bpmn:conditionExpression", NS)) or None,
        "lane": lanes.get(element.get("id")),
        "incoming": _joined(_text(e) for e in element.findall("bpmn:incoming", NS)),
        "outgoing": _joined(_text(e) for e in element.findall("bpmn:outgoing", NS)),
    }
    for key, value in element.attrib.items():
        name = etree.QName(key).localname
        if etree.QName(key).namespace == LANGUAGE:
            found[f"en:{name}"] = value
        elif name not in ("id", "name"):
            found[name] = value
    found.update(_extensions(element))
    found.update(_nested(element))
    return {key: value for key, value in found.items() if value not in (None, "")}


def _layout(root) -> dict[str, str]:
    """{element id: its shape's bounds or its edge's waypoints, as one text}."""
    return {shape.get("bpmnElement"): _canonical(shape)
            for shape in root.iter(f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge")}


def _model(text: str, file: str):
    root = parse_xml(file, text.encode("utf-8")).getroot()
    lanes = _lanes(root)
    return {e.get("id"): (e, properties(e, lanes)) for e in _elements(root)}, _layout(root)


def _summary(element) -> dict:
    return {"id": element.get("id"), "type": _local(element), "name": element.get("name") or ""}


def _changed_properties(old: dict, new: dict) -> list[dict]:
    """The differing properties in the order the element or row has them."""
    keys = [*new, *(key for key in old if key not in new)]
    return [{"name": key, "old": old.get(key), "new": new.get(key)}
            for key in keys if old.get(key) != new.get(key)]


def bpmn_changes(old_text: str, new_text: str, file: str = "") -> dict[str, list[dict]]:
    """Return {"added", "removed", "changed", "layout"} element lists between two BPMN texts
    (each {"id", "type", "name"}, all but "layout" with their "properties" [{"name", "old",
    "new"}]); raise DefinitionError for a text that does not parse."""
    (old, old_layout), (new, new_layout) = _model(old_text, file), _model(new_text, file)
    changes: dict[str, list[dict]] = {"added": [], "removed": [], "changed": [], "layout": []}
    # An added or removed element carries what it says too (old or new is None).
    changes["added"] = [{**_summary(new[key][0]), "properties": _changed_properties(
        {}, new[key][1])} for key in sorted(new.keys() - old.keys())]
    changes["removed"] = [{**_summary(old[key][0]), "properties": _changed_properties(
        old[key][1], {})} for key in sorted(old.keys() - new.keys())]
    for key in sorted(old.keys() & new.keys()):
        (old_element, old_properties), (new_element, new_properties) = old[key], new[key]
        if _local(old_element) != _local(new_element):
            old_properties = {**old_properties, "type": _local(old_element)}
            new_properties = {**new_properties, "type": _local(new_element)}
        changed = _changed_properties(old_properties, new_properties)
        if changed:
            changes["changed"].append({**_summary(new_element), "properties": changed})
        elif old_layout.get(key) != new_layout.get(key):
            changes["layout"].append(_summary(new_element))
    return changes


# --- decision tables -----------------------------------------------------------------------

def _cell(element) -> str:
    return next((_text(t) for t in element.iter() if _local(t) == "text"), "")


def _columns(table) -> tuple[list[str], list[str]]:
    inputs = [i.get("label") or _cell(i) or i.get("id", "") for i in table if _local(i) == "input"]
    outputs = [o.get("label") or o.get("name") or o.get("id", "") for o in table
               if _local(o) == "output"]
    return inputs, outputs


def _rules(table) -> dict[str, dict[str, str]]:
    """{rule id: {column: cell text}}, the description under "description"."""
    inputs, outputs = _columns(table)
    rules = {}
    for number, rule in enumerate((r for r in table if _local(r) == "rule"), start=1):
        cells = {"description": next((_text(d) for d in rule if _local(d) == "description"), "")}
        cells.update((f"en:{etree.QName(k).localname}", v) for k, v in rule.attrib.items()
                     if etree.QName(k).namespace == LANGUAGE)
        entries = [e for e in rule if _local(e) == "inputEntry"]
        cells.update(zip(inputs, (_cell(e) for e in entries), strict=False))
        entries = [e for e in rule if _local(e) == "outputEntry"]
        cells.update(zip(outputs, (_cell(e) for e in entries), strict=False))
        rules[rule.get("id") or f"row {number}"] = cells
    return rules


def _tables(files: Mapping[str, str]) -> dict[tuple[str, str], tuple[str, object]]:
    """{(file, decision id): (decision name, its decision table)}."""
    tables = {}
    for file, text in sorted(files.items()):
        for decision in parse_xml(file, text.encode("utf-8")).getroot().iter():
            table = next((t for t in decision if _local(t) == "decisionTable"), None)
            if _local(decision) == "decision" and table is not None:
                tables[(file, decision.get("id", ""))] = (decision.get("name") or "", table)
    return tables


def _row(rule_id: str, cells: dict) -> dict:
    return {"id": rule_id, "description": cells.get("description", ""),
            "cells": [{"column": k, "text": v} for k, v in cells.items() if k != "description"]}


def _table_changes(old, new) -> dict:
    old_rules, new_rules = _rules(old) if old is not None else {}, _rules(new) if new is not None \
        else {}
    header = {"hitPolicy": None, "inputs": None, "outputs": None, "en:label": None}
    before, after = dict(header), dict(header)
    for values, table in ((before, old), (after, new)):
        if table is not None:
            values.update(hitPolicy=table.get("hitPolicy") or "UNIQUE",
                          inputs=" | ".join(_columns(table)[0]),
                          outputs=" | ".join(_columns(table)[1]))
            values["en:label"] = " | ".join(c.get(ENGLISH_LABEL) for c in table
                                            if _local(c) in ("input", "output")
                                            and c.get(ENGLISH_LABEL)) or None
    return {
        "properties": _changed_properties(before, after),
        "added": [_row(k, new_rules[k]) for k in sorted(new_rules.keys() - old_rules.keys())],
        "removed": [_row(k, old_rules[k]) for k in sorted(old_rules.keys() - new_rules.keys())],
        "changed": [{"id": k, "description": new_rules[k].get("description", ""),
                     "properties": _changed_properties(old_rules[k], new_rules[k])}
                    for k in sorted(old_rules.keys() & new_rules.keys())
                    if old_rules[k] != new_rules[k]],
    }


def dmn_changes(old_files: Mapping[str, str], new_files: Mapping[str, str]) -> list[dict]:
    """Return one entry per decision table that differs: {"file", "decision", "name",
    "properties", "added", "removed", "changed"} (rows by rule id); raise DefinitionError."""
    old, new = _tables(old_files), _tables(new_files)
    found = []
    for file, decision in sorted(old.keys() | new.keys()):
        name, old_table = old.get((file, decision), ("", None))
        new_name, new_table = new.get((file, decision), (name, None))
        changes = _table_changes(old_table, new_table)
        if any(changes.values()):
            found.append({"file": file, "decision": decision, "name": new_name or name,
                          **changes})
    return found
