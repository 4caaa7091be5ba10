"""Lists in keyset pages: GET /api/cases, /api/tasks, /api/tasks/overdue and the worklist.

Each walk follows the cursors the server hands out (Link / X-Next-After, the pager's
links) while new cases arrive between pages: every case or task present when the walk
began is seen exactly once, in the list's order, and each reader sees only their own.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Case, User, WorkItem
from app.services import paging, users
from tests.clones import clone_cases
from tests.web import support

START = dt.datetime(2026, 3, 2, 1, tzinfo=dt.timezone.utc)
NOW = dt.datetime.now(dt.timezone.utc)


def _user_id(username: str) -> int:
    return db.session.scalars(sa.select(User.id).where(User.username == username)).one()


def _spread(applicant2: int):
    """Copies in both counties, three at a time sharing one instant (ties broken by id),
    one in five without a deadline, one in four filed by another applicant."""
    def vary(i: int, case: dict, items: list[dict]) -> None:
        county = "wuhua" if i % 2 == 0 else "panlong"
        at = START + dt.timedelta(minutes=i // 3)
        case.update(county=county, updated_at=at, created_at=at)
        if i % 4 == 3:
            case["applicant_id"] = applicant2
        for item in items:
            item.update(county=county, created_at=at,
                        due_at=None if i % 5 == 0 else at + dt.timedelta(days=20 - i % 7))
    return vary


@pytest.fixture
def many(submitted_case):
    """130 copies of a submitted Kunming case waiting for the county review."""
    original = support.case(submitted_case)
    clone_cases(original, 130, START, vary=_spread(_user_id("km_applicant2")))
    return submitted_case


def _token(username: str) -> dict:
    user = db.session.scalars(sa.select(User).where(User.username == username)).one()
    return {"Authorization": f"Bearer {users.issue_token(user)}"}


def _next(response) -> str | None:
    link = response.headers.get("Link")
    if not link:
        assert "X-Next-After" not in response.headers
        return None
    url = re.fullmatch(r'<([^>]+)>; rel="next"', link).group(1)
    assert f"after={response.headers['X-Next-After']}" in url
    return url


def _walk(client, url: str, headers: dict, between=None) -> list[dict]:
    """Follow the next links from `url`; call `between()` after each page."""
    seen = []
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_json()
        seen += response.get_json()
        url = _next(response)
        if between is not None:
            between()
    return seen


def _more_cases(submitted_case: int):
    """New cases arriving while a reader pages: the newest activity, due soonest."""
    def arrive() -> None:
        clone_cases(support.case(submitted_case), 3, NOW,
                    vary=lambda i, case, items: [item.update(due_at=START) for item in items])
    return arrive


EXPECTED_CASES = {
    "km_city": lambda: Case.jurisdiction == "kunming",
    "km_county_wuhua": lambda: sa.and_(Case.jurisdiction == "kunming", Case.county == "wuhua"),
    "km_applicant": lambda: Case.applicant_id == _user_id("km_applicant"),
}


@pytest.mark.parametrize("username", list(EXPECTED_CASES))
def test_case_pages_show_each_visible_case_once_while_cases_arrive(client, many, username):
    expected = list(db.session.scalars(sa.select(Case.id).where(EXPECTED_CASES[username]())
                                       .order_by(Case.updated_at.desc(), Case.id.desc())))

    seen = _walk(client, "/api/cases", _token(username), _more_cases(many))

    assert [c["id"] for c in seen] == expected
    assert len(expected) > 50  # more than one page


def test_task_pages_follow_the_deadline_order_of_the_numbered_pages(client, many):
    headers = _token("km_county_wuhua")
    numbered = []
    for page in range(1, 20):
        found = client.get(f"/api/tasks?per_page=7&page={page}", headers=headers).get_json()
        numbered += [t["id"] for t in found]
        if len(found) < 7:
            break

    seen = _walk(client, "/api/tasks?per_page=7", headers, _more_cases(many))

    assert [t["id"] for t in seen] == numbered
    assert len(numbered) == len(set(numbered)) == 66  # the original and 65 wuhua copies
    assert {t["county"] for t in seen} == {"wuhua"}
    dated = [t["due_at"] for t in seen if t["due_at"]]
    assert dated == sorted(dated) and seen[-1]["due_at"] is None  # undated ones last


def test_overdue_pages_are_longest_overdue_first_and_complete(client, many):
    seen = _walk(client, "/api/tasks/overdue?per_page=9", _token("km_city"))

    dues = [t["due_at"] for t in seen]
    assert len(seen) == len({t["id"] for t in seen}) == 104  # the 130 copies with a deadline
    assert dues == sorted(dues) and all(t["overdue_working_days"] > 0 for t in seen)


def test_a_case_page_in_summary_leaves_out_the_data(client, many):
    headers = _token("km_city")

    full = client.get("/api/cases", headers=headers).get_json()
    light = client.get("/api/cases?fields=summary", headers=headers).get_json()

    assert [c["id"] for c in light] == [c["id"] for c in full]
    assert set(full[0]) - set(light[0]) == {"data", "precheck"}
    assert full[0]["data"] and full[0]["tasks"][0]["name"] == "county_review"
    assert light[0]["tasks"] == full[0]["tasks"] and light[0]["children"] == []


def test_the_first_page_is_the_same_with_or_without_page_1(client, many):
    headers = _token("km_city")

    plain = client.get("/api/cases", headers=headers)
    first = client.get("/api/cases?page=1", headers=headers)

    assert plain.get_json() == first.get_json()
    assert plain.headers["X-Next-After"] == first.headers["X-Next-After"]


@pytest.mark.parametrize("query, field", [
    ("/api/cases?after=bm90IGEgY3Vyc29y", "after"), ("/api/tasks?after=%5B%5D", "after"),
    ("/api/tasks/overdue?after=eyJ4IjoxfQ", "after"), ("/api/cases?page=2&after=abc", "after"),
    ("/api/cases?fields=everything", "fields")])
def test_a_bad_cursor_or_field_set_is_refused_with_a_message(client, many, query, field):
    response = client.get(query, headers={**_token("km_city"), "Accept-Language": "zh-CN"})

    assert response.status_code == 400
    body = response.get_json()
    assert field in body["error"] and "Traceback" not in response.get_data(as_text=True)


def test_a_cursor_of_a_tampered_date_is_refused(client, many):
    headers = _token("km_city")
    cursor = paging.encode("newest", ["2026-03-02T01:00:00", 5])  # no time zone

    response = client.get(f"/api/cases?after={cursor}", headers=headers)

    assert response.status_code == 400


def _rows(response) -> list[str]:
    """The worklist's own rows (the overdue panel above them lists tasks too)."""
    html = response.get_data(as_text=True).split('id="stages-title"')[1]
    return re.findall(r'<tr data-task-id="([^"]+)"', html)


def _link(response, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" data-testid="page-[a-z]+" href="([^"]+)"',
                      response.get_data(as_text=True))
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_worklist_shows_50_tasks_a_page_with_next_and_previous(client, login_as, many):
    login_as("km_county_wuhua")

    first = client.get("/worklist")
    second = client.get(_link(first, "next"))
    back = client.get(_link(second, "prev"))

    assert [len(_rows(r)) for r in (first, second)] == [50, 16]
    assert _rows(back) == _rows(first) and not set(_rows(first)) & set(_rows(second))
    assert _link(first, "prev") is None and _link(second, "next") is None
    assert 'data-testid="count-claimable">66<' in first.get_data(as_text=True)


def test_the_worklist_pages_keep_filters_and_sorting(client, login_as, many):
    login_as("km_county_wuhua")

    first = client.get("/worklist?sort=created&due=overdue")
    second = client.get(_link(first, "next"))
    created = db.session.scalars(sa.select(WorkItem.id).where(
        WorkItem.status == "ready", WorkItem.county == "wuhua", WorkItem.lane == "county",
        WorkItem.due_at < dt.datetime.now(dt.timezone.utc))
        .order_by(WorkItem.created_at.desc(), WorkItem.id.desc())).all()

    assert "sort=created" in _link(first, "next") and "due=overdue" in _link(first, "next")
    assert len(_rows(first)) == 50, len(created)
    assert _rows(first) + _rows(second) == created


def test_a_bad_worklist_cursor_shows_the_first_page_with_a_note(client, login_as, many):
    login_as("km_county_wuhua")

    response = client.get("/worklist?after=xyz", follow_redirects=True)

    assert response.request.path == "/worklist" and "after" not in response.request.args
    assert len(_rows(response)) == 50 and "翻页链接已失效" in support.text(response)


def test_case_counts_stop_at_1000(client, login_as, submitted_case):
    clone_cases(support.case(submitted_case), 1000, START)
    login_as("km_city")

    page = support.text(client.get("/cases"))

    assert "共 1000+ 件" in page and "第 1 页，共 20+ 页" in page
