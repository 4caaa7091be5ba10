"""Bad input gets a 4xx with a clear message and changes nothing: never a 500.

Huge ids and query integers, years out of range, deeply nested or oversized JSON, NUL
characters and lone surrogates, tables with too many rows; on the API and on the web pages.
"""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Attachment, Case, Event, User
from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver, api, loaded_app, template_db  # noqa: F401
from tests.web import support

HUGE = "99999999999999999999"
NUL_MESSAGE = "输入内容包含空字符（NUL）或无效的 Unicode 字符"


@pytest.fixture
def app(loaded_app):  # noqa: F811 - the web fixtures (client, login_as) run on the copied database
    return loaded_app


@pytest.fixture
def case(api):  # noqa: F811
    driver = CaseDriver(api, "kunming_recognition", "km_applicant", "km_city")
    driver.start()
    return driver


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _raw(api, method: str, path: str, body: str, user: str = "km_applicant"):  # noqa: F811
    return api.client.open(path, method=method, headers=api.headers(user), data=body,
                           content_type="application/json")


# ------------------------------------------------------------------ API: integers


@pytest.mark.parametrize("path, parameter", [
    (f"/api/cases?page={HUGE}", "page"), ("/api/cases?page=abc", "page"),
    ("/api/cases?page=0", "page"), ("/api/tasks?page=-1", "page"),
    (f"/api/tasks?per_page={HUGE}", "per_page"), ("/api/tasks?per_page=501", "per_page"),
])
def test_api_query_integers_out_of_range_get_400_naming_the_parameter(api, path,  # noqa: F811
                                                                     parameter):
    answer = api.get("km_city", path, expect=400)
    assert list(answer["errors"]) == [parameter]
    assert f"{parameter} 须为" in answer["error"] and "之间的整数" in answer["error"]


@pytest.mark.parametrize("method, path", [
    ("GET", f"/api/cases/{HUGE}"), ("GET", f"/api/cases/{HUGE}/events"),
    ("POST", f"/api/cases/{HUGE}/verify"), ("POST", f"/api/cases/{HUGE}/attachments"),
    ("GET", "/api/cases/2147483648"), ("GET", "/api/cases/0"),
    # a path with a GET and a POST rule: still 404, never 405
    ("POST", f"/api/calls/{HUGE}"), ("POST", "/api/calls/2147483648"),
    ("GET", "/api/calls/39784603983"),
])
def test_api_ids_beyond_what_the_database_holds_are_not_found(api, method, path):  # noqa: F811
    answer = api.call(method, "km_city", path, expect=404)
    assert answer["error"] and answer["errors"] == {}


# ------------------------------------------------------------------ API: JSON bodies


def test_deeply_nested_json_is_refused_with_400_and_starts_nothing(api, case):  # noqa: F811
    before = _count(Case)
    nested = "[" * 10_000 + "]" * 10_000
    for path, body in [("/api/cases", nested),
                       (f"/api/tasks/{case.task('km_applicant', 'submit_application')['id']}"
                        "/complete", '{"data": ' + nested + "}")]:
        response = _raw(api, "POST", path, body)
        assert response.status_code == 400, response.get_data(as_text=True)
        assert "嵌套超过 16 层" in response.get_json()["error"]
    assert _count(Case) == before


def test_a_json_body_above_the_size_limit_is_refused_with_400(api, case):  # noqa: F811
    api.app.config["MAX_JSON_BYTES"] = 1024
    task = case.task("km_applicant", "submit_application")["id"]

    response = _raw(api, "POST", f"/api/tasks/{task}/complete",
                     '{"data": {"base_name": "' + "x" * 2000 + '"}}')

    assert response.status_code == 400 and "请求正文超过 1 KB" in response.get_json()["error"]


@pytest.mark.parametrize("text", ["\\u0000", "\\ud800", "ok\\udfff"], ids=["nul", "high", "low"])
def test_nul_or_lone_surrogate_in_json_is_refused_and_nothing_changes(api, case, text):  # noqa: F811
    task = case.task("km_applicant", "submit_application")["id"]
    application = case.attach("km_applicant", km.APPLICATION)
    events = _count(Event)
    body = api.app.json.dumps({"data": {**application, "base_name": "@"}})

    response = _raw(api, "POST", f"/api/tasks/{task}/complete",
                    body.replace('"@"', f'"{text}"'))

    assert response.status_code == 400
    assert NUL_MESSAGE in response.get_json()["errors"]["data.base_name"][0]
    assert _count(Event) == events and case.ready() == ["submit_application"]


@pytest.mark.parametrize("path", ["/api/cases?q=%00", "/api/cases?status=a%00", "/api/tasks/a%00b"])
def test_nul_in_the_query_or_path_is_refused_before_any_query(api, path):  # noqa: F811
    answer = api.get("km_city", path, expect=400)
    assert NUL_MESSAGE in answer["error"]


def test_process_and_lock_version_of_the_wrong_type_get_422(api, case):  # noqa: F811
    assert "process" in api.post("km_applicant", "/api/cases", {"process": ["x"]},
                                 expect=422)["errors"]
    task = case.task("km_applicant", "submit_application")["id"]
    for version in ["1", True, 2**40]:
        answer = api.post("km_applicant", f"/api/tasks/{task}/complete",
                          {"data": {}, "lock_version": version}, expect=422)
        assert list(answer["errors"]) == ["lock_version"]


def test_the_api_refuses_more_table_rows_than_max_rows_with_a_per_field_message(
        api, case):  # noqa: F811
    task = case.task("km_applicant", "submit_application")["id"]
    application = case.attach("km_applicant", km.APPLICATION)
    staff = [dict(application["staff_list"][0], staff_name=f"员工{i}") for i in range(20_000)]

    answer = api.post("km_applicant", f"/api/tasks/{task}/complete",
                      {"data": {**application, "staff_list": staff}}, expect=422)

    assert answer["errors"] == {"staff_list": ["最多填写 200 行。"]}
    assert case.ready() == ["submit_application"]


# ------------------------------------------------------------------ web pages


@pytest.mark.parametrize("method, path, role", [
    ("GET", f"/cases/{HUGE}", "city"), ("POST", f"/audit/cases/{HUGE}/verify", "auditor"),
    ("GET", f"/processes/{HUGE}", "designer"), ("GET", f"/admin/users/{HUGE}", "admin"),
    ("POST", f"/admin/users/{HUGE}", "admin"),
])
def test_web_pages_with_huge_ids_are_not_found(client, login_as, method, path, role):
    login_as(role=role)

    response = client.open(path, method=method)

    assert response.status_code == 404 and "页面不存在" in support.text(response)


@pytest.mark.parametrize("path, role", [
    ("/cases?year=99999", "city"), ("/cases?year=0", "city"), ("/cases?year=-3", "city"),
    (f"/cases?page={HUGE}", "city"), ("/cases?year=abc", "auditor"),
    ("/admin/calendar?year=99999", "admin"), ("/admin/calendar?year=0", "admin"),
    ("/admin/calendar?year=-1", "admin"), (f"/admin/calendar?year={HUGE}", "admin"),
])
def test_web_pages_refuse_years_and_pages_out_of_range_with_a_400_page(client, login_as, path,
                                                                      role):
    login_as(role=role)

    response = client.get(path)

    assert response.status_code == 400
    page = support.text(response)
    assert "须为" in page and ("1970" in page or "100000" in page)


def test_registration_with_a_nul_character_is_refused_and_creates_no_user(client):
    users = _count(User)

    response = client.post("/register", data={
        "organisation": "甲\x00公司", "jurisdiction": "kunming", "county": "wuhua",
        "credit_code": support.credit_code("91530100MA6K3XY01"), "contact": "张三",
        "contact_phone": "13800000000",
        "username": "nul_user", "password": "abcdefgh1", "confirm": "abcdefgh1"})

    assert response.status_code == 400 and NUL_MESSAGE in support.text(response)
    assert _count(User) == users


def test_a_task_draft_with_a_nul_character_is_refused_and_not_saved(client, login_as, case):
    login_as("km_applicant")
    task = case.task("km_applicant", "submit_application")["id"]
    before = db.session.get(Case, case.id).data.copy()

    response = client.post(f"/tasks/{task}/draft", data={"base_name": "基地\x00"})

    assert response.status_code == 400 and NUL_MESSAGE in support.text(response)
    db.session.expire_all()
    assert db.session.get(Case, case.id).data == before


def test_an_upload_whose_file_name_holds_a_nul_is_refused(client, login_as, case):
    login_as("km_applicant")

    response = client.post(f"/cases/{case.id}/attachments",
                           data={"file": (io.BytesIO(support.PDF), "a\x00b.pdf")},
                           content_type="multipart/form-data")

    assert response.status_code == 400 and _count(Attachment) == 0


def test_the_web_task_form_refuses_a_flood_of_table_rows_on_the_table(client, login_as, case):
    login_as("km_applicant")
    task = case.task("km_applicant", "submit_application")["id"]
    rows = {f"staff_list-{i}-staff_name": f"员工{i}" for i in range(20_000)}

    response = client.post(f"/tasks/{task}", data=rows)

    assert response.status_code == 422
    assert "最多填写 200 行。" in support.text(response)
    assert case.ready() == ["submit_application"]


def test_a_multipart_part_without_a_name_is_not_a_server_error(api, case):  # noqa: F811
    body = (b'--B\r\nContent-Disposition: form-data\r\n\r\n{}\r\n'
            b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'
            + support.PDF + b'\r\n--B--\r\n')

    response = api.client.post(f"/api/cases/{case.id}/attachments", data=body,
                               headers=api.headers("km_applicant"),
                               content_type="multipart/form-data; boundary=B")

    assert response.status_code == 201 and response.get_json()["name"] == "a.pdf"


@pytest.mark.parametrize("note", ["x" * 201, "a\x00b"], ids=["long", "nul"])
def test_a_calendar_file_with_an_unstorable_note_is_refused_and_stores_nothing(client, login_as,
                                                                              note):
    from app.models import CalendarDay
    login_as("admin")
    csv = f"date,kind,note\n2026-10-09,workday,{note}\n".encode()

    response = client.post("/admin/calendar/import", data={"file": (io.BytesIO(csv), "d.csv")},
                           content_type="multipart/form-data")

    assert response.status_code == 422 and "备注不能超过 200 个字符" in support.text(response)
    assert _count(CalendarDay) == 0


def test_a_user_scope_longer_than_any_key_is_refused_on_the_field(client, login_as, user):
    login_as("admin")
    target = user("km_city")

    response = client.post(f"/admin/users/{target.id}", data={
        "role": "city", "jurisdiction": "k" * 41, "county": "", "active": "y"})

    assert response.status_code == 422 and "请从列表中选择" in support.text(response)
    db.session.expire_all()
    assert db.session.get(User, target.id).jurisdiction == "kunming"
