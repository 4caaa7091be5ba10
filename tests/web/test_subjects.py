"""A procedure that recognises institutions (meta.yaml `subject: institution`, Hengyang's core
service institutions, seed 004) speaks of 机构 on lists, case pages and the registry, and takes
the name from its own `subject_name` path (application.agency_name)."""

from __future__ import annotations

import csv
import io

import pytest

from tests.processes import examples_hengyang as hy
from tests.processes.driver import CaseDriver, api, loaded_app, template_db  # noqa: F401
from tests.processes.test_hengyang import CITY, recognized
from tests.web.support import text

INSTITUTION = "耒阳市中小企业服务中心"


@pytest.fixture
def app(loaded_app):  # noqa: F811 - the web fixtures (client, login_as) use this database
    return loaded_app


@pytest.fixture
def institution(api) -> CaseDriver:  # noqa: F811
    case = CaseDriver(api, "hengyang_institution_recognition", "hy_applicant2", CITY)
    recognized(case, hy.RECOGNIZE_INSTITUTION, application=hy.INSTITUTION_APPLICATION,
               county="hy_county_leiyang")
    return case


def _csv_header(data: bytes) -> list[str]:
    return next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_registry_shows_the_institution_name_under_institution_name(client, login_as,
                                                                       institution):
    login_as("hy_city")

    page = text(client.get("/titles"))
    header = _csv_header(client.get("/titles.csv").data)

    assert "机构名称" in page and INSTITUTION in page and "基地名称" not in page
    assert header[2] == "机构名称"


def test_a_registry_with_bases_and_institutions_names_both(api, client, login_as,  # noqa: F811
                                                           institution):
    recognized(CaseDriver(api, "hengyang_base_recognition", "hy_applicant", CITY))
    login_as("hy_city")

    page = text(client.get("/titles"))

    assert "基地/机构名称" in page and INSTITUTION in page and "蒸湘创业创新园" in page


def test_the_public_registry_says_it_lists_institutions_too(client, institution):
    page = text(client.get("/titles"))

    assert "称号在有效期内的示范基地和核心服务机构" in page and INSTITUTION in page


def test_the_institutions_case_page_and_lists_use_its_own_words(client, login_as, institution):
    login_as("hy_city")

    case_page = text(client.get(f"/cases/{institution.id}"))
    case_list = text(client.get("/cases"))

    assert INSTITUTION in case_page
    assert "机构" in case_list and INSTITUTION in case_list and "案卷编号或机构名称" in case_list


def test_an_unnamed_institution_case_says_its_name_is_missing(api, client, login_as):  # noqa: F811
    case = CaseDriver(api, "hengyang_institution_recognition", "hy_applicant2", CITY)
    case.start()
    login_as("hy_applicant2")

    page = text(client.get(f"/cases/{case.id}"))

    assert "（机构名称尚未填写）" in page and "基地名称尚未填写" not in page


def test_the_institution_application_page_shows_the_application_book(api, client,  # noqa: F811
                                                                    login_as):
    case = CaseDriver(api, "hengyang_institution_recognition", "hy_applicant2", CITY)
    case.start()
    task = case.task("hy_applicant2", "submit_application")
    login_as("hy_applicant2")

    response = client.get(f"/tasks/{task['id']}")

    page = text(response)
    assert response.status_code == 200
    for label in ("单位名称（机构名称）", "申报类别", "近两年经营情况", "服务机构服务对象情况表",
                  "关联主体"):
        assert label in page, label
