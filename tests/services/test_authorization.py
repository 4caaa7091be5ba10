"""Every role against every API endpoint, on a Kunming case of the Wuhua district.

The case is at the county review: its applicant is km_applicant (Wuhua), it holds
one attachment, and the ready task belongs to the Wuhua county official.
Someone allowed to complete the task gets 422 for an empty form (the permission
check passed, the validation did not); everyone else gets 403 and nothing changes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from app.extensions import db
from tests.processes import examples_kunming as km
from tests.processes import examples_liaocheng as lc
from tests.processes.driver import PNG, CaseDriver, find_user

READERS = {"km_applicant", "km_county_wuhua", "km_city", "km_auditor", "admin"}
UPLOADERS = {"km_applicant", "km_county_wuhua", "km_city", "admin"}
WORKERS = {"km_county_wuhua"}
# The task here is the county's review: the applicant never reads an official's form.
TASK_READERS = READERS - {"km_applicant"}
USERS = ["km_applicant", "km_applicant2", "km_county_wuhua", "km_county_panlong", "km_city",
         "km_expert1", "km_auditor", "km_designer", "admin", "lc_applicant",
         "lc_county_dongchangfu", "lc_city", "lc_auditor"]


@dataclass
class Scene:
    case: CaseDriver
    task_id: str
    attachment_id: str


@pytest.fixture
def scene(api) -> Scene:
    case = CaseDriver(api, "kunming_recognition", "km_applicant", "km_city")
    case.start()
    case.complete("km_applicant", "submit_application", km.APPLICATION, "2026-03-02T09:00")
    attachment = api.upload("km_applicant", case.id, "photo.png", PNG)
    return Scene(case, case.task("km_county_wuhua", "county_review")["id"], attachment["id"])


ENDPOINTS = {
    "show case": ("GET", "/api/cases/{case}", READERS, 200),
    "show task": ("GET", "/api/tasks/{task}", TASK_READERS, 200),
    "complete task": ("POST", "/api/tasks/{task}/complete", WORKERS, 422),
    "claim task": ("POST", "/api/tasks/{task}/claim", WORKERS, 200),
    "upload attachment": ("POST", "/api/cases/{case}/attachments", UPLOADERS, 201),
    "download attachment": ("GET", "/api/attachments/{attachment}", READERS, 200),
    "events": ("GET", "/api/cases/{case}/events", READERS, 200),
    "verify": ("POST", "/api/cases/{case}/verify", READERS, 200),
}


def request(scene: Scene, endpoint: str, username: str | None):
    method, path, _, _ = ENDPOINTS[endpoint]
    url = path.format(case=scene.case.id, task=scene.task_id, attachment=scene.attachment_id)
    client, headers = scene.case.api.client, scene.case.api.headers(username)
    if endpoint == "upload attachment":
        return client.post(url, headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(PNG), "more.png")})
    if method == "POST":
        return client.post(url, headers=headers, json={"data": {}})
    return client.get(url, headers=headers)


def assert_json_error(response, status: int) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:300]
    assert response.is_json, body[:200]
    answer = response.get_json()
    assert isinstance(answer["error"], str) and answer["error"]
    assert isinstance(answer["errors"], dict)
    assert "Traceback" not in body and "<html" not in body.lower()


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_each_role_reaches_only_what_its_scope_allows(scene, endpoint, username):
    _, _, allowed, status = ENDPOINTS[endpoint]
    before = scene.case.case("admin")

    response = request(scene, endpoint, username)
    response.close()

    if username in allowed:
        assert response.status_code == status, response.get_data(as_text=True)[:300]
    else:
        assert_json_error(response, 403)
        after = scene.case.case("admin")
        assert (after["lock_version"], after["tasks"]) == (before["lock_version"], before["tasks"])


@pytest.mark.parametrize("username", USERS)
def test_the_case_list_shows_a_case_exactly_to_those_who_may_read_it(scene, username):
    listed = [c["id"] for c in scene.case.api.get(username, "/api/cases")]

    assert (scene.case.id in listed) is (username in READERS)


@pytest.mark.parametrize("username", USERS)
def test_the_worklist_offers_the_county_task_only_to_its_county_official(scene, username):
    offered = [t["id"] for t in scene.case.api.tasks(username)]

    assert (scene.task_id in offered) is (username in WORKERS)


def test_another_countys_official_gets_403_on_every_endpoint_and_changes_nothing(scene):
    events_before = len(scene.case.api.get("admin", f"/api/cases/{scene.case.id}/events"))

    for endpoint in ENDPOINTS:
        assert_json_error(request(scene, endpoint, "km_county_panlong"), 403)

    events = scene.case.api.get("admin", f"/api/cases/{scene.case.id}/events")
    assert len(events) == events_before


def test_a_kunming_city_official_cannot_see_a_liaocheng_case(api):
    case = CaseDriver(api, "liaocheng_recognition", "lc_applicant", "lc_city")
    case.start()
    case.complete("lc_applicant", "submit_application", lc.APPLICATION, "2026-03-02T09:00")

    assert_json_error(api.client.get(f"/api/cases/{case.id}", headers=api.headers("km_city")), 403)
    assert case.id not in [c["id"] for c in api.get("km_city", "/api/cases")]
    assert api.get("lc_city", f"/api/cases/{case.id}")["jurisdiction"] == "liaocheng"


def test_an_applicant_cannot_start_another_jurisdictions_procedure(api):
    response = api.client.post("/api/cases", headers=api.headers("km_applicant"),
                               json={"process": "liaocheng_recognition"})

    assert_json_error(response, 403)


@pytest.mark.parametrize("username", ["km_county_wuhua", "km_city", "km_auditor", "admin"])
def test_only_applicants_start_cases(api, username):
    response = api.client.post("/api/cases", headers=api.headers(username),
                               json={"process": "kunming_recognition"})

    assert_json_error(response, 403)


def test_a_child_process_cannot_be_started_directly(api):
    response = api.client.post("/api/cases", headers=api.headers("km_applicant"),
                               json={"process": "kunming_rereview"})

    assert_json_error(response, 403)


# --- experts see only what is assigned to them --------------------------------------------------

@pytest.fixture
def expert_scene(api) -> CaseDriver:
    case = CaseDriver(api, "kunming_recognition", "km_applicant", "km_city")
    case.start()
    case.complete("km_applicant", "submit_application", km.APPLICATION, "2026-03-02T09:00")
    case.complete("km_county_wuhua", "county_review", km.COUNTY_APPROVE, "2026-03-10T09:00")
    case.complete("km_county_wuhua", "site_inspection", km.site_inspection(), "2026-04-10T09:00")
    case.complete("km_city", "assign_experts", {"experts": ["km_expert1", "km_expert2"]},
                  "2026-05-01T09:00")
    return case


def test_an_assigned_expert_reads_the_case_and_an_unassigned_one_does_not(expert_scene):
    api = expert_scene.api

    assert api.get("km_expert1", f"/api/cases/{expert_scene.id}")["id"] == expert_scene.id
    assert_json_error(api.client.get(f"/api/cases/{expert_scene.id}",
                                     headers=api.headers("km_expert3")), 403)
    assert api.tasks("km_expert3") == []
    assert [c["id"] for c in api.get("km_expert1", "/api/cases")] == [expert_scene.id]
    assert api.get("km_expert3", "/api/cases") == []


def test_an_expert_cannot_complete_another_experts_instance(expert_scene):
    api = expert_scene.api
    [theirs] = api.tasks("km_expert2")

    response = api.client.post(f"/api/tasks/{theirs['id']}/complete",
                               headers=api.headers("km_expert1"),
                               json={"data": km.expert_opinion()})

    assert_json_error(response, 403)
    assert [t["assignee"] for t in api.tasks("km_expert2")] == ["km_expert2"]


def test_the_auditor_reads_but_cannot_complete_an_expert_task(expert_scene):
    api = expert_scene.api
    [task] = api.tasks("km_expert1")

    assert api.get("km_auditor", f"/api/cases/{expert_scene.id}")["status"] == "in_review"
    response = api.client.post(f"/api/tasks/{task['id']}/complete",
                               headers=api.headers("km_auditor"),
                               json={"data": km.expert_opinion()})

    assert_json_error(response, 403)


# --- authentication and the shape of errors -----------------------------------------------------

def _anonymous(scene: Scene, endpoint: str, authorization: str | None):
    method, path, _, _ = ENDPOINTS[endpoint]
    url = path.format(case=scene.case.id, task=scene.task_id, attachment=scene.attachment_id)
    headers = {"Authorization": authorization} if authorization is not None else {}
    return scene.case.api.client.open(url, method=method, headers=headers, json={})


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token"], ids=["none", "unknown"])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_a_missing_or_unknown_token_gets_401_json(scene, endpoint, authorization):
    assert_json_error(_anonymous(scene, endpoint, authorization), 401)


@pytest.mark.parametrize("authorization", ["Bearer ", "Basic a21fY2l0eTpkZW1v", "Token {token}",
                                           "{token}"],
                         ids=["empty", "basic", "other scheme", "no scheme"])
def test_a_malformed_authorization_header_gets_401_json(scene, authorization):
    token = scene.case.api.token("km_county_wuhua")

    assert_json_error(_anonymous(scene, "show case", authorization.format(token=token)), 401)


@pytest.mark.parametrize("path", ["/api/processes", "/api/cases", "/api/tasks"])
def test_list_endpoints_need_a_token(api, path):
    assert_json_error(api.client.get(path), 401)


def test_a_deactivated_users_token_stops_working(api):
    token_headers = api.headers("km_city")
    assert api.client.get("/api/tasks", headers=token_headers).status_code == 200
    find_user("km_city").active = False
    db.session.commit()

    assert_json_error(api.client.get("/api/tasks", headers=token_headers), 401)


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/api/cases/999999", 404),
    ("GET", "/api/tasks/no-such-task", 404),
    ("GET", "/api/attachments/no-such-file", 404),
    ("POST", "/api/tasks/no-such-task/complete", 404),
    ("GET", "/api/no-such-endpoint", 404),
    ("DELETE", "/api/cases", 405),
])
def test_errors_are_json_never_html(api, method, path, status):
    response = api.client.open(path, method=method, headers=api.headers("km_city"),
                               json={"data": {}})

    assert_json_error(response, status)


def test_a_body_that_is_not_json_gets_a_json_error(scene):
    api = scene.case.api

    response = api.client.post(f"/api/tasks/{scene.task_id}/complete",
                               headers={**api.headers("km_county_wuhua"),
                                        "Content-Type": "application/json"},
                               data="{not json")

    assert_json_error(response, 422)
