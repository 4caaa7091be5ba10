"""`processes check` catches what would fail at run time: each rule on a broken copy of the
repository's processes/ and forms/, naming file, element id, XML line and one sentence."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app import create_app
from app.config import ROOT, TestConfig
from app.services import checks


@pytest.fixture
def repo(tmp_path) -> Path:
    """A copy of processes/ and forms/ the test may break."""
    shutil.copytree(ROOT / "processes", tmp_path / "processes")
    shutil.copytree(ROOT / "forms", tmp_path / "forms")
    return tmp_path


def replace(path: Path, old: str, new: str) -> int:
    """Replace the first `old` by `new`; return the line number of the change."""
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[:text.index(old)].count("\n") + 1


def check(repo: Path, path: str = "processes/kunming"):
    return checks.check_path(repo / path, repo / "processes", repo / "forms")


def where(problems) -> list[tuple[str, str, int]]:
    return [(Path(p.file).name, p.element, p.line) for p in problems]


def test_the_repository_processes_and_each_jurisdiction_pass(repo):
    assert check(repo, "processes") == []
    assert check(repo, "processes/kunming") == []
    assert check(repo, "processes/liaocheng") == []
    for jurisdiction in ("jinzhong", "shanxi", "hengyang"):
        assert check(repo, f"processes/{jurisdiction}") == []


def test_a_gateway_condition_comparing_a_decision_with_a_value_the_form_lacks_is_reported(repo):
    line = replace(repo / "processes/kunming/recognition.bpmn",
                   'expert_decision["decision"] == "approve"',
                   'expert_decision["decision"] == "aprove"')

    problems = check(repo)

    assert where(problems) == [("recognition.bpmn",
                                "flow_expert_decision_gateway_to_site_verification", line)]
    assert "'aprove'" in problems[0].text() and "approve" in problems[0].text()


def test_a_decision_table_cell_comparing_with_a_value_the_form_lacks_is_reported(repo):
    table = repo / "processes/kunming/precheck.dmn"
    replace(table, "<text>application</text></inputExpression>",
            '<text>county_review["decision"]</text></inputExpression>')
    line = replace(table, '<inputEntry id="rule_small_micro_count_in"><text>-</text>',
                   '<inputEntry id="rule_small_micro_count_in"><text>"aprove"</text>')

    problems = check(repo)

    assert where(problems) == [("precheck.dmn", "rule_small_micro_count_in", line)]
    assert "decision cell" in problems[0].text() and "'aprove'" in problems[0].text()


def test_an_undefined_variable_in_a_condition_is_reported(repo):
    line = replace(repo / "processes/kunming/recognition.bpmn", "precheck_passed or",
                   "precheck_pased or")

    problems = check(repo)

    assert [(f, line_) for f, _, line_ in where(problems)] == [("recognition.bpmn", line)]
    assert problems[0].element.startswith("flow_")
    assert "condition reads precheck_pased" in problems[0].text()


def test_an_undefined_helper_in_a_decision_table_cell_is_reported(repo):
    line = replace(repo / "processes/kunming/precheck.dmn", "add_years(today(), -2)",
                   "add_yeers(today(), -2)")

    problems = check(repo)

    assert where(problems) == [("precheck.dmn", "rule_base_established_on_passed", line)]
    assert "reads add_yeers" in problems[0].text()


@pytest.mark.parametrize("old,new,kind", [
    ('"bpmn:tFormalExpression">notice_ends_at<', '"bpmn:tFormalExpression">notice_end_at<',
     "timer"),
    ('case_status = "in_review"', "case_status = status_after_review", "script"),
    ('name="dueDate" value="correction_deadline"', 'name="dueDate" value="correction_due"',
     "dueDate"),
])
def test_an_undefined_name_in_a_timer_script_or_due_date_is_reported(repo, old, new, kind):
    line = replace(repo / "processes/kunming/recognition.bpmn", old, new)

    problems = check(repo)

    assert [(f, line_) for f, _, line_ in where(problems)] == [("recognition.bpmn", line)]
    assert problems[0].text().startswith(kind + " reads ")


def test_an_unknown_show_data_key_is_reported_on_the_form(repo):
    line = replace(repo / "forms/km_county_review.yaml",
                   "show_data: [application, precheck_conditions]",
                   "show_data: [application, precheck_result]")

    problems = check(repo, "processes")

    assert where(problems) == [("km_county_review.yaml", "show_data", line)]
    assert "precheck_result" in problems[0].text()
    assert where(check(repo, "forms/km_county_review.yaml")) == where(problems)


def test_a_demo_user_with_an_unknown_county_is_reported(repo):
    line = replace(repo / "processes/kunming/meta.yaml", "role: county, county: wuhua,",
                   "role: county, county: wuhau,")

    problems = check(repo)

    assert where(problems) == [("meta.yaml", "km_county_wuhua", line)]
    assert "county wuhau" in problems[0].text()


def test_a_demo_user_with_an_unknown_city_is_reported(repo):
    meta = repo / "processes/shanxi/meta.yaml"
    text = meta.read_text(encoding="utf-8")
    line = text[:text.index("demo_users:")].count("\n") + 2
    replace(meta, "demo_users:", "demo_users:\n  - {username: sx_city_jz, password: demo1234, "
            "role: city, city: jinzhon, name: 晋中市工信局}\n ")

    problems = check(repo, "processes/shanxi")

    assert where(problems) == [("meta.yaml", "sx_city_jz", line)]
    assert "city jinzhon" in problems[0].text()


def test_a_process_key_two_jurisdictions_use_is_reported_in_each(repo):
    replace(repo / "processes/liaocheng/meta.yaml", "key: liaocheng_rereview",
            "key: kunming_rereview")
    replace(repo / "processes/liaocheng/rereview.bpmn", 'id="liaocheng_rereview"',
            'id="kunming_rereview"')
    replace(repo / "processes/liaocheng/rereview.bpmn", 'processRef="liaocheng_rereview"',
            'processRef="kunming_rereview"')

    everything = check(repo, "processes")
    one = check(repo, "processes/liaocheng")

    assert {(Path(p.file).parent.name, p.element) for p in everything} == {
        ("kunming", "kunming_rereview"), ("liaocheng", "kunming_rereview")}
    assert [(Path(p.file).parent.name, p.element) for p in one] == [
        ("liaocheng", "kunming_rereview")]
    assert "process key kunming_rereview is also used by" in one[0].text()


def test_a_ref_prefix_and_a_county_code_used_twice_are_reported(repo):
    meta = repo / "processes/liaocheng/meta.yaml"
    prefix = replace(meta, "ref_prefix: LC", "ref_prefix: KM")
    text = meta.read_text(encoding="utf-8")
    first = next(line for line in text.splitlines() if line.strip().startswith("- {code:"))
    replace(meta, first, first + "\n" + first)

    problems = check(repo, "processes/liaocheng")

    texts = sorted(p.text() for p in problems)
    assert len(texts) == 2, texts
    assert texts[0].startswith("county code ") and texts[0].endswith(" is used twice")
    assert texts[1].startswith("ref_prefix KM is also used by")
    assert prefix in [p.line for p in problems]


def test_a_flow_node_without_diagram_layout_is_reported(repo):
    bpmn = repo / "processes/kunming/recognition.bpmn"
    text = bpmn.read_text(encoding="utf-8")
    start = text.index('<bpmndi:BPMNShape id="county_review_di"')
    end = text.index("</bpmndi:BPMNShape>", start) + len("</bpmndi:BPMNShape>")
    bpmn.write_text(text[:start] + text[end:], encoding="utf-8")
    line = text[:text.index('<bpmn:userTask id="county_review"')].count("\n") + 1

    problems = check(repo)

    assert where(problems) == [("recognition.bpmn", "county_review", line)]
    assert "no diagram shape" in problems[0].text()


def test_a_review_task_followed_by_no_gateway_on_its_decision_is_reported(repo):
    bpmn = repo / "processes/kunming/recognition.bpmn"
    replace(bpmn, 'expert_decision["decision"] == "approve"', 'bool(expert_decision)')
    line = bpmn.read_text(encoding="utf-8")[:bpmn.read_text(encoding="utf-8").index(
        '<bpmn:userTask id="expert_decision"')].count("\n") + 1

    problems = check(repo)

    assert where(problems) == [("recognition.bpmn", "expert_decision", line)]
    assert 'expert_decision["decision"]' in problems[0].text()


def test_checking_one_file_reports_only_that_file(repo):
    replace(repo / "processes/kunming/precheck.dmn", "add_years(today(), -2)",
            "add_yeers(today(), -2)")
    replace(repo / "processes/kunming/recognition.bpmn", "precheck_passed or", "precheck_pased or")

    table = check(repo, "processes/kunming/precheck.dmn")
    diagram = check(repo, "processes/kunming/recognition.bpmn")
    other = check(repo, "processes/kunming/rereview.bpmn")

    assert [Path(p.file).name for p in table] == ["precheck.dmn"]
    assert [Path(p.file).name for p in diagram] == ["recognition.bpmn"]
    assert other == []


def test_a_malformed_decision_table_is_one_problem_without_follow_on_messages(repo):
    replace(repo / "processes/liaocheng/precheck.dmn", "</definitions>", "<definitions>")

    problems = check(repo, "processes")

    assert len(problems) == 1, [str(p) for p in problems]
    assert Path(problems[0].file).name == "precheck.dmn"
    assert "malformed XML" in problems[0].text()


def test_a_schema_error_names_the_element_and_its_line(repo):
    line = replace(repo / "processes/kunming/revocation.bpmn", "<bpmn:incoming>",
                   "<bpmn:incomingg>x</bpmn:incomingg><bpmn:incoming>")

    problems = check(repo)

    assert len(problems) == 1, [str(p) for p in problems]
    assert Path(problems[0].file).name == "revocation.bpmn"
    assert problems[0].line == line and problems[0].element


def test_the_command_checks_one_jurisdiction_folder_and_prints_file_line_element(repo):
    line = replace(repo / "processes/kunming/recognition.bpmn", "precheck_passed or",
                   "precheck_pased or")
    app = create_app(TestConfig)

    broken = app.test_cli_runner().invoke(args=["processes", "check",
                                                str(repo / "processes/kunming")])
    fine = app.test_cli_runner().invoke(args=["processes", "check",
                                              str(repo / "processes/liaocheng")])

    assert broken.exit_code == 1, broken.output
    where_, element, sentence = broken.output.splitlines()[0].split("\t")
    assert where_ == f"{repo / 'processes/kunming/recognition.bpmn'}:{line}"
    assert element.startswith("flow_") and "precheck_pased" in sentence
    assert fine.exit_code == 0 and "valid" in fine.output


def test_an_engine_problem_also_names_the_line_of_its_element(repo):
    bpmn = repo / "processes/kunming/recognition.bpmn"
    replace(bpmn, 'case_status = "in_review"', "import os")
    line = bpmn.read_text(encoding="utf-8")[:bpmn.read_text(encoding="utf-8").index(
        '<bpmn:scriptTask id="set_in_review"')].count("\n") + 1

    problems = check(repo)

    assert where(problems) == [("recognition.bpmn", "set_in_review", line)]


def test_a_call_to_a_missing_decision_names_file_task_and_line_and_nothing_else(repo):
    bpmn = repo / "processes/kunming/rereview.bpmn"
    replace(bpmn, "calledDecisionId>kunming_precheck<", "calledDecisionId>kunming_precheckx<")
    text = bpmn.read_text(encoding="utf-8")
    line = text[:text.index('<bpmn:businessRuleTask id="precheck"')].count("\n") + 1

    problems = check(repo)

    assert where(problems) == [("rereview.bpmn", "precheck", line)]
    assert "kunming_precheckx" in problems[0].text()


def test_a_demo_username_two_jurisdictions_use_is_reported(repo):
    line = replace(repo / "processes/liaocheng/meta.yaml", "username: lc_city,",
                   "username: km_city,")

    problems = check(repo, "processes/liaocheng")

    assert where(problems) == [("meta.yaml", "km_city", line)]
    assert problems[0].text().startswith("demo user km_city is also used by")


def test_a_call_naming_a_task_the_process_lacks_is_reported(repo):
    replace(repo / "processes/kunming/meta.yaml", "recommend_task: site_inspection",
                   "recommend_task: site_inspektion")

    problems = check(repo)

    assert [(Path(p.file).name, p.element) for p in problems] == [
        ("meta.yaml", "kunming_recognition")]
    assert problems[0].text() == ("calls.recommend_task names site_inspektion, which is not a "
                                  "user task of this process")


def test_a_trend_naming_a_process_the_jurisdiction_lacks_is_reported(repo):
    replace(repo / "processes/shanxi/meta.yaml", "process: shanxi_quarterly_indicators",
            "process: shanxi_quarterly_indicator")

    problems = check(repo, "processes/shanxi")

    assert [p.text() for p in problems] == [
        "trend names process shanxi_quarterly_indicator, which this jurisdiction does not list"]


def test_a_summary_table_column_without_a_header_is_reported(repo):
    replace(repo / "processes/kunming/meta.yaml", "- {header: 备注}", "- {field: application.x}")

    problems = check(repo)

    assert [p.text() for p in problems] == ["summary_table column 10 needs a header"]
