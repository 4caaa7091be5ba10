"""Every path of the Liaocheng procedure, end to end through the JSON API.

Seed 002 (聊工信发〔2021〕133号): county material review with the pre-check and
site audit, formal recommendation, city expert review (site check when the
experts ask for it), public notice (10 working days: a parameter of the process,
the seed sets no length), recognition with 5-year validity. The title's life after
recognition (re-review, yearly summaries, change filings, revocation) is tested in
test_liaocheng_title_*.py.
"""

from __future__ import annotations

import pytest

from tests.processes import examples_liaocheng as lc
from tests.processes.driver import CaseDriver

APPLICANT, COUNTY, CITY = "lc_applicant", "lc_county_dongchangfu", "lc_city"


@pytest.fixture
def case(api) -> CaseDriver:
    return CaseDriver(api, "liaocheng_recognition", APPLICANT, CITY)


def submitted(case: CaseDriver, application: dict = lc.APPLICATION) -> dict:
    case.start("2026-03-01T09:00")
    return case.complete(APPLICANT, "submit_application", application, "2026-03-02T09:00")


def recommended(case: CaseDriver) -> dict:
    submitted(case)
    case.complete(COUNTY, "county_review", lc.COUNTY_APPROVE, "2026-03-10T09:00")
    case.complete(COUNTY, "site_audit", lc.SITE_AUDIT, "2026-03-20T09:00")
    return case.complete(COUNTY, "county_recommendation", lc.RECOMMENDATION, "2026-03-25T09:00")


def experts_done(case: CaseDriver, site_check_by: str | None = None) -> dict:
    recommended(case)
    case.complete(CITY, "assign_experts", lc.ASSIGN_EXPERTS, "2026-04-10T09:00")
    for score, expert in zip((80, 85, 90), lc.EXPERTS, strict=True):
        opinion = lc.expert_opinion(score, site_check=expert == site_check_by)
        answer = case.complete(expert, "expert_review", opinion, "2026-05-10T09:00")
    return answer


def in_notice(case: CaseDriver) -> dict:
    experts_done(case)
    case.complete(CITY, "expert_decision", lc.EXPERT_APPROVE, "2026-06-01T09:00")
    return case.complete(CITY, "publish_notice", lc.NOTICE, "2026-09-27T10:00")


def recognized(case: CaseDriver) -> dict:
    in_notice(case)
    assert case.api.run_timers("2026-10-16T00:00") == 1
    # The register closes once the notice period has ended (its last day's objections count).
    case.complete(CITY, "register_objections", lc.NO_OBJECTION, "2026-10-16T09:00")
    return case.complete(CITY, "recognition", lc.RECOGNIZE, "2026-10-20T10:00")


def assert_ended(answer: dict, status: str) -> None:
    assert (answer["status"], answer["ended"], answer["tasks"]) == (status, True, [])


def assert_verifies(case: CaseDriver) -> None:
    """The auditor's replay of the whole history matches the recorded states."""
    answer = case.api.post("lc_auditor", f"/api/cases/{case.id}/verify")
    assert answer["ok"] is True, [s for s in answer["steps"] if not s["ok"]]


def names(answer: dict) -> list[str]:
    return sorted(t["name"] for t in answer["tasks"])


# --- submission and county stage --------------------------------------------------------------

def test_a_submitted_application_waits_for_the_county_with_its_precheck(case):
    started = case.start()
    assert (started["status"], started["ref"][:8]) == ("draft", "LC-2026-")

    answer = case.complete(APPLICANT, "submit_application", lc.APPLICATION, "2026-03-02T09:00")

    assert (answer["status"], answer["stage"], answer["ended"]) == ("in_review", "县级材料初审",
                                                                   False)
    assert [(t["name"], t["lane"], t["county"]) for t in answer["tasks"]] == [
        ("county_review", "county", "dongchangfu")]
    precheck = case.case(COUNTY)["precheck"]
    assert precheck["passed"] is True and len(precheck["conditions"]) == 15
    assert all(set(c) == {"id", "label", "required", "actual", "passed"}
               for c in precheck["conditions"])


def test_a_failing_condition_shows_in_the_precheck(case):
    submitted(case, lc.APPLICATION_FEW_ENTERPRISES)

    precheck = case.case(COUNTY)["precheck"]

    failed = [c for c in precheck["conditions"] if not c["passed"]]
    assert precheck["passed"] is False
    assert [(c["id"], c["actual"]) for c in failed] == [("small_micro_count", 10)]


def test_approving_over_a_failed_precheck_needs_the_override_and_its_reason(case):
    submitted(case, lc.APPLICATION_FEW_ENTERPRISES)

    refused = case.complete(COUNTY, "county_review", lc.COUNTY_APPROVE, "2026-03-10T09:00",
                            expect=422)
    no_reason = case.complete(COUNTY, "county_review",
                              {**lc.COUNTY_APPROVE, "precheck_override": True}, expect=422)
    assert list(refused["errors"]) == ["precheck_override"]
    assert list(no_reason["errors"]) == ["precheck_override_reason"]
    assert case.ready() == ["county_review"] and "county_review" not in case.case(COUNTY)["data"]

    approved = case.complete(COUNTY, "county_review", {
        **lc.COUNTY_APPROVE, "precheck_override": True,
        "precheck_override_reason": "入驻小微企业户数按孵化协议口径核实为 32 户。"})
    assert "county_review" not in names(approved)
    assert case.case(COUNTY)["data"]["county_review"]["precheck_override"] is True
    assert "precheck_override" not in str(case.case(APPLICANT)["data"])


def test_correction_loop_returns_to_the_applicant_and_back_to_review(case):
    submitted(case, lc.APPLICATION_FEW_ENTERPRISES)

    returned = case.complete(COUNTY, "county_review", lc.COUNTY_RETURN, "2026-03-10T09:00")
    assert (returned["status"], names(returned)) == ("in_review", ["correct_application"])
    assert case.case(APPLICANT)["data"]["county_review"]["decision_reason"] == \
        lc.COUNTY_RETURN["decision_reason"]
    corrected = case.complete(APPLICANT, "correct_application", lc.APPLICATION, "2026-03-15T09:00")
    assert names(corrected) == ["county_review"]
    assert case.case(COUNTY)["precheck"]["passed"] is True
    approved = case.complete(COUNTY, "county_review", lc.COUNTY_APPROVE, "2026-03-20T09:00")

    assert (approved["status"], names(approved)) == ("in_review", ["site_audit"])


def test_county_rejection_ends_the_case_rejected(case):
    submitted(case)

    answer = case.complete(COUNTY, "county_review", lc.COUNTY_REJECT, "2026-03-10T09:00")

    assert_ended(answer, "rejected")
    assert answer["stage"] == "初审未通过"  # the end event reached


def test_falsified_material_is_a_one_vote_veto_at_the_county_review(case):
    submitted(case)

    answer = case.complete(COUNTY, "county_review", lc.COUNTY_FALSIFIED, "2026-03-10T09:00")

    assert_ended(answer, "rejected")
    assert "site_audit" not in str(answer["tasks"])


def test_falsified_material_found_on_site_is_a_one_vote_veto(case):
    submitted(case)
    case.complete(COUNTY, "county_review", lc.COUNTY_APPROVE, "2026-03-10T09:00")

    answer = case.complete(COUNTY, "site_audit", {**lc.SITE_AUDIT, "falsified": True,
                                                  "falsified_reason": "台账伪造。"},
                           "2026-03-20T09:00")

    assert_ended(answer, "rejected")


def test_recommendation_moves_the_case_to_the_city(case):
    answer = recommended(case)

    assert (answer["status"], names(answer)) == ("in_review", ["assign_experts"])
    assert answer["tasks"][0]["lane"] == "city"
    assert case.api.tasks(COUNTY) == []


# --- expert review ----------------------------------------------------------------------------

def test_each_expert_sees_and_completes_only_their_own_review(case):
    recommended(case)
    case.complete(CITY, "assign_experts", lc.ASSIGN_EXPERTS, "2026-04-10T09:00")

    for expert in lc.EXPERTS:
        offered = case.api.tasks(expert)
        assert [(t["name"], t["assignee"]) for t in offered] == [("expert_review", expert)]
    assert case.api.tasks("lc_city") == []
    foreign = case.api.tasks("lc_expert3")[0]
    case.api.get("lc_expert1", f"/api/tasks/{foreign['id']}", expect=403)  # reviews independently
    case.api.post("lc_expert1", f"/api/tasks/{foreign['id']}/complete",
                  {"data": lc.expert_opinion()}, expect=403)
    for score, expert in zip((80, 85, 90), lc.EXPERTS, strict=True):
        answer = case.complete(expert, "expert_review", lc.expert_opinion(score),
                               "2026-05-10T09:00")

    assert names(answer) == ["expert_decision"]
    # Experts do not read each other's opinions, only their own.
    assert [o["score"] for o in answer["data"]["expert_opinions"]] == [90]
    assert case.case(CITY)["data"]["expert_summary"] == {"count": 3, "average_score": 85.0,
                                                "recommend_count": 3,
                                                "site_check_requested": False}


def test_experts_asking_for_a_site_check_add_one_before_the_notice(case):
    experts_done(case, site_check_by="lc_expert2")

    asked = case.complete(CITY, "expert_decision", lc.EXPERT_APPROVE_SITE_CHECK, "2026-06-01T09:00")
    assert asked["data"]["expert_summary"]["site_check_requested"] is True
    assert names(asked) == ["site_check"]
    answer = case.complete(CITY, "site_check", lc.SITE_CHECK, "2026-06-10T09:00")

    assert names(answer) == ["publish_notice"]
    assert answer["data"]["notice_working_days"] == 10


def test_expert_rejection_ends_the_case_rejected(case):
    experts_done(case)

    answer = case.complete(CITY, "expert_decision", lc.EXPERT_REJECT, "2026-06-01T09:00")

    assert_ended(answer, "rejected")


# --- public notice ----------------------------------------------------------------------------

def test_the_notice_timer_fires_at_midnight_after_the_tenth_working_day(case):
    published = in_notice(case)
    assert published["status"] == "public_notice"
    assert published["next_timer_at"] == "2026-10-15T16:00:00+00:00"

    assert case.api.run_timers("2026-10-15T23:59:59") == 0
    assert "notice_period_ends" in [w["element"] for w in case.case()["waiting"]]
    assert case.api.run_timers("2026-10-16T00:00") == 1
    assert [w["element"] for w in case.case()["waiting"]] == []
    # Objections are registered after the period closed: then the decision comes.
    answer = case.complete(CITY, "register_objections", lc.NO_OBJECTION, "2026-10-16T09:00")

    assert (answer["status"], names(answer)) == ("public_notice", ["recognition"])


def test_happy_path_recognizes_with_certificate_and_five_year_validity(case):
    answer = recognized(case)

    assert answer["status"] == "recognized" and answer["ended"] is False
    assert (answer["valid_from"], answer["valid_until"]) == ("2026-10-20", "2031-10-19")
    assert answer["certificate_no"] == "LCSF-2026-008"
    # The title's life: the next 1 January (yearly summary) comes before the end of validity.
    assert sorted(w["element"] for w in answer["waiting"]) == [
        "child_completed", "deadline_reached", "rereview_applied", "title_revoked"]
    assert answer["next_timer_at"] == "2026-12-31T16:00:00+00:00"
    assert_verifies(case)


@pytest.mark.parametrize("investigation, status", [(lc.INVESTIGATE_OK, "recognized"),
                                                   (lc.INVESTIGATE_REJECT, "rejected")],
                         ids=["groundless", "upheld"])
def test_an_objection_during_the_notice_is_investigated_before_the_decision(
        case, investigation, status):
    in_notice(case)

    assert case.api.run_timers("2026-10-14T00:00") == 0
    assert case.api.run_timers("2026-10-16T00:00") == 1
    after = case.complete(CITY, "register_objections", lc.OBJECTION, "2026-10-16T09:00")
    assert (after["status"], names(after)) == ("public_notice", ["investigate_objections"])
    answer = case.complete(CITY, "investigate_objections", investigation, "2026-10-18T09:00")
    if status == "recognized":
        assert names(answer) == ["recognition"]
        answer = case.complete(CITY, "recognition", lc.RECOGNIZE, "2026-10-20T10:00")

    assert answer["status"] == status
    assert answer["ended"] is (status == "rejected")
    assert_verifies(case)
