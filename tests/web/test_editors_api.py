"""The form and decision table editors' JSON API: the forms of a jurisdiction, checking a
form's YAML with its problems' lines, schema and preview, trying the pre-check table on a
real Kunming case."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services import catalog
from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver, api, loaded_app, template_db  # noqa: F401

DESIGNER, OTHER_DESIGNER, APPLICANT, CITY = "km_designer", "lc_designer", "km_applicant", "km_city"
FORMS = Path(__file__).resolve().parents[2] / "forms"
NOTICE = (FORMS / "km_notice.yaml").read_text(encoding="utf-8")
PRECHECK = (Path(__file__).resolve().parents[2] / "processes" / "kunming" / "precheck.dmn"
            ).read_text(encoding="utf-8")


def test_the_forms_of_a_procedure_are_those_its_jurisdiction_uses(api):  # noqa: F811
    forms = api.get(DESIGNER, "/api/forms?process=kunming_recognition")
    keys = [f["key"] for f in forms]
    assert "km_application" in keys and "km_notice" in keys
    assert not any(key.startswith(("lc_", "jz_")) for key in keys)
    notice = next(f for f in forms if f["key"] == "km_notice")
    assert notice["title"] and notice["version"] >= 1


def test_a_designer_of_another_jurisdiction_cannot_list_its_forms(api):  # noqa: F811
    answer = api.get(OTHER_DESIGNER, "/api/forms?process=kunming_recognition", expect=403)
    assert answer["error"]


def test_a_valid_form_gets_its_task_schema_and_a_preview_of_its_fields(api):  # noqa: F811
    answer = api.post(DESIGNER, "/api/forms/check", {"key": "km_notice", "source": NOTICE})
    assert answer["problems"] == []
    assert answer["schema"]["x-form"] == "km_notice"
    assert "notice_start" in answer["schema"]["properties"]
    assert 'id="field-notice_start"' in answer["html"] and 'type="date"' in answer["html"]
    assert "kunming_recognition" in answer["used_by"]


def test_a_new_field_appears_in_the_preview_with_its_label(api):  # noqa: F811
    source = NOTICE.rstrip() + "\n  - name: extra_note\n    type: text\n    label: 公示补充说明\n"
    answer = api.post(DESIGNER, "/api/forms/check", {"key": "km_notice", "source": source})
    assert answer["problems"] == []
    assert "公示补充说明" in answer["html"]
    assert answer["schema"]["properties"]["extra_note"]["title"] == "公示补充说明"


def _line_of(source: str, text: str) -> int:
    return next(n for n, line in enumerate(source.splitlines(), 1) if text in line)


def test_an_unknown_field_type_is_reported_on_the_line_of_its_field(api):  # noqa: F811
    source = NOTICE.replace("type: date", "type: dat", 1)
    answer = api.post(DESIGNER, "/api/forms/check", {"key": "km_notice", "source": source})
    [problem] = answer["problems"]
    assert "dat" in problem["message"]
    assert problem["line"] == _line_of(source, "- name: notice_start")
    assert answer["schema"] is None and answer["html"] == ""


def test_broken_yaml_is_reported_on_the_line_the_parser_stopped(api):  # noqa: F811
    source = "key: km_notice\ntitle: 公示\nfields:\n  - name: a\n    label: [x\n"
    answer = api.post(DESIGNER, "/api/forms/check", {"key": "km_notice", "source": source})
    [problem] = answer["problems"]
    assert problem["line"] >= 5 and "YAML" in problem["message"]


@pytest.mark.parametrize("source", [
    "a: &a [1,2]\nb: [*a, *a, *a, *a]\n",                 # an alias bomb
    "x" * (300 * 1024),                                     # far too long
    "[" * 5000,                                             # nested beyond the parser's depth
])
def test_hostile_sources_are_refused_without_a_server_error(api, source):  # noqa: F811
    response = api.client.post("/api/forms/check", json={"key": "km_notice", "source": source},
                               headers=api.headers(DESIGNER))
    assert response.status_code in (200, 422), response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body.get("problems") or body.get("errors")


def test_a_bad_form_key_is_a_422_naming_the_field(api):  # noqa: F811
    answer = api.post(DESIGNER, "/api/forms/check", {"key": "../etc", "source": NOTICE},
                      expect=422)
    assert "key" in answer["errors"]


def _kunming_case(api, application: dict) -> CaseDriver:  # noqa: F811
    case = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    case.start("2026-03-02T09:00")
    case.complete(APPLICANT, "submit_application", application, "2026-03-02T10:00")
    return case


def _rule(answer: dict, rule_id: str) -> dict:
    return next(r for r in answer["rules"] if r["id"] == rule_id)


def test_trying_the_published_table_shows_the_failing_condition_with_its_value(api):  # noqa: F811
    case = _kunming_case(api, km.APPLICATION_FEW_EMPLOYEES)
    answer = api.post(DESIGNER, "/api/processes/kunming_recognition/decisions/try",
                      {"file": "precheck.dmn", "case_id": case.id})
    assert answer["decision"] == "kunming_precheck"
    employees = _rule(answer, "rule_employee_count")
    assert employees["matched"] is True
    [verdict] = employees["conditions"]
    assert verdict["passed"] is False and verdict["value"] == 450
    assert ">= 500" in verdict["text"]
    assert all(c["passed"] for c in _rule(answer, "rule_small_micro_count")["conditions"])
    rows = {row["id"]: row for row in answer["result"]["precheck_conditions"]}
    assert rows["employee_count"]["passed"] is False


def test_trying_a_draft_uses_the_draft_text_not_the_published_one(api):  # noqa: F811
    case = _kunming_case(api, km.APPLICATION_FEW_EMPLOYEES)
    draft = PRECHECK.replace('application["employee_count"] &gt;= 500',
                             'application["employee_count"] &gt;= 400')
    answer = api.post(DESIGNER, "/api/processes/kunming_recognition/decisions/try",
                      {"file": "precheck.dmn", "case_id": case.id, "text": draft})
    [verdict] = _rule(answer, "rule_employee_count")["conditions"]
    assert verdict["passed"] is True and ">= 400" in verdict["text"]


def test_a_failing_cell_is_reported_on_its_rule_not_as_an_error(api):  # noqa: F811
    case = _kunming_case(api, km.APPLICATION)
    draft = PRECHECK.replace('application["mentor_count"] &gt;= 3',
                             'application["no_such_field"] &gt;= 3')
    answer = api.post(DESIGNER, "/api/processes/kunming_recognition/decisions/try",
                      {"file": "precheck.dmn", "case_id": case.id, "text": draft})
    mentor = _rule(answer, "rule_mentor_count")
    assert any("no_such_field" in c["error"] for c in mentor["conditions"])


@pytest.mark.parametrize(("body", "status"), [
    ({"file": "precheck.dmn", "case_id": 999999}, 404),
    ({"file": "precheck.dmn", "case_id": "not a ref"}, 404),
    ({"file": "precheck.dmn", "case_id": [1]}, 404),
    ({"file": "../meta.yaml", "case_id": 1}, 422),
    ({"file": "precheck.dmn", "case_id": 1, "text": "<definitions"}, 422),
    ({"file": "precheck.dmn", "case_id": 1, "text": "<bpmn:definitions xmlns:bpmn='b'/>"}, 422),
    ({"file": "precheck.dmn", "case_id": 1, "text": "<a/>"}, 422),
    ({"file": "precheck.dmn", "case_id": 1,
      "text": '<!DOCTYPE x [<!ENTITY a "aaaa">]><definitions/>'}, 422),
])
def test_bad_trial_input_is_a_json_error_never_a_server_error(api, body, status):  # noqa: F811
    _kunming_case(api, km.APPLICATION)
    answer = api.post(DESIGNER, "/api/processes/kunming_recognition/decisions/try", body,
                      expect=status)
    assert answer["error"]


def test_a_designer_of_another_jurisdiction_cannot_try_on_a_kunming_case(api):  # noqa: F811
    case = _kunming_case(api, km.APPLICATION)
    api.post(OTHER_DESIGNER, "/api/processes/kunming_recognition/decisions/try",
             {"file": "precheck.dmn", "case_id": case.id}, expect=404)


def test_an_applicant_cannot_try_a_decision_table(api):  # noqa: F811
    case = _kunming_case(api, km.APPLICATION)
    api.post(APPLICANT, "/api/processes/kunming_recognition/decisions/try",
             {"file": "precheck.dmn", "case_id": case.id}, expect=403)


# ------------------------------------------------------------------ the pages


@pytest.fixture
def app(loaded_app):  # noqa: F811 - the web fixtures (client, login_as) on the loaded copy
    return loaded_app


def test_the_form_editor_page_holds_the_published_yaml_and_the_versioning_note(client,
                                                                               login_as):
    login_as(DESIGNER)
    response = client.get("/processes/kunming_recognition/forms/km_notice/edit")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "编辑表单 km_notice" in page and "key: km_notice" in page
    assert "所有使用该表单的流程都会生成新版本" in page and "kunming_rereview" in page


def test_the_decision_page_offers_the_procedures_cases_to_try(client, login_as, api):  # noqa: F811
    case = _kunming_case(api, km.APPLICATION)
    ref = api.get(CITY, f"/api/cases/{case.id}")["ref"]
    login_as(DESIGNER)
    response = client.get("/processes/kunming_recognition/decisions/precheck.dmn/edit")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<option value="{case.id}">{ref}' in page
    assert "kunming_precheck" in page  # the table's XML, for dmn-js


@pytest.mark.parametrize(("username", "path", "status"), [
    (OTHER_DESIGNER, "/processes/kunming_recognition/forms/km_notice/edit", 403),
    (CITY, "/processes/kunming_recognition/forms/km_notice/edit", 403),
    (DESIGNER, "/processes/kunming_recognition/forms/lc_notice/edit", 404),
    (DESIGNER, "/processes/kunming_recognition/decisions/nothing.dmn/edit", 404),
])
def test_an_editor_page_outside_the_users_procedures_is_refused(client, login_as, username,
                                                                path, status):
    login_as(username)
    assert client.get(path).status_code == status


def test_the_procedure_page_links_a_designer_to_its_form_and_table_editors(client, login_as):
    login_as(DESIGNER)
    version = catalog.latest_process("kunming_recognition")
    html = client.get(f"/processes/{version.id}").get_data(as_text=True)
    assert "/processes/kunming_recognition/decisions/precheck.dmn/edit" in html
    assert "/processes/kunming_recognition/forms/km_notice/edit" in html


def test_every_shipped_form_checks_clean_and_previews(api):  # noqa: F811
    for path in sorted(FORMS.glob("*.yaml")):
        answer = api.post("admin", "/api/forms/check",
                          {"key": path.stem, "source": path.read_text(encoding="utf-8")})
        assert answer["problems"] == [], path.name
        assert 'class="form-grid"' in answer["html"] and answer["schema"]["x-form"] == path.stem
