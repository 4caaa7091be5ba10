"""Reading the access journal: administrators (all, or their jurisdiction) and auditors of the
same jurisdiction; filters, keyset paging, the XLSX export and the case page's section."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.extensions import db
from app.models import AccessEntry
from app.services import access_log, users
from tests.web import support


def _token(user, username: str) -> dict:
    return {"Authorization": f"Bearer {users.issue_token(user(username))}"}


def _reads(client, login_as, case_id: int) -> None:
    """A Kunming auditor opens the case and lists cases; a Shanxi auditor lists theirs."""
    login_as("km_auditor")
    client.get(f"/cases/{case_id}")
    client.get("/cases?q=KM")
    login_as("sx_auditor")
    client.get("/cases?status=in_review")


def test_a_kunming_auditor_sees_kunming_reads_and_never_shanxi_ones(
        client, login_as, submitted_case, user):
    _reads(client, login_as, submitted_case)
    login_as("km_auditor")

    page = support.text(client.get("/audit/access"))
    answer = client.get("/api/audit/access", headers=_token(user, "km_auditor")).get_json()

    assert "sx_auditor" not in page and "status=in_review" not in page
    assert "查看案卷" in page and "q=KM" in page
    assert [(e["user"], e["action"], e["case_id"]) for e in answer] == [
        ("km_auditor", "search", None), ("km_auditor", "case", submitted_case)]
    assert answer[1]["case_ref"] == support.case(submitted_case).ref


def test_an_administrator_without_jurisdiction_sees_every_read(client, login_as,
                                                               submitted_case, user):
    _reads(client, login_as, submitted_case)

    answer = client.get("/api/audit/access", headers=_token(user, "admin")).get_json()

    assert {e["user"] for e in answer} == {"km_auditor", "sx_auditor"} and len(answer) == 3
    assert set(answer[0]) == {"id", "at", "user", "role", "action", "case_id", "case_ref",
                              "detail"}


@pytest.mark.parametrize("username", ["km_city", "km_county_wuhua", "km_applicant",
                                      "km_expert1", "km_designer"])
def test_officials_applicants_experts_and_designers_may_not_read_the_journal(
        client, login_as, user, username):
    login_as(username)

    page = client.get("/audit/access")
    export = client.get("/audit/access.xlsx")
    answer = client.get("/api/audit/access", headers=_token(user, username))

    assert page.status_code == 403 and "只有管理员和审计监察可以查看查阅记录" in support.text(page)
    assert export.status_code == 403
    assert answer.status_code == 403 and "只有管理员" in answer.get_json()["error"]
    assert 'data-testid="nav-access_journal-index"' not in client.get("/cases").get_data(True)


def test_the_nav_links_the_journal_for_auditors(client, login_as):
    login_as("km_auditor")

    page = client.get("/cases").get_data(as_text=True)

    assert 'data-testid="nav-access_journal-index"' in page and "查阅记录" in page


def _many(user, count: int) -> None:
    auditor = user("km_auditor")
    for number in range(count):
        access_log.record(auditor, "search", detail=f"n={number}")


def test_the_page_shows_100_entries_and_links_the_older_ones(client, login_as, user):
    _many(user, 130)
    login_as("km_auditor")

    first = client.get("/audit/access?action=search")
    html = first.get_data(as_text=True)
    older = support.text(first)
    link = html.split('data-testid="older"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = support.text(client.get(link.replace("&amp;", "&")))

    assert html.count("data-entry-id=") == 100 and "n=129" in older and "n=30 " in older
    assert "更早的记录" in older and "action=search" in link
    assert "n=29 " in second and "n=0 " in second and "n=30 " not in second
    assert "更早的记录" not in second


def test_the_api_pages_by_before_with_a_link_to_the_next_page(client, user):
    _many(user, 130)
    headers = _token(user, "km_auditor")

    first = client.get("/api/audit/access", headers=headers)
    second = client.get(first.headers["Link"].split(">")[0][1:], headers=headers)

    ids = [e["id"] for e in first.get_json()] + [e["id"] for e in second.get_json()]
    assert len(first.get_json()) == 100 and len(second.get_json()) == 30
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 130
    assert 'rel="next"' in first.headers["Link"] and "Link" not in second.headers


def test_filters_by_user_case_action_and_days(client, login_as, submitted_case, user):
    _reads(client, login_as, submitted_case)
    ref = support.case(submitted_case).ref
    headers = _token(user, "admin")

    def found(query: str) -> list[tuple]:
        answer = client.get(f"/api/audit/access?{query}", headers=headers).get_json()
        return [(e["user"], e["action"]) for e in answer]

    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    assert found("user=sx_auditor") == [("sx_auditor", "search")]
    assert found(f"case={ref}") == [("km_auditor", "case")]
    assert found(f"case={ref[:-1]}") == [("km_auditor", "case")]  # a part of the number
    assert found("action=search&user=km_auditor") == [("km_auditor", "search")]
    assert len(found(f"from={today}&to={today}")) == 3
    assert found(f"to={today - dt.timedelta(days=1)}") == []


def test_bad_filters_are_named_and_change_nothing(client, login_as, user):
    login_as("km_auditor")

    page = client.get("/audit/access?from=2026-13-01&action=delete")
    answer = client.get("/api/audit/access?from=2026-12-02&to=2026-12-01",
                        headers=_token(user, "km_auditor"))
    paged = client.get("/api/audit/access?before=abc", headers=_token(user, "km_auditor"))

    shown = support.text(page)
    assert page.status_code == 422
    assert "请按 YYYY-MM-DD 格式填写日期" in shown and "操作须为以下之一" in shown
    assert answer.status_code == 422
    assert answer.get_json()["errors"]["to"] == ["结束日期早于开始日期。"]
    assert paged.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(AccessEntry.id))) == 0


def test_the_xlsx_export_holds_the_filtered_journal_and_is_journaled(
        client, login_as, submitted_case):
    _reads(client, login_as, submitted_case)
    login_as("km_auditor")

    response = client.get("/audit/access.xlsx?action=case")

    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert response.status_code == 200 and "access-log-" in response.headers[
        "Content-Disposition"]
    assert rows[0] == ["时间", "用户", "用户名", "角色", "操作", "案卷编号", "说明"]
    assert [row[1:6] for row in rows[1:]] == [
        ["审计监察 周敏", "km_auditor", "审计监察", "查看案卷", support.case(submitted_case).ref]]
    last = access_log.entries(support.user("admin"), limit=1)[0]
    assert (last.action, last.username, last.detail) == ("export", "km_auditor",
                                                         "access log=xlsx action=case")


def test_the_case_page_shows_its_newest_reads_to_auditors_only(client, login_as,
                                                               submitted_case):
    login_as("km_auditor")
    client.get(f"/cases/{submitted_case}")

    page = client.get(f"/cases/{submitted_case}")
    ref = support.case(submitted_case).ref
    login_as("km_city")
    official = client.get(f"/cases/{submitted_case}").get_data(as_text=True)

    html = page.get_data(as_text=True)
    section = html.split('data-testid="case-journal"')[1].split("</section>")[0]
    assert section.count('data-action="case"') == 2 and "km_auditor" in section
    assert f"/audit/access?case={ref}" in section
    assert 'data-testid="case-journal"' not in official
