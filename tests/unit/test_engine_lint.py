"""What the lint reads from designer Python: names, assignments and compared values."""

from __future__ import annotations

import pytest

from app.engine import comparisons, names_read
from app.engine.expressions import Comparison, names_written


@pytest.mark.parametrize("source,mode,names", [
    ('county_review["decision"] == "approve"', "eval", {"county_review"}),
    ("[row['id'] for row in precheck_conditions if row['passed']]", "eval",
     {"precheck_conditions"}),
    ("total = 0\nfor n in counts: total = total + n", "exec", {"counts"}),
    ("sorted(xs, key=lambda x: x['n'])", "eval", {"sorted", "xs"}),
    ("not valid python (", "eval", set()),
])
def test_names_read_are_the_free_names_of_the_source(source, mode, names):
    assert names_read(source, mode) == names


def test_names_written_leave_out_comprehension_variables():
    assert names_written("ok = all([row['passed'] for row in rows])\nn = len(rows)") == {"ok", "n"}


@pytest.mark.parametrize("source,found", [
    ('review["decision"] == "aprove"', [Comparison("review", "decision", ("aprove",))]),
    ('"reject" != review.get("decision")', [Comparison("review", "decision", ("reject",))]),
    ('review["decision"] in ("approve", "return")',
     [Comparison("review", "decision", ("approve", "return"))]),
    ('review["score"] >= 60', []),
    ('x == "approve"', []),
])
def test_comparisons_of_a_field_with_text_values_are_found(source, found):
    assert comparisons(source) == found
