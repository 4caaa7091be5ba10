"""A task's row of the rule-2 fingerprint holds its data as a change from its parent's
(runtime.compact_row): what differs in value or in type, and the keys it dropped. Data left
as the parent had it is compared in one go; the change must be the same either way."""

from __future__ import annotations

import pytest

from app.engine import runtime
from tests.unit.test_engine_subprocesses import _spec

PARENT = {"name": "甲", "count": 1, "ratio": 0.5, "opinions": [{"score": 85}], "flag": False}


@pytest.fixture
def child():
    """A task below another in a real workflow's tree, both with PARENT's data."""
    workflow = runtime.new_workflow(_spec(), {})
    task = next(t for t in runtime._tree(workflow) if t.parent is not None)
    task.parent.data = dict(PARENT)
    task.data = {key: (list(value) if isinstance(value, list) else value)
                 for key, value in PARENT.items()}
    return task


def _change(task):
    return runtime.compact_row(task, {})[2]


def test_data_left_as_the_parent_had_it_is_no_change(child):
    assert _change(child) == [{}, []]
    child.data = dict(reversed(list(child.data.items())))  # another order, same data
    assert _change(child) == [{}, []]


@pytest.mark.parametrize("key, value", [("count", True), ("count", 1.0), ("flag", 0),
                                        ("ratio", 0.25), ("opinions", [{"score": 90}])])
def test_a_value_of_another_type_or_value_is_a_change(child, key, value):
    child.data[key] = value
    [changed, dropped] = _change(child)
    assert changed == {key: value} and type(changed[key]) is type(value) and dropped == []


def test_keys_added_and_dropped_are_named(child):
    del child.data["ratio"]
    child.data["new"] = "乙"
    assert _change(child) == [{"new": "乙"}, ["ratio"]]
