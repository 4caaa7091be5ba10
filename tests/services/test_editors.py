"""The form and decision table editors' services: a form's problems on their YAML lines
(the same check as `processes check`), the schema of a valid form, and a decision table
tried rule by rule on a real Kunming case, its draft text or its published one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import formdefs
from app.errors import NotAllowed, NotFound, Rejected
from app.extensions import db
from app.models import Case, User
from app.services import decision_try, form_editor
from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver

ROOT = Path(__file__).resolve().parents[2]
NOTICE = (ROOT / "forms" / "km_notice.yaml").read_text(encoding="utf-8")
PRECHECK = (ROOT / "processes" / "kunming" / "precheck.dmn").read_text(encoding="utf-8")
NOW = dt.datetime(2026, 3, 3, 9, tzinfo=dt.timezone.utc)


def _user(username: str) -> User:
    return db.session.scalars(sa.select(User).where(User.username == username)).one()


def _line(source: str, text: str) -> int:
    return next(n for n, line in enumerate(source.splitlines(), 1) if text in line)


def test_every_problem_of_a_form_comes_with_the_line_of_its_field(api):
    source = (NOTICE.replace("type: date", "type: dat", 1)
              .replace("    max_length: 200", "    max_length: -1", 1))
    found = form_editor.check_form(_user("km_designer"), "km_notice", source)
    lines = sorted(p.line for p in found.problems)
    assert lines == [_line(source, "- name: notice_start"), _line(source, "- name: notice_title")]
    assert found.form is None and found.schema is None


def test_the_editor_finds_what_processes_check_finds(api, tmp_path):
    source = NOTICE.replace("label: 公示网址", "lable: 公示网址", 1)
    (tmp_path / "km_notice.yaml").write_text(source, encoding="utf-8")
    on_disk = [p.text() for p in formdefs.check_forms(tmp_path)]
    found = form_editor.check_form(_user("km_designer"), "km_notice", source)
    assert [p.text() for p in found.problems] == on_disk and on_disk


def test_a_key_other_than_the_file_name_is_a_problem_on_the_key_line(api):
    source = NOTICE.replace("key: km_notice", "key: km_notice2", 1)
    [problem] = form_editor.check_form(_user("km_designer"), "km_notice", source).problems
    assert problem.line == _line(source, "key: km_notice2")


def test_a_valid_form_gets_the_schema_the_task_api_serves(api):
    found = form_editor.check_form(_user("km_designer"), "km_notice", NOTICE)
    assert found.problems == []
    assert found.schema == formdefs.json_schema(found.form, found.choices, "zh", {})
    assert found.schema["properties"]["notice_start"]["format"] == "date"


@pytest.mark.parametrize("username", ["km_applicant", "km_city", "lc_designer"])
def test_only_readers_of_the_jurisdiction_check_its_forms(api, username):
    with pytest.raises(NotAllowed):
        form_editor.check_form(_user(username), "km_notice", NOTICE)


def test_an_alias_bomb_is_a_problem_not_an_explosion(api):
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    [problem] = form_editor.check_form(_user("km_designer"), "km_notice", bomb).problems
    assert "alias" in problem.text() and problem.line == 2


def test_a_huge_source_is_refused_before_it_is_parsed(api):
    with pytest.raises(Rejected) as refused:
        form_editor.check_form(_user("km_designer"), "km_notice", "#" * 300_000)
    assert refused.value.by_field()["source"]


def _few_employees_case(api) -> int:
    case = CaseDriver(api, "kunming_recognition", "km_applicant", "km_city")
    case.start("2026-03-02T09:00")
    case.complete("km_applicant", "submit_application", km.APPLICATION_FEW_EMPLOYEES,
                  "2026-03-02T10:00")
    return case.id


def test_the_trial_agrees_with_the_precheck_the_case_got(api):
    case_id = _few_employees_case(api)
    trial = decision_try.try_table(_user("km_designer"), "kunming_recognition", "precheck.dmn",
                                   None, case_id, NOW)
    stored = {row["id"]: row["passed"]
              for row in db.session.get(Case, case_id).data["precheck_conditions"]}
    verdicts = {rule["id"].removeprefix("rule_"): rule["conditions"][-1]["passed"]
                for rule in trial["rules"]}
    assert verdicts == stored
    assert verdicts["employee_count"] is False and verdicts["small_micro_count"] is True


def test_the_trial_in_english_names_rules_and_columns_by_their_english_labels(api):
    case_id = _few_employees_case(api)
    trial = decision_try.try_table(_user("km_designer"), "kunming_recognition", "precheck.dmn",
                                   None, case_id, NOW, "en")
    employees = next(r for r in trial["rules"] if r["id"] == "rule_employee_count")
    assert trial["name"] == "Kunming demonstration bases: pre-check of the conditions"
    assert employees["description"] == "Employees (Art. 6(3))"
    assert [c["input"] for c in employees["conditions"]] == ["Passed"]
    assert employees["conditions"][-1]["passed"] is False


def test_a_case_can_be_named_by_its_reference(api):
    case_id = _few_employees_case(api)
    ref = api.get("km_city", f"/api/cases/{case_id}")["ref"]
    trial = decision_try.try_table(_user("km_designer"), "kunming_recognition", "precheck.dmn",
                                   None, ref, NOW)
    assert trial["case_id"] == case_id


def test_a_draft_threshold_changes_the_verdict(api):
    case_id = _few_employees_case(api)
    draft = PRECHECK.replace('application["employee_count"] &gt;= 500',
                             'application["employee_count"] &gt;= 450')
    trial = decision_try.try_table(_user("km_designer"), "kunming_recognition", "precheck.dmn",
                                   draft, case_id, NOW)
    employees = next(r for r in trial["rules"] if r["id"] == "rule_employee_count")
    assert employees["conditions"][-1] == {"input": "是否通过",
                                          "text": 'application["employee_count"] >= 450',
                                          "passed": True, "value": 450, "error": ""}


def test_an_input_cell_is_a_condition_of_its_rule(api):
    case_id = _few_employees_case(api)
    draft = PRECHECK.replace('<inputEntry id="rule_mentor_count_in"><text>-</text>',
                             '<inputEntry id="rule_mentor_count_in">'
                             '<text>len(?) &gt; 100</text>', 1)
    trial = decision_try.try_table(_user("km_designer"), "kunming_recognition", "precheck.dmn",
                                   draft, case_id, NOW)
    mentor = next(r for r in trial["rules"] if r["id"] == "rule_mentor_count")
    assert mentor["matched"] is False
    assert mentor["conditions"][0]["text"] == "len(?) > 100"
    assert mentor["conditions"][0]["passed"] is False
    assert not any(row["id"] == "mentor_count"
                   for row in trial["result"]["precheck_conditions"])


def test_a_case_of_another_procedure_is_not_found(api):
    case_id = _few_employees_case(api)
    with pytest.raises(NotFound):
        decision_try.try_table(_user("km_designer"), "kunming_rereview", "precheck.dmn", None,
                               case_id, NOW)


def test_the_recent_cases_are_those_of_the_procedure(api):
    case_id = _few_employees_case(api)
    assert [c["id"] for c in decision_try.recent_cases(_user("km_designer"),
                                                       "kunming_recognition")] == [case_id]
    assert decision_try.recent_cases(_user("lc_designer"), "kunming_recognition") == []
