"""Officials are scoped by administrative division, across every jurisdiction using their level.

tests/data/divisions holds a city jurisdiction (cityland: counties north, south and a
development zone without a GB/T 2260 code; levels county and city) and the province around
it (provland: cities cityland and otherton; levels county, city and province). The counties
north and south carry the same GB/T 2260 codes in both, so one county account serves both
procedures, as a Yuci district official serves both the Jinzhong and the Shanxi procedure.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.services import catalog, users
from tests.processes.driver import Api, CaseDriver, api_on_data

DATA = Path(__file__).parent.parent / "data" / "divisions"


@pytest.fixture
def api(tmp_path, template_database, monkeypatch) -> Api:
    with api_on_data(DATA, template_database, tmp_path, monkeypatch) as client:
        yield client


def applied(api: Api, process: str, applicant: str, county: str) -> CaseDriver:
    case = CaseDriver(api, process, applicant, "admin")
    case.start()
    case.complete(applicant, "apply", {"base_name": f"{county}基地", "county": county})
    return case


def review(case: CaseDriver, username: str, step: str) -> dict:
    return case.complete(username, step, {"remark": "同意"})


def test_one_county_account_works_on_the_procedures_of_the_city_and_of_the_province(api):
    city_case = applied(api, "dv_city", "dv_applicant", "north")
    province_case = applied(api, "dv_province", "dv_applicant", "north")
    mine = {(t["case_id"], t["name"]) for t in api.tasks("dv_county_north")}
    assert mine == {(city_case.id, "county_review"), (province_case.id, "county_review")}
    review(province_case, "dv_county_north", "county_review")
    assert province_case.ready() == ["city_review"]
    seen = {c["id"] for c in api.get("dv_county_north", "/api/cases")}
    assert {city_case.id, province_case.id} <= seen


def test_a_county_official_neither_sees_nor_works_on_another_countys_cases(api):
    case = applied(api, "dv_province", "dv_applicant", "north")
    assert api.tasks("dv_county_south") == []
    assert api.tasks("dv_county_east") == []
    api.get("dv_county_south", f"/api/cases/{case.id}", expect=403)
    task = case.task("dv_county_north", "county_review")
    api.post("dv_county_south", f"/api/tasks/{task['id']}/complete",
             {"data": {"remark": "越权"}}, expect=403)
    assert case.ready() == ["county_review"]


def test_the_city_works_on_the_provincial_procedure_only_for_its_own_counties(api):
    ours = applied(api, "dv_province", "dv_applicant", "north")
    theirs = applied(api, "dv_province", "dv_applicant_east", "east")
    review(ours, "dv_county_north", "county_review")
    review(theirs, "dv_county_east", "county_review")
    assert [(t["case_id"], t["name"]) for t in api.tasks("dv_city")] == [(ours.id, "city_review")]
    assert [(t["case_id"], t["name"]) for t in api.tasks("dv_city_otherton")] == \
        [(theirs.id, "city_review")]
    api.get("dv_city", f"/api/cases/{theirs.id}", expect=403)
    review(ours, "dv_city", "city_review")
    assert ours.ready() == ["province_review"]


def test_the_province_works_on_every_provincial_case_and_on_no_city_procedure(api):
    provincial = applied(api, "dv_province", "dv_applicant_east", "east")
    city_only = applied(api, "dv_city", "dv_applicant", "north")
    review(provincial, "dv_county_east", "county_review")
    review(provincial, "dv_city_otherton", "city_review")
    assert [t["case_id"] for t in api.tasks("dv_province")] == [provincial.id]
    answer = review(provincial, "dv_province", "province_review")
    assert answer["ended"] is True
    seen = {c["id"] for c in api.get("dv_province", "/api/cases")}
    assert provincial.id in seen and city_only.id not in seen


def test_an_applicant_starts_the_procedures_of_every_jurisdiction_covering_its_county(api):
    keys = {p["key"] for p in api.get("dv_applicant", "/api/processes")}
    assert {"dv_city", "dv_province"} <= keys
    api.post("dv_applicant", "/api/cases", {"process": "dv_province"}, expect=201)
    # The development zone has no GB/T 2260 code and is not part of the province.
    api.post("dv_applicant_zone", "/api/cases", {"process": "dv_province"}, expect=403)
    api.post("dv_applicant_zone", "/api/cases", {"process": "dv_city"}, expect=201)


@pytest.mark.parametrize(("role", "jurisdiction", "county", "city", "field"), [
    ("city", "provland", None, None, "city"),          # which city of the province?
    ("city", "provland", None, "atlantis", "city"),
    ("county", "cityland", "atlantis", None, "county"),
    ("province", "cityland", None, None, "role"),      # a city jurisdiction has no province
    ("county", "cityland", "north", "cityland", "city"),
])
def test_an_official_outside_the_jurisdictions_divisions_is_refused(api, role, jurisdiction,
                                                                     county, city, field):
    with pytest.raises(users.Rejected) as refused:
        users.create_user("someone", role, jurisdiction, county, "Lang-genug-2026!", city=city)
    assert field in {reason[0] for reason in refused.value.reasons}
    assert "someone" not in {u.username for u in users.list_users()}


def test_users_create_scopes_a_city_official_of_a_province_by_city(api):
    result = api.app.test_cli_runner().invoke(args=[
        "users", "create", "otherton_two", "--role", "city", "--jurisdiction", "provland",
        "--city", "otherton", "--password", "Lang-genug-2026!"])
    assert result.exit_code == 0, result.output
    api.tokens["otherton_two"] = result.output.strip().splitlines()[-1]
    case = applied(api, "dv_province", "dv_applicant_east", "east")
    review(case, "dv_county_east", "county_review")
    assert [t["case_id"] for t in api.tasks("otherton_two")] == [case.id]
    refused = api.app.test_cli_runner().invoke(args=[
        "users", "create", "nowhere", "--role", "city", "--jurisdiction", "provland"])
    assert refused.exit_code == 1 and "city" in refused.output


def test_processes_check_names_each_mistake_in_a_jurisdictions_divisions(tmp_path):
    folder = tmp_path / "processes" / "provland"
    shutil.copytree(DATA / "processes" / "provland", folder)
    meta = (folder / "meta.yaml").read_text(encoding="utf-8")
    meta = (meta.replace("levels: [county, city, province]", "levels: [county, city, canton]")
            .replace('gb: "990201"', "gb: 990201")
            .replace("city: otherton}", "city: atlantis}")
            .replace("{code: south, gb: \"990103\", name: 南区, name_en: South, city: cityland}",
                     "{code: south, gb: \"990103\", name: 南区, name_en: South}"))
    (folder / "meta.yaml").write_text(meta, encoding="utf-8")
    found = [(Path(p.file).name, p.element, p.text())
             for p in catalog.check_all(tmp_path / "processes", DATA / "forms")]
    assert ("meta.yaml", "", "levels may list only county, city and province, not canton") in found
    assert ("meta.yaml", "", "east: gb must be a six-digit GB/T 2260 code in quotes") in found
    assert ("meta.yaml", "", "county east names a city that is not among cities") in found
    assert ("meta.yaml", "", "county south must name its city: the jurisdiction has cities") \
        in found
    assert ("recognition.bpmn", "province_review",
            "lane province is not among the jurisdiction's levels") in found


def test_a_county_of_a_province_is_named_with_its_city(api):
    record = catalog.jurisdiction("provland")
    assert record.county_name("east") == "他市东区"
    assert record.county_name("east", "en") == "East, Otherton"
    assert catalog.jurisdiction("cityland").county_name("north") == "北区"
    assert ("east", "他市东区") in catalog.choices_for("provland")["counties"]
