"""Legal basis in force: meta.yaml `legal_basis`, the Liaocheng measures'
end date (聊工信发〔2021〕133号 第二十条: in force 2021-12-04 to 2026-12-03), a case started
after it under `accept` and under `refuse`, and the 60-day reminder."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
import sqlalchemy as sa

from app.config import ROOT
from app.extensions import db
from app.models import Case
from app.services import catalog, legal_basis
from app.web import api as api_module
from app.web import layout
from tests.processes import examples_liaocheng as lc
from tests.processes.driver import (  # noqa: F401
    Api,
    CaseDriver,
    api,
    api_on,
    app_from_template,
    at,
    loaded_app,
    template_db,
)
from tests.web.conftest import DEMO_PASSWORD, FreshClient

APPLICANT, CITY = "lc_applicant", "lc_city"
PROCESS = "liaocheng_recognition"
DOCUMENT = "《聊城市小型微型企业创业创新示范基地建设管理办法》（聊工信发〔2021〕133号）"
DOCUMENT_EN = ("Liaocheng Measures for the Construction and Administration of Small and Micro "
               "Enterprise Entrepreneurship and Innovation Demonstration Bases (Liaogongxinfa "
               "[2021] No. 133)")


@pytest.fixture
def app(loaded_app):  # noqa: F811 - the web fixtures (client, login_as) use this database
    return loaded_app


@pytest.fixture
def clock(monkeypatch):
    """Set the app's clock for pages and the API alike."""
    def set_to(when: str):
        monkeypatch.setattr(layout, "now", lambda: at(when))
        monkeypatch.setattr(api_module, "_now", lambda: at(when))
    return set_to


def _cases() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Case))


def _basis(api, when: str) -> dict:  # noqa: F811
    api.now = at(when)
    [entry] = [p for p in api.get(CITY, "/api/processes") if p["key"] == PROCESS]
    return entry["legal_basis"]


@pytest.mark.parametrize(("when", "state", "days_left"), [
    ("2026-10-03T12:00", "in_force", 61), ("2026-10-04T00:00", "expiring", 60),
    ("2026-12-03T23:59", "expiring", 0), ("2026-12-04T00:00", "expired", -1)])
def test_the_liaocheng_measures_are_in_force_through_2026_12_03(api, when, state, days_left):  # noqa: F811
    basis = _basis(api, when)

    assert basis == {"document": DOCUMENT, "document_en": DOCUMENT_EN,
                     "effective_from": "2021-12-04",
                     "effective_until": "2026-12-03", "after_expiry": "accept",
                     "state": state, "days_left": days_left}


def test_the_kunming_measures_have_no_end_date_and_stay_in_force(api):  # noqa: F811
    api.now = at("2035-01-01T09:00")
    [entry] = [p for p in api.get("km_city", "/api/processes") if p["key"] == "kunming_recognition"]

    assert entry["legal_basis"]["effective_from"] == "2022-10-08"
    assert (entry["legal_basis"]["effective_until"], entry["legal_basis"]["state"]) == (
        None, "in_force")


def test_a_case_started_on_the_last_day_runs_under_measures_in_force(api):  # noqa: F811
    case = CaseDriver(api, PROCESS, APPLICANT, CITY)

    started = case.start("2026-12-03T23:30")

    assert started["legal_basis"]["expired"] is False
    assert started["legal_basis"]["document"] == DOCUMENT


def test_under_accept_a_case_started_after_the_end_is_allowed_and_warned(
        api, client, login_as, clock):  # noqa: F811
    case = CaseDriver(api, PROCESS, APPLICANT, CITY)

    started = case.start("2026-12-04T09:00")

    assert started["status"] == "draft"
    assert started["legal_basis"] == {"document": DOCUMENT, "document_en": DOCUMENT_EN,
                                      "effective_from": "2021-12-04",
                                      "effective_until": "2026-12-03", "after_expiry": "accept",
                                      "expired": True}
    clock("2026-12-05T09:00")
    login_as(APPLICANT)
    [task] = [t for t in api.tasks(APPLICANT) if t["case_id"] == case.id]
    for path in (f"/tasks/{task['id']}", f"/cases/{case.id}", "/applicant/"):
        page = client.get(path).get_data(as_text=True)
        assert "本办法已于 2026-12-03 到期" in page, path
    assert DOCUMENT in client.get(f"/cases/{case.id}").get_data(as_text=True)
    client.get("/language/en")  # an English reader is told the same, with the English title
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "These measures expired on 2026-12-03." in page
    assert DOCUMENT_EN in page and DOCUMENT not in page


def test_a_case_started_before_the_end_shows_no_expiry_warning_on_its_task(
        api, client, login_as, clock):  # noqa: F811
    case = CaseDriver(api, PROCESS, APPLICANT, CITY)
    case.start("2026-11-30T09:00")
    clock("2026-11-30T10:00")
    login_as(APPLICANT)
    [task] = [t for t in api.tasks(APPLICANT) if t["case_id"] == case.id]

    page = client.get(f"/tasks/{task['id']}").get_data(as_text=True)

    assert "到期" not in page and "2026-12-03" in client.get(
        f"/cases/{case.id}").get_data(as_text=True)


# --- after_expiry: refuse ---------------------------------------------------------------------

@pytest.fixture(scope="session")
def refusing_processes(tmp_path_factory):
    """A copy of processes/ whose Liaocheng meta.yaml says `after_expiry: refuse`."""
    folder = tmp_path_factory.mktemp("refusing") / "processes"
    shutil.copytree(ROOT / "processes", folder)
    meta = folder / "liaocheng" / "meta.yaml"
    text = meta.read_text(encoding="utf-8")
    assert "after_expiry: accept" in text
    meta.write_text(text.replace("after_expiry: accept", "after_expiry: refuse"), "utf-8")
    return folder


@pytest.fixture
def refusing_api(refusing_processes, template_database, tmp_path, monkeypatch):
    forms = ROOT / "forms"
    app = app_from_template(template_database(refusing_processes, forms), tmp_path,
                            refusing_processes, forms)
    with api_on(app, monkeypatch) as client:
        yield client


def test_under_refuse_a_case_started_after_the_end_is_refused_and_nothing_created(
        refusing_api):
    before = _cases()
    refusing_api.now = at("2026-12-04T00:00")

    answer = refusing_api.post(APPLICANT, "/api/cases", {"process": PROCESS}, expect=422)

    assert list(answer["errors"]) == ["process"]
    assert DOCUMENT in answer["error"] and "2026-12-03" in answer["error"]
    assert _cases() == before


def test_under_refuse_running_cases_continue_after_the_end(refusing_api):
    case = CaseDriver(refusing_api, PROCESS, APPLICANT, CITY)
    case.start("2026-12-03T09:00")

    answer = case.complete(APPLICANT, "submit_application", lc.APPLICATION, "2026-12-10T09:00")

    assert answer["status"] == "in_review" and answer["legal_basis"]["expired"] is False


# --- reminders --------------------------------------------------------------------------------

@pytest.mark.parametrize(("username", "path", "advice"), [
    (CITY, "/worklist", "请及时制定并发布新办法"),
    ("lc_designer", "/processes/", "processes load")])
def test_from_60_days_before_the_end_city_and_designers_are_reminded(client, login_as, clock,
                                                                     username, path, advice):
    login_as(username)
    clock("2026-10-03T09:00")
    assert 'data-testid="basis-reminder"' not in client.get(path).get_data(as_text=True)

    clock("2026-10-04T09:00")
    page = client.get(path).get_data(as_text=True)

    assert 'data-testid="basis-reminder"' in page
    assert "本办法将于 2026-12-03 到期，还剩 60 天" in page and DOCUMENT in page
    assert advice in page


def test_county_officials_and_other_cities_get_no_reminder(client, login_as, clock):
    clock("2026-11-20T09:00")
    for username in ("lc_county_dongchangfu", "km_city"):
        login_as(username)
        assert 'data-testid="basis-reminder"' not in client.get("/worklist").get_data(
            as_text=True)


# --- processes check --------------------------------------------------------------------------

@pytest.mark.parametrize(("basis", "sentence"), [
    ({"document": "《办法》", "effective_from": "2021-13-01"}, "must be a date"),
    ({"document": "《办法》", "effective_until": dt.datetime(2026, 12, 3, 10)}, "must be a date"),
    ({"document": "《办法》", "effective_from": "2026-01-01", "effective_until": "2025-01-01"},
     "is after effective_until"),
    ({"document": "《办法》", "after_expiry": "stop"}, "accept or refuse"),
    ({"effective_from": "2026-01-01"}, "must name the measures"),
    ({"document": "《办法》", "until": "2026-01-01"}, "unknown keys"),
    ({"document": "《办法》", "document_en": "《办法》 Measures"}, "without Chinese characters"),
    ({"document": "《办法》", "document_en": " "}, "title in English"),
])
def test_processes_check_names_the_file_and_the_problem(basis, sentence):
    [problem] = legal_basis.check_meta({"legal_basis": basis, "processes": []},
                                       "processes/x/meta.yaml")

    assert problem.file == "processes/x/meta.yaml" and sentence in problem.text()


def test_processes_check_reports_a_bad_legal_basis_in_meta_yaml(tmp_path):
    folder = tmp_path / "processes"
    shutil.copytree(ROOT / "processes", folder)
    meta = folder / "liaocheng" / "meta.yaml"
    meta.write_text(meta.read_text("utf-8").replace("effective_until: 2026-12-03",
                                                    "effective_until: 2020-12-03"), "utf-8")

    problems = catalog.check_all(folder, ROOT / "forms")

    assert [(p.file, p.text()) for p in problems] == [
        (str(meta), "legal_basis.effective_from (2021-12-04) is after effective_until "
                    "(2020-12-03)")]


def test_under_refuse_the_start_page_says_so_and_offers_no_start_button(refusing_api, clock):
    refusing_api.app.test_client_class = FreshClient
    browser = refusing_api.app.test_client()
    clock("2026-12-04T09:00")
    browser.post("/login", data={"username": APPLICANT, "password": DEMO_PASSWORD})

    page = browser.get("/applicant/").get_data(as_text=True)

    assert "本办法已于 2026-12-03 到期" in page and "已不再受理新的申请" in page
    assert f'data-testid="start-{PROCESS}"' not in page
