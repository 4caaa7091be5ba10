"""A review form that `corrects` the applicant's form declares how items are marked."""

from __future__ import annotations

import pytest

from app.errors import DefinitionError
from app.formdefs import parse_form

DECISION = {"name": "decision", "type": "select", "label": "结论", "choices": [
    {"value": "approve", "label": "通过"}, {"value": "return", "label": "退回补正"}]}
CORRECTIONS = {"name": "corrections", "type": "table", "label": "需补正的字段和材料",
               "show_if": {"field": "decision", "equals": "return"}, "columns": [
                   {"name": "item", "type": "select", "label": "字段或材料",
                    "choices_from": "correctable"},
                   {"name": "note", "type": "text", "label": "补正要求"}]}


def review(fields: list, **keys) -> dict:
    return {"key": "review", "title": "县级初审", "fields": fields, **keys}


def test_a_review_that_corrects_the_application_names_the_key():
    form = parse_form(review([DECISION, CORRECTIONS], corrects="application"))

    assert form.corrects == "application"
    assert form.field("corrections").columns[0].option("choices_from") == "correctable"


@pytest.mark.parametrize("raw, problem", [
    (review([DECISION], corrects="application"), "needs a table field corrections"),
    (review([DECISION, {**CORRECTIONS, "columns": CORRECTIONS["columns"][:1]}],
            corrects="application"), "needs a table field corrections"),
    (review([DECISION, CORRECTIONS]), "choices_from: correctable needs corrects"),
    (review([DECISION, CORRECTIONS], corrects="Application!"), "must match"),
])
def test_a_correction_declared_by_half_is_refused_with_a_sentence(raw, problem):
    with pytest.raises(DefinitionError) as error:
        parse_form(raw)

    assert problem in str(error.value)
