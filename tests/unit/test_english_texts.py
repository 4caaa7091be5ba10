"""Every deadline rule (dueRule) and decision label of the process files has its English text
(en:dueRule, en:label); the lint warns about one that lacks it, the English reader gets it,
and the version diff lists a changed one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import engine

ROOT = Path(__file__).resolve().parents[2]
BPMN_FILES = sorted((ROOT / "processes").glob("*/*.bpmn"))
DMN_FILES = sorted((ROOT / "processes").glob("*/*.dmn"))
CJK = re.compile(r"[\u3400-\u9fff]")

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    xmlns:en="urn:process-language:en" id="d">
  <bpmn:process id="p">
    <bpmn:userTask id="review" name="审核" en:name="Review" {en}>
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="dueRule" value="产品默认：收到后 5 个工作日内办理" />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
  </bpmn:process>
</bpmn:definitions>"""

DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"
    xmlns:en="urn:process-language:en" id="d" name="预审" en:name="Pre-check">
  <decision id="precheck" name="预审" en:name="Pre-check">
    <decisionTable id="t" hitPolicy="COLLECT">
      <input id="i" label="申报数据" en:label="Application data">
        <inputExpression id="ie"><text>application</text></inputExpression></input>
      <output id="o_label" label="条件" name="precheck_conditions.label" />
      <output id="o_required" label="要求" en:label="Required"
              name="precheck_conditions.required" />
      <rule id="r1" en:label="Resident enterprises" en:required="≥ 40">
        <inputEntry id="r1_in"><text>-</text></inputEntry>
        <outputEntry id="r1_label"><text>"入驻企业"</text></outputEntry>
        <outputEntry id="r1_required"><text>"≥ 40 家"</text></outputEntry>
      </rule>
      <rule id="r2">
        <inputEntry id="r2_in"><text>-</text></inputEntry>
        <outputEntry id="r2_label"><text>"服务人员"</text></outputEntry>
        <outputEntry id="r2_required"><text>"≥ " + str(n) + " 人"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>"""


def _root(name: str, text: str):
    return engine.parse_xml(name, text.encode()).getroot()


@pytest.mark.parametrize("path", BPMN_FILES + DMN_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_deadline_rule_and_decision_label_has_english(path):
    root = engine.parse_xml(path.name, path.read_bytes()).getroot()

    missing = engine.english_text_warnings(path.name, root)

    assert [f"{w.element}: {w.params['text']}" for w in missing] == []


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_english_deadline_rules_keep_their_label_and_are_english(path):
    root = engine.parse_xml(path.name, path.read_bytes()).getroot()
    rules = [(p.get("value"), task.get("{urn:process-language:en}dueRule"))
             for task in root.iter("{*}userTask") for p in task.iter("{*}property")
             if p.get("name") == "dueRule"]

    for zh, en in rules:
        assert not CJK.search(en), en
        # 产品默认 stays visible; a clause stays cited (Art. n / Part n)
        assert en.startswith("Product default: ") == zh.startswith("产品默认："), (zh, en)
        assert zh.startswith("产品默认") or re.search(r"\b(Art\.|Part) \d+", en), (zh, en)


def test_the_lint_warns_about_a_deadline_rule_without_english():
    warnings = engine.english_text_warnings("p.bpmn", _root("p.bpmn", BPMN.format(en="")))

    assert [(w.element, w.params["what"], w.params["attribute"]) for w in warnings] == [
        ("review", "dueRule", "en:dueRule")]
    assert "has no English text (en:dueRule)" in warnings[0].text()
    english = BPMN.format(en='en:dueRule="Product default: handle within 5 working days"')
    assert engine.english_text_warnings("p.bpmn", _root("p.bpmn", english)) == []


def test_the_lint_warns_about_decision_labels_without_english():
    warnings = engine.english_text_warnings("t.dmn", _root("t.dmn", DMN))

    # a computed requirement has no single English text to give: no warning
    assert [(w.element, w.params["attribute"], w.params["text"]) for w in warnings] == [
        ("o_label", "en:label", "条件"), ("r2", "en:label", '"服务人员"')]


def test_english_labels_map_column_and_rule_labels():
    assert engine.english_labels(_root("t.dmn", DMN)) == {
        "申报数据": "Application data", "要求": "Required", "入驻企业": "Resident enterprises",
        "≥ 40 家": "≥ 40"}


def test_the_diff_lists_a_changed_english_rule_and_name():
    old = BPMN.format(en='en:dueRule="Product default: within 5 days"')
    new = old.replace("within 5 days", "within 5 working days").replace(
        'en:name="Review"', 'en:name="Review the application"')

    changed = engine.bpmn_changes(old, new)["changed"]

    assert [(p["name"], p["old"], p["new"]) for p in changed[0]["properties"]] == [
        ("en:name", "Review", "Review the application"),
        ("en:dueRule", "Product default: within 5 days",
         "Product default: within 5 working days")]


def test_the_diff_lists_a_changed_english_rule_label():
    new = DMN.replace('en:label="Resident enterprises"', 'en:label="Enterprises housed"')

    [table] = engine.dmn_changes({"t.dmn": DMN}, {"t.dmn": new})

    assert [(c["id"], [(p["name"], p["old"], p["new"]) for p in c["properties"]])
            for c in table["changed"]] == [
        ("r1", [("en:label", "Resident enterprises", "Enterprises housed")])]
