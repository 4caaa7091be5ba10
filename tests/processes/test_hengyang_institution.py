"""The Hengyang core service institution procedure (seed 004 第二部分（二）) and the related-party
exclusion of 第一部分第三段, through the JSON API.

The institution runs the same steps as the base (tests/processes/test_hengyang.py); here: its
conditions by category (each threshold at equality passes, one below fails), its own words
(subject `institution`, its name from `agency_name`), and the refusal of an applicant that is,
or names as related, the holder of a title in force in either programme.
"""

from __future__ import annotations

import pytest

from tests.processes import examples_hengyang as hy
from tests.processes.driver import CaseDriver
from tests.processes.test_hengyang import (
    CITY,
    assert_ended,
    experts_done,
    in_notice,
    recognized,
    submitted,
)

APPLICANT, COUNTY = "hy_applicant2", "hy_county_leiyang"
PROCESS = "hengyang_institution_recognition"


@pytest.fixture
def case(api) -> CaseDriver:
    return CaseDriver(api, PROCESS, APPLICANT, CITY)


def failed_conditions(case: CaseDriver) -> list[str]:
    return [c["id"] for c in case.case(COUNTY)["precheck"]["conditions"] if not c["passed"]]


def test_an_institution_is_named_by_its_agency_name_and_checked_by_its_category(case):
    submitted(case, hy.INSTITUTION_APPLICATION)

    shown = case.case(COUNTY)

    assert (shown["base_name"], shown["status"], shown["stage"]) == (
        "耒阳市中小企业服务中心", "in_review", "县级审核")
    assert shown["precheck"]["passed"] is True
    assert [c["id"] for c in shown["precheck"]["conditions"]] == [
        "registered_in_city", "site_area_m2", "service_assets_wan", "service_staff_count",
        "qualified_staff_count", "insured_staff_count", "public_event_count",
        "enterprises_served", "long_term_client_count", "service_income_wan",
        "deep_campaign_count", "deep_campaign_enterprises"]


@pytest.mark.parametrize(("category", "count"), [("comprehensive", 9), ("professional", 12),
                                                 ("rnd_testing", 10)])
def test_each_category_is_checked_against_its_own_rows_only(case, category, count):
    submitted(case, {**hy.INSTITUTION_APPLICATION, "agency_category": category})

    conditions = case.case(COUNTY)["precheck"]["conditions"]

    assert len(conditions) == count
    assert all("第二部分（二）" in c["required"] or "第一部分（二）" in c["required"]
               for c in conditions)


# (category, condition, field, value at the threshold, value one below)
BOUNDARIES = [
    ("comprehensive", "site_area_m2", "site_area_m2", "60", "59.99"),
    ("comprehensive", "service_assets_wan", "service_assets_wan", "50", "49.99"),
    ("comprehensive", "service_staff_count", "service_staff_count", 8, 7),
    ("comprehensive", "insured_staff_count", "insured_staff_count", 3, 2),
    ("comprehensive", "public_event_count", "public_event_count", 5, 4),
    ("comprehensive", "enterprises_served", "enterprises_served", 80, 79),
    ("professional", "site_area_m2", "site_area_m2", "40", "39.99"),
    ("professional", "service_assets_wan", "service_assets_wan", "30", "29.99"),
    ("professional", "service_staff_count", "service_staff_count", 10, 9),
    ("professional", "qualified_staff_count", "qualified_staff_count", 8, 7),
    ("professional", "insured_staff_count", "insured_staff_count", 3, 2),
    ("professional", "public_event_count", "public_event_count", 2, 1),
    ("professional", "enterprises_served", "enterprises_served", 80, 79),
    ("professional", "long_term_client_count", "long_term_client_count", 20, 19),
    ("professional", "service_income_wan", "service_income_wan", "100", "99.99"),
    ("rnd_testing", "site_area_m2", "site_area_m2", "100", "99.99"),
    ("rnd_testing", "service_assets_wan", "service_assets_wan", "300", "299.99"),
    ("rnd_testing", "service_staff_count", "service_staff_count", 10, 9),
    ("rnd_testing", "qualified_staff_count", "qualified_staff_count", 8, 7),
    ("rnd_testing", "insured_staff_count", "insured_staff_count", 3, 2),
    ("rnd_testing", "enterprises_served", "enterprises_served", 80, 79),
    ("rnd_testing", "service_income_wan", "service_income_wan", "150", "149.99"),
    ("comprehensive", "deep_campaign_count", "deep_campaign_count", 1, 0),
    ("professional", "deep_campaign_enterprises", "deep_campaign_enterprises", 30, 29),
    ("rnd_testing", "deep_campaign_enterprises", "deep_campaign_enterprises", 30, 29),
]


@pytest.mark.parametrize(("category", "condition", "field", "at", "below"), BOUNDARIES,
                         ids=[f"{b[0]}-{b[1]}" for b in BOUNDARIES])
def test_each_institution_threshold_passes_at_equality_and_fails_one_below(
        api, category, condition, field, at, below):
    application = {**hy.INSTITUTION_APPLICATION, "agency_category": category}
    passing = CaseDriver(api, PROCESS, APPLICANT, CITY)
    submitted(passing, {**application, field: at})
    failing = CaseDriver(api, PROCESS, "hy_applicant", CITY)
    submitted(failing, {**application, field: below, "county": "leiyang",
                        "credit_code": hy.OTHER_CREDIT_CODE})

    assert passing.case(COUNTY)["precheck"]["passed"] is True
    assert failed_conditions(failing) == [condition]


def test_a_threshold_of_another_category_does_not_apply(case):
    # 40 m² is below the comprehensive 60 m² but meets the professional 40 m².
    submitted(case, {**hy.INSTITUTION_APPLICATION, "agency_category": "professional",
                     "site_area_m2": "40", "service_assets_wan": "30"})

    assert failed_conditions(case) == []


def test_a_recognised_institution_holds_a_three_year_title_in_its_own_words(case):
    answer = recognized(case, hy.RECOGNIZE_INSTITUTION, application=hy.INSTITUTION_APPLICATION,
                        county=COUNTY)

    assert (answer["status"], answer["valid_until"]) == ("recognized", "2029-10-19")
    [title] = case.api.get(CITY, "/api/titles")
    assert (title["subject_name"], title["subject"], title["certificate_no"]) == (
        "耒阳市中小企业服务中心", "institution", "HYJG-2026-011")


# --- the institution's other endings (the same steps as the base's) -------------------------

INSTITUTION = {"application": hy.INSTITUTION_APPLICATION, "county": COUNTY}


def test_the_county_may_reject_an_institution(case):
    submitted(case, hy.INSTITUTION_APPLICATION)

    assert_ended(case.complete(COUNTY, "county_review", hy.COUNTY_REJECT, "2026-03-10T09:00"),
                 "rejected")


def test_an_institution_not_correcting_within_ten_working_days_is_withdrawn(case):
    submitted(case, hy.INSTITUTION_APPLICATION)
    case.complete(COUNTY, "county_review", hy.COUNTY_RETURN, "2026-09-24T16:00")

    assert case.api.run_timers("2026-10-16T00:00") == 1

    assert_ended(case.case(APPLICANT), "withdrawn")


def test_the_city_may_reject_an_institution_after_the_experts(case):
    experts_done(case, **INSTITUTION)

    assert_ended(case.complete(CITY, "expert_decision", hy.EXPERT_REJECT, "2026-06-01T09:00"),
                 "rejected")


def test_an_upheld_objection_ends_the_institutions_case(case):
    in_notice(case, **INSTITUTION)
    case.api.run_timers("2026-10-16T00:00")
    case.complete(CITY, "register_objections", hy.OBJECTION, "2026-10-16T09:00")

    assert_ended(case.complete(CITY, "investigate_objections", hy.INVESTIGATE_REJECT,
                               "2026-10-19T09:00"), "rejected")


def test_the_city_may_decline_an_institution_after_the_notice(case):
    assert_ended(recognized(case, hy.RECOGNITION_REJECT, **INSTITUTION), "rejected")


def test_the_institutions_title_expires_after_three_years(case):
    recognized(case, hy.RECOGNIZE_INSTITUTION, **INSTITUTION)

    assert case.api.run_timers("2029-10-20T00:00") == 1

    expired = case.case(APPLICANT)
    assert_ended(expired, "expired")
    assert expired["data"]["expired_reason"].startswith("机构称号三年有效期已于 2029-10-19 届满")


# --- related parties (第一部分第三段) -----------------------------------------------------------

@pytest.fixture
def titled_institution(api) -> CaseDriver:
    """A core service institution recognised on 2026-10-20, valid until 2029-10-19."""
    title = CaseDriver(api, PROCESS, APPLICANT, CITY)
    recognized(title, hy.RECOGNIZE_INSTITUTION, application=hy.INSTITUTION_APPLICATION,
               county=COUNTY)
    return title


def _base_naming(related_code: str) -> dict:
    return {**hy.BASE_APPLICATION, "related_credit_codes": [hy.OTHER_CREDIT_CODE, related_code],
            "related_entities": [{"entity_name": "耒阳市中小企业服务中心",
                                  "credit_code": related_code, "relation": "同一出资人"}]}


def test_a_base_naming_a_titled_institution_as_related_is_refused_naming_the_title(
        api, titled_institution):
    base = CaseDriver(api, "hengyang_base_recognition", "hy_applicant", CITY)
    base.start("2026-11-02T09:00")

    answer = base.complete("hy_applicant", "submit_application",
                           _base_naming(hy.INSTITUTION_CREDIT_CODE), "2026-11-02T09:30",
                           expect=422)

    [message] = answer["errors"]["related_credit_codes"]
    ref = titled_institution.case()["ref"]
    for part in ("耒阳市中小企业服务中心", hy.INSTITUTION_CREDIT_CODE, "HYJG-2026-011", ref,
                 "2029-10-19", "衡阳市中小微企业核心服务机构认定"):
        assert part in message
    assert base.ready() == ["submit_application"]


def test_an_applicant_whose_own_code_holds_the_other_programmes_title_is_refused(
        api, titled_institution):
    base = CaseDriver(api, "hengyang_base_recognition", "hy_applicant", CITY)
    base.start("2026-11-02T09:00")
    own = {**hy.BASE_APPLICATION, "credit_code": hy.INSTITUTION_CREDIT_CODE,
           "related_credit_codes": []}

    answer = base.complete("hy_applicant", "submit_application", own, "2026-11-02T09:30",
                           expect=422)

    assert list(answer["errors"]) == ["credit_code"]
    assert "HYJG-2026-011" in answer["errors"]["credit_code"][0]


def test_a_titled_code_given_only_in_the_optional_detail_table_is_left_to_the_reviewers(
        api, titled_institution):
    base = CaseDriver(api, "hengyang_base_recognition", "hy_applicant", CITY)
    base.start("2026-11-02T09:00")
    detail_only = {**_base_naming(hy.INSTITUTION_CREDIT_CODE), "related_credit_codes": []}

    answer = base.complete("hy_applicant", "submit_application", detail_only,
                           "2026-11-02T09:30")

    assert answer["status"] == "in_review"


def test_a_related_entity_without_a_title_in_force_does_not_bar_the_application(
        api, titled_institution):
    base = CaseDriver(api, "hengyang_base_recognition", "hy_applicant", CITY)
    base.start("2026-11-02T09:00")

    answer = base.complete("hy_applicant", "submit_application",
                           _base_naming(hy.RELATED_CREDIT_CODE), "2026-11-02T09:30")

    assert answer["status"] == "in_review"


def test_once_the_related_title_has_expired_the_application_is_accepted(api, titled_institution):
    assert api.run_timers("2029-10-20T00:00") == 1
    assert titled_institution.case()["status"] == "expired"
    base = CaseDriver(api, "hengyang_base_recognition", "hy_applicant", CITY)
    base.start("2029-11-02T09:00")

    answer = base.complete("hy_applicant", "submit_application",
                           _base_naming(hy.INSTITUTION_CREDIT_CODE), "2029-11-02T09:30")

    assert answer["status"] == "in_review"


def test_an_institution_naming_a_titled_base_as_related_is_refused(api):
    base = CaseDriver(api, "hengyang_base_recognition", "hy_applicant", CITY)
    recognized(base)
    institution = CaseDriver(api, PROCESS, APPLICANT, CITY)
    institution.start("2026-11-02T09:00")
    # lower case and spaces as people type them: the code is normalised before the search
    spaced = " ".join([hy.BASE_CREDIT_CODE[:4], hy.BASE_CREDIT_CODE[4:].lower()])
    related = {**hy.INSTITUTION_APPLICATION, "related_credit_codes": [spaced]}

    answer = institution.complete(APPLICANT, "submit_application", related, "2026-11-02T09:30",
                                  expect=422)

    [message] = answer["errors"]["related_credit_codes"]
    assert "蒸湘创业创新园" in message and hy.BASE_CREDIT_CODE in message
    assert institution.ready() == ["submit_application"]
