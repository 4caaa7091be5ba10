"""The Shanxi pre-check at each threshold: equality passes (“以上/不少于” = ≥), one below fails.

Thresholds: seed 000 一（三） enterprises by base type and the 80 % small-micro share (附件5 for
the poverty-alleviation type), 一（一） operator registered ≥ 1 year; seed 001 “8个有” item 1
(staff ≥ 10, mentors ≥ 3, agencies ≥ 5), item 2 (lease ≥ 5 years, five counts), “6个要” item 1
(≥ 4 of 8 functions), item 6 (operating ≥ 1 year, cultivation ≥ 6 months). The application is
submitted on 2026-03-02.
"""

from __future__ import annotations

import pytest

from tests.processes import examples_shanxi as sx
from tests.processes.driver import CaseDriver
from tests.processes.test_shanxi import create_officials

TYPE_THRESHOLDS = [("industrial_park", 10), ("park", 25), ("building", 25), ("logistics", 25),
                   ("university", 30), ("leading_enterprise", 30), ("business_secretary", 500),
                   ("cultural_creative", 30), ("poverty_alleviation", 30)]
FOUR = ["info", "coaching", "innovation", "training"]

BOUNDARIES = [
    *[(f"enterprise_count_{kind}",
       {"base_type": kind, "enterprise_count": n, "small_micro_count": n},
       {"base_type": kind, "enterprise_count": n - 1, "small_micro_count": n - 1})
      for kind, n in TYPE_THRESHOLDS],
    ("small_micro_share", {"enterprise_count": 40, "small_micro_count": 32},
     {"enterprise_count": 40, "small_micro_count": 31}),
    ("service_staff_count", {"service_staff_count": 10}, {"service_staff_count": 9}),
    ("mentor_count", {"mentor_count": 3}, {"mentor_count": 2}),
    ("partner_agency_count", {"partner_agency_count": 5}, {"partner_agency_count": 4}),
    ("lease_years", {"lease_years": 5}, {"lease_years": 4}),
    ("service_function_count", {"service_functions": FOUR}, {"service_functions": FOUR[:3]}),
    ("cultivation_months", {"cultivation_months": 6}, {"cultivation_months": 5}),
    ("operator_registered_on", {"operator_registered_on": "2025-03-02"},
     {"operator_registered_on": "2025-03-03"}),
    ("base_established_on", {"base_established_on": "2025-03-02"},
     {"base_established_on": "2025-03-03"}),
]


@pytest.fixture
def submit(api):
    create_officials(api)

    def run(changes: dict) -> dict:
        case = CaseDriver(api, "shanxi_recognition", sx.APPLICANT, sx.PROVINCE)
        case.start("2026-03-01T09:00")
        case.complete(sx.APPLICANT, "submit_application", {**sx.APPLICATION, **changes},
                      "2026-03-02T09:00")
        return {c["id"]: c for c in case.case(sx.COUNTY)["precheck"]["conditions"]}
    return run


@pytest.mark.parametrize(("condition", "at_threshold", "below"), BOUNDARIES,
                         ids=[b[0] for b in BOUNDARIES])
def test_each_threshold_passes_at_equality_and_fails_one_below(submit, condition, at_threshold,
                                                                below):
    passing, failing = submit(at_threshold), submit(below)

    assert passing[condition]["passed"] is True
    assert all(c["passed"] for c in passing.values()), \
        [c["id"] for c in passing.values() if not c["passed"]]
    assert failing[condition]["passed"] is False
    assert [c["id"] for c in failing.values() if not c["passed"]] == [condition]


def test_only_the_base_types_own_enterprise_threshold_applies(submit):
    conditions = submit({"base_type": "industrial_park", "enterprise_count": 10,
                         "small_micro_count": 10})

    counted = [c for c in conditions if c.startswith("enterprise_count_")]
    assert counted == ["enterprise_count_industrial_park"]
    assert conditions["enterprise_count_industrial_park"]["required"] == "≥ 10 户"


def test_an_owned_site_needs_no_lease_term(submit):
    conditions = submit({"site_tenure": "owned", "lease_years": 0})
    assert conditions["lease_years"]["passed"] is True


@pytest.mark.parametrize(("loss_making", "pure_rental", "passed"), [
    (True, True, False), (True, False, True), (False, True, True), (False, False, True)])
def test_only_loss_making_and_pure_rental_together_bar_the_provincial_application(
        submit, loss_making, pure_rental, passed):
    conditions = submit({"loss_making": loss_making, "pure_rental": pure_rental})
    assert conditions["loss_making_pure_rental"]["passed"] is passed
