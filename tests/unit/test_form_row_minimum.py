"""A table's row minimum computed from the case data: `min_rows_from` (docs/FORMS.md)."""

from __future__ import annotations

import pytest

from app.errors import DefinitionError, Rejected
from app.formdefs import FormDef, json_schema, parse_form, validate_data

RULE = {"path": "application.small_micro_count", "percent": 10, "at_least": 1,
        "when": {"field": "decision", "in": ["approve"]},
        "text": "应抽查{min}家", "message": "应抽查{min}家，本次{count}家（第十条）",
        "message_en": "{min} to sample, {count} sampled (Art. 10)"}


def form_of(**rule) -> FormDef:
    sample = {"name": "sample", "type": "table", "label": "抽查表", "min_rows": 1,
              "min_rows_from": {**RULE, **rule},
              "columns": [{"name": "enterprise", "type": "text", "label": "企业"}]}
    decision = {"name": "decision", "type": "select", "label": "结论", "required": True,
                "choices": [{"value": "approve", "label": "推荐"},
                            {"value": "reject", "label": "不推荐"}]}
    return parse_form({"key": "t", "title": "测试", "fields": [sample, decision]},
                      file="forms/t.yaml")


def rows(n: int) -> list[dict]:
    return [{"enterprise": f"企业{i}"} for i in range(n)]


def case(count) -> dict:
    return {"application": {"small_micro_count": count}}


@pytest.mark.parametrize(("count", "needed"), [(41, 5), (40, 4), (3, 1), (0, 1)])
def test_the_minimum_is_the_share_rounded_up_and_at_least_the_floor(count, needed):
    form = form_of()
    validate_data(form, {"sample": rows(needed), "decision": "approve"}, None, "zh", case(count))
    with pytest.raises(Rejected) as info:
        validate_data(form, {"sample": rows(needed - 1) or [{}], "decision": "approve"}, None,
                      "zh", case(count))
    assert info.value.by_field()["sample"][-1] == \
        f"应抽查{needed}家，本次{needed - 1}家（第十条）"


def test_the_message_follows_the_language():
    with pytest.raises(Rejected) as info:
        validate_data(form_of(), {"sample": rows(2), "decision": "approve"}, None, "en",
                      case(41))
    assert info.value.by_field()["sample"] == ["5 to sample, 2 sampled (Art. 10)"]


def test_the_minimum_holds_only_while_its_condition_holds():
    validate_data(form_of(), {"sample": rows(1), "decision": "reject"}, None, "zh", case(41))


def test_no_number_at_the_path_sets_no_minimum_and_min_rows_still_holds():
    form = form_of()
    validate_data(form, {"sample": rows(1), "decision": "approve"}, None, "zh", {})
    with pytest.raises(Rejected):
        validate_data(form, {"sample": [], "decision": "approve"}, None, "zh", {})


def test_the_schema_gives_the_computed_minimum_and_its_text():
    table = json_schema(form_of(), {}, "zh", case(41))["properties"]["sample"]
    assert (table["x-min-rows"], table["x-min-rows-text"]) == (5, "应抽查5家")


@pytest.mark.parametrize("rule", [{"path": "not a path"}, {"percent": 0}, {"at_least": -1},
                                  {"when": {"field": "decision"}}, {"colour": "red"}])
def test_a_wrong_rule_is_refused_when_the_form_is_read(rule):
    with pytest.raises(DefinitionError):
        form_of(**rule)
