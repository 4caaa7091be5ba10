"""Form definitions: parsing, the WTForms class, JSON validation, JSON Schema, credit codes.

Messages are written out literally here (not imported from app.formdefs.messages) so that a
changed or missing message fails a test.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import wtforms
from werkzeug.datastructures import MultiDict

from app.errors import DefinitionError, Rejected
from app.formdefs import (
    FormDef,
    build_form_class,
    check_forms,
    credit_code_valid,
    default_values,
    form_data,
    input_name,
    json_schema,
    load_forms,
    parse_form,
    validate_data,
)
from app.formdefs.api import ENCODERS
from app.formdefs.factory import FACTORIES
from app.formdefs.rules import TYPES
from app.formdefs.schema import SCHEMAS
from app.formdefs.values import CLEANERS, PREFILLERS

ROOT = Path(__file__).resolve().parents[2]
ABC = [{"value": "a", "label": "甲", "label_en": "A"},
       {"value": "b", "label": "乙", "label_en": "B"},
       {"value": "c", "label": "丙", "label_en": "C"}]
DECISIONS = [{"value": "approve", "label": "通过", "label_en": "Approve"},
             {"value": "return", "label": "退回补正", "label_en": "Return"},
             {"value": "reject", "label": "不予通过", "label_en": "Reject"}]


def field(name: str = "value", type: str = "text", **keys) -> dict:
    return {"name": name, "type": type, "label": "值", "label_en": "Value", **keys}


def form_of(*fields: dict, file: str = "forms/t.yaml") -> FormDef:
    return parse_form({"key": "t", "title": "测试", "title_en": "Test", "fields": list(fields)},
                      file=file)


def errors_of(form: FormDef, data: dict, lang: str = "zh", choices=None) -> dict[str, list[str]]:
    with pytest.raises(Rejected) as info:
        validate_data(form, data, choices, lang)
    return info.value.by_field()


# ------------------------------------------------------------------ field types: good values

GOOD_VALUES = [
    ("text", {}, " 创业基地 ", "创业基地"),
    ("textarea", {"max_length": 20}, "第一行\n第二行", "第一行\n第二行"),
    ("integer", {"min": 0}, 42, 42),
    ("integer", {}, "-7", -7),
    ("integer", {"min": 0}, 0, 0),
    ("decimal", {}, "85.50", "85.50"),
    ("decimal", {"min": 0}, 85.5, "85.5"),
    ("decimal", {}, 3, "3"),
    ("percent", {}, "100", "100"),
    ("percent", {}, 0, "0"),
    ("date", {"min": "2020-01-01"}, "2026-09-28", "2026-09-28"),
    ("select", {"choices": ABC}, "b", "b"),
    ("multiselect", {"choices": ABC, "min_choices": 1, "max_choices": 2}, ["a", "c"], ["a", "c"]),
    ("multiselect", {"choices": ABC}, ["a", "a", "b"], ["a", "b"]),
    ("boolean", {}, True, True),
    ("boolean", {}, False, False),
    ("file", {"max_files": 2}, ["3f2c9a1e-0d4b-4a51-9e8f-1c2d3e4f5a6b", "b-2"],
     ["3f2c9a1e-0d4b-4a51-9e8f-1c2d3e4f5a6b", "b-2"]),
    ("text", {"format": "credit_code"}, " 91350100m000100y43 ", "91350100M000100Y43"),
    ("text", {"pattern": "1[3-9][0-9]{9}"}, "13912345678", "13912345678"),
]


@pytest.mark.parametrize("ftype, keys, value, expected", GOOD_VALUES)
def test_every_field_type_accepts_a_good_value_and_returns_the_stored_type(ftype, keys, value,
                                                                           expected):
    form = form_of(field(type=ftype, required=ftype != "boolean", **keys))
    clean = validate_data(form, {"value": value})
    assert clean == {"value": expected}
    assert type(clean["value"]) is type(expected)


@pytest.mark.parametrize("ftype, empty", [
    ("text", ""), ("textarea", ""), ("integer", None), ("decimal", None), ("percent", None),
    ("date", None), ("select", None), ("multiselect", []), ("boolean", False), ("file", []),
])
def test_an_optional_field_left_out_is_stored_as_its_empty_value(ftype, empty):
    keys = {"choices": ABC} if "select" in ftype else {}
    assert validate_data(form_of(field(type=ftype, **keys)), {}) == {"value": empty}


def test_null_counts_as_no_value():
    form = form_of(field(type="integer"), field("note"), field("tags", "multiselect", choices=ABC))
    assert validate_data(form, {"value": None, "note": None, "tags": None}) == {
        "value": None, "note": "", "tags": []}


# ------------------------------------------------------------------ validators: bad values

BAD_VALUES = [
    ({"required": True}, {}, "此项为必填项。", "This field is required."),
    ({"required": True}, {"value": "   "}, "此项为必填项。", "This field is required."),
    ({"type": "integer", "required": True}, {}, "此项为必填项。", "This field is required."),
    ({"type": "integer", "min": 0}, {"value": -1}, "不能小于 0。", "Must be at least 0."),
    ({"type": "integer", "max": 10}, {"value": 11}, "不能大于 10。", "Must be at most 10."),
    ({"type": "integer"}, {"value": "1.5"}, "请填写整数。", "Enter a whole number."),
    ({"type": "integer"}, {"value": "１２"}, "请填写整数。", "Enter a whole number."),
    ({"type": "integer"}, {"value": True}, "请填写整数。", "Enter a whole number."),
    ({"type": "integer", "required": True}, {"value": "abc"}, "请填写整数。",
     "Enter a whole number."),
    ({"type": "decimal"}, {"value": "abc"}, "请填写数字（可带小数点）。",
     "Enter a number (a decimal point is allowed)."),
    ({"type": "decimal"}, {"value": "1e5"}, "请填写数字（可带小数点）。",
     "Enter a number (a decimal point is allowed)."),
    ({"type": "decimal"}, {"value": "NaN"}, "请填写数字（可带小数点）。",
     "Enter a number (a decimal point is allowed)."),
    ({"type": "decimal", "min": 0.5}, {"value": "0.4"}, "不能小于 0.5。", "Must be at least 0.5."),
    ({"type": "percent"}, {"value": "100.5"}, "不能大于 100。", "Must be at most 100."),
    ({"type": "percent"}, {"value": -1}, "不能小于 0。", "Must be at least 0."),
    ({"type": "date"}, {"value": "2026-13-01"}, "请填写有效日期，格式为 YYYY-MM-DD。",
     "Enter a valid date as YYYY-MM-DD."),
    ({"type": "date"}, {"value": "2026/01/05"}, "请填写有效日期，格式为 YYYY-MM-DD。",
     "Enter a valid date as YYYY-MM-DD."),
    ({"type": "date"}, {"value": 20260105}, "请填写有效日期，格式为 YYYY-MM-DD。",
     "Enter a valid date as YYYY-MM-DD."),
    ({"type": "date", "min": "2026-01-01"}, {"value": "2025-12-31"}, "日期不能早于 2026-01-01。",
     "The date must not be before 2026-01-01."),
    ({"type": "date", "max": "2026-01-01"}, {"value": "2026-01-02"}, "日期不能晚于 2026-01-01。",
     "The date must not be after 2026-01-01."),
    ({"max_length": 3}, {"value": "abcd"}, "不能超过 3 个字符。", "Enter at most 3 characters."),
    ({"min_length": 2}, {"value": "a"}, "至少填写 2 个字符。", "Enter at least 2 characters."),
    ({"pattern": "1[3-9][0-9]{9}", "pattern_message": "请填写11位手机号码"}, {"value": "12345"},
     "请填写11位手机号码", "The format is not valid."),
    ({"pattern": "1[3-9][0-9]{9}", "pattern_message": "请填写11位手机号码",
      "pattern_message_en": "Enter an 11-digit mobile number"}, {"value": "139123456789"},
     "请填写11位手机号码", "Enter an 11-digit mobile number"),
    ({"pattern": "[0-9]+"}, {"value": "12a"}, "格式不正确。", "The format is not valid."),
    ({"format": "credit_code"}, {"value": "91350100M000100Y44"},
     "统一社会信用代码无效：应为18位，且校验位正确。",
     "Invalid unified social credit code: 18 characters with a correct check digit."),
    ({"type": "select", "choices": ABC}, {"value": "z"}, "请从列表中选择有效的选项。",
     "Choose a valid option from the list."),
    ({"type": "select", "choices": ABC, "required": True}, {"value": ""}, "此项为必填项。",
     "This field is required."),
    ({"type": "multiselect", "choices": ABC}, {"value": ["a", "z"]}, "请从列表中选择有效的选项。",
     "Choose a valid option from the list."),
    ({"type": "multiselect", "choices": ABC, "min_choices": 2}, {"value": ["a"]}, "至少选择 2 项。",
     "Choose at least 2 option(s)."),
    ({"type": "multiselect", "choices": ABC, "max_choices": 1}, {"value": ["a", "b"]},
     "最多选择 1 项。", "Choose at most 1 option(s)."),
    ({"type": "multiselect", "choices": ABC, "required": True}, {"value": []}, "此项为必填项。",
     "This field is required."),
    ({"type": "multiselect", "choices": ABC}, {"value": "a"}, "应为字符串列表。",
     "Must be a list of strings."),
    ({"type": "boolean", "required": True}, {"value": False}, "请勾选此项。",
     "Please tick this box."),
    ({"type": "boolean", "required": True}, {}, "请勾选此项。", "Please tick this box."),
    ({"type": "boolean"}, {"value": "yes"}, "应为 true 或 false。", "Must be true or false."),
    ({"type": "file", "required": True}, {"value": []}, "此项为必填项。",
     "This field is required."),
    ({"type": "file", "max_files": 1}, {"value": ["a", "b"]}, "最多上传 1 个文件。",
     "Upload at most 1 file(s)."),
    ({"type": "file"}, {"value": ["../../etc/passwd"]}, "附件编号无效，请重新上传。",
     "Invalid attachment id; upload the file again."),
    ({"type": "file"}, {"value": "a1"}, "应为字符串列表。", "Must be a list of strings."),
    ({}, {"value": 5}, "应为文本。", "Must be a string."),
]


@pytest.mark.parametrize("keys, data, zh, en", BAD_VALUES)
def test_every_validator_rejects_a_bad_value_in_chinese_and_in_english(keys, data, zh, en):
    form = form_of(field(**keys))
    assert errors_of(form, data) == {"value": [zh]}
    assert errors_of(form, data, lang="en") == {"value": [en]}


def test_english_locales_like_en_us_get_english_messages():
    assert errors_of(form_of(field(required=True)), {}, lang="en_US") == {
        "value": ["This field is required."]}


# ------------------------------------------------------------------ show_if

REVIEW = [field("decision", "select", required=True, choices=DECISIONS),
          field("decision_reason", "textarea", required=True, max_length=10,
                show_if={"field": "decision", "in": ["return", "reject"]}),
          field("precheck_override", "boolean"),
          field("precheck_override_reason", "textarea", required=True,
                show_if={"field": "precheck_override", "equals": True})]


@pytest.mark.parametrize("decision", ["return", "reject"])
def test_decision_reason_is_required_when_returning_or_rejecting(decision):
    assert errors_of(form_of(*REVIEW), {"decision": decision}) == {
        "decision_reason": ["此项为必填项。"]}


def test_decision_reason_is_neither_validated_nor_stored_when_approving():
    data = {"decision": "approve", "decision_reason": "far too long a reason",
            "precheck_override": False}
    assert validate_data(form_of(*REVIEW), data) == {"decision": "approve",
                                                     "precheck_override": False}


def test_a_badly_typed_value_of_a_hidden_field_is_ignored():
    assert validate_data(form_of(*REVIEW), {"decision": "approve", "decision_reason": 7}) == {
        "decision": "approve", "precheck_override": False}


def test_the_override_reason_is_required_only_when_the_override_is_ticked():
    form = form_of(*REVIEW)
    assert errors_of(form, {"decision": "approve", "precheck_override": True}) == {
        "precheck_override_reason": ["此项为必填项。"]}
    clean = validate_data(form, {"decision": "approve", "precheck_override": True,
                                 "precheck_override_reason": "专家论证"})
    assert clean["precheck_override_reason"] == "专家论证"


def test_a_field_depending_on_a_hidden_field_is_hidden_too():
    form = form_of(field("kind", "select", choices=ABC),
                   field("flag", "boolean", show_if={"field": "kind", "equals": "a"}),
                   field("detail", required=True, show_if={"field": "flag", "equals": True}))
    assert validate_data(form, {"kind": "b", "flag": True}) == {"kind": "b"}
    assert errors_of(form, {"kind": "a", "flag": True}) == {"detail": ["此项为必填项。"]}


def test_the_web_form_class_skips_and_drops_hidden_fields_too():
    form = form_of(*REVIEW)
    posted = build_form_class(form, wtforms.Form)(MultiDict({"decision": "approve",
                                                             "decision_reason": "x" * 50}))
    assert posted.validate()
    assert "decision_reason" not in form_data(posted, form)
    returned = build_form_class(form, wtforms.Form, lang="en")(MultiDict({"decision": "return"}))
    assert not returned.validate()
    assert returned.errors == {"decision_reason": ["This field is required."]}


def test_a_field_that_may_be_hidden_gets_no_html_required_attribute():
    instance = build_form_class(form_of(*REVIEW), wtforms.Form)()
    assert "required" in instance.decision()
    assert "required" not in instance.decision_reason()
    assert 'data-show-if="{&#34;field&#34;: &#34;decision&#34;' in instance.decision_reason()


# ------------------------------------------------------------------ tables

ROWS = field("rows", "table", required=True, min_rows=2, max_rows=3, columns=[
    field("name", required=True, max_length=10),
    field("amount", "decimal", min=0),
    field("since", "date"),
    field("kind", "select", choices=ABC),
    field("mentor", "boolean"),
])


def test_a_table_gives_a_list_of_typed_rows():
    rows = [{"name": "甲公司", "amount": "12.5", "since": "2024-03-01", "kind": "a",
             "mentor": True},
            {"name": "乙公司", "amount": 3}]
    assert validate_data(form_of(ROWS), {"rows": rows}) == {"rows": [
        {"name": "甲公司", "amount": "12.5", "since": "2024-03-01", "kind": "a", "mentor": True},
        {"name": "乙公司", "amount": "3", "since": None, "kind": None, "mentor": False}]}


@pytest.mark.parametrize("rows, zh, en", [
    ([{"name": "甲"}], "至少填写 2 行。", "Add at least 2 row(s)."),
    ([{"name": "甲"}, {"name": "乙"}, {"name": "丙"}, {"name": "丁"}], "最多填写 3 行。",
     "Add at most 3 row(s)."),
    ([], "此项为必填项。", "This field is required."),
    ([{"name": "甲"}, {}, {"amount": None}], "至少填写 2 行。", "Add at least 2 row(s)."),
])
def test_a_table_checks_its_row_count_without_counting_blank_rows(rows, zh, en):
    form = form_of(ROWS)
    assert errors_of(form, {"rows": rows}) == {"rows": [zh]}
    assert errors_of(form, {"rows": rows}, lang="en") == {"rows": [en]}


def test_a_table_names_each_bad_cell_by_row_position_and_column():
    rows = [{"name": "甲"}, {"name": "", "amount": "-1"}, {"name": "丙", "since": "2024-02-30"}]
    assert errors_of(form_of(ROWS), {"rows": rows}) == {
        "rows[1].name": ["此项为必填项。"],
        "rows[1].amount": ["不能小于 0。"],
        "rows[2].since": ["请填写有效日期，格式为 YYYY-MM-DD。"],
    }


def test_a_cell_error_names_the_position_in_the_list_sent_even_after_an_empty_row():
    rows = [{"name": "甲"}, {}, {"name": "丙", "amount": "-1"}]
    assert errors_of(form_of(ROWS), {"rows": rows}) == {"rows[2].amount": ["不能小于 0。"]}


def test_a_table_rejects_unknown_columns_and_rows_that_are_not_objects():
    rows = [{"name": "甲", "colour": "red"}, "乙", {"name": "丙"}]
    assert errors_of(form_of(ROWS), {"rows": rows}) == {
        "rows[0].colour": ["表单中没有此字段。"], "rows[1]": ["每一行应为 JSON 对象。"]}
    assert errors_of(form_of(ROWS), {"rows": {"name": "甲"}}) == {
        "rows": ["应为对象（行）的列表。"]}


def test_web_table_rows_may_have_gaps_and_are_renumbered():
    form = form_of(ROWS)
    posted = build_form_class(form, wtforms.Form)(MultiDict({
        "rows-0-name": "甲", "rows-4-name": "乙", "rows-4-amount": "abc", "rows-9-name": ""}))
    assert not posted.validate()
    assert posted.errors["rows"] == [{}, {"amount": ["请填写数字（可带小数点）。"]}, {}]
    assert posted.rows[1].amount.name == "rows-1-amount"
    assert not posted.rows[2].form["name"].errors  # the blank row left on the page


def test_a_new_web_form_shows_min_rows_empty_rows():
    instance = build_form_class(form_of(ROWS), wtforms.Form)()
    assert [entry.form.name.name for entry in instance.rows] == ["rows-0-name", "rows-1-name"]


def test_an_optional_table_with_min_rows_still_needs_that_many_rows():
    form = form_of(field("rows", "table", min_rows=1, columns=[field("name")]))
    assert errors_of(form, {}) == {"rows": ["至少填写 1 行。"]}


def test_table_rows_carry_no_csrf_token_whatever_the_base_class():
    class Base(wtforms.Form):
        token = wtforms.HiddenField()

    instance = build_form_class(form_of(ROWS), Base)()
    assert isinstance(instance, Base)
    assert "token" in instance._fields
    assert "token" not in instance.rows[0].form._fields
    assert type(instance.rows[0].form).__bases__ == (wtforms.Form,)


# ------------------------------------------------------------------ choices and files


def test_choices_from_uses_the_lists_supplied_at_run_time():
    form = form_of(field("county", "select", required=True, choices_from="counties"),
                   field("experts", "multiselect", choices_from="experts", min_choices=2))
    choices = {"counties": [("wuhua", "五华区")],
               "experts": [("km_expert1", "专家 王五"), ("km_expert2", "专家 赵六")]}
    data = {"county": "wuhua", "experts": ["km_expert1", "km_expert2"]}
    assert validate_data(form, data, choices) == data
    assert errors_of(form, {"county": "panlong", "experts": ["km_expert1"]}, choices=choices) == {
        "county": ["请从列表中选择有效的选项。"], "experts": ["至少选择 2 项。"]}


def test_select_labels_follow_the_language():
    form = form_of(field("kind", "select", choices=ABC))
    english, chinese = (build_form_class(form, wtforms.Form, lang=lang)() for lang in ("en", "zh"))
    assert '<option value="a">A</option>' in english.kind()
    assert '<option value="a">甲</option>' in chinese.kind()


def test_a_web_file_field_takes_comma_separated_ids_and_repeated_values():
    form = form_of(field("materials", "file"))
    posted = build_form_class(form, wtforms.Form)(MultiDict([
        ("materials", "id-1, id-2"), ("materials", "id-3"), ("materials", "id-1")]))
    assert posted.validate()
    assert form_data(posted, form) == {"materials": ["id-1", "id-2", "id-3"]}
    assert 'value="id-1,id-2,id-3"' in posted.materials()


def test_a_file_field_tells_the_page_which_files_it_accepts():
    html = build_form_class(form_of(field("materials", "file", accept=["pdf"], max_size_mb=5)),
                            wtforms.Form)().materials()
    assert 'data-accept="pdf"' in html and 'data-max-size-mb="5"' in html


# ------------------------------------------------------------------ credit code

# Published codes, each checked by hand against the GB 32100-2015 algorithm.
VALID_CODES = [
    "91350100M000100Y43",  # the example of GB 32100-2015
    "914403001922038216",  # 华为技术有限公司
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "91330100716105852F",  # 阿里巴巴（中国）有限公司
    "91110000600037341L",
]


@pytest.mark.parametrize("code", VALID_CODES)
def test_a_published_credit_code_is_valid(code):
    assert credit_code_valid(code)


@pytest.mark.parametrize("code", [
    "91350100M000100Y44",   # wrong check character
    "914403001922038217",   # wrong check character
    "9144030071526726X0",   # wrong check character
    "91350100M000100Y4",    # 17 characters
    "91350100M000100Y430",  # 19 characters
    "91350100I000100Y43",   # I is not in the alphabet
    "91350100O000100Y43",   # O is not in the alphabet
    "9135010SZ000100V43",   # S, Z and V are not in the alphabet
    "",
    "ABCDEFGHJKLMNPQRTU",
])
def test_a_malformed_credit_code_is_invalid(code):
    assert not credit_code_valid(code)


@pytest.mark.parametrize("code", [
    "000000000000000000",  # sum 0: 31 - 0 = 31, which counts as 0
    "10000000000000000Y",  # sum 1 * 1: 31 - 1 = 30, the last character of the alphabet
    "01000000000000000W",  # sum 1 * 3: 31 - 3 = 28 -> W (I, O, S, V are not in the alphabet)
])
def test_the_check_character_wraps_31_to_0_and_uses_the_31_character_alphabet(code):
    assert credit_code_valid(code)
    assert not credit_code_valid(code[:17] + ("1" if code[17] == "0" else "0"))


def test_a_credit_code_is_read_without_spaces_and_in_upper_case():
    assert credit_code_valid("91350100m000100y43")
    assert credit_code_valid(" 9135 0100 M000 100Y 43 ")
    assert not credit_code_valid(None)


# ------------------------------------------------------------------ parse_form

@pytest.mark.parametrize("bad_field, element, words", [
    (field("Base-Name"), "Base-Name", "must match [a-z][a-z0-9_]*"),
    (field("1st"), "1st", "must match"),
    (field("type"), "type", "Python builtin"),
    (field("input"), "input", "Python builtin"),
    (field("typename"), "typename", "workflow engine"),
    (field("add_working_days"), "add_working_days", "script helper"),
    (field("data"), "data", "form library"),
    (field("validate_x"), "validate_x", "form library"),
    (field(type="money"), "value", "unknown field type money"),
    (field(type="select"), "value", "needs either choices or choices_from"),
    (field(type="multiselect", choices=[]), "value", "choices must be a non-empty list"),
    (field(type="multiselect", choices=ABC, min_choices=4), "value", "larger than the number"),
    (field(type="select", choices=[{"value": True, "label": "是"}]), "value", "quote yes, no"),
    (field(type="select", choices=ABC, choices_from="counties"), "value", "either choices or"),
    (field(maxlength=3), "value", "unknown key maxlength for a text field"),
    (field(type="integer", min_length=3), "value", "unknown key min_length"),
    (field(type="integer", min=5, max=1), "value", "min must not be greater than max"),
    (field(type="integer", min=0.5), "value", "must be a whole number"),
    (field(type="date", min="31/01/2026"), "value", "ISO date"),
    (field(pattern="(unclosed"), "value", "valid regular expression"),
    (field(required="yes"), "value", "required must be true or false"),
    (field(label=""), "value", "label must be a non-empty text"),
    ({"name": "value", "type": "text"}, "value", "needs label"),
    (field(type="table"), "value", "needs columns"),
    (field(type="table", columns=[field("scan", "file")]), "value.scan",
     "cannot be a table column"),
    (field(type="table", columns=[field("sum")]), "value.sum", "Python builtin"),
    (field(show_if={"field": "later", "equals": "x"}), "value", "not a field above this one"),
])
def test_parse_form_rejects_a_bad_field_naming_file_and_field(bad_field, element, words):
    with pytest.raises(DefinitionError) as info:
        form_of(field("first"), bad_field)
    assert info.value.file == "forms/t.yaml"
    assert info.value.element == element
    assert words in str(info.value)
    assert str(info.value).startswith(f"forms/t.yaml:{element}: ")


@pytest.mark.parametrize("fields, element, words", [
    ([field("a"), field("a")], "a", "used twice"),
    ([field("kind", "select", choices=ABC), field("x", show_if={"field": "kind", "in": ["z"]})],
     "x", "not a choice of kind"),
    ([field("flag", "boolean"), field("x", show_if={"field": "flag", "equals": "true"})],
     "x", "do not fit the type of flag"),
    ([field("n", "integer"), field("x", show_if={"field": "n", "equals": "1"})],
     "x", "may only depend on a select, boolean or text field"),
    ([field("x", show_if={"field": "x"})], "x", "show_if must be"),
])
def test_parse_form_checks_fields_against_each_other(fields, element, words):
    with pytest.raises(DefinitionError) as info:
        form_of(*fields)
    assert (info.value.element, words in str(info.value)) == (element, True)


@pytest.mark.parametrize("raw, words", [
    ({"key": "t", "title": "测试", "fields": [], "colour": "red"}, "unknown key colour"),
    ({"key": "t", "title": "测试", "fields": []}, "fields must be a non-empty list"),
    ({"key": "T-1", "title": "测试", "fields": [field()]}, "key must match"),
    ({"key": "t", "fields": [field()]}, "the form needs title"),
    (["not", "a", "mapping"], "must be a mapping"),
])
def test_parse_form_rejects_a_bad_form(raw, words):
    with pytest.raises(DefinitionError, match=words):
        parse_form(raw, file="forms/t.yaml")


def test_a_parsed_form_keeps_its_definition():
    def raw() -> dict:
        return {"key": "t", "title": "测试", "title_en": "Test", "show_data": ["application"],
                "fields": [field("share", "percent", help="帮助", help_en="Help"),
                           field("scan", "file"), field("on", "date", min=dt.date(2020, 1, 1))]}

    form = parse_form(raw())
    share, scan, day = form.fields
    assert (form.title_for("zh"), form.label("en")) == ("测试", "Test")
    assert form.show_data == ("application",)
    assert (share.help_for("en"), share.options) == ("Help", {"min": 0, "max": 100})
    assert scan.option("max_size_mb") == 20 and "pdf" in scan.option("accept")
    assert day.option("min") == "2020-01-01"  # YAML reads an unquoted date as a date
    assert form == parse_form(raw()) and hash(form) == hash(parse_form(raw()))


# ------------------------------------------------------------------ files on disk


def test_every_product_form_loads():
    assert check_forms(ROOT / "forms") == []
    assert "km_county_review" in load_forms(ROOT / "forms")


def test_check_forms_reports_every_problem_of_every_file(tmp_path):
    (tmp_path / "good.yaml").write_text("key: good\ntitle: 好\nfields:\n"
                                        "  - {name: a, type: text, label: A}\n", encoding="utf-8")
    (tmp_path / "two.yaml").write_text("key: two\ntitle: 二\nfields:\n"
                                       "  - {name: type, type: text, label: A}\n"
                                       "  - {name: b, type: money, label: B}\n", encoding="utf-8")
    (tmp_path / "other.yaml").write_text("key: not_other\ntitle: 三\nfields:\n"
                                         "  - {name: a, type: text, label: A}\n", encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("key: broken\nfields: [\n", encoding="utf-8")
    problems = check_forms(tmp_path)
    where = sorted((p.file.split("/")[-1], p.element) for p in problems)
    assert where == [("broken.yaml", "line 3"), ("other.yaml", "key"), ("two.yaml", "b"),
                     ("two.yaml", "type")]
    with pytest.raises(DefinitionError):
        load_forms(tmp_path)


def test_load_forms_never_runs_yaml_tags(tmp_path):
    (tmp_path / "evil.yaml").write_text("key: !!python/object/apply:os.system ['echo owned']\n",
                                        encoding="utf-8")
    assert [p.element for p in check_forms(tmp_path)] == ["line 1"]


def test_a_missing_form_directory_is_a_definition_error(tmp_path):
    assert "does not exist" in str(check_forms(tmp_path / "nowhere")[0])


# ------------------------------------------------------------------ JSON Schema


def test_json_schema_states_types_bounds_choices_and_required_fields():
    form = form_of(field("name", required=True, max_length=100, pattern="[^0-9]+"),
                   field("count", "integer", required=True, min=0, max=9),
                   field("share", "percent"), field("on", "date", min="2020-01-01"),
                   field("kind", "select", choices=ABC),
                   field("tags", "multiselect", choices=ABC, min_choices=1, max_choices=2),
                   field("scan", "file", required=True, max_files=3),
                   field("promise", "boolean", required=True), ROWS)
    schema = json_schema(form)
    props = schema["properties"]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert (schema["type"], schema["additionalProperties"]) == ("object", False)
    assert schema["required"] == ["name", "count", "tags", "scan", "promise", "rows"]
    assert props["name"] == {"title": "值", "type": "string", "maxLength": 100, "minLength": 1,
                                  "pattern": "^(?:[^0-9]+)$"}
    assert (props["count"]["minimum"], props["count"]["maximum"]) == (0, 9)
    assert props["share"]["type"] == ["string", "null"] and props["share"]["maximum"] == 100
    assert props["share"]["pattern"] == r"^[+-]?[0-9]+(\.[0-9]+)?$"
    assert (props["on"]["format"], props["on"]["formatMinimum"]) == ("date", "2020-01-01")
    assert props["kind"]["enum"] == ["a", "b", "c", None]
    assert props["tags"]["items"]["enum"] == ["a", "b", "c"]
    assert (props["tags"]["minItems"], props["tags"]["maxItems"]) == (1, 2)
    assert (props["scan"]["minItems"], props["scan"]["maxItems"]) == (1, 3)
    assert props["promise"]["const"] is True
    row = props["rows"]["items"]
    assert (props["rows"]["minItems"], props["rows"]["maxItems"]) == (2, 3)
    assert row["required"] == ["name"] and row["properties"]["since"]["format"] == "date"


def test_json_schema_requires_a_shown_field_with_if_then():
    schema = json_schema(form_of(*REVIEW), lang="en")
    reason = schema["properties"]["decision_reason"]
    assert reason["x-show-if"] == {"field": "decision", "in": ["return", "reject"]}
    assert "decision_reason" not in schema["required"]
    assert schema["allOf"] == [
        {"if": {"properties": {"decision": {"enum": ["return", "reject"]}},
                "required": ["decision"]},
         "then": {"properties": {"decision_reason": {"type": "string", "minLength": 1}},
                  "required": ["decision_reason"]}},
        {"if": {"properties": {"precheck_override": {"const": True}},
                "required": ["precheck_override"]},
         "then": {"properties": {"precheck_override_reason": {"type": "string", "minLength": 1}},
                  "required": ["precheck_override_reason"]}},
    ]
    assert schema["properties"]["decision"]["x-enum-labels"] == ["Approve", "Return", "Reject"]
    assert schema["title"] == "Test"


def test_json_schema_treats_an_absent_box_as_unticked_in_conditions():
    form = form_of(field("flag", "boolean"),
                   field("why", required=True, show_if={"field": "flag", "equals": False}))
    assert json_schema(form)["allOf"][0]["if"] == {"properties": {"flag": {"const": False}}}
    assert errors_of(form, {}) == {"why": ["此项为必填项。"]}


def test_json_schema_lists_run_time_choices():
    form = form_of(field("county", "select", required=True, choices_from="counties"))
    props = json_schema(form, {"counties": [("wuhua", "五华区")]})["properties"]
    assert props["county"]["enum"] == ["wuhua"]
    assert props["county"]["x-choices-from"] == "counties"


# ------------------------------------------------------------------ validate_data, default_values


def test_validate_data_rejects_unknown_keys():
    assert errors_of(form_of(field()), {"value": "x", "valeu": "y"}, lang="en") == {
        "valeu": ["This form has no such field."]}


def test_validate_data_returns_nothing_when_any_field_is_bad():
    form = form_of(field("name", required=True), field("count", "integer", min=0))
    with pytest.raises(Rejected) as info:
        validate_data(form, {"name": "甲", "count": -3})
    assert info.value.reasons == [("count", "不能小于 0。")]
    assert errors_of(form, ["not", "an", "object"]) == {"_": ["数据应为 JSON 对象。"]}


def test_default_values_prefill_a_correction_form_from_the_earlier_application():
    form = form_of(field("name"), field("share", "percent"), field("on", "date"),
                   field("scan", "file"), field("n", "integer"), ROWS)
    earlier = {"name": "甲", "share": "85.5", "on": "2026-01-05", "scan": ["id-1"],
               "n": "not a number",
               "rows": [{"name": "乙", "amount": "3.50", "colour": "red"}], "removed_field": 1}
    values = default_values(form, earlier)
    assert values == {"name": "甲", "share": "85.5", "on": "2026-01-05", "scan": ["id-1"],
                      "rows": [{"name": "乙", "amount": "3.50"}]}
    shown = build_form_class(form, wtforms.Form)(data=values)
    assert 'value="2026-01-05"' in shown.on() and 'value="3.50"' in shown.rows[0].amount()
    assert default_values(form, None) == {}


def test_input_name_maps_an_error_field_to_the_html_input():
    names = ("rows[2].name", "rows", "name")
    assert [input_name(n) for n in names] == ["rows-2-name", "rows", "name"]


def test_every_field_type_has_a_factory_a_schema_a_cleaner_and_a_prefiller():
    types = set(TYPES)
    assert set(FACTORIES) == set(SCHEMAS) == set(CLEANERS) == set(PREFILLERS) == types
    assert set(ENCODERS) == types - {"table", "list"}  # encoded by structure
