"""One county account and one city account serve the Jinzhong and the Shanxi procedures.

An official's scope is a division: the Yuci county official and the Jinzhong city
official, both defined by the Jinzhong jurisdiction's files, work on a Shanxi provincial case
filed in Yuci at their own level, and see nothing of a Shanxi case filed in Taiyuan. Skipped
when the Jinzhong jurisdiction is not loaded.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import User
from tests.processes import examples_shanxi as sx
from tests.processes.driver import CaseDriver
from tests.processes.test_shanxi import create_officials

JZ_COUNTY, JZ_CITY = "jz_county_yuci", "jz_city"


@pytest.fixture
def case(api) -> CaseDriver:
    known = set(db.session.scalars(sa.select(User.username).where(
        User.username.in_([JZ_COUNTY, JZ_CITY]))))
    if known != {JZ_COUNTY, JZ_CITY}:
        pytest.skip("the Jinzhong jurisdiction (processes/jinzhong) is not loaded")
    create_officials(api)
    return CaseDriver(api, "shanxi_recognition", sx.APPLICANT, sx.PROVINCE)


def test_the_jinzhong_county_and_city_accounts_work_on_a_shanxi_case_in_yuci(case):
    case.start("2026-03-01T09:00")
    case.complete(sx.APPLICANT, "submit_application", sx.APPLICATION, "2026-03-02T09:00")

    case.complete(JZ_COUNTY, "county_review", sx.COUNTY_APPROVE, "2026-03-10T09:00")
    case.complete(JZ_COUNTY, "site_inspection", sx.site_inspection(), "2026-03-20T09:00")
    case.complete(JZ_COUNTY, "county_recommend", sx.RECOMMEND, "2026-03-25T09:00")
    answer = case.complete(JZ_CITY, "city_review", sx.CITY_APPROVE, "2026-04-01T09:00")

    assert [(t["name"], t["lane"]) for t in answer["tasks"]] == [("province_review", "province")]
    assert case.case(JZ_COUNTY)["jurisdiction"] == "shanxi"
    assert case.case(JZ_CITY)["id"] == case.id


def test_the_jinzhong_accounts_see_nothing_of_a_shanxi_case_in_taiyuan(case):
    case.applicant = sx.APPLICANT
    case.start("2026-03-01T09:00")
    case.complete(sx.APPLICANT, "submit_application", {**sx.APPLICATION, "county": "xiaodian"},
                  "2026-03-02T09:00")

    assert [t for t in case.api.tasks(JZ_COUNTY) if t["case_id"] == case.id] == []
    case.api.get(JZ_COUNTY, f"/api/cases/{case.id}", expect=403)
    case.api.get(JZ_CITY, f"/api/cases/{case.id}", expect=403)
    assert [t["case_id"] for t in case.api.tasks(sx.OTHER_COUNTY)] == [case.id]
