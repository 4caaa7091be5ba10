"""The line of a form definition's YAML where a problem's element (`title`, `fields.#3`,
`budget`, `rows.amount`, `line 7`) is written, so an editor can mark it."""

from __future__ import annotations

import re

import yaml

from app.errors import DefinitionError
from app.formdefs.safe_yaml import compose_yaml

YAML_LINE = re.compile(r"^line (\d+)$")
POSITION = re.compile(r"^#(\d+)$")


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _value(mapping: yaml.Node, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    """Return the (key node, value node) of `key` in a mapping node, or None."""
    if not isinstance(mapping, yaml.MappingNode):
        return None
    for key_node, value_node in mapping.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def _item(fields: yaml.Node, step: str) -> yaml.Node | None:
    """Return the list item named `step` (its `name`, or `#n` for the n-th)."""
    if not isinstance(fields, yaml.SequenceNode):
        return None
    position = POSITION.match(step)
    if position:
        index = int(position[1]) - 1
        return fields.value[index] if 0 <= index < len(fields.value) else None
    for item in fields.value:
        name = _value(item, "name")
        if name and isinstance(name[1], yaml.ScalarNode) and name[1].value == step:
            return item
    return None


def _element_line(root: yaml.Node, element: str) -> int:
    """Return the line of `element`: a top-level key, or a field path through fields/columns."""
    found = _value(root, element)
    if found:
        return _line(found[0])
    node, line = _value(root, "fields"), 0
    node = node[1] if node else None
    for depth, step in enumerate(element.split(".")):
        if step in ("fields", "columns"):
            continue
        if depth:
            columns = _value(node, "columns")
            node = columns[1] if columns else None
        node = _item(node, step)
        if node is None:
            break
        line = _line(node)
    return line


def add_lines(text: str, problems: list[DefinitionError]) -> list[DefinitionError]:
    """Set each problem's `line` (1-based; 0 when not found) from the YAML `text`; return them."""
    try:
        root = compose_yaml(text)
    except yaml.YAMLError:
        root = None
    for problem in problems:
        written = YAML_LINE.match(problem.element or "")
        if written:
            problem.line = int(written[1])
        elif root is not None and problem.element:
            problem.line = _element_line(root, problem.element)
    return problems
