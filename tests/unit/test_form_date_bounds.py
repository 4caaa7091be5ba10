"""Date fields bounded by dates in the case data: `min_from` / `max_from`."""

from __future__ import annotations

import pytest

from app.errors import DefinitionError, Rejected
from app.formdefs import FormDef, json_schema, parse_form, validate_data

NOTICE = {"notice": {"notice_start": "2026-10-08", "notice_url": "https://example.org/n"},
          # as add_working_days gives it: the instant the last day (21 October) ends
          "notice_ends_on": "2026-10-22T00:00:00+08:00"}


def form_of(*fields: dict) -> FormDef:
    return parse_form({"key": "t", "title": "测试", "title_en": "Test", "fields": list(fields)},
                      file="forms/t.yaml")


def received(**keys) -> dict:
    return {"name": "received_on", "type": "date", "label": "收到日期", "label_en": "Received",
            **keys}


def objections(**keys) -> dict:
    return {"name": "objections", "type": "table", "label": "异议", "label_en": "Objections",
            "columns": [received(**keys),
                        {"name": "summary", "type": "text", "label": "内容"}]}


def errors_of(form: FormDef, data: dict, lang: str = "zh", case_data=NOTICE) -> dict:
    with pytest.raises(Rejected) as info:
        validate_data(form, data, None, lang, case_data)
    return info.value.by_field()


BOUNDED = form_of(received(min_from="notice.notice_start", max_from="notice_ends_on"))


@pytest.mark.parametrize("day", ["2026-10-08", "2026-10-15", "2026-10-21"])
def test_a_date_within_the_bounds_from_the_case_data_is_accepted(day):
    assert validate_data(BOUNDED, {"received_on": day}, None, "zh", NOTICE)["received_on"] == day


@pytest.mark.parametrize("day, lang, message", [
    ("2026-10-07", "zh", "日期不能早于 2026-10-08。"),
    ("2026-10-22", "zh", "日期不能晚于 2026-10-21。"),
    ("2026-10-07", "en", "The date must not be before 2026-10-08."),
])
def test_a_date_outside_the_bounds_is_refused_naming_the_bound_date(day, lang, message):
    assert errors_of(BOUNDED, {"received_on": day}, lang) == {"received_on": [message]}


def test_table_rows_are_bounded_cell_by_cell():
    form = form_of(objections(min_from="notice.notice_start", max_from="notice_ends_on"))
    rows = [{"received_on": "2026-10-21", "summary": "末日收到"},
            {"received_on": "2026-10-22", "summary": "逾期"}]

    assert errors_of(form, {"objections": rows}) == {
        "objections[1].received_on": ["日期不能晚于 2026-10-21。"]}


def test_the_stricter_of_a_fixed_and_a_case_bound_holds():
    form = form_of(received(min="2026-10-10", min_from="notice.notice_start"))

    assert errors_of(form, {"received_on": "2026-10-09"}) == {
        "received_on": ["日期不能早于 2026-10-10。"]}


@pytest.mark.parametrize("value, earliest, latest", [
    ("2026-10-22", "2026-10-22", "2026-10-22"),
    ("2026-10-22T00:00:00+08:00", "2026-10-22", "2026-10-21"),
    ("2026-10-21T18:00:00+00:00", "2026-10-22", "2026-10-22"),
    ("2026-10-22T15:30", "2026-10-22", "2026-10-22"),
])
def test_a_date_time_bound_is_read_as_an_instant_in_shanghai(value, earliest, latest):
    form = form_of(received(min_from="at", max_from="at"))

    schema = json_schema(form, None, "zh", {"at": value})["properties"]["received_on"]

    assert (schema["formatMinimum"], schema["formatMaximum"]) == (earliest, latest)


def test_a_path_that_names_nothing_in_the_case_data_sets_no_bound():
    clean = validate_data(BOUNDED, {"received_on": "2020-01-01"}, None, "zh", {"notice": {}})

    assert clean["received_on"] == "2020-01-01"


def test_the_json_schema_shows_the_resolved_bounds_and_their_sources():
    schema = json_schema(BOUNDED, None, "zh", NOTICE)["properties"]["received_on"]

    assert (schema["formatMinimum"], schema["formatMaximum"]) == ("2026-10-08", "2026-10-21")
    assert (schema["x-min-from"], schema["x-max-from"]) == ("notice.notice_start",
                                                            "notice_ends_on")


def test_the_json_schema_of_a_table_column_shows_the_resolved_bound():
    schema = json_schema(form_of(objections(min_from="notice.notice_start")), None, "zh", NOTICE)

    column = schema["properties"]["objections"]["items"]["properties"]["received_on"]
    assert column["formatMinimum"] == "2026-10-08"


@pytest.mark.parametrize("value", [5, "", "notice..start", "notice.start date", ["a"]])
def test_a_bound_source_must_be_a_dotted_path(value):
    with pytest.raises(DefinitionError) as info:
        form_of(received(min_from=value))

    assert "min_from" in info.value.text()


def test_only_date_fields_take_bound_sources():
    with pytest.raises(DefinitionError) as info:
        form_of({"name": "n", "type": "integer", "label": "数", "min_from": "notice.count"})

    assert "min_from" in info.value.text()


def test_a_form_bounded_by_case_data_is_built_for_each_case_and_checks_its_own_dates():
    later = {"notice": {**NOTICE["notice"], "notice_start": "2026-11-02"},
             "notice_ends_on": "2026-11-14T00:00:00+08:00"}

    assert validate_data(BOUNDED, {"received_on": "2026-10-09"}, None, "zh", NOTICE)
    assert "received_on" in errors_of(BOUNDED, {"received_on": "2026-10-09"}, case_data=later)
    assert validate_data(BOUNDED, {"received_on": "2026-11-03"}, None, "zh", later)


def test_a_form_class_is_built_once_per_language_and_choice_lists():
    import wtforms

    from app.formdefs import build_form_class
    plain = form_of({"name": "county", "type": "select", "label": "区县",
                     "choices_from": "counties"})
    counties = {"counties": [("wuhua", "五华区")]}

    first = build_form_class(plain, wtforms.Form, counties, "zh")

    assert build_form_class(plain, wtforms.Form, {"counties": [("wuhua", "五华区")]}, "zh") \
        is first
    assert build_form_class(plain, wtforms.Form, counties, "en") is not first
    widened = build_form_class(plain, wtforms.Form, {"counties": [("wuhua", "五华区"),
                                                                  ("panlong", "盘龙区")]}, "zh")
    assert [c.value for c in widened.county.kwargs["choices"]] == ["", "wuhua", "panlong"]
    assert build_form_class(BOUNDED, wtforms.Form, None, "zh", NOTICE) is not \
        build_form_class(BOUNDED, wtforms.Form, None, "zh", NOTICE)
