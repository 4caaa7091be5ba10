"""`processes trace`: clauses listed in meta.yaml mapped to the elements and rules citing them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app import create_app
from app.config import ROOT, TestConfig
from app.services import catalog, citations, trace

COMMITTED = ROOT / "docs" / "TRACEABILITY.md"


def trace_app(process_dir: Path):
    class Config(TestConfig):
        PROCESS_DIR = str(process_dir)
        FORM_DIR = str(ROOT / "forms")
    return create_app(Config)


def run(app, *args):
    return app.test_cli_runner().invoke(args=["processes", *args])


@pytest.fixture
def kunming(tmp_path):
    """A copy of the Kunming jurisdiction alone, to break on purpose."""
    root = tmp_path / "processes"
    shutil.copytree(ROOT / "processes" / "kunming", root / "kunming")
    return root / "kunming"


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_trace_maps_a_clause_to_the_bpmn_element_and_dmn_rule_citing_it(tmp_path):
    output = tmp_path / "TRACEABILITY.md"

    result = run(trace_app(ROOT / "processes"), "trace", "--output", str(output))

    assert result.exit_code == 0, result.output
    text = output.read_text(encoding="utf-8")
    notice = text.split("#### 第十三条", 1)[1].split("####", 1)[0]
    assert "公示期不少于10个工作日" in notice
    assert ("| BPMN | kunming/recognition.bpmn | kunming_recognition | publish_notice | 社会公示 |"
            in notice)
    conditions = text.split("#### 第六条", 1)[1].split("####", 1)[0]
    assert ("| DMN | kunming/precheck.dmn | kunming_precheck | row 2 (rule_small_micro_count) | "
            "入驻小微企业户数（第六条第三项） |") in conditions


def test_trace_lists_product_defaults_apart_from_the_clauses(tmp_path):
    output = tmp_path / "TRACEABILITY.md"

    run(trace_app(ROOT / "processes"), "trace", "--output", str(output))

    kunming = output.read_text(encoding="utf-8").split("## 聊城市", 1)[0]
    defaults = kunming.split("### Product defaults", 1)[1]
    assert ("| BPMN | kunming/recognition.bpmn | kunming_recognition | correction_overdue | "
            "补正期满未提交 | "
            "产品默认：退回补正后30个工作日内未重新提交的，案卷撤回（《办法》未作规定） |"
            in defaults)


def test_trace_exits_1_when_a_listed_clause_is_cited_by_nothing(kunming, tmp_path):
    replace(kunming / "meta.yaml", "clauses:\n",
            "clauses:\n  - {id: 第二十一条, text: 优先政策支持}\n")
    app = trace_app(kunming.parent)

    result = run(app, "trace", "--output", str(tmp_path / "out.md"))
    checked = run(app, "check")

    line = ("kunming/meta.yaml\t第二十一条\tclause 第二十一条 listed in meta.yaml is cited by "
            "no element, rule or form")
    assert result.exit_code == 1
    assert result.output.splitlines() == [line]
    assert "**Not cited by any element, rule or form.**" in (tmp_path / "out.md").read_text()
    assert checked.exit_code == 1
    assert line.split("\t", 1)[1] in checked.output


def test_trace_exits_1_when_an_element_cites_a_clause_not_listed(kunming, tmp_path):
    replace(kunming / "evaluation.bpmn", "第十八条：测评合格，称号保持。",
            "第十八条：测评合格，称号保持；第二十一条：优先推荐。")
    app = trace_app(kunming.parent)

    result = run(app, "trace", "--output", str(tmp_path / "out.md"))
    checked = run(app, "check")

    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "kunming/evaluation.bpmn\tset_passed\tcites 第二十一条, which meta.yaml `clauses:` "
        "does not list"]
    assert checked.exit_code == 1
    assert "set_passed\tcites 第二十一条" in checked.output


def test_a_file_that_does_not_parse_is_reported_alone_not_as_uncited_clauses(kunming, tmp_path):
    replace(kunming / "precheck.dmn", "</definitions>", "<definitions>")

    result = run(trace_app(kunming.parent), "trace", "--output", str(tmp_path / "out.md"))

    assert result.exit_code == 1
    assert [line.split("\t")[:2] for line in result.output.splitlines()] == [
        ["kunming/precheck.dmn", "-"]]
    assert "malformed XML" in result.output


def test_check_leaves_a_jurisdiction_without_a_clause_list_to_trace(kunming, tmp_path):
    meta = kunming / "meta.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").split("# Traceability")[0], encoding="utf-8")
    app = trace_app(kunming.parent)

    assert run(app, "check").exit_code == 0
    result = run(app, "trace", "--output", str(tmp_path / "out.md"))
    assert result.exit_code == 1
    assert "kunming/meta.yaml\t-\tmeta.yaml lists no clauses" in result.output


def test_committed_traceability_table_is_up_to_date():
    packages = catalog.read_packages(ROOT / "processes")

    fresh = trace.render(trace.trace_packages(packages, trace.read_forms(ROOT / "forms")))

    assert COMMITTED.read_text(encoding="utf-8") == fresh, \
        "run `flask --app app processes trace` and commit docs/TRACEABILITY.md"


# --- how citations are recognised (docs/PROCESSES.md "Traceability") -------------------------

def test_an_article_range_cites_every_article_in_it():
    ids = ["第十五条", "第十七条", "第十九条", "第二十条"]
    text = "第十五条至第十九条：后续办理"

    assert citations.cited(text, ids) == {"第十五条", "第十七条", "第十九条"}
    assert citations.unlisted(text, ids) == ["第十六条", "第十八条"]


def test_a_longer_listed_id_is_not_mistaken_for_a_shorter_one():
    assert citations.cited("第十一条：专家评审", ["第十条", "第一条"]) == set()
    assert citations.unlisted("第十一条：专家评审", ["第十条", "第一条"]) == ["第十一条"]


def test_part_and_item_ids_catch_unlisted_citations_of_the_same_form():
    ids = ["第二部分（一）", "第三部分“8个有”第2项"]
    text = "依据第二部分（一）和第二部分（三）；第三部分“8个有”第2项、第三部分“8个有”第5项。"

    assert citations.cited(text, ids) == set(ids)
    assert citations.unlisted(text, ids) == ["第二部分（三）", "第三部分“8个有”第5项"]


def test_an_unlisted_id_with_arabic_numerals_is_caught_but_chinese_words_are_not():
    ids = ["8个有", "6个要"]

    assert citations.unlisted("3个三、8个有第2项、6个要第3项", ids) == []
    assert citations.unlisted("同一个有效期内的7个要", ids) == ["7个要"]


def test_a_marked_citation_must_name_a_listed_clause():
    ids = ["一、（二）", "五、（一）"]

    assert citations.cited("【五、（一）】一票否决", ids) == {"五、（一）"}
    assert citations.unlisted("【五、（一）】一票否决；【五、（三）】", ids) == ["五、（三）"]


def test_an_id_of_numerals_and_punctuation_alone_is_not_used_as_a_form():
    assert citations.id_form("（二）") is None
    assert citations.unlisted("（一）材料齐全；（三）现场考察", ["（二）"]) == []


@pytest.mark.parametrize("number, text", [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"),
                                          (23, "二十三"), (105, "一百零五"), (110, "一百一十")])
def test_chinese_numerals_round_trip(number, text):
    assert citations.int_to_chinese(number) == text
    assert citations.chinese_to_int(text) == number
