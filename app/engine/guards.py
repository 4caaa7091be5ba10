"""Size guards: operations that could build a huge value are checked before they run.

The restricted compile (policy.py) rewrites `*`, `**`, `<<`, `+` and `%` into
`_binop_`, f-string fields into `_format_`, and attribute access goes through
`guarded_getattr`, so a script that asks for `10**10**8`, `"a" * 10**10` or
`"x".ljust(10**9)` is refused before a byte is allocated.
"""

from __future__ import annotations

import functools
import operator
import re
import string

from RestrictedPython.Guards import safer_getattr

from app.engine.budget import ScriptRefused

MAX_INT_BITS = 10_000  # about 3,000 digits; Python refuses to print more than 4,300
MAX_ITEMS = 1_000_000  # characters of a text, items of a list
_SEQUENCES = (str, bytes, list, tuple)
_NUMBER_IN_SPEC = re.compile(r"\d+")
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _is_int(value) -> bool:
    return isinstance(value, int)


def _bits(value: int) -> int:
    return abs(value).bit_length()


def check_int(bits: int) -> None:
    """Raise ScriptRefused when a number of `bits` bits is too large to compute."""
    if bits > MAX_INT_BITS:
        raise ScriptRefused(f"the number would have more than {MAX_INT_BITS:,} bits")


def check_items(count: int) -> None:
    """Raise ScriptRefused when a text or list of `count` items is too large."""
    if count > MAX_ITEMS:
        raise ScriptRefused(f"the text or list would have more than {MAX_ITEMS:,} items")


def text_size(value, limit: int = MAX_ITEMS) -> int:
    """Return about how many characters str(value) has, counting up to just past `limit`."""
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            total += len(item) + 2
        elif _is_int(item):
            total += _bits(item) // 3 + 2
        elif isinstance(item, dict):
            total += 2 * len(item) + 2
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 2 * len(item) + 2
            stack.extend(item)
        else:
            total += 24
    return total


def logical_size(value, limit: int = MAX_ITEMS) -> int:
    """Return how many items `value` holds counting shared ones each time, up to past `limit`."""
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, dict):
            total += len(item)
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += len(item)
            stack.extend(i for i in item if isinstance(i, (list, tuple, dict, set, frozenset)))
    return total


def sized(value):
    """Return `value` after refusing a container whose comparison or sort would never end.

    Lists holding the same list many times are small in memory but huge to compare: a
    single `==` or sorted() over them is one operation no step counts.
    """
    if isinstance(value, (list, tuple, dict)) and value and logical_size(value) > MAX_ITEMS:
        raise ScriptRefused(f"comparing or sorting more than {MAX_ITEMS:,} items (counting "
                            "repeated ones) is not allowed")
    return value


def _check_text(value) -> None:
    check_items(text_size(value))


def _check_add(a, b) -> None:
    if _is_int(a) and _is_int(b):
        check_int(max(_bits(a), _bits(b)) + 1)
    elif isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
        check_items(len(a) + len(b))


def _check_mul(a, b) -> None:
    if _is_int(a) and _is_int(b):
        check_int(_bits(a) + _bits(b))
    elif isinstance(a, _SEQUENCES) and _is_int(b):
        check_items(len(a) * max(b, 0))
    elif _is_int(a) and isinstance(b, _SEQUENCES):
        check_items(len(b) * max(a, 0))


def _check_pow(a, b) -> None:
    if _is_int(a) and _is_int(b) and b > 0 and _bits(a) > 1:
        check_int(_bits(a) * b)


def _check_lshift(a, b) -> None:
    if _is_int(a) and _is_int(b) and a and b > 0:
        check_int(_bits(a) + b)


def _check_percent_format(template: str, args) -> None:
    for width, precision in _PERCENT_FIELD.findall(template):
        if "*" in (width, precision):
            raise ScriptRefused("a '*' width in %-formatting is not allowed")
        check_items(max(int(width or 0), int(precision or 0)))
    _check_text(args)


def _check_mod(a, b) -> None:
    if isinstance(a, (str, bytes)):
        _check_percent_format(a.decode("latin-1") if isinstance(a, bytes) else a, b)


_CHECKS = {"+": _check_add, "*": _check_mul, "**": _check_pow, "<<": _check_lshift,
           "%": _check_mod}
_OPERATORS = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "<<": operator.lshift,
    ">>": operator.rshift, "&": operator.and_, "|": operator.or_, "^": operator.xor,
    "@": operator.matmul,
}


def binop(op: str, a, b):
    """Return `a op b` after refusing results that would be too large."""
    check = _CHECKS.get(op)
    if check is not None:
        check(a, b)
    return _OPERATORS[op](a, b)


def inplace(op: str, a, b):
    """RestrictedPython's `_inplacevar_`: `a op= b` for a name, through the same checks."""
    return binop(op.rstrip("="), a, b)


def check_spec(spec: str) -> None:
    """Raise ScriptRefused when a format spec asks for a huge width or precision."""
    if "{" in spec:
        raise ScriptRefused("a computed width in a format is not allowed")
    for number in _NUMBER_IN_SPEC.findall(spec):
        check_items(int(number))


_CONVERSIONS = {ord("s"): str, ord("r"): repr, ord("a"): ascii}


def format_value(value, spec: str = "", conversion: int = -1):
    """An f-string field `{value!conversion:spec}`, after checking the spec and the value's size."""
    check_spec(spec)
    _check_text(value)
    if conversion in _CONVERSIONS:
        value = _CONVERSIONS[conversion](value)
    return format(value, spec)


def _check_format_call(template: str, *args, **kwargs) -> None:
    for _, _, spec, _ in string.Formatter().parse(template):
        check_spec(spec or "")
    _check_text([args, kwargs])


def _width(obj, width, *rest) -> None:
    check_items(int(width))


def _join(obj, parts) -> tuple:
    parts = parts if isinstance(parts, (list, tuple)) else list(parts)
    check_items(sum(len(p) for p in parts if isinstance(p, (str, bytes))) + len(obj) * len(parts))
    return (parts,)  # an iterator was consumed by the check: join the list instead


def _replace(obj, old, new, count=-1) -> None:
    found = obj.count(old) if count < 0 else min(count, obj.count(old))
    check_items(len(obj) + found * max(len(new) - len(old), 0))


def _expandtabs(obj, tabsize=8) -> None:
    check_items(len(obj) + obj.count("\t" if isinstance(obj, str) else b"\t") * int(tabsize))


def _extend(obj, other) -> None:
    check_items(len(obj) + (len(other) if hasattr(other, "__len__") else 0))


def _to_bytes(obj, length=1, *rest, **kwargs) -> None:
    check_items(int(kwargs.get("length", length)))


def _sized_args(obj, *args, **kwargs) -> None:
    sized(obj)


def _refused(obj, *args, **kwargs) -> None:
    raise ScriptRefused("this text method is not allowed in scripts")


_METHOD_CHECKS = {
    "ljust": _width, "rjust": _width, "center": _width, "zfill": _width, "join": _join,
    "replace": _replace, "expandtabs": _expandtabs, "extend": _extend, "to_bytes": _to_bytes,
    "format": lambda obj, *a, **k: _check_format_call(obj, *a, **k),
    "format_map": lambda obj, mapping: _check_format_call(obj, **mapping),
    "translate": _refused, "maketrans": _refused, "count": _sized_args, "index": _sized_args,
    "remove": _sized_args, "sort": _sized_args,
}


def _checked(check, obj, method, *args, **kwargs):
    args = check(obj, *args, **kwargs) or args
    return method(*args, **kwargs)


def guarded_getattr(obj, name, *default):
    """RestrictedPython's safer_getattr, with size checks on methods that can build huge values."""
    value = safer_getattr(obj, name, *default)
    check = _METHOD_CHECKS.get(name)
    if check is not None and isinstance(obj, (str, bytes, list, tuple, int)) and callable(value):
        return functools.partial(_checked, check, obj, value)
    return value


def _sorting(function):
    @functools.wraps(function)
    def guarded(*args, **kwargs):
        for arg in args:
            sized(arg)
        return function(*args, **kwargs)
    return guarded


guarded_sorted, guarded_min, guarded_max = (_sorting(f) for f in (sorted, min, max))


def guarded_sum(iterable, start=0):
    """sum() of numbers only: adding lists or texts this way multiplies their size."""
    if not isinstance(start, (int, float)):
        raise ScriptRefused("sum() adds numbers only")
    return sum(iterable, start)


def guarded_round(number, ndigits=None):
    """round(), refusing digit counts that would make Python build a huge power of ten."""
    if ndigits is not None and abs(int(ndigits)) > 300:
        raise ScriptRefused("round() to more than 300 digits is not allowed")
    return round(number) if ndigits is None else round(number, ndigits)


def guarded_str(*args, **kwargs) -> str:
    """str(), refusing a value whose text would be too large."""
    if args and len(args) == 1 and not kwargs:
        _check_text(args[0])
    return str(*args, **kwargs)
