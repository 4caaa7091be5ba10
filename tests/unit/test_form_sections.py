"""Sections of a form definition: parsed into steps, every mistake named with its place."""

from __future__ import annotations

import pytest

from app.errors import DefinitionError
from app.formdefs import check_forms, parse_form

FIELDS = [{"name": n, "type": "text", "label": n} for n in ("a", "b", "c", "d")]


def form(sections) -> dict:
    return {"key": "f", "title": "表", "fields": FIELDS, "sections": sections}


def test_a_section_runs_from_its_first_field_to_the_next_section():
    parsed = parse_form(form([
        {"name": "one", "title": "基本情况", "title_en": "Basics", "first_field": "a"},
        {"name": "two", "title": "材料", "first_field": "c"}]))

    assert [(s.name, s.fields) for s in parsed.sections] == [("one", ("a", "b")),
                                                             ("two", ("c", "d"))]
    assert parsed.section("one").title_for("en") == "Basics"
    assert parsed.section("two").title_for("en") == "材料"  # falls back to Chinese


def test_a_form_without_sections_has_none():
    assert parse_form({"key": "f", "title": "表", "fields": FIELDS}).sections == ()


@pytest.mark.parametrize("sections, problem", [
    ([{"name": "one", "title": "甲", "first_field": "b"}], "must start with the first field, a"),
    ([{"name": "one", "title": "甲", "first_field": "zz"}], "zz, which is no field"),
    ([{"name": "one", "title": "甲", "first_field": "a"},
      {"name": "one", "title": "乙", "first_field": "c"}], "section name one is used twice"),
    ([{"name": "one", "title": "甲", "first_field": "a"},
      {"name": "two", "title": "乙", "first_field": "d"},
      {"name": "three", "title": "丙", "first_field": "c"}], "in the order of the fields"),
    ([{"name": "one", "first_field": "a"}], "needs title"),
    ([{"name": "one", "title": "甲", "first_field": "a", "colour": "red"}], "unknown key colour"),
    ([], "non-empty list"),
])
def test_a_wrong_section_is_refused_with_the_reason(sections, problem):
    with pytest.raises(DefinitionError) as raised:
        parse_form(form(sections))

    assert problem in str(raised.value)


def test_a_prefill_source_must_be_one_the_registration_has():
    fields = [{"name": "a", "type": "text", "label": "甲", "prefill": "shoe_size"}]

    with pytest.raises(DefinitionError) as raised:
        parse_form({"key": "f", "title": "表", "fields": fields})

    assert "prefill must be one of" in str(raised.value)


def test_every_application_form_shipped_is_in_sections(tmp_path):
    from app.config import ROOT
    from app.formdefs import load_forms

    assert check_forms(ROOT / "forms") == []
    forms = load_forms(ROOT / "forms")
    for key in ("km_application", "jz_application", "lc_application", "sx_application",
                "hy_base_application", "hy_institution_application"):
        sections = forms[key].sections
        assert len(sections) >= 5 and sections[-1].name in ("commitment", "materials"), key
        assert sum(len(s.fields) for s in sections) == len(forms[key].fields), key
