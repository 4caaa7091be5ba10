"""What a designer's Python expression or script reads, writes and compares (for the lint).

Plain `ast` analysis: nothing runs. Sources that do not parse are reported elsewhere
(definitions.py); here they read and write nothing.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Comparison:
    """`variable["field"]` (or `.get("field")`) compared with literal text values."""

    variable: str
    field: str
    values: tuple[str, ...]


@lru_cache(maxsize=4096)
def _tree(source: str, mode: str) -> ast.AST | None:
    try:
        return ast.parse(source.strip(), mode=mode)
    except (SyntaxError, ValueError):
        return None


def _bound(tree: ast.AST) -> set[str]:
    """Names bound inside the source itself: assignments, loop and comprehension targets,
    lambda arguments. A read of one of them is not a read of case data."""
    names = {node.id for node in ast.walk(tree)
             if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del))}
    for node in ast.walk(tree):
        if isinstance(node, ast.arguments):
            names |= {a.arg for a in (*node.posonlyargs, *node.args, *node.kwonlyargs)}
    return names


def names_read(source: str, mode: str = "eval") -> set[str]:
    """Return the free names `source` reads (case data, helpers, builtins)."""
    tree = _tree(source, mode)
    if tree is None:
        return set()
    read = {node.id for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    return read - _bound(tree)


def names_written(source: str) -> set[str]:
    """Return the top-level names a script assigns (they land in the case data)."""
    tree = _tree(source, "exec")
    if tree is None:
        return set()
    # A comprehension's loop variable stays inside the comprehension.
    inner = {id(node) for c in ast.walk(tree) if isinstance(c, ast.comprehension)
             for node in ast.walk(c.target)}
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)
            and isinstance(node.ctx, ast.Store) and id(node) not in inner}


def _field_ref(node: ast.AST) -> tuple[str, str] | None:
    """(variable, field) of `variable["field"]` or `variable.get("field", ...)`."""
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
            and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.value.id, node.slice.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr == "get" and isinstance(node.func.value, ast.Name) and node.args \
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.func.value.id, node.args[0].value
    return None


def _texts(node: ast.AST) -> tuple[str, ...] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and node.elts and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
        return tuple(e.value for e in node.elts)
    return None


_EQUALITY = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)


def comparisons(source: str, mode: str = "eval") -> list[Comparison]:
    """Return every `field == "text"` / `field in ("a", "b")` comparison of `source`."""
    tree = _tree(source, mode)
    found = []
    for node in ast.walk(tree) if tree is not None else ():
        if not isinstance(node, ast.Compare) or len(node.ops) != 1 \
                or not isinstance(node.ops[0], _EQUALITY):
            continue
        left, right = node.left, node.comparators[0]
        for ref_side, value_side in ((left, right), (right, left)):
            ref, values = _field_ref(ref_side), _texts(value_side)
            if ref and values:
                found.append(Comparison(ref[0], ref[1], values))
    return found


def fields_read(source: str, mode: str = "eval") -> set[tuple[str, str]]:
    """Return every (variable, field) `source` reads as `variable["field"]` or `.get`."""
    tree = _tree(source, mode)
    return {ref for node in ast.walk(tree) if (ref := _field_ref(node))} if tree else set()


def dict_keys(source: str, path: tuple[str, ...]) -> set[str]:
    """Return the keys of the dict literal at `path` inside the dict literal `source`."""
    node = getattr(_tree(source, "eval"), "body", None)
    for key in path:
        if not isinstance(node, ast.Dict):
            return set()
        node = next((v for k, v in zip(node.keys, node.values, strict=True)
                     if isinstance(k, ast.Constant) and k.value == key), None)
    if not isinstance(node, ast.Dict):
        return set()
    return {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
