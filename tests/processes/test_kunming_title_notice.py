"""Public notice and objections in Kunming (第十三条、第十四条), through the JSON API.

公示期不少于10个工作日; objections received during the notice are investigated before the
collective decision. The register takes objections until the notice period has ended, each
dated within it; every objection has its own finding.
"""

from __future__ import annotations

import pytest

from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver
from tests.processes.test_kunming import APPLICANT, CITY, in_notice

LAST_DAY = "2026-10-15"  # notice published 2026-09-28 (Monday); 10 working days after 国庆


@pytest.fixture
def case(api) -> CaseDriver:
    return CaseDriver(api, "kunming_recognition", APPLICANT, CITY)


def objection(received_on: str, objector: str = "某入驻企业") -> dict:
    return {"received_on": received_on, "objector": objector, "content": "反映服务数据不实。"}


def finding(row: dict) -> dict:
    return {"objector": row["objector"], "received_on": row["received_on"],
            "finding": "经核实，数据属实。", "upheld": False}


def test_the_notice_period_follows_the_publication_day_setting(case):
    published = in_notice(case)

    data = case.case()["data"]
    assert data["settings"]["notice_counts_publication_day"] is True
    assert (data["notice_ends_on"], data["notice_ends_at"]) == (
        LAST_DAY, "2026-10-16T00:00:00+08:00")
    assert published["next_timer_at"] == "2026-10-15T16:00:00+00:00"


def test_an_objection_received_on_the_last_notice_day_is_recorded_and_investigated(case):
    in_notice(case)
    last_day = objection(LAST_DAY)

    assert case.api.run_timers("2026-10-16T00:00") == 1
    registered = case.complete(CITY, "register_objections",
                               {"has_objection": True, "objection_list": [last_day]},
                               "2026-10-16T09:00")

    assert registered["data"]["objections"]["objection_list"][0]["received_on"] == LAST_DAY
    assert case.ready() == ["investigate_objections"]
    cleared = case.complete(CITY, "investigate_objections",
                            {**km.INVESTIGATE_OK, "objection_findings": [finding(last_day)]},
                            "2026-10-20T09:00")
    assert [t["name"] for t in cleared["tasks"]] == ["collective_decision"]


def test_every_objection_is_investigated_before_the_decision(case):
    in_notice(case)
    case.api.run_timers("2026-10-16T00:00")
    first, second = objection("2026-09-30", "甲企业"), objection(LAST_DAY, "乙企业")
    case.complete(CITY, "register_objections",
                  {"has_objection": True, "objection_list": [first, second]}, "2026-10-16T09:00")

    partial = case.complete(CITY, "investigate_objections",
                            {**km.INVESTIGATE_OK, "objection_findings": [finding(first)]},
                            "2026-10-20T09:00")

    # One objection has no finding yet: the investigation comes back, no decision yet.
    assert [t["name"] for t in partial["tasks"]] == ["investigate_objections"]
    assert [row["objector"] for row in case.case()["data"]["objections_uninvestigated"]] == [
        "乙企业"]
    complete = case.complete(CITY, "investigate_objections",
                             {**km.INVESTIGATE_OK,
                              "objection_findings": [finding(first), finding(second)]},
                             "2026-10-21T09:00")
    assert [t["name"] for t in complete["tasks"]] == ["collective_decision"]
