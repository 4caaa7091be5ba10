"""Follow-up procedures on a title: who starts them, in which states, and what reaches the parent.

The test jurisdiction in tests/data/follow_up has a title process that loops while the
title is valid, a change filing (the base starts it; it tells the parent when filed and
again when done), a revocation (the city starts it) and a county note that outlives its
parent (`survives_parent`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.processes.driver import Api, api_on_data

DATA = Path(__file__).parent.parent / "data" / "follow_up"


@pytest.fixture
def api(tmp_path, template_database, monkeypatch) -> Api:
    with api_on_data(DATA, template_database, tmp_path, monkeypatch) as client:
        yield client


def task_of(api: Api, username: str, case_id: int, name: str) -> dict:
    [task] = [t for t in api.tasks(username) if t["case_id"] == case_id and t["name"] == name]
    return task


def complete(api: Api, username: str, case_id: int, name: str, data: dict) -> dict:
    task = task_of(api, username, case_id, name)
    return api.post(username, f"/api/tasks/{task['id']}/complete", {"data": data})


@pytest.fixture
def title(api) -> dict:
    case = api.post("fu_applicant", "/api/cases", {"process": "fu_title"}, expect=201)
    return complete(api, "fu_applicant", case["id"], "submit_application",
                    {"base_name": "东区基地", "operator_name": "东区运营公司", "county": "east"})


def test_follow_up_procedures_are_listed_as_such_and_not_startable_on_their_own(api):
    listed = {p["key"]: p for p in api.get("fu_applicant", "/api/processes")}

    assert listed["fu_title"]["follow_up"] is False and listed["fu_title"]["startable"] is True
    assert listed["fu_change"]["follow_up"] is True and listed["fu_change"]["startable"] is False
    assert listed["fu_change"]["start_lane"] == "applicant"
    assert listed["fu_revocation"]["start_lane"] == "city"
    refused = api.post("fu_applicant", "/api/cases", {"process": "fu_change"}, expect=403)
    assert refused["error"]


def test_the_base_files_a_change_that_reaches_its_title_when_filed_and_when_accepted(api, title):
    child = api.post("fu_applicant", "/api/cases",
                     {"process": "fu_change", "parent_id": title["id"]}, expect=201)

    assert child["parent_id"] == title["id"]
    assert child["data"]["title"]["certificate_no"] == "FU-001"
    assert child["data"]["title"]["application"]["base_name"] == "东区基地"
    assert api.get("fu_city", f"/api/cases/{title['id']}")["children"] == [child["id"]]

    complete(api, "fu_applicant", child["id"], "file_change", {"new_name": "东区新名称基地"})
    parent = api.get("fu_city", f"/api/cases/{title['id']}")
    assert parent["data"]["changes_seen"] == [f"{child['ref']}:东区新名称基地"]
    assert parent["data"]["application"]["base_name"] == "东区基地"

    complete(api, "fu_county_east", child["id"], "acknowledge", {"remark": "已备案"})
    parent = api.get("fu_city", f"/api/cases/{title['id']}")
    assert parent["data"]["application"]["base_name"] == "东区新名称基地"
    assert parent["status"] == "recognized"
    assert api.post("fu_city", f"/api/cases/{title['id']}/verify")["ok"] is True


@pytest.mark.parametrize(("username", "process"), [
    ("fu_applicant2", "fu_change"),     # another base
    ("fu_county_east", "fu_change"),    # the change is the base's to file
    ("fu_applicant", "fu_revocation"),  # only the city revokes
    ("fu_county_east", "fu_revocation"),
    ("fu_county_west", "fu_note"),      # another county
])
def test_only_the_role_of_the_first_lane_in_scope_may_start_a_follow_up(api, title, username,
                                                                         process):
    api.post(username, "/api/cases", {"process": process, "parent_id": title["id"]},
             expect=403)

    assert api.get("fu_city", f"/api/cases/{title['id']}")["children"] == []


def test_a_revocation_ends_the_title_and_a_second_one_is_refused_with_the_reason(api, title):
    revocation = api.post("fu_city", "/api/cases",
                          {"process": "fu_revocation", "parent_id": title["id"]}, expect=201)
    change = api.post("fu_applicant", "/api/cases",
                      {"process": "fu_change", "parent_id": title["id"]}, expect=201)
    note = api.post("fu_county_east", "/api/cases",
                    {"process": "fu_note", "parent_id": title["id"]}, expect=201)

    complete(api, "fu_city", revocation["id"], "decide", {"remark": "违法违规，予以撤销"})

    parent = api.get("fu_city", f"/api/cases/{title['id']}")
    assert (parent["status"], parent["ended"]) == ("revoked", True)
    again = api.post("fu_city", "/api/cases",
                     {"process": "fu_revocation", "parent_id": title["id"]}, expect=422)
    assert "parent_id" in again["errors"]
    # The open change filing lost its purpose: withdrawn, with the reason on record.
    withdrawn = api.get("fu_applicant", f"/api/cases/{change['id']}")
    assert (withdrawn["status"], withdrawn["ended"]) == ("withdrawn", True)
    assert title["ref"] in withdrawn["data"]["withdrawn_reason"]
    events = api.get("fu_city", f"/api/cases/{change['id']}/events")
    assert events[-1]["kind"] == "closed_with_parent" and events[-1]["data"]["reason"]
    # A procedure that outlives its parent runs on.
    kept = api.get("fu_county_east", f"/api/cases/{note['id']}")
    assert kept["ended"] is False and [t["name"] for t in kept["tasks"]] == ["write"]


def test_a_follow_up_on_a_case_not_yet_recognised_is_refused(api):
    case = api.post("fu_applicant", "/api/cases", {"process": "fu_title"}, expect=201)

    refused = api.post("fu_applicant", "/api/cases",
                       {"process": "fu_change", "parent_id": case["id"]}, expect=422)

    assert "parent_id" in refused["errors"]


@pytest.mark.parametrize("parent_id", ["1", -1, 0, 2**31, True, None])
def test_a_malformed_parent_id_is_refused_without_starting_anything(api, title, parent_id):
    body = {"process": "fu_change", "parent_id": parent_id}
    if parent_id is None:
        body["parent_id"] = [title["id"]]
    answer = api.post("fu_applicant", "/api/cases", body, expect=422)

    assert "parent_id" in answer["errors"]
    assert api.get("fu_city", f"/api/cases/{title['id']}")["children"] == []


def test_an_unknown_parent_is_refused_as_not_allowed(api, title):
    api.post("fu_applicant", "/api/cases", {"process": "fu_change", "parent_id": 999999},
             expect=403)


def test_process_settings_reach_every_case_from_the_jurisdictions_meta(api, title):
    case = api.get("fu_city", f"/api/cases/{title['id']}")

    assert case["data"]["settings"] == {"notice_counts_publication_day": False}


def test_a_procedure_open_once_per_title_refuses_a_second_while_the_first_runs(api, title):
    first = api.post("fu_city", "/api/cases",
                     {"process": "fu_revocation", "parent_id": title["id"]}, expect=201)

    second = api.post("fu_city", "/api/cases",
                      {"process": "fu_revocation", "parent_id": title["id"]}, expect=422)

    assert title["ref"] in second["errors"]["parent_id"][0]
    assert api.get("fu_city", f"/api/cases/{title['id']}")["children"] == [first["id"]]
    # Procedures without the option may run side by side (two change filings).
    for _ in range(2):
        api.post("fu_applicant", "/api/cases", {"process": "fu_change", "parent_id": title["id"]},
                 expect=201)
