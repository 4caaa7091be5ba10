"""The registry of titles: GET /api/titles, the /titles page and its CSV and
XLSX exports, for each reader's scope and for the public."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.extensions import db
from app.models import Case
from app.services import registry_export
from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver, api, loaded_app, template_db  # noqa: F401
from tests.processes.test_kunming import APPLICANT, CITY, recognized

OTHER_CREDIT_CODE = "91530103MA6PENDNG3"
PUBLIC_KEYS = {"case_id", "subject_name", "operator_name", "credit_code", "certificate_no",
               "recognized_on", "valid_from", "valid_until", "status", "process", "jurisdiction",
               "subject"}


@pytest.fixture
def app(loaded_app):  # noqa: F811 - the web fixtures (client, login_as) use this database
    return loaded_app


@pytest.fixture
def titles(api):  # noqa: F811
    """A recognised Kunming title (wuhua) and a pending application of another base (panlong)."""
    title = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    recognized(title)
    pending = CaseDriver(api, "kunming_recognition", "km_applicant2", CITY)
    pending.start("2026-03-01T09:00")
    pending.complete("km_applicant2", "submit_application",
                     {**km.APPLICATION, "county": "panlong", "base_name": "盘龙待审基地",
                      "credit_code": OTHER_CREDIT_CODE}, "2026-03-02T09:00")
    return title, pending


def _revoke(case_id: int) -> None:
    db.session.execute(sa.update(Case).where(Case.id == case_id).values(status="revoked"))
    db.session.commit()


def test_the_city_sees_the_title_with_its_case_and_county(api, titles):  # noqa: F811
    title, _ = titles

    [row] = api.get(CITY, "/api/titles")

    case = title.case()
    assert row == {
        "case_id": title.id, "ref": case["ref"], "subject_name": "昆明示例创业园",
        "operator_name": km.APPLICATION["operator_name"],
        "credit_code": km.APPLICATION["credit_code"], "certificate_no": case["certificate_no"],
        "recognized_on": "2026-11-20", "valid_from": "2026-11-20", "valid_until": "2029-11-19",
        "status": "recognized", "process": "kunming_recognition", "jurisdiction": "kunming",
        "county": "wuhua", "subject": "base"}


@pytest.mark.parametrize(("username", "sees"), [
    ("km_county_wuhua", True), ("km_county_panlong", False), ("km_auditor", True),
    (APPLICANT, True), ("km_applicant2", False), ("lc_city", False), ("lc_auditor", False)])
def test_each_reader_sees_the_titles_of_its_scope(api, titles, username, sees):  # noqa: F811
    title, _ = titles

    found = [row["case_id"] for row in api.get(username, "/api/titles")]

    assert found == ([title.id] if sees else [])


def test_the_public_sees_titles_in_force_with_public_fields_only(api, titles):  # noqa: F811
    title, pending = titles

    rows = api.get(None, "/api/titles")

    assert [row["case_id"] for row in rows] == [title.id]
    assert set(rows[0]) == PUBLIC_KEYS
    _revoke(title.id)
    assert api.get(None, "/api/titles") == []
    assert [r["status"] for r in api.get(CITY, "/api/titles")] == ["revoked"]


def test_filters_narrow_the_registry(api, titles):  # noqa: F811
    title, _ = titles
    _revoke(title.id)

    assert len(api.get(CITY, "/api/titles?status=revoked&jurisdiction=kunming")) == 1
    assert api.get(CITY, "/api/titles?status=expired") == []
    assert api.get(CITY, "/api/titles?county=panlong") == []
    assert api.get("km_auditor", "/api/titles?jurisdiction=liaocheng") == []


@pytest.mark.parametrize(("query", "field"), [
    ("status=valid", "status"), ("jurisdiction=atlantis", "jurisdiction"),
    ("county=nowhere", "county"), ("jurisdiction=liaocheng&county=wuhua", "county")])
def test_unknown_filter_values_are_refused_with_the_field_named(api, query, field):  # noqa: F811
    for username in (CITY, None):
        answer = api.get(username, f"/api/titles?{query}", expect=422)

        assert list(answer["errors"]) == [field] and answer["error"]


def test_a_wrong_token_is_not_taken_for_the_public(api):  # noqa: F811
    response = api.client.get("/api/titles", headers={"Authorization": "Bearer wrong"})

    assert response.status_code == 401 and response.is_json


def _csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_city_exports_its_titles_as_csv_and_xlsx(client, login_as, titles):
    title, _ = titles
    login_as(CITY)

    rows = _csv_rows(client.get("/titles.csv").data)
    book = load_workbook(io.BytesIO(client.get("/titles.xlsx").data))

    assert rows[0][:4] == ["案卷ID", "案卷编号", "基地名称", "运营主体"]
    assert rows[1][1].startswith("KM-2026-") and rows[1][2] == "昆明示例创业园"
    assert km.APPLICATION["credit_code"] in rows[1] and "已认定" in rows[1]
    sheet = book.active
    assert [c.value for c in sheet[1]] == rows[0]
    assert sheet.cell(2, 1).value == title.id and sheet.cell(2, 3).value == "昆明示例创业园"
    assert sheet.cell(2, 9).value.isoformat()[:10] == "2029-11-19"


def test_the_public_export_has_only_public_columns(client, titles):
    rows = _csv_rows(client.get("/titles.csv").data)

    assert len(rows) == 2 and "案卷编号" not in rows[0] and "县（市、区）" not in rows[0]
    assert not any(cell.startswith("KM-2026-") for cell in rows[1])


def test_exported_cells_never_become_formulas():
    rows = [{"subject_name": "=HYPERLINK(\"http://x\")", "operator_name": "+1", "credit_code": "-2",
             "certificate_no": "@SUM(A1)", "valid_until": "2029-11-19"}]
    columns = ["subject_name", "operator_name", "credit_code", "certificate_no", "valid_until"]

    [header, row] = _csv_rows(registry_export.to_csv(rows, columns, columns))
    sheet = load_workbook(io.BytesIO(registry_export.to_xlsx(rows, columns, columns))).active

    assert row == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "2029-11-19"]
    assert [c.value for c in sheet[2]][:4] == row[:4]
    assert all(c.data_type != "f" for c in sheet[2])


def test_the_public_page_lists_titles_in_force_without_internal_data(client, titles):
    title, pending = titles

    page = client.get("/titles").get_data(as_text=True)

    assert "昆明示例创业园" in page and km.APPLICATION["credit_code"] in page
    assert OTHER_CREDIT_CODE not in page and "盘龙待审基地" not in page
    assert title.case()["ref"] not in page and "/cases/" not in page
    assert "五华区" not in page  # the county is an internal column


def test_the_login_page_links_the_public_registry(client):
    page = client.get("/login").get_data(as_text=True)

    assert 'href="/titles"' in page


def test_an_official_sees_the_scope_with_links_to_cases_and_a_nav_entry(client, login_as,
                                                                         titles):
    title, _ = titles
    login_as("km_county_wuhua")

    page = client.get("/titles").get_data(as_text=True)

    assert f'href="/cases/{title.id}"' in page and 'data-testid="nav-titles-index"' in page
    assert "五华区" in page


def test_a_bad_filter_on_the_page_is_a_clear_422(client):
    response = client.get("/titles?status=%3Cscript%3E")

    assert response.status_code == 422 and "<script>" not in response.get_data(as_text=True)
