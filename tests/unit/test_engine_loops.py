"""Loop-back reasons in the engine: which flows need one, and the reason a taken flow reports.

Kunming's satisfaction sample (seed 003, Art. 10) is driven without the form's own check
(its computed row minimum refuses a short sample before the engine sees it), as an older
version or a designer's diagram would meet it.
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

from app import engine
from app.config import ROOT
from tests.processes import examples_kunming as km

KUNMING = ROOT / "processes" / "kunming"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 4, 10, 9, tzinfo=SHANGHAI)


def _spec() -> str:
    files = {p.name: p.read_bytes() for p in KUNMING.iterdir() if p.suffix in (".bpmn", ".dmn")}
    return engine.load_definitions(files)["kunming_recognition"].spec


def _complete(spec: str, step: engine.Step, name: str, data: dict) -> engine.Step:
    [task] = [t for t in step.ready if t.name == name]
    return engine.complete(spec, step.state, task.id, data, NOW)


def test_a_short_sample_reopens_the_task_with_the_required_and_actual_counts():
    spec = _spec()
    step = engine.start(spec, {"case_ref": "KM-2026-0001", "settings": {}}, NOW)
    step = _complete(spec, step, "submit_application", km.APPLICATION)
    step = _complete(spec, step, "county_review", km.COUNTY_APPROVE)

    step = _complete(spec, step, "site_inspection", km.site_inspection(2, 2))

    [loop] = step.loop_backs
    [reopened] = step.ready
    assert (loop.task_id, loop.task, loop.flow) == (
        reopened.id, "site_inspection", "flow_site_inspection_gateway_to_site_inspection_merge")
    assert loop.name == "抽查比例不足10%"
    assert loop.reason.startswith("应抽查5家，本次2家：")
    assert "第十条" in loop.reason


def test_a_sample_large_enough_takes_no_loop_back():
    spec = _spec()
    step = engine.start(spec, {"case_ref": "KM-2026-0001", "settings": {}}, NOW)
    step = _complete(spec, step, "submit_application", km.APPLICATION)
    step = _complete(spec, step, "county_review", km.COUNTY_APPROVE)

    step = _complete(spec, step, "site_inspection", km.site_inspection(5, 5))

    assert step.loop_backs == () and [t.name for t in step.ready] == ["assign_experts"]


LOOP = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="merge"/>
    <bpmn:exclusiveGateway id="merge"/>
    <bpmn:sequenceFlow id="f2" sourceRef="merge" targetRef="work"/>
    <bpmn:userTask id="work"/>
    <bpmn:sequenceFlow id="f3" sourceRef="work" targetRef="check"/>
    <bpmn:exclusiveGateway id="check" default="done"/>
    <bpmn:sequenceFlow id="again" sourceRef="check" targetRef="merge">@DOC@</bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="done" sourceRef="check" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def _problems(doc: str) -> list[tuple[str, str]]:
    root = etree.fromstring(LOOP.replace(b"@DOC@", doc.encode()))
    return [(p.element, p.message) for p in engine.reason_problems("p.bpmn", root)]


def test_a_loop_back_without_a_reason_is_a_problem_and_a_documented_one_is_not():
    assert [element for element, _ in _problems("")] == ["again"]
    assert _problems("<bpmn:documentation>还差{{ 5 - n }}份</bpmn:documentation>") == []


def test_a_reason_whose_expression_does_not_compile_is_a_problem():
    [(element, message)] = _problems("<bpmn:documentation>{{ 1 + }}</bpmn:documentation>")
    assert element == "again" and "{{ }}" in message
