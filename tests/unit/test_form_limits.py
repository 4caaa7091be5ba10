"""Form limits: default and capped row counts and text lengths, unstorable text, YAML aliases.

Messages are written out literally so that a changed or missing message fails a test.
"""

from __future__ import annotations

import time

import pytest
import wtforms
import yaml
from werkzeug.datastructures import MultiDict

from app.errors import DefinitionError, Rejected
from app.formdefs import build_form_class, check_forms, json_schema, load_yaml, parse_form
from app.formdefs import validate_data as validate

BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))


def field(name: str = "value", type: str = "text", **keys) -> dict:
    return {"name": name, "type": type, "label": "值", "label_en": "Value", **keys}


def table(**keys) -> dict:
    return field("staff", "table", columns=[field("person")], **keys)


def form_of(*fields: dict):
    return parse_form({"key": "t", "title": "测试", "fields": list(fields)}, file="forms/t.yaml")


def errors_of(form, data: dict, lang: str = "zh") -> dict[str, list[str]]:
    with pytest.raises(Rejected) as info:
        validate(form, data, lang=lang)
    return info.value.by_field()


def rows(count: int) -> list[dict]:
    return [{"person": f"员工{i}"} for i in range(count)]


# ------------------------------------------------------------------ defaults and caps


@pytest.mark.parametrize("keys, option, expected", [
    ({"type": "table", "columns": [field("person")]}, "max_rows", 200),
    ({"type": "table", "columns": [field("person")], "min_rows": 300}, "max_rows", 300),
    ({"type": "table", "columns": [field("person")], "max_rows": 800}, "max_rows", 800),
    ({"type": "text"}, "max_length", 200),
    ({"type": "textarea"}, "max_length", 2000),
    ({"type": "textarea", "min_length": 3000}, "max_length", 3000),
    ({"type": "text", "max_length": 20}, "max_length", 20),
])
def test_a_field_without_a_bound_gets_the_default_never_below_its_minimum(keys, option, expected):
    parsed = form_of({"name": "value", "label": "值", **keys}).fields[0]
    assert parsed.option(option) == expected


def test_the_json_schema_shows_the_default_row_and_length_bounds():
    schema = json_schema(form_of(table(), field("note", "textarea")))
    assert schema["properties"]["staff"]["maxItems"] == 200
    assert schema["properties"]["staff"]["items"]["properties"]["person"]["maxLength"] == 200
    assert schema["properties"]["note"]["maxLength"] == 2000


@pytest.mark.parametrize("keys, words", [
    ({"max_rows": 5000}, "max_rows must be a whole number from 0 to 1000"),
    ({"min_rows": 1001}, "min_rows must be a whole number from 0 to 1000"),
])
def test_a_form_may_not_allow_more_rows_than_the_hard_cap(keys, words):
    with pytest.raises(DefinitionError) as info:
        form_of(table(**keys))
    assert words in str(info.value) and "staff" in str(info.value)


def test_a_form_may_not_allow_longer_text_than_the_hard_cap():
    with pytest.raises(DefinitionError) as info:
        form_of(field("note", "textarea", max_length=50_000))
    assert "max_length must be a whole number from 0 to 20000" in str(info.value)


# ------------------------------------------------------------------ rows and lengths refused


def test_the_api_refuses_more_rows_than_the_default_with_a_message_on_the_table():
    form = form_of(table())
    assert len(validate(form, {"staff": rows(200)})["staff"]) == 200
    assert errors_of(form, {"staff": rows(201)}) == {"staff": ["最多填写 200 行。"]}
    assert errors_of(form, {"staff": rows(201)}, "en") == {"staff": ["Add at most 200 row(s)."]}


def test_twenty_thousand_rows_are_refused_without_looking_at_each_row():
    started = time.perf_counter()
    assert errors_of(form_of(table()), {"staff": rows(20_000)}) == {"staff": ["最多填写 200 行。"]}
    assert time.perf_counter() - started < 1.0


def test_a_web_form_refuses_more_rows_than_allowed_without_building_them():
    cls = build_form_class(form_of(table(max_rows=3)), wtforms.Form)
    posted = cls(MultiDict({f"staff-{i}-person": "x" for i in range(20_000)}))
    assert not posted.validate()
    assert posted.errors == {"staff": ["最多填写 3 行。"]}
    assert len(posted.staff.entries) == 0


def test_a_web_form_counts_only_filled_rows_below_the_posting_limit():
    cls = build_form_class(form_of(table(max_rows=3)), wtforms.Form)
    filled = {f"staff-{i}-person": "x" for i in range(3)}
    blanks = {f"staff-{i}-person": "" for i in range(3, 40)}
    assert cls(MultiDict({**filled, **blanks})).validate()
    four = cls(MultiDict({**filled, "staff-50-person": "y"}))
    assert not four.validate()
    assert four.errors == {"staff": ["最多填写 3 行。"]}


def test_text_without_max_length_is_limited_to_200_characters():
    form = form_of(field("phone"))
    assert validate(form, {"phone": "1" * 200}) == {"phone": "1" * 200}
    assert errors_of(form, {"phone": "1" * 201}) == {"phone": ["不能超过 200 个字符。"]}


# ------------------------------------------------------------------ unstorable text


@pytest.mark.parametrize("text", ["甲\x00乙", "\ud800", "ab\udfffcd"], ids=["nul", "high", "low"])
def test_nul_and_lone_surrogates_are_refused_in_text_textarea_and_table_cells(text):
    form = form_of(field("name"), field("note", "textarea"), table())
    data = {"name": text, "note": text, "staff": [{"person": "张三"}, {"person": text}]}
    zh = ["不能包含空字符（NUL）或无效的 Unicode 字符，请删除后重试。"]
    assert errors_of(form, data) == {"name": zh, "note": zh, "staff[1].person": zh}
    assert errors_of(form, {"name": text}, "en") == {
        "name": ["Must not contain NUL characters or invalid Unicode; remove them and try again."]}


def test_a_web_form_refuses_a_nul_in_a_table_cell():
    cls = build_form_class(form_of(table()), wtforms.Form)
    posted = cls(MultiDict({"staff-0-person": "张\x00三"}))
    assert not posted.validate()
    assert posted.errors == {"staff": [{"person": [
        "不能包含空字符（NUL）或无效的 Unicode 字符，请删除后重试。"]}]}


# ------------------------------------------------------------------ YAML


def test_yaml_aliases_are_refused_so_a_billion_laughs_cannot_expand():
    with pytest.raises(yaml.YAMLError) as info:
        load_yaml(BOMB)
    assert "aliases" in str(info.value) and "line 2" in str(info.value)


def test_deeply_nested_yaml_is_refused_instead_of_exhausting_the_stack():
    with pytest.raises(yaml.YAMLError) as info:
        load_yaml("[" * 10_000 + "]" * 10_000)
    assert "nested more than 50 levels" in str(info.value)


def test_ordinary_yaml_with_an_unused_anchor_still_loads():
    assert load_yaml("key: &k t\ntitle: 测试\n") == {"key": "t", "title": "测试"}


def test_check_forms_names_the_file_holding_an_alias_bomb(tmp_path):
    (tmp_path / "bomb.yaml").write_text(BOMB, encoding="utf-8")
    problems = check_forms(tmp_path)
    assert len(problems) == 1
    assert problems[0].file.endswith("bomb.yaml") and "aliases" in str(problems[0])
