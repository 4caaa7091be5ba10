"""plain_copy, the deep copy of what enters and leaves the engine (form input, message
payloads, the case data of a step): the copy equals the original in value and type, shares
nothing with it, and keeps a value held twice as one value, as copy.deepcopy does."""

from __future__ import annotations

import copy
from collections import OrderedDict
from decimal import Decimal

import pytest

from app.engine.casedata import plain_copy


def application() -> dict:
    files = ["4a04a4a8-363e-4950-852a-fa9be8681389"]
    return {"base_name": "昆明示例创业园", "employee_count": 950, "ratio": 0.85,
            "growth": "12.5", "commitment": True, "note": None, "files": files,
            "audit_report": files, "pair": (1, 2), "rows": [{"name": "甲", "share": 1.0}]}


def typed(value):
    """Return `value` with the type of every part written beside it (1, 1.0 and True
    compare equal)."""
    if isinstance(value, dict):
        return (type(value), [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list | tuple):
        return (type(value), [typed(item) for item in value])
    return (type(value), value)


@pytest.mark.parametrize("data", [
    application(),
    {"numbers": [1, 1.0, True, -0.0, 2 ** 200, "1"]},
    {"order": {"z": 1, "a": 2, "m": 3}},
    {},
])
def test_the_copy_has_the_same_values_of_the_same_types_in_the_same_order(data):
    copied = plain_copy(data)

    assert typed(copied) == typed(data)
    assert list(copied) == list(data)


def test_the_copy_shares_nothing_that_can_change_with_the_original():
    data = application()
    copied = plain_copy(data)

    copied["rows"][0]["share"] = 0.5
    copied["files"].append("another")

    assert data == application()


def test_a_value_held_twice_stays_one_value_as_deepcopy_keeps_it():
    data = application()
    copied = plain_copy(data)

    assert copied["files"] is copied["audit_report"]
    assert copied["files"] is not data["files"]
    deep = copy.deepcopy(data)
    assert (copied["files"] is copied["audit_report"]) == (deep["files"] is deep["audit_report"])


@pytest.mark.parametrize("value", [
    OrderedDict(a=1), {"amount": Decimal("1.5")}, {"when": object()},
    type("Text", (str,), {})("子类"),
])
def test_what_is_not_plain_data_is_copied_as_deepcopy_copies_it(value):
    copied = plain_copy(value)

    assert type(copied) is type(value)
    assert copied is not value
    if not isinstance(value, dict) or "when" not in value:
        assert copied == value
