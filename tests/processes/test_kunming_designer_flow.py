"""A designer's whole change through the JSON API and the CLI: a Kunming designer lengthens the
public notice from 10 to 15 working days and adds a task, a second designer approves, the
draft is published; a case started before still closes its notice after 10 working days, a
new one after 15 (the real calendar: National Day 2026 falls inside the notice); running cases
are migrated and still verify.

The database is made as an operator makes it: `init-db`, `processes load`, `demo load`, once
per module into a template file that every test copies.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from app import create_app
from app.config import ROOT, TestConfig
from app.extensions import db
from tests.processes import examples_kunming as km
from tests.processes.driver import Api, CaseDriver, api_on, at

KEY = "kunming_recognition"
BPMN = "recognition.bpmn"
DESIGNER, SECOND, OTHER = "km_designer", "km_designer2", "lc_designer"
APPLICANT, COUNTY, CITY = "km_applicant", "km_county_wuhua", "km_city"
NEW_TASK = "notice_materials_received"
# 2026-09-28 + National Day (1-7 October): the 10th working day is 15 October, the 15th is
# 22 October; each notice ends at midnight after its last day (Asia/Shanghai).
TENTH_ENDS, FIFTEENTH_ENDS = "2026-10-16T00:00", "2026-10-23T00:00"


# --- a fresh database made through the CLI ----------------------------------------------------

def _config(folder: Path) -> type:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'designer.sqlite'}"
        UPLOAD_DIR = str(folder / "uploads")
        AUDIT_ANCHOR_LOG = str(folder / "audit-anchors.jsonl")
        AUDIT_SIGNING_KEY = str(folder / "audit-signing-key.pem")
        PROCESS_DIR = str(ROOT / "processes")
        FORM_DIR = str(ROOT / "forms")

    return Config


def cli(app, *args: str) -> str:
    """Run `flask --app app ARGS`; assert it succeeds; return its output."""
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.output


@pytest.fixture(scope="module")
def operator_database(tmp_path_factory) -> Path:
    """The database after `init-db`, `processes load` and `demo load --no-calls`."""
    folder = tmp_path_factory.mktemp("designer")
    app = create_app(_config(folder))
    with app.app_context():
        cli(app, "init-db")
        cli(app, "processes", "load")
        cli(app, "demo", "load", "--no-calls")
        db.session.remove()
        db.engine.dispose()
    return folder / "designer.sqlite"


@pytest.fixture
def api(operator_database, tmp_path, monkeypatch) -> Api:
    shutil.copyfile(operator_database, tmp_path / "designer.sqlite")
    with api_on(create_app(_config(tmp_path)), monkeypatch) as client:
        yield client


# --- what the designer does -------------------------------------------------------------------

def versions(api: Api, username: str = DESIGNER) -> dict[int, dict]:
    return {row["version"]: row for row in api.get(username, f"/api/processes/{KEY}/versions")}


def published(api: Api) -> int:
    [number] = [n for n, row in versions(api).items() if row["status"] == "published"]
    return number


def published_bpmn(api: Api) -> str:
    answer = api.get(DESIGNER, f"/api/processes/{KEY}/versions/{published(api)}/files")
    return answer["files"][BPMN]


def replace(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


TASK = f"""    <bpmn:userTask id="{NEW_TASK}" name="公示材料签收">
      <bpmn:documentation>产品默认：公示前由市工业和信息化局签收拟公示材料。</bpmn:documentation>
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formId" value="km_annual_summary_city" />
        </spiffworkflow:properties>
        <spiffworkflow:variableName>notice_materials</spiffworkflow:variableName>
      </bpmn:extensionElements>
      <bpmn:incoming>flow_site_verification_gateway_to_publish_notice</bpmn:incoming>
      <bpmn:outgoing>flow_{NEW_TASK}_to_publish_notice</bpmn:outgoing>
    </bpmn:userTask>
"""
FLOW = (f'    <bpmn:sequenceFlow id="flow_{NEW_TASK}_to_publish_notice" '
        f'sourceRef="{NEW_TASK}" targetRef="publish_notice" />\n')
SHAPE = f"""      <bpmndi:BPMNShape id="{NEW_TASK}_di" bpmnElement="{NEW_TASK}">
        <dc:Bounds x="3400" y="960" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="flow_{NEW_TASK}_to_publish_notice_di"
        bpmnElement="flow_{NEW_TASK}_to_publish_notice">
        <di:waypoint x="3500" y="1000" />
        <di:waypoint x="3530" y="1000" />
        <di:waypoint x="3530" y="745" />
        <di:waypoint x="3500" y="745" />
      </bpmndi:BPMNEdge>
"""
GATEWAY_EDGE = """        <di:waypoint x="3315" y="725" />
        <di:waypoint x="3400" y="725" />"""
GATEWAY_EDGE_NEW = """        <di:waypoint x="3290" y="750" />
        <di:waypoint x="3290" y="1000" />
        <di:waypoint x="3400" y="1000" />"""


def fifteen_days_and_a_task(bpmn: str) -> str:
    """The designer's edit: a 15-working-day notice, and a receipt task before publication."""
    text = replace(bpmn, 'add_working_days(notice["notice_start"], 10,',
                   'add_working_days(notice["notice_start"], 15,')
    text = replace(text, "公示期满（10个工作日）", "公示期满（15个工作日）")
    text = replace(text, "        <bpmn:flowNodeRef>publish_notice</bpmn:flowNodeRef>\n",
                   f"        <bpmn:flowNodeRef>{NEW_TASK}</bpmn:flowNodeRef>\n"
                   "        <bpmn:flowNodeRef>publish_notice</bpmn:flowNodeRef>\n")
    text = replace(text, "<bpmn:incoming>flow_site_verification_gateway_to_publish_notice"
                   "</bpmn:incoming>",
                   f"<bpmn:incoming>flow_{NEW_TASK}_to_publish_notice</bpmn:incoming>")
    text = replace(text, '    <bpmn:userTask id="publish_notice"',
                   TASK + '    <bpmn:userTask id="publish_notice"')
    text = replace(text, 'sourceRef="site_verification_gateway" targetRef="publish_notice">',
                   f'sourceRef="site_verification_gateway" targetRef="{NEW_TASK}">')
    text = replace(text, '    <bpmn:sequenceFlow id="flow_publish_notice_to_set_public_notice"',
                   FLOW + '    <bpmn:sequenceFlow id="flow_publish_notice_to_set_public_notice"')
    text = replace(text, GATEWAY_EDGE, GATEWAY_EDGE_NEW)
    return replace(text, '      <bpmndi:BPMNShape id="publish_notice_di"',
                   SHAPE + '      <bpmndi:BPMNShape id="publish_notice_di"')


def broken(bpmn: str) -> str:
    """An unquoted timer on the notice's end and a form that does not exist."""
    text = replace(bpmn, 'tFormalExpression">notice_ends_at</bpmn:timeDate>',
                   'tFormalExpression">P10D</bpmn:timeDate>')
    return replace(text, 'value="km_notice" />', 'value="km_no_such_form" />')


def save_draft(api: Api, files: dict, username: str = DESIGNER, expect: int = 201) -> dict:
    return api.post(username, f"/api/processes/{KEY}/drafts",
                    {"files": files, "note": "公示期延长至15个工作日"}, expect=expect)


def act(api: Api, username: str, version: int, action: str, expect: int = 200) -> dict:
    return api.post(username, f"/api/processes/{KEY}/versions/{version}/{action}", expect=expect)


def publish_the_change(api: Api) -> tuple[int, int]:
    """Save, approve by the second designer and publish the edit; return (old, new) versions."""
    old = published(api)
    api.now = at("2026-03-01T10:00")
    draft = save_draft(api, {BPMN: fifteen_days_and_a_task(published_bpmn(api))})
    assert draft["problems"] == []
    act(api, SECOND, draft["draft"], "approve")
    act(api, DESIGNER, draft["draft"], "publish")
    return old, draft["draft"]


# --- what the cases do ------------------------------------------------------------------------

def to_notice(case: CaseDriver, with_receipt: bool = False) -> CaseDriver:
    """Drive a started case to the public notice of 2026-09-28; the receipt task is the one
    the new version adds."""
    case.complete(APPLICANT, "submit_application", km.APPLICATION, "2026-03-02T09:00")
    case.complete(COUNTY, "county_review", km.COUNTY_APPROVE, "2026-03-10T09:00")
    case.complete(COUNTY, "site_inspection", km.site_inspection(), "2026-04-10T09:00")
    case.complete(CITY, "assign_experts", km.ASSIGN_EXPERTS, "2026-05-01T09:00")
    for expert in km.EXPERTS:
        case.complete(expert, "expert_review", km.expert_opinion(), "2026-05-10T09:00")
    case.complete(CITY, "expert_decision", km.EXPERT_APPROVE, "2026-06-01T09:00")
    case.complete(CITY, "site_verification", km.VERIFY_APPROVE, "2026-09-10T09:00")
    assert case.ready() == ([NEW_TASK] if with_receipt else ["publish_notice"])
    if with_receipt:
        case.complete(CITY, NEW_TASK, {"received_on": "2026-09-25", "note": "材料齐全。"},
                      "2026-09-25T09:00")
    answer = case.complete(CITY, "publish_notice", km.NOTICE, "2026-09-28T09:00")
    assert answer["status"] == "public_notice"
    return case


def waiting(case: CaseDriver) -> list[str]:
    return [w["element"] for w in case.case()["waiting"]]


def before_and_after(api: Api) -> tuple[CaseDriver, CaseDriver, int, int]:
    """A case started before the change is published and one after, both in notice;
    return them with the old and the new version."""
    old_case = CaseDriver(api, KEY, APPLICANT, CITY)
    old_case.start("2026-03-01T09:00")
    old, new = publish_the_change(api)
    new_case = CaseDriver(api, KEY, APPLICANT, CITY)
    new_case.start("2026-03-01T11:00")
    return to_notice(old_case), to_notice(new_case, with_receipt=True), old, new


# --- drafts, four eyes, publishing, versions ---------------------------------------------------

def test_the_published_files_come_back_under_their_file_names(api):
    files = api.get(DESIGNER, f"/api/processes/{KEY}/versions/{published(api)}/files")["files"]

    assert 'add_working_days(notice["notice_start"], 10,' in files[BPMN]
    assert files[BPMN] == (ROOT / "processes" / "kunming" / BPMN).read_text(encoding="utf-8")
    assert "precheck.dmn" in files
    assert files["forms/km_notice.yaml"] == (ROOT / "forms" / "km_notice.yaml").read_text(
        encoding="utf-8")


def test_a_second_designer_approves_and_the_change_is_published(api):
    old_case = CaseDriver(api, KEY, APPLICANT, CITY)
    old_case.start("2026-03-01T09:00")
    old = published(api)
    api.now = at("2026-03-01T10:00")

    draft = save_draft(api, {BPMN: fifteen_days_and_a_task(published_bpmn(api))})
    assert draft["problems"] == []
    number = draft["draft"]
    assert number > old
    act(api, DESIGNER, number, "publish", expect=422)  # not approved yet
    act(api, DESIGNER, number, "approve", expect=403)  # four eyes: not the author
    act(api, SECOND, number, "approve")
    act(api, DESIGNER, number, "publish")

    rows = versions(api)
    assert rows[number]["status"] == "published"
    assert (rows[number]["author"], rows[number]["approver"]) == (DESIGNER, SECOND)
    assert rows[number]["note"] == "公示期延长至15个工作日"
    assert rows[number]["published_at"] and rows[number]["created_at"]
    assert (rows[old]["status"], rows[old]["running_cases"]) == ("retired", 1)
    assert rows[number]["running_cases"] == 0
    assert old_case.case()["version"] == old
    new_case = CaseDriver(api, KEY, APPLICANT, CITY)
    assert new_case.start("2026-03-01T11:00")["version"] == number


def test_processes_load_keeps_the_version_published_in_the_browser(api):
    _, new = publish_the_change(api)

    cli(api.app, "processes", "load")

    rows = versions(api)
    assert published(api) == new and max(rows) == new
    assert 'add_working_days(notice["notice_start"], 15,' in published_bpmn(api)


# --- the running cases -------------------------------------------------------------------------

def test_an_older_case_closes_its_notice_after_ten_working_days_a_new_one_after_fifteen(api):
    old_case, new_case, old, new = before_and_after(api)
    assert (old_case.case()["version"], new_case.case()["version"]) == (old, new)
    assert old_case.case()["data"]["notice_ends_on"] == "2026-10-15"
    assert new_case.case()["data"]["notice_ends_on"] == "2026-10-22"

    assert api.run_timers(TENTH_ENDS) == 1
    assert waiting(old_case) == []
    assert waiting(new_case) == ["notice_period_ends"]
    assert new_case.case()["status"] == "public_notice"

    assert api.run_timers("2026-10-22T23:59:59") == 0
    assert waiting(new_case) == ["notice_period_ends"]
    assert api.run_timers(FIFTEENTH_ENDS) == 1
    assert waiting(new_case) == []
    registered = new_case.complete(CITY, "register_objections", km.NO_OBJECTION,
                                   "2026-10-23T09:00")
    assert [t["name"] for t in registered["tasks"]] == ["collective_decision"]


def test_a_dry_run_lists_the_running_cases_and_a_migrated_case_still_verifies(api):
    left_behind = CaseDriver(api, KEY, APPLICANT, CITY)
    left_behind.start("2026-03-01T08:00")
    old_case, new_case, old, new = before_and_after(api)

    dry = api.post(DESIGNER, f"/api/processes/{KEY}/migrations",
                   {"from": old, "to": new, "cases": "all", "dry_run": True})

    rows = {row["case_id"]: row for row in dry}
    assert sorted(rows) == sorted([old_case.id, left_behind.id])  # not the new version's case
    assert all(isinstance(row["ok"], bool) and "reason" in row for row in dry)
    assert rows[old_case.id]["ok"] is True, rows[old_case.id]
    [not_old] = api.post(DESIGNER, f"/api/processes/{KEY}/migrations",
                         {"from": old, "to": new, "cases": [new_case.id], "dry_run": True})
    assert not_old["ok"] is False and not_old["reason"], not_old
    assert old_case.case()["version"] == old  # a dry run moves nothing

    moved = api.post(DESIGNER, f"/api/processes/{KEY}/migrations",
                     {"from": old, "to": new, "cases": [old_case.id], "dry_run": False})

    assert [(row["case_id"], row["ok"]) for row in moved] == [(old_case.id, True)]
    assert old_case.case()["version"] == new
    assert left_behind.case()["version"] == old
    assert versions(api)[old]["running_cases"] == 1
    [event] = [e for e in api.get("km_auditor", f"/api/cases/{old_case.id}/events")
               if e["kind"] == "migrated"]
    assert (event["actor"], event["data"]["from"], event["data"]["to"]) == (DESIGNER, old, new)
    assert "notice_period_ends" in {row["element"] for row in event["data"]["mapping"]}
    # Completed history is never rewritten: the notice keeps the 10 days it was given.
    assert old_case.case()["data"]["notice_ends_on"] == "2026-10-15"
    assert api.run_timers(TENTH_ENDS) == 1
    assert waiting(old_case) == [] and waiting(new_case) == ["notice_period_ends"]
    ref = old_case.case()["ref"]
    assert f"{ref}\tok" in cli(api.app, "audit", "verify", ref)
    verified = cli(api.app, "audit", "verify", "--all")
    assert f"{ref}\tok" in verified and "MISMATCH" not in verified
    history = api.post("km_auditor", f"/api/cases/{old_case.id}/verify")
    assert history["ok"] is True, [step for step in history["steps"] if not step["ok"]]


# --- a broken draft ----------------------------------------------------------------------------

def span(text: str, element: str) -> range:
    """The lines (1-based) of the element `element` in `text`."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines, 1) if f'id="{element}"' in line)
    tag = re.match(r"\s*<([\w:]+)", lines[first - 1]).group(1)
    last = next(i for i, line in enumerate(lines[first - 1:], first) if f"</{tag}>" in line)
    return range(first, last + 1)


def test_a_broken_draft_is_kept_with_its_problems_and_cannot_be_published(api):
    text = broken(published_bpmn(api))
    draft = save_draft(api, {BPMN: text})
    number, problems = draft["draft"], draft["problems"]

    by_element = {problem["element"]: problem for problem in problems}
    assert {"notice_period_ends", "publish_notice"} <= set(by_element), problems
    for element in ("notice_period_ends", "publish_notice"):
        assert by_element[element]["file"] == BPMN
        assert by_element[element]["line"] in span(text, element), by_element[element]
    assert "P10D" in by_element["notice_period_ends"]["message"]
    assert "km_no_such_form" in by_element["publish_notice"]["message"]
    assert versions(api)[number]["status"] == "draft"

    approval = api.client.post(f"/api/processes/{KEY}/versions/{number}/approve",
                               headers=api.headers(SECOND))
    assert approval.status_code in (200, 422), approval.get_data(as_text=True)
    refused = act(api, DESIGNER, number, "publish", expect=422)
    listed = approval.get_json() if approval.status_code == 422 else refused
    assert {"notice_period_ends", "publish_notice"} <= {
        problem["element"] for problem in listed["problems"]}, listed
    assert versions(api)[number]["status"] == "draft"
    assert 'add_working_days(notice["notice_start"], 10,' in published_bpmn(api)


def test_the_check_reports_without_saving(api):
    before = versions(api)

    answer = api.post(DESIGNER, f"/api/processes/{KEY}/check",
                      {"files": {BPMN: broken(published_bpmn(api))}})

    assert {"notice_period_ends", "publish_notice"} <= {
        problem["element"] for problem in answer["problems"]}
    assert versions(api) == before


# --- who may design ----------------------------------------------------------------------------

def test_designers_of_another_jurisdiction_cannot_save_or_approve(api):
    draft = save_draft(api, {BPMN: fifteen_days_and_a_task(published_bpmn(api))})

    save_draft(api, {BPMN: published_bpmn(api)}, username=OTHER, expect=403)
    act(api, OTHER, draft["draft"], "approve", expect=403)
    act(api, OTHER, draft["draft"], "publish", expect=403)

    assert versions(api)[draft["draft"]]["approver"] is None


@pytest.mark.parametrize("username, method, path, expect", [
    (APPLICANT, "POST", "drafts", 403),
    (APPLICANT, "POST", "versions/{draft}/approve", 403),
    (APPLICANT, "GET", "versions", 403),
    ("km_auditor", "GET", "versions", 200),
    ("km_auditor", "POST", "drafts", 403),
    (None, "GET", "versions", 401),
    (None, "POST", "drafts", 401),
    (None, "POST", "versions/{draft}/approve", 401),
])
def test_only_the_jurisdictions_designers_write_and_auditors_read(api, username, method, path,
                                                                  expect):
    draft = save_draft(api, {BPMN: fifteen_days_and_a_task(published_bpmn(api))})["draft"]
    body = {"files": {BPMN: published_bpmn(api)}, "note": "x"} if method == "POST" else None

    api.call(method, username, f"/api/processes/{KEY}/{path.format(draft=draft)}", expect,
             json=body)

    assert versions(api)[draft]["approver"] is None
    assert max(versions(api)) == draft
