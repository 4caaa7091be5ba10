"""data_is_plain (the quick yes/no the engine asks after every step) answers exactly as
data_problem does, on plain data and on every kind of problem data_problem names."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from app.engine.casedata import (
    MAX_DEPTH,
    MAX_SIZE,
    data_is_plain,
    data_problem,
    same_data_key,
)
from app.engine.guards import MAX_INT_BITS


def nested(depth: int) -> dict:
    value: object = "leaf"
    for _ in range(depth - 1):
        value = [value]
    return {"deep": value}


CASES = [
    {},
    {"application": {"base_name": "昆明示例创业园", "employees": 820, "ratio": 0.85,
                     "files": ["a", "b"], "ok": True, "note": None, "pair": (1, 2)}},
    {"n": 2 ** MAX_INT_BITS - 1},
    {"n": 2 ** MAX_INT_BITS},
    {"x": float("nan")}, {"x": [1.0, float("inf")]},
    {"d": {"fine": {1: "int key one level down"}}},
    {1: "a top-level key is not checked"},
    {"s": {1, 2}}, {"r": range(3)}, {"m": Decimal("1.5")}, {"b": b"bytes"},
    nested(MAX_DEPTH), nested(MAX_DEPTH + 1),
    {"big": "a" * MAX_SIZE}, {"big": "a" * (MAX_SIZE + 1)},
    {"many": [0] * (MAX_SIZE - 2)}, {"many": [0] * MAX_SIZE},
    {"xs": ["a" * 1_000_000] * 1_000_000},
]


@pytest.mark.parametrize("data", CASES, ids=range(len(CASES)))
def test_data_is_plain_agrees_with_data_problem(data):
    assert data_is_plain(data) is (data_problem(data) is None)


def test_plain_and_problem_data_are_told_apart():
    assert data_is_plain(CASES[1]) is True
    assert data_is_plain({"s": {1, 2}}) is False
    assert data_is_plain(nested(MAX_DEPTH + 1)) is False


class Text(str):
    """A subclass of str: stored data must be plain str."""


def test_equal_data_share_a_key_and_data_differing_in_a_type_or_value_do_not():
    application = {"base_name": "昆明示例创业园", "employees": 820, "files": ["a", "b"]}

    # Copies as Spiff makes them from one task's data to the next.
    assert same_data_key(application) == same_data_key(copy.deepcopy(application))
    variants = [{"n": 1}, {"n": True}, {"n": 1.0}, {"n": "1"}, {"n": b"1"}, {"n": [1]},
                {"n": (1,)}, {"n": {1}}, {"n": 2 ** 70}, {"n": 2 ** 70 + 1}, {"m": 1},
                {"n": {"k": 1}}, {"n": {1: 1}}]
    keys = [same_data_key(data) for data in variants]
    assert None not in keys and len(set(keys)) == len(variants)


@pytest.mark.parametrize("data", [{"r": range(3)}, {"m": Decimal("1.5")}, {"s": Text("a")}])
def test_data_marshal_cannot_write_has_no_key(data):
    assert same_data_key(data) is None
