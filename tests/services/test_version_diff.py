"""Comparing two versions of a procedure: its elements, its forms and its decision rows."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import engine
from app.errors import NotAllowed, NotFound
from app.extensions import db
from app.models import ProcessVersion
from app.services import version_diff
from tests.second_version import KEY, load_second_version


def _summaries(items: list[dict]) -> list[tuple[str, str, str]]:
    return [(item["id"], item["type"], item["name"]) for item in items]


@pytest.fixture
def two_versions(app, tmp_path, user):
    load_second_version(tmp_path)
    return version_diff.compare(user("km_designer"), KEY, 1, 2).changes


def test_added_and_removed_elements_are_the_new_task_and_the_rerouted_flows(two_versions):
    assert _summaries(two_versions["added"]) == [
        ("confirm_notice", "userTask", "确认公示内容"),
        ("flow_confirm_notice_to_notice_split", "sequenceFlow", ""),
        ("flow_set_public_notice_to_confirm_notice", "sequenceFlow", "")]
    assert _summaries(two_versions["removed"]) == [
        ("flow_set_public_notice_to_notice_split", "sequenceFlow", "")]
    assert two_versions["layout"] == []
    assert two_versions["identical"] is False


def test_added_and_removed_elements_carry_what_they_say(two_versions):
    assert two_versions["added"][0]["properties"] == [
        {"name": "name", "old": None, "new": "确认公示内容"},
        {"name": "lane", "old": None, "new": "city"},
        {"name": "incoming", "old": None, "new": "flow_set_public_notice_to_confirm_notice"},
        {"name": "outgoing", "old": None, "new": "flow_confirm_notice_to_notice_split"},
        {"name": "formId", "old": None, "new": "km_notice"},
        {"name": "dueWorkingDays", "old": None, "new": "2"},
        {"name": "variableName", "old": None, "new": "notice_confirmation"}]
    assert two_versions["removed"][0]["properties"] == [
        {"name": "sourceRef", "old": "set_public_notice", "new": None},
        {"name": "targetRef", "old": "notice_split", "new": None}]


def test_changed_script_and_flows_are_listed_old_and_new(two_versions):
    changed = {item["id"]: item["properties"] for item in two_versions["changed"]}
    assert list(changed) == ["notice_split", "set_public_notice"]
    assert changed["notice_split"] == [{"name": "incoming",
                                        "old": "flow_set_public_notice_to_notice_split",
                                        "new": "flow_confirm_notice_to_notice_split"}]
    script, outgoing = changed["set_public_notice"]  # in the order the element has them
    assert script["name"] == "script"
    assert outgoing == {"name": "outgoing", "old": "flow_set_public_notice_to_notice_split",
                        "new": "flow_set_public_notice_to_confirm_notice"}
    assert 'add_working_days(notice["notice_start"], 10, ' in script["old"]
    assert 'add_working_days(notice["notice_start"], 15, ' in script["new"]
    assert script["old"].replace(", 10, ", ", 15, ") == script["new"]


def test_a_field_added_to_a_pinned_form_is_listed_with_its_label_type_and_required(
        two_versions):
    assert two_versions["forms"] == [{
        "key": "km_notice", "from": 1, "to": 2, "status": "changed", "properties": [],
        "added": [{"name": "notice_channel", "label": "公示渠道", "type": "text",
                   "required": True}],
        "removed": [], "changed": []}]


def test_a_changed_threshold_is_one_changed_decision_row_with_its_cells(two_versions):
    assert two_versions["decisions"] == [{
        "file": "precheck.dmn", "decision": "kunming_precheck",
        "name": "昆明市示范基地申报条件预审", "properties": [], "added": [], "removed": [],
        "changed": [{"id": "rule_small_micro_count",
                     "description": "入驻小微企业户数（第六条第三项）",
                     "properties": [
                         {"name": "要求", "old": '"≥ 40 家"', "new": '"≥ 30 家"'},
                         {"name": "是否通过", "old": 'application["small_micro_count"] >= 40',
                          "new": 'application["small_micro_count"] >= 30'}]}]}]


def test_a_version_compared_with_itself_is_identical(app, user):
    changes = version_diff.compare(user("km_auditor"), KEY, 1, 1).changes
    assert changes["identical"] is True
    assert [changes[k] for k in ("added", "removed", "changed", "layout", "forms",
                                 "decisions")] == [[], [], [], [], [], []]


def test_without_numbers_the_newest_two_versions_are_compared(app, tmp_path, user):
    load_second_version(tmp_path)
    comparison = version_diff.compare(user("km_designer"), KEY, None, None)
    assert (comparison.old.version, comparison.new.version) == (1, 2)
    assert [v.version for v in comparison.versions] == [2, 1]


def _add_draft(change) -> None:
    """Add draft version 7 whose BPMN is version 1's after `change`."""
    first = db.session.scalars(sa.select(ProcessVersion).where(
        ProcessVersion.key == KEY, ProcessVersion.version == 1)).one()
    db.session.add(ProcessVersion(
        key=KEY, version=7, jurisdiction=first.jurisdiction, title=first.title,
        bpmn=change(first.bpmn), dmn=first.dmn, spec="", forms=first.forms, sha256="draft",
        status="draft", author="km_designer", note=""))
    db.session.flush()


def _move_to_county_and_wait_for_last_day(text: str) -> str:
    text = text.replace('<spiffworkflow:property name="notBefore" value="notice_ends_at" />',
                        '<spiffworkflow:property name="notBefore" value="notice_ends_on" />')
    text = text.replace("<bpmn:flowNodeRef>register_objections</bpmn:flowNodeRef>", "")
    return text.replace("<bpmn:flowNodeRef>set_in_review</bpmn:flowNodeRef>",
                        "<bpmn:flowNodeRef>set_in_review</bpmn:flowNodeRef>"
                        "<bpmn:flowNodeRef>register_objections</bpmn:flowNodeRef>")


def test_a_draft_compares_too_with_lane_and_spiffworkflow_properties(app, user):
    _add_draft(_move_to_county_and_wait_for_last_day)
    changes = version_diff.compare(user("km_designer"), KEY, 1, 7).changes
    assert changes["changed"] == [{
        "id": "register_objections", "type": "userTask", "name": "登记公示期异议",
        "properties": [{"name": "lane", "old": "city", "new": "county"},
                       {"name": "notBefore", "old": "notice_ends_at", "new": "notice_ends_on"}]}]
    assert changes["forms"] == changes["decisions"] == []


def test_a_moved_shape_is_a_layout_change_only():
    old = _diagram('<dc:Bounds x="100" y="100" width="36" height="36" />')
    new = _diagram('<dc:Bounds x="300" y="100" width="36" height="36" />')
    changes = engine.bpmn_changes(old, new)
    assert changes["layout"] == [{"id": "start", "type": "startEvent", "name": "开始"}]
    assert changes["changed"] == changes["added"] == changes["removed"] == []


def test_an_element_whose_type_changed_lists_the_type():
    old = _diagram('<dc:Bounds x="100" y="100" width="36" height="36" />')
    new = old.replace("bpmn:startEvent", "bpmn:intermediateThrowEvent")
    assert engine.bpmn_changes(old, new)["changed"] == [{
        "id": "start", "type": "intermediateThrowEvent", "name": "开始",
        "properties": [{"name": "type", "old": "startEvent", "new": "intermediateThrowEvent"}]}]


def _diagram(bounds: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="d">
  <bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="start" name="开始" /></bpmn:process>
  <bpmndi:BPMNDiagram id="diagram"><bpmndi:BPMNPlane id="plane" bpmnElement="p">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start">{bounds}</bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"""


@pytest.mark.parametrize(("username", "error"), [
    ("km_applicant", NotAllowed), ("km_city", NotAllowed), ("lc_designer", NotFound)])
def test_only_readers_of_the_jurisdiction_compare_its_versions(app, user, username, error):
    with pytest.raises(error):
        version_diff.compare(user(username), KEY, 1, 1)


def test_an_unknown_version_or_procedure_is_not_found(app, user):
    with pytest.raises(NotFound):
        version_diff.compare(user("km_designer"), KEY, 1, 99)
    with pytest.raises(NotFound):
        version_diff.compare(user("km_designer"), "no_such_procedure", 1, 1)
