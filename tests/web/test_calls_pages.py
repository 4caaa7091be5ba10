"""The call pages: who may open them, the opening form's errors in Chinese, the applicant's
start page outside the window, the public notice page without a login."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Call, Case
from app.services import calls
from tests.processes import examples_liaocheng as lc
from tests.processes.driver import Api, CaseDriver
from tests.web import support


def _window_around(today: dt.date, shift: int = 0) -> dict:
    return {"year": today.year, "opens_on": (today + dt.timedelta(days=shift - 10)).isoformat(),
            "closes_on": (today + dt.timedelta(days=shift - 1 if shift else 10)).isoformat(),
            "recommend_by": (today + dt.timedelta(days=shift + 30)).isoformat()}


def _open(process: str = "kunming_recognition", shift: int = 0) -> Call:
    now = dt.datetime.now(dt.timezone.utc)
    return calls.open_call(None, process, _window_around(calls.today(now), shift), now)


@pytest.mark.parametrize("username, path", [
    ("km_county_wuhua", "/calls/new"), ("km_applicant", "/calls/new"),
    ("km_expert1", "/calls/new"), ("km_city", "/calls/{id}/batch"),
    ("km_applicant", "/calls/{id}/batch"), ("km_expert1", "/calls/{id}/ranking"),
    ("km_county_wuhua", "/calls/{id}/ranking")])
def test_each_call_page_refuses_the_roles_it_is_not_for(client, login_as, username, path):
    call = _open()
    login_as(username)

    response = client.get(path.format(id=call.id))

    assert response.status_code == 403
    assert "无权访问" in support.text(response)
    assert 'data-testid="ranking-table"' not in support.text(response)


def test_the_city_opens_a_call_on_its_page_after_correcting_the_dates(client, login_as):
    login_as("km_city")
    form = {"procedure": "kunming_recognition", "year": "2030", "opens_on": "2030-03-01",
            "closes_on": "2030-02-01", "recommend_by": "2030-04-30"}

    refused = client.post("/calls/new", data=form)
    saved = client.post("/calls/new", data={**form, "closes_on": "2030-03-31"})

    assert refused.status_code == 422
    assert "申报截止日期不能早于开始日期" in support.text(refused)
    assert saved.status_code == 302
    listed = support.text(client.get("/calls"))
    assert "2030-03-31" in listed and "2030-04-30" in listed
    assert db.session.scalars(sa.select(Call.created_by)).all() == ["km_city"]


def test_the_applicant_is_told_the_next_window_and_no_case_is_opened(client, login_as):
    _open(shift=20)
    login_as("km_applicant")

    response = client.post("/applicant/start", data={"process": "kunming_recognition"},
                           follow_redirects=True)

    assert "仅在申报批次开放期间受理申请；下一批次" in support.text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_the_applicant_starts_inside_the_window_and_the_case_belongs_to_the_call(
        client, login_as, started_case):
    call_id = db.session.get(Case, started_case).call_id

    assert call_id is None  # the fixture started before any call existed
    call = _open()
    response = client.post("/applicant/start", data={"process": "kunming_recognition"})
    newest = db.session.scalars(sa.select(Case).order_by(Case.id.desc())).first()

    assert response.status_code == 302 and newest.call_id == call.id


def test_the_public_notice_page_needs_no_login_and_lists_nothing_before_a_notice(client):
    call = _open()

    page = client.get(f"/notice/calls/{call.id}")
    data = client.get(f"/notice/calls/{call.id}.json")

    assert page.status_code == 200
    assert "本批次尚无进入公示的基地" in support.text(page)
    assert data.get_json() == {"call": {"id": call.id, "title": call.title,
                                        "year": call.year}, "bases": []}


def test_the_public_notice_page_lists_the_base_in_notice(client, login_as, submitted_case):
    call = _open()
    db.session.get(Case, submitted_case).call_id = call.id
    db.session.commit()
    support.to_public_notice(submitted_case, dt.datetime.now(dt.timezone.utc))
    client.post("/logout")

    text = support.text(client.get(f"/notice/calls/{call.id}"))

    assert "昆明示例创业园" in text and "五华区" in text and "2026-09-28" in text


def test_the_batch_page_recommends_and_names_the_case_a_refusal_is_about(app, client,
                                                                         login_as):
    call = _open("liaocheng_recognition")
    api = Api(app)
    case = CaseDriver(api, "liaocheng_recognition", "lc_applicant", "lc_city")
    case.id = api.post("lc_applicant", "/api/cases", {"process": "liaocheng_recognition"},
                       expect=201)["id"]
    case.complete("lc_applicant", "submit_application", lc.APPLICATION)
    case.complete("lc_county_dongchangfu", "county_review", lc.COUNTY_APPROVE)
    case.complete("lc_county_dongchangfu", "site_audit", lc.SITE_AUDIT)
    task = support.ready_item(case.id, "county_recommendation")
    login_as("lc_county_dongchangfu")

    page = client.get(f"/calls/{call.id}/batch")
    refused = client.post(f"/calls/{call.id}/batch",
                          data={"task": task.id, "initial_opinion": "同意推荐。"})

    assert support.case(case.id).ref in support.text(page)
    assert refused.status_code == 422
    assert f"{support.case(case.id).ref}: 此项为必填项" in support.text(refused)
    assert support.ready_item(case.id, "county_recommendation").id == task.id
