"""What case data may hold after a step: plain JSON of bounded depth and size.

Case data is stored as JSON (the case row and every task of its state), so a
script that leaves a range, a set, a function result or a huge or deeply
nested value there must fail the step with a sentence, not the database write
or the JSON encoder afterwards. The walk is iterative and stops at the limits,
so even data built from many references to one large list is refused quickly.
"""

from __future__ import annotations

import copy
import marshal
import math

from app.engine.guards import MAX_INT_BITS

MAX_DEPTH = 64
MAX_SIZE = 5_000_000  # characters and items, counted as if written out as JSON
_SCALARS = (str, bool, type(None))


def plain_copy(value):
    """Return a deep copy of `value`. Case data (dicts, lists, text, numbers, True, False,
    None) goes through marshal, which copies it in C several times faster than
    copy.deepcopy and keeps what deepcopy keeps: types, order, and one copy of a value held
    twice. Whatever marshal does not write as it is (an object, a subclass of str or dict,
    nesting beyond marshal's depth) is left to deepcopy."""
    try:
        return marshal.loads(marshal.dumps(value))
    except ValueError:
        return copy.deepcopy(value)


def _describe(value) -> str:
    return f"{type(value).__name__} value"


def _scalar_problem(value) -> tuple[str | None, int]:
    """Return (problem or None, size) for a value that holds no other values."""
    if isinstance(value, _SCALARS):
        return None, len(value) if isinstance(value, str) else 1
    if isinstance(value, int):
        if value.bit_length() > MAX_INT_BITS:
            return f"a number of more than {MAX_INT_BITS:,} bits", 1
        return None, 1
    if isinstance(value, float):
        return (None if math.isfinite(value) else "a number that is not finite"), 1
    return f"a {_describe(value)}, which cannot be stored (use lists, dicts, text and numbers)", 1


def _name(path) -> str:
    keys = []
    while path is not None:
        path, key = path
        keys.append(key)
    first, *rest = reversed(keys)
    return str(first) + "".join(f"[{key!r}]" for key in rest)


def _children(value, path) -> tuple[str | None, list]:
    if isinstance(value, dict):
        bad = [k for k in value if not isinstance(k, str)][:1]
        if bad:
            return f"{_name(path)} has the key {bad[0]!r}; keys must be text", []
        return None, list(value.items())
    return None, list(enumerate(value))


def data_problem(data: dict) -> str | None:
    """Return a sentence naming what in `data` cannot be stored, or None when all is plain."""
    size, stack = 0, [(value, 1, (None, key)) for key, value in data.items()]
    while stack:
        value, depth, path = stack.pop()
        if depth > MAX_DEPTH:
            return f"{_name(path).split('[')[0]} is nested more than {MAX_DEPTH} levels deep"
        if isinstance(value, (dict, list, tuple)):
            size += len(value) + 1
            if size > MAX_SIZE:
                break
            problem, children = _children(value, path)
            stack.extend((v, depth + 1, (path, k)) for k, v in children)
        else:
            problem, counted = _scalar_problem(value)
            size += counted
            problem = problem and f"{_name(path)} is {problem}"
        if problem:
            return problem
        if size > MAX_SIZE:
            break
    return f"the case data grew past {MAX_SIZE:,} characters and items" if size > MAX_SIZE else None


def same_data_key(data: dict) -> bytes | None:
    """Return bytes that only data equal to `data` in every value, type and nesting give
    (marshal's, written in C), or None when marshal cannot write `data` (an object, a
    subclass of str or dict): whether data is plain can be decided once per key. Copies
    of one data as Spiff makes them give the same bytes; other equal data may not (marshal
    marks shared values), which only costs a walk. Not a verdict: marshal writes sets,
    bytes and huge numbers too."""
    try:
        return marshal.dumps(data)
    except ValueError:
        return None


def data_is_plain(data: dict) -> bool:
    """Return whether data_problem(data) is None, several times faster: whether a problem
    exists does not depend on the order of the walk, which problem is found first does."""
    return 0 <= _plain_size(data.values(), 1, 0) <= MAX_SIZE


def _plain_size(values, depth: int, size: int) -> int:
    """Return `size` plus the size of `values` at `depth`, or -1 at the first problem."""
    if depth > MAX_DEPTH:
        return -1
    for value in values:
        if type(value) is str:
            size += len(value)
        elif isinstance(value, (dict, list, tuple)):
            size = _container_size(value, depth, size + len(value) + 1)
        else:
            problem, counted = _scalar_problem(value)
            size = -1 if problem else size + counted
        if not 0 <= size <= MAX_SIZE:
            return -1
    return size


def _container_size(value, depth: int, size: int) -> int:
    """Return _plain_size() of a dict's or a list's items, counted from `size`."""
    if size > MAX_SIZE:
        return -1
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            return -1
        value = value.values()
    return _plain_size(value, depth + 1, size)
