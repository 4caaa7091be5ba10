"""The English interface on a Kunming case's main pages: step names, the deadline rule and the
pre-check's conditions come in English (the process files' en:name, en:dueRule, en:label);
what users typed (base name, people) stays as written."""

from __future__ import annotations

import datetime as dt
import re

from tests.web import support
from tests.web.support import text

CJK = re.compile(r"[\u3400-\u9fff]")
REVIEW_RULE = "Rule: Product default: handle within 15 working days of receipt"
CORRECTION_RULE = ("Rule: Product default: correct within 30 working days of the return "
                   "(the day of the return not counted)")


def _spans(html: str, testid: str) -> list[str]:
    """The visible text of every element marked data-testid=`testid` (no nested tags of it)."""
    found = re.findall(rf'data-testid="{testid}"[^>]*>(.*?)</', html, flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", f)).strip() for f in found]


def _precheck_labels(html: str) -> list[str]:
    table = html[html.index('data-testid="precheck-table"'):]
    table = table[:table.index("</table>")]
    return [re.sub(r"\s+", " ", label).strip()
            for label in re.findall(r"<tr data-condition=[^>]*>\s*<td>(.*?)</td>", table, re.S)]


def test_the_county_reviews_pages_in_english_name_step_rule_and_conditions_in_english(
        client, login_as, submitted_case):
    login_as("km_county_wuhua")
    client.get("/language/en")
    item = support.ready_item(submitted_case, "county_review")

    worklist = client.get("/worklist").get_data(as_text=True)
    task = client.get(f"/tasks/{item.id}").get_data(as_text=True)
    case = client.get(f"/cases/{submitted_case}").get_data(as_text=True)

    for html in (worklist, task, case):
        assert _spans(html, "due-rule") == [REVIEW_RULE]
    shown = text(client.get("/worklist"))
    assert "County first review" in shown and "县级初审" not in shown
    assert "<h1" in task and "County first review" in task[task.index("<h1"):][:300]
    for html in (task, case):
        labels = _precheck_labels(html)
        assert len(labels) == 15 and labels[0] == "Base established on (Art. 6(2))"
        assert "Employees (Art. 6(3))" in labels
        assert [label for label in labels if CJK.search(label)] == []
    assert 'data-lang="en"' in case  # the diagram draws the English names


def test_the_applicant_home_in_english_gives_the_correction_deadlines_rule(
        client, login_as, submitted_case):
    support.complete(submitted_case, "county_review", "km_county_wuhua", support.COUNTY_RETURN,
                     dt.datetime.now(dt.timezone.utc))
    login_as("km_applicant")
    client.get("/language/en")

    home = client.get("/applicant/").get_data(as_text=True)

    assert _spans(home, "due-rule") == [CORRECTION_RULE]
    shown = text(client.get("/applicant/"))
    assert "Correct the application materials" in shown and "补正申请材料" not in shown
