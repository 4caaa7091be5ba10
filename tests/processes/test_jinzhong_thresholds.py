"""Boundary values of every Jinzhong threshold (市工信企业发〔2025〕91号 第一部分, 附件4).

Each threshold is written once in processes/jinzhong (base_type.dmn by base type,
precheck.dmn for the rest). Equality passes (“以上”“不少于”“含五年”), one step
beyond fails. The application is submitted on 2026-03-02.
"""

from __future__ import annotations

import pytest

from tests.processes import examples_jinzhong as jz
from tests.processes.driver import CaseDriver
from tests.processes.test_jinzhong import APPLICANT, CITY, COUNTY, submitted


def condition(api, change: dict, condition_id: str) -> dict:
    """Submit the example application with `change`; return pre-check row `condition_id`."""
    case = CaseDriver(api, "jinzhong_recognition", APPLICANT, CITY)
    submitted(case, {**jz.APPLICATION, **change})
    rows = {row["id"]: row for row in case.case(COUNTY)["precheck"]["conditions"]}
    return rows[condition_id]


def enterprises(base_type: str, count: int) -> dict:
    return {"base_type": base_type, "enterprise_count": count, "small_micro_count": count,
            "workstation_startup_count": 0}


@pytest.mark.parametrize(("base_type", "threshold"), [
    ("industrial_park", 10), ("park", 25), ("building", 25), ("logistics", 25),
    ("university", 30), ("leading_enterprise", 30), ("business_secretary", 500),
    ("cultural_creative", 30), ("poverty_alleviation", 30)])
def test_the_enterprise_count_of_each_base_type_passes_at_its_threshold_and_fails_one_below(
        api, base_type, threshold):
    at = condition(api, enterprises(base_type, threshold), "enterprise_count")
    below = condition(api, enterprises(base_type, threshold - 1), "enterprise_count")

    assert (at["passed"], at["actual"]) == (True, threshold)
    assert at["required"].startswith(f"≥ {threshold} 户")
    assert below["passed"] is False


@pytest.mark.parametrize(("change", "condition_id", "passed"), [
    ({"small_micro_count": 32}, "small_micro_share", True),          # 32 / 40 = 80 %
    ({"small_micro_count": 31}, "small_micro_share", False),
    ({"operator_registered_on": "2025-03-02"}, "operator_registered_on", True),   # one year
    ({"operator_registered_on": "2025-03-03"}, "operator_registered_on", False),
    ({"independent_legal_person": False}, "legal_person_accounts", False),
    ({"service_staff_count": 10}, "service_staff_count", True),
    ({"service_staff_count": 9}, "service_staff_count", False),
    ({"mentor_count": 3}, "mentor_count", True),
    ({"mentor_count": 2}, "mentor_count", False),
    ({"partner_agency_count": 5}, "partner_agency_count", True),
    ({"partner_agency_count": 4}, "partner_agency_count", False),
    ({"lease_years": 5}, "lease", True),                              # 五年以上（含五年）
    ({"lease_years": 4}, "lease", False),
    ({"lease_years": 5, "tenant_investment_wan": "0"}, "lease", False),
    ({"site_tenure": "owned"}, "lease", True),
    ({"site_tenure": "entrusted", "entrustment_agreement": jz.F}, "lease", True),
    ({"workstation_startup_count": 5}, "workstation_startup_count", True),   # 20 % of 25
    ({"workstation_startup_count": 6}, "workstation_startup_count", False),
    ({"base_type": "industrial_park", "workstation_startup_count": 2},
     "workstation_startup_count", True),                              # 20 % of 10
    ({"base_type": "industrial_park", "workstation_startup_count": 3},
     "workstation_startup_count", False),
    ({"service_functions": ["info", "coaching", "training", "financing"]}, "service_functions",
     True),
    ({"service_functions": ["info", "coaching", "training"]}, "service_functions", False),
    ({"base_rent_yuan": "160"}, "rent_discount", True),               # 80 % of the 200 average
    ({"base_rent_yuan": "160.01"}, "rent_discount", False),
])
def test_each_condition_passes_at_its_threshold_and_fails_one_step_beyond(
        api, change, condition_id, passed):
    assert condition(api, change, condition_id)["passed"] is passed


@pytest.mark.parametrize(("change", "passed", "actual"), [
    ({"rent_inquiry": jz.inquiry(1, 2, 3)}, True, 3),                 # 3 buildings within 3 km
    ({"rent_inquiry": jz.inquiry(1, 2, 3.01)}, False, 2),             # one beyond 3 km
    ({"rent_inquiry": jz.inquiry(1, 2)}, False, 2),
    ({"base_type": "park", "rent_inquiry": jz.inquiry(1, 2)}, True, 2),     # 2 parks suffice
    ({"base_type": "park", "rent_inquiry": jz.inquiry(1, 8)}, False, 1),
    ({"base_type": "industrial_park", "rent_inquiry": jz.inquiry(6, 9, same_county=True)},
     True, 2),                                                       # 本县园区 count for parks
    ({"rent_inquiry": jz.inquiry(1, 2, 9, same_county=True)}, False, 2),   # not for buildings
])
def test_the_rent_inquiry_needs_three_buildings_within_3_km_or_two_parks(api, change, passed,
                                                                          actual):
    row = condition(api, change, "rent_inquiry")

    assert (row["passed"], row["actual"]) == (passed, actual)


def test_the_rent_inquiry_table_needs_at_least_two_rows(api):
    case = CaseDriver(api, "jinzhong_recognition", APPLICANT, CITY)
    case.start()

    refused = case.complete(APPLICANT, "submit_application",
                            {**jz.APPLICATION, "rent_inquiry": jz.inquiry(1)}, expect=422)

    assert "rent_inquiry" in refused["errors"]
