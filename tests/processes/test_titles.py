"""One valid title per base and programme (Liaocheng 第十六条 有效期内不得重复申报;
Kunming 第十五条 有效期满当年可再次申报), through the JSON API."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Case
from tests.processes.driver import CaseDriver, at
from tests.processes.test_kunming import APPLICANT, CITY, recognized

PROCESS = "kunming_recognition"


@pytest.fixture
def titled(api) -> CaseDriver:
    case = CaseDriver(api, PROCESS, APPLICANT, CITY)
    answer = recognized(case)
    assert (answer["status"], answer["valid_until"]) == ("recognized", "2029-11-19")
    return case


def _start(api, username: str, when: str, expect: int) -> dict:
    api.now = at(when)
    return api.post(username, "/api/cases", {"process": PROCESS}, expect=expect)


def _cases() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Case))


def test_a_base_with_a_valid_title_cannot_apply_again_and_is_told_until_when(api, titled):
    before = _cases()

    refused = _start(api, APPLICANT, "2027-03-01T09:00", expect=422)

    assert "2029-11-19" in refused["error"] and titled.case()["certificate_no"] in refused["error"]
    assert list(refused["errors"]) == ["process"]
    assert _cases() == before


def test_the_last_day_of_the_year_before_expiry_is_still_barred(api, titled):
    _start(api, APPLICANT, "2028-12-31T23:59", expect=422)


def test_in_the_year_the_title_ends_the_base_may_apply_again(api, titled):
    again = _start(api, APPLICANT, "2029-01-02T09:00", expect=201)

    assert again["status"] == "draft" and again["id"] != titled.id


def test_another_base_may_apply_while_the_title_is_valid(api, titled):
    other = _start(api, "km_applicant2", "2027-03-01T09:00", expect=201)

    assert other["status"] == "draft"


def test_an_application_naming_the_credit_code_of_a_titled_base_is_refused(api, titled):
    from tests.processes import examples_kunming as km
    other = CaseDriver(api, PROCESS, "km_applicant2", CITY)
    other.start("2027-03-01T09:00")
    held = titled.case()["data"]["application"]["credit_code"]

    refused = other.complete("km_applicant2", "submit_application",
                             {**km.APPLICATION, "credit_code": held, "county": "panlong"},
                             expect=422)

    assert list(refused["errors"]) == ["credit_code"]
    assert titled.case()["certificate_no"] in refused["errors"]["credit_code"][0]
    assert other.case()["status"] == "draft"
    assert other.ready() == ["submit_application"]
