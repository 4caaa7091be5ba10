"""The English reader gets the process files' English texts: a task's deadline rule
(en:dueRule) and the pre-check's condition labels and requirements (a rule's en:label and
en:required)."""

from __future__ import annotations

import re

from app.services import precheck, task_deadlines
from tests.conftest import at
from tests.web import support

CJK = re.compile(r"[\u3400-\u9fff]")


def test_the_deadline_rule_and_the_precheck_labels_come_in_english(app, user):
    now = at("2026-09-30T09:00")
    case_id = support.submitted(now)
    review = support.ready_item(case_id, "county_review")

    english = precheck.summary(review.case, "en")["conditions"]
    chinese = precheck.summary(review.case, "zh")["conditions"]

    assert task_deadlines.rule_of(review, "en") == \
        "Product default: handle within 15 working days of receipt"
    assert task_deadlines.rule_of(review) == "产品默认：收到后 15 个工作日内办理"
    assert english[0]["label"] == "Base established on (Art. 6(2))"
    assert chinese[0]["label"] == "基地成立时间（第六条第二项）"
    assert [c["label"] for c in english if CJK.search(c["label"])] == []
    assert (english[0]["required"], english[1]["required"]) == (
        "Established more than two years", "≥ 40")
    assert [c["required"] for c in english if CJK.search(c["required"])] == []
    assert [c["passed"] for c in english] == [c["passed"] for c in chinese]
    # the case data keeps what the table computed
    assert review.case.data["precheck_conditions"][0]["label"] == "基地成立时间（第六条第二项）"
