"""Every named element of every process file has an English name (en:name); the lint warns
about one that lacks it, and the reader gives each element its name in the reader's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import engine
from app.services import element_names

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "processes").glob("*/*.bpmn")) + sorted((ROOT / "processes").glob("*/*.dmn"))

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:en="urn:process-language:en" id="d">
  <bpmn:process id="p" name="认定" en:name="Recognition">
    <bpmn:laneSet id="ls"><bpmn:lane id="lane_county" name="county" /></bpmn:laneSet>
    <bpmn:userTask id="county_review" name="县级初审" en:name="County first review" />
    <bpmn:exclusiveGateway id="decide" name="初审结论" />
    <bpmn:sequenceFlow id="flow" name="通过" sourceRef="county_review" targetRef="decide" />
  </bpmn:process>
</bpmn:definitions>"""


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_named_element_has_an_english_name(path):
    root = engine.parse_xml(path.name, path.read_bytes()).getroot()

    missing = engine.english_name_warnings(path.name, root)

    assert [f"{w.element}: {w.params['name']}" for w in missing] == []


def test_the_lint_warns_about_each_chinese_name_without_english():
    root = engine.parse_xml("p.bpmn", BPMN.encode()).getroot()

    warnings = engine.english_name_warnings("p.bpmn", root)

    # the lane's name is its level, in English already
    assert [(w.element, w.params["name"], w.line) for w in warnings] == [
        ("decide", "初审结论", 7), ("flow", "通过", 8)]
    assert "has no English name (en:name)" in warnings[0].text()


def test_names_come_in_the_readers_language():
    names = element_names.read(BPMN)

    assert (names.of("county_review", "en"), names.of("county_review", "zh")) == (
        "County first review", "县级初审")
    assert names.of("decide", "en") == "初审结论"  # no English name: the Chinese one
    assert names.translate("县级初审、初审结论", "en") == "County first review; 初审结论"
    assert names.lanes == ("county",)
