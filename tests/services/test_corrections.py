"""Returns for correction (补正): the marked items, the applicant's notice, the before/after.

A Kunming case is driven through the JSON API (tests/processes/driver.py); what the task
pages show is read from the services as each reader may see it.
"""

from __future__ import annotations

import pytest

from app.services import catalog, corrections, tasks, visibility
from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver, at, find_user
from tests.processes.test_kunming import APPLICANT, CITY, COUNTY, submitted

MARKED = [{"item": "small_micro_count", "note": "按实际入驻情况填写，不少于40家。"},
          {"item": "contact_phone", "note": "请填写能接通的手机号码。"},
          {"item": "audit_report", "note": "上传审计报告全文。"}]
RETURN = {**km.COUNTY_RETURN, "corrections": MARKED}


@pytest.fixture
def case(api) -> CaseDriver:
    return CaseDriver(api, "kunming_recognition", APPLICANT, CITY)


def returned(case: CaseDriver) -> None:
    submitted(case)
    case.complete(COUNTY, "county_review", RETURN, "2026-03-10T09:00")


def as_submitted(case: CaseDriver) -> dict:
    """The application exactly as the applicant submitted it (same files)."""
    return case.case(APPLICANT)["data"]["application"]


def ready_item(case: CaseDriver, username: str, name: str):
    from app.extensions import db
    from app.models import WorkItem
    db.session.expire_all()
    return db.session.get(WorkItem, case.task(username, name)["id"])


def view(case: CaseDriver, username: str):
    from app.extensions import db
    from app.models import Case
    return visibility.view_of(find_user(username), db.session.get(Case, case.id))


def test_a_return_must_mark_what_to_correct(case):
    submitted(case)
    unmarked = {k: v for k, v in RETURN.items() if k != "corrections"}

    refused = case.complete(COUNTY, "county_review", unmarked, "2026-03-10T09:00", expect=422)

    assert list(refused["errors"]) == ["corrections"]
    assert case.ready() == ["county_review"]


def test_the_review_offers_the_applications_fields_and_materials(case):
    submitted(case)
    task = case.task(COUNTY, "county_review")

    schema = case.api.get(COUNTY, f"/api/tasks/{task['id']}")["schema"]

    item = schema["properties"]["corrections"]["items"]["properties"]["item"]
    offered = dict(zip(item["enum"], item["x-enum-labels"], strict=True))
    assert offered["small_micro_count"] == "其中入驻小微企业户数"
    assert offered["audit_report"] == "材料：基地运营主体上一年度财务审计报告复印件"
    assert "base_name" in offered and len(offered) > 40


def test_the_applicant_reads_the_reason_the_items_and_the_working_days(case):
    returned(case)
    item = ready_item(case, APPLICANT, "correct_application")

    notice = corrections.notice(corrections.rounds(view(case, APPLICANT)), item,
                                at("2026-03-11T09:00"))

    assert notice.round.reason == km.COUNTY_RETURN["decision_reason"]
    assert [(m.label, m.note, m.is_file) for m in notice.round.items] == [
        ("其中入驻小微企业户数", MARKED[0]["note"], False),
        ("联系电话（手机）", MARKED[1]["note"], False),
        ("基地运营主体上一年度财务审计报告复印件", MARKED[2]["note"], True)]
    # 30 working days from the day after the return (产品默认, correct_application)
    assert (notice.working_days, notice.days_left) == (30, 30)
    assert notice.due_at.date().isoformat() == "2026-04-22"
    assert "产品默认" in notice.rule
    assert notice.round.asked_by == "县级初审"


def test_the_next_review_compares_only_what_changed_and_decides_afresh(case):
    returned(case)
    new_report = case.api.upload(APPLICANT, case.id, "审计报告全文.pdf")["id"]
    corrected = {**as_submitted(case), "small_micro_count": 60, "audit_report": [new_report]}
    case.complete(APPLICANT, "correct_application", corrected, "2026-03-12T09:00")
    item = ready_item(case, COUNTY, "county_review")
    official = view(case, COUNTY)

    seen = corrections.comparison(corrections.rounds(official), item,
                                  catalog.case_form(item.case, item.form))

    assert [(c.spec.name, c.before, c.asked) for c in seen.changes] == [
        ("small_micro_count", km.APPLICATION["small_micro_count"], True),
        ("audit_report", seen.changes[1].before, True)]
    assert [c.after for c in seen.changes] == [60, [new_report]]
    assert [m.label for m in seen.unchanged] == ["联系电话（手机）"]  # asked, left as it was
    prefilled = tasks.current_values(official, item)
    assert "decision" not in prefilled and "corrections" not in prefilled
    assert "decision_reason" not in prefilled
    assert prefilled["assessment"] == km.COUNTY_RETURN["assessment"]  # findings are kept
    detail = case.api.get(COUNTY, f"/api/tasks/{item.id}")
    assert detail["data"].get("decision") is None
    assert detail["data"]["assessment"] == km.COUNTY_RETURN["assessment"]


def test_the_applicant_reads_no_notice_once_resubmitted_and_none_before_a_return(case):
    submitted(case)
    assert corrections.rounds(view(case, APPLICANT)) == []
    case.complete(COUNTY, "county_review", RETURN, "2026-03-10T09:00")
    case.complete(APPLICANT, "correct_application", as_submitted(case), "2026-03-12T09:00")

    [story] = corrections.rounds(view(case, APPLICANT))

    assert story.answered_at == at("2026-03-12T09:00")
    assert story.changes == [] and len(story.unchanged) == 3
