"""The `list` field type: short texts, one per line on the page, a JSON list of strings.

Messages are written out literally so that a changed or missing message fails a test.
"""

from __future__ import annotations

import pytest
import wtforms
from werkzeug.datastructures import MultiDict

from app.errors import DefinitionError, Rejected
from app.formdefs import build_form_class, default_values, form_data, json_schema, parse_form
from app.formdefs import validate_data as validate

CODE_A, CODE_B = "91430405MA4T5U6W75", "91430482MA4X9Y0A1T"
BAD_CODE = "91430405MA4T5U6W70"  # wrong check character


def field(name: str = "codes", type: str = "list", **keys) -> dict:
    return {"name": name, "type": type, "label": "代码", "label_en": "Codes", **keys}


def form_of(*fields: dict):
    return parse_form({"key": "t", "title": "测试", "fields": list(fields)}, file="forms/t.yaml")


CODES = form_of(field(format="credit_code", max_items=3))


def errors_of(form, data: dict, lang: str = "zh") -> dict[str, list[str]]:
    with pytest.raises(Rejected) as info:
        validate(form, data, lang=lang)
    return info.value.by_field()


def posted(form, text: str, data=None):
    instance = build_form_class(form, wtforms.Form)(
        formdata=MultiDict({"codes": text}) if text is not None else None, data=data)
    return instance


# ------------------------------------------------------------------ definitions


def test_a_list_field_gets_a_default_item_count_and_item_length():
    options = form_of(field()).fields[0].options
    assert (options["max_items"], options["max_length"]) == (100, 200)


def test_a_list_field_keeps_its_own_bounds_and_never_a_default_below_its_minimum():
    assert form_of(field(max_items=5, max_length=18)).fields[0].options["max_items"] == 5
    assert form_of(field(min_items=150)).fields[0].options["max_items"] == 150


@pytest.mark.parametrize(("keys", "words"), [
    ({"max_items": 1001}, "max_items must be a whole number from 0 to 1000"),
    ({"min_items": -1}, "min_items must be a whole number from 0 to 1000"),
    ({"max_items": "ten"}, "max_items must be a whole number from 0 to 1000"),
    ({"min_items": 3, "max_items": 2}, "min_items must not be greater than max_items"),
    ({"format": "phone"}, "format must be credit_code"),
    ({"pattern": "("}, "pattern must be a valid regular expression"),
    ({"min_length": 2}, "unknown key min_length for a list field"),
    ({"choices": [{"value": "a", "label": "甲"}]}, "unknown key choices for a list field"),
    ({"max_rows": 3}, "unknown key max_rows for a list field"),
])
def test_bad_options_of_a_list_field_are_refused_naming_the_field(keys, words):
    with pytest.raises(DefinitionError) as info:
        form_of(field(**keys))
    assert (info.value.file, info.value.element) == ("forms/t.yaml", "codes")
    assert words in info.value.text()


def test_a_list_field_cannot_be_a_table_column():
    with pytest.raises(DefinitionError) as info:
        form_of(field("entities", "table", columns=[field()]))
    assert info.value.element == "entities.codes"
    assert "a list field cannot be a table column" in info.value.text()


# ------------------------------------------------------------------ JSON values


def test_a_list_of_codes_is_stored_normalised_without_empty_items_or_repeats():
    data = {"codes": [" 9143 0405ma4t5u6w75 ", "", CODE_B, CODE_A]}
    assert validate(CODES, data) == {"codes": [CODE_A, CODE_B]}


def test_an_optional_list_left_out_or_null_is_stored_as_an_empty_list():
    assert validate(CODES, {}) == validate(CODES, {"codes": None}) == {"codes": []}


def test_a_required_list_needs_an_item_and_min_items_counts_them():
    required = form_of(field(required=True))
    assert errors_of(required, {"codes": ["", " "]}) == {"codes": ["此项为必填项。"]}
    two = form_of(field(min_items=2))
    assert errors_of(two, {"codes": ["甲"]}) == {"codes": ["至少填写 2 项。"]}
    assert errors_of(two, {"codes": ["甲"]}, "en") == {"codes": ["Enter at least 2 item(s)."]}


def test_too_many_items_are_refused_on_the_field_before_any_item_is_read():
    data = {"codes": [BAD_CODE] * 4}
    assert errors_of(CODES, data) == {"codes": ["最多填写 3 项。"]}


def test_repeated_items_count_towards_max_items_but_are_stored_once():
    assert errors_of(CODES, {"codes": [CODE_A] * 4}) == {"codes": ["最多填写 3 项。"]}
    assert validate(CODES, {"codes": [CODE_A] * 3}) == {"codes": [CODE_A]}


def test_each_bad_item_is_named_by_its_position_in_the_users_language():
    data = {"codes": [CODE_A, "", BAD_CODE]}
    assert errors_of(CODES, data) == {"codes": [
        "第 3 项：统一社会信用代码无效：应为18位，且校验位正确。"]}
    assert errors_of(CODES, data, "en") == {"codes": [
        "Item 3: Invalid unified social credit code: 18 characters with a correct check digit."]}


@pytest.mark.parametrize(("keys", "item", "problem"), [
    ({"max_length": 4}, "甲乙丙丁戊", "不能超过 4 个字符。"),
    ({"pattern": "[0-9]+"}, "12a", "格式不正确。"),
    ({"pattern": "[0-9]+", "pattern_message": "只能填写数字。"}, "12a", "只能填写数字。"),
    ({}, "甲\x00", "不能包含空字符（NUL）或无效的 Unicode 字符，请删除后重试。"),
])
def test_the_text_rules_apply_to_each_item(keys, item, problem):
    form = form_of(field(**keys))
    assert errors_of(form, {"codes": ["12", item]}) == {"codes": [f"第 2 项：{problem}"]}


@pytest.mark.parametrize(("value", "messages"), [
    ("91430405MA4T5U6W75", ["应为字符串列表。"]),
    ({"code": CODE_A}, ["应为字符串列表。"]),
    ([CODE_A, 7, None], ["第 2 项：应为文本。", "第 3 项：应为文本。"]),
    ([CODE_A, f"{CODE_B}\n{CODE_A}"], ["第 2 项：每一项只能占一行。"]),
])
def test_a_value_that_is_not_a_list_of_one_line_texts_gets_a_clear_message(value, messages):
    assert errors_of(CODES, {"codes": value}) == {"codes": messages}


# ------------------------------------------------------------------ JSON Schema


def test_the_schema_of_a_list_is_an_array_of_strings_with_its_item_rules():
    schema = json_schema(form_of(field(format="credit_code", required=True, min_items=2,
                                       max_items=10)))
    assert schema["required"] == ["codes"]
    assert schema["properties"]["codes"] == {
        "title": "代码", "type": "array", "maxItems": 10, "minItems": 2,
        "items": {"type": "string", "maxLength": 200, "x-format": "credit_code",
                  "allOf": [{"pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$"}]}}


def test_an_optional_list_in_the_schema_also_accepts_null_and_has_its_default_bound():
    prop = json_schema(form_of(field(pattern="[a-z]+")))["properties"]["codes"]
    assert prop["type"] == ["array", "null"] and prop["maxItems"] == 100
    assert prop["items"]["pattern"] == "^(?:[a-z]+)$"


# ------------------------------------------------------------------ web form


def test_the_web_form_takes_one_item_per_line_and_ignores_empty_lines():
    instance = posted(CODES, f"{CODE_A.lower()}\r\n\r\n  {CODE_B}  \n")
    assert instance.validate()
    assert form_data(instance, CODES) == {"codes": [CODE_A, CODE_B]}


def test_a_bad_line_is_named_by_its_line_number_and_the_input_is_kept():
    text = f"{CODE_A}\n\n{BAD_CODE}"
    instance = posted(CODES, text)
    assert not instance.validate()
    assert instance.errors == {"codes": [
        "第 3 项：统一社会信用代码无效：应为18位，且校验位正确。"]}
    assert instance["codes"]._value() == text


def test_the_web_form_is_prefilled_one_item_per_line_from_the_stored_list():
    prefill = default_values(CODES, {"codes": [CODE_A, CODE_B]})
    instance = posted(CODES, None, data=prefill)
    assert prefill == {"codes": [CODE_A, CODE_B]}
    assert f">\r\n{CODE_A}\n{CODE_B}</textarea>" in instance["codes"]()


def test_a_stored_value_that_is_not_a_list_of_texts_is_not_offered():
    assert default_values(CODES, {"codes": [{"credit_code": CODE_A}]}) == {}
