"""The case as it was after each event, from one replay of its journal (services/history.py).

Kunming cases are driven through the JSON API and the timer command as the procedure tests
do; the states are then read through the service as an auditor, an expert and an applicant.
"""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Case
from app.services import history
from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver, find_user
from tests.processes.test_kunming import APPLICANT, CITY, experts_done, recognized
from tests.processes.test_migration import URL as MIGRATIONS
from tests.processes.test_migration import second_version

AUDITOR, DESIGNER = "km_auditor", "km_designer"


def moments(username: str, case_id: int) -> list[history.Moment]:
    db.session.expire_all()
    return history.moments(find_user(username), db.session.get(Case, case_id))


def by_task(found: list[history.Moment], task: str, nth: int = 0) -> history.Moment:
    return [m for m in found if m.event.task == task][nth]


def by_kind(found: list[history.Moment], kind: str) -> history.Moment:
    return next(m for m in found if m.event.kind == kind)


@pytest.fixture
def recognised(api) -> CaseDriver:
    case = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    recognized(case)
    return case


# --- diffs --------------------------------------------------------------------------------------

def test_a_diff_names_each_changed_leaf_by_its_dotted_path_with_old_and_new():
    old = {"a": {"b": 1, "c": [1, 2]}, "gone": "x", "rows": [{"score": 80}]}
    new = {"a": {"b": 2, "c": [1, 2]}, "added": True, "rows": [{"score": 80}, {"score": 90}]}

    assert history.diff(old, new) == {"a.b": [1, 2], "added": [None, True], "gone": ["x", None],
                                      "rows.1.score": [None, 90]}
    assert history.diff(new, new) == {}


# --- an auditor steps through a recognised case ------------------------------------------------

def test_after_the_submission_the_county_review_waits_with_its_deadline(recognised):
    found = moments(AUDITOR, recognised.id)
    submitted = by_task(found, "submit_application")

    assert submitted.diff["application.base_name"] == [None, km.APPLICATION["base_name"]]
    assert submitted.diff["case_status"] == [None, "in_review"]
    assert [(t["element"], t["lane"], t["due_at"]) for t in submitted.tasks] == [
        ("county_review", "county", "2026-03-24T00:00:00+08:00")]
    assert submitted.timers == []
    assert {"start", "submit_application", "flow_start_to_submit_application"} <= set(
        submitted.path)
    assert "county_review" not in submitted.path
    assert submitted.version == 1


def test_the_public_notice_sets_its_timer_and_the_timer_event_takes_it(recognised):
    found = moments(AUDITOR, recognised.id)
    notice = by_task(found, "publish_notice")
    fired = by_kind(found, "timers_fired")

    assert notice.timers == [{"element": "notice_period_ends", "name": "公示期满（10个工作日）",
                              "due": "2026-10-15T16:00:00+00:00", "working_days_left": 10}]
    assert notice.data["notice"]["notice_start"] == "2026-09-28"
    assert "notice_period_ends" not in notice.path
    assert fired.timers == [] and "notice_period_ends" in fired.path
    assert [t["element"] for t in fired.tasks] == ["register_objections"]


def test_an_event_that_moves_no_state_keeps_the_previous_one(recognised):
    found = moments(AUDITOR, recognised.id)
    upload = by_kind(found, "attachment_added")
    before = found[found.index(upload) - 1]

    assert upload.diff == {}
    assert (upload.data, upload.tasks, upload.path) == (before.data, before.tasks, before.path)


def test_the_recognition_ends_the_tasks_and_records_the_certificate(recognised):
    found = moments(AUDITOR, recognised.id)
    last = found[-1]

    assert last.event.task == "collective_decision"
    assert last.diff["certificate_no"] == [None, km.RECOGNIZE["certificate_no"]]
    assert last.diff["case_status"] == ["public_notice", "recognized"]
    assert last.tasks == []
    assert "collective_decision" in last.path
    # Every event of the journal is there, each with the state replay gave it.
    assert [m.event.seq for m in found] == list(range(1, len(found) + 1))
    assert all(m.error is None for m in found)


def test_the_path_holds_the_sequence_flows_between_completed_elements(recognised):
    found = moments(AUDITOR, recognised.id)
    review = by_task(found, "county_review")

    assert "flow_submit_application_to_set_in_review" in review.flows
    assert set(review.flows) <= set(review.path)
    # The flow into the task now waiting is taken; none leaves it yet.
    assert "flow_site_inspection_merge_to_site_inspection" in review.flows
    assert "flow_site_inspection_to_evaluate_sample" not in review.flows


# --- what each reader may see -------------------------------------------------------------------

def test_an_expert_sees_neither_the_other_experts_events_nor_their_opinions(api):
    case = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    experts_done(case)
    case.complete(CITY, "expert_decision", km.EXPERT_APPROVE, "2026-06-01T09:00")
    expert = km.EXPERTS[0]

    found = moments(expert, case.id)
    reviews = [m for m in found if m.event.task == "expert_review"]
    assigned = by_task(found, "assign_experts")
    decided = by_task(found, "expert_decision")

    assert [m.event.actor for m in reviews] == [expert]
    assert [t["assignee"] for t in assigned.tasks] == [expert]
    assert len(decided.data["expert_opinions"]) == 1
    assert not any(key.startswith("expert_opinions.1") for m in found for key in m.diff)
    # The auditor sees all three opinions.
    everyone = by_task(moments(AUDITOR, case.id), "expert_decision")
    assert len(everyone.data["expert_opinions"]) == 3


def test_an_applicant_sees_outcomes_but_not_the_officials_papers_nor_the_experts(recognised):
    found = moments(APPLICANT, recognised.id)
    review = by_task(found, "county_review")
    assigned = by_task(found, "assign_experts")

    assert review.data["county_review"] == {"decision": km.COUNTY_APPROVE["decision"]}
    assert not any(key.startswith("county_review.assessment") for m in found for key in m.diff)
    assert assigned.tasks == []  # the expert reviews then waiting are not the applicant's to know
    assert not any(m.event.task == "expert_review" for m in found)
    assert found[-1].data["certificate_no"] == km.RECOGNIZE["certificate_no"]


def test_a_reader_who_may_not_see_the_case_is_refused(recognised):
    from app.errors import NotAllowed

    with pytest.raises(NotAllowed):
        moments("km_applicant2", recognised.id)


# --- migrated and child cases -----------------------------------------------------------------

def test_a_migrated_case_switches_to_the_new_versions_diagram_at_its_migration(api, tmp_path):
    case = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    experts_done(case)
    case.complete(CITY, "expert_decision", km.EXPERT_APPROVE, "2026-06-01T09:00")
    assert second_version(tmp_path) == 2
    api.now = api.now.replace(month=6, day=2)
    assert api.post(DESIGNER, MIGRATIONS, {"from": 1, "to": 2, "cases": [case.id],
                                           "dry_run": False})[0]["ok"] is True
    case.complete(CITY, "site_verification", km.VERIFY_APPROVE, "2026-09-10T09:00")
    case.complete(CITY, "publish_notice", km.NOTICE, "2026-09-28T09:00")

    found = moments(AUDITOR, case.id)
    moved = by_kind(found, "migrated")
    index = found.index(moved)

    assert {m.version for m in found[:index]} == {1}
    assert {m.version for m in found[index:]} == {2}
    # Completed history is never rewritten: the first version's county review stays done.
    assert "county_review" in found[index - 1].path and "county_review" in found[-1].path
    assert "county_first_review" not in found[-1].path
    # The second version's notice lasts 15 working days (not 10).
    assert found[-1].timers[0]["working_days_left"] == 15
    assert set(history.versions_used(db.session.get(Case, case.id),
                                     [m.event for m in found])) == {1, 2}


def test_a_child_case_and_its_parent_name_each_other(recognised):
    recognised.api.run_timers("2027-01-01T00:00")
    child = recognised.child("kunming_annual_summary")
    auditor = find_user(AUDITOR)

    parent_side = history.history_json(auditor, db.session.get(Case, recognised.id))
    child_side = history.history_json(auditor, db.session.get(Case, child.id))

    assert parent_side["children"] == [{"id": child.id, "ref": child_side["ref"]}]
    assert child_side["parent"] == {"id": recognised.id, "ref": parent_side["ref"]}
    started = [e for e in parent_side["events"] if e["kind"] == "child_started"]
    assert len(started) == 1 and started[0]["role"] == "system"
    assert child_side["events"][0]["kind"] == "case_started"
    assert "title.certificate_no" in child_side["events"][0]["changed"]
