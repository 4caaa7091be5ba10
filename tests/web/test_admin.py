"""Administrator pages: users with role and scope, the working-day calendar."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import CalendarDay, User
from tests.web.support import text


def user_id(username: str) -> int:
    return db.session.scalars(sa.select(User.id).where(User.username == username)).one()


def day_cell(html: str, day: str) -> str:
    start = html.index(f'data-day="{day}"')
    return html[html.rindex("<td", 0, start):html.index("</td>", start)]


@pytest.mark.parametrize("username", ["km_applicant", "km_county_wuhua", "km_city", "km_expert1",
                                      "km_auditor", "km_designer"])
@pytest.mark.parametrize("url", ["/admin/users", "/admin/calendar", "/admin/users/1"])
def test_only_administrators_open_admin_pages(client, login_as, username, url):
    login_as(username)

    response = client.get(url)

    assert response.status_code == 403 and "无权访问" in text(response)


def test_users_page_lists_each_users_role_and_scope(client, login_as):
    login_as("admin")

    response = client.get("/admin/users")

    html = response.get_data(as_text=True)
    row = html[html.index('data-username="km_county_panlong"'):]
    row = row[:row.index("</tr>")]
    assert "县级主管部门" in row and "昆明市 · 盘龙区" in row and "启用" in row
    assert 'data-username="lc_city"' in html or "聊城市" in text(response)


def test_users_page_filters_by_role(client, login_as):
    login_as("admin")

    html = client.get("/admin/users?role=expert&jurisdiction=kunming").get_data(as_text=True)

    assert 'data-username="km_expert1"' in html and 'data-username="km_city"' not in html


def test_admin_changes_role_scope_and_disables_an_account(client, login_as):
    login_as("admin")
    target = user_id("km_county_panlong")

    response = client.post(f"/admin/users/{target}", data={
        "role": "county", "jurisdiction": "kunming", "county": "guandu"})

    changed = db.session.get(User, target)
    db.session.refresh(changed)
    assert response.status_code == 302
    assert (changed.role, changed.county, changed.active) == ("county", "guandu", False)
    assert "已更新用户 km_county_panlong" in text(client.get("/admin/users"))
    client.post("/logout")
    refused = client.post("/login", data={"username": "km_county_panlong", "password": "demo1234"})
    assert "账号已停用" in text(refused)


def test_admin_edit_refuses_a_county_role_without_county(client, login_as):
    login_as("admin")
    target = user_id("km_city")

    response = client.post(f"/admin/users/{target}", data={
        "role": "county", "jurisdiction": "kunming", "county": "", "active": "y"})

    assert response.status_code == 422 and "该角色须指定所属县" in text(response)
    changed = db.session.get(User, target)
    db.session.refresh(changed)
    assert changed.role == "city"


def test_unknown_user_gives_404(client, login_as):
    login_as("admin")

    response = client.get("/admin/users/99999")

    assert response.status_code == 404 and "用户不存在" in text(response)


def test_calendar_shows_the_year_with_holidays_and_adjusted_days(client, login_as):
    login_as("admin")

    html = client.get("/admin/calendar?year=2026").get_data(as_text=True)

    assert 'data-day="2026-10-01" data-kind="holiday"' in html
    assert 'data-day="2026-06-03" data-kind="workday"' in html
    assert 'data-kind="adjusted"' in html
    assert "2026年工作日历" in text(client.get("/admin/calendar?year=2026"))


def test_adding_and_removing_an_override_changes_the_year_view(client, login_as):
    login_as("admin")

    added = client.post("/admin/calendar/overrides?year=2026", data={
        "day": "2026-06-03", "kind": "holiday", "note": "防汛应急放假"})
    with_override = client.get("/admin/calendar?year=2026").get_data(as_text=True)
    removed = client.post("/admin/calendar/overrides/2026-06-03/delete")
    without = client.get("/admin/calendar?year=2026").get_data(as_text=True)

    assert added.status_code == removed.status_code == 302
    assert 'data-kind="holiday"' in day_cell(with_override, "2026-06-03")
    assert "day-override" in day_cell(with_override, "2026-06-03")
    assert "防汛应急放假" in with_override
    assert 'data-kind="workday"' in day_cell(without, "2026-06-03")
    assert db.session.get(CalendarDay, dt.date(2026, 6, 3)) is None


def test_override_without_a_date_is_refused(client, login_as):
    login_as("admin")

    response = client.post("/admin/calendar/overrides", data={"day": "", "kind": "holiday"})

    assert response.status_code == 422 and "请填写有效日期" in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay)) == 0


def test_csv_import_stores_the_official_days(client, login_as):
    login_as("admin")
    csv = "date,kind,note\n2027-10-01,holiday,国庆节\n2027-09-26,workday,国庆调休\n"

    response = client.post("/admin/calendar/import?year=2027", data={
        "file": (io.BytesIO(csv.encode("utf-8")), "2027.csv")}, content_type="multipart/form-data")

    assert response.status_code == 302
    assert db.session.get(CalendarDay, dt.date(2027, 9, 26)).working is True
    page = client.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert "已导入 2 个官方调整日期" in page
    assert 'data-kind="adjusted"' in day_cell(page, "2027-09-26")


def test_csv_import_errors_are_shown_line_by_line_and_nothing_is_stored(client, login_as):
    login_as("admin")
    csv = ("date,kind,note\n2027-10-01,holiday,国庆节\n2027-13-01,holiday,坏日期\n"
           "2027-10-02,rest,x\n")

    response = client.post("/admin/calendar/import", data={
        "file": (io.BytesIO(csv.encode("utf-8")), "bad.csv")}, content_type="multipart/form-data")

    shown = text(response)
    assert response.status_code == 422
    assert "第 3 行" in shown and "第 4 行" in shown and "YYYY-MM-DD" in shown
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay)) == 0


def test_csv_import_refuses_a_file_that_is_not_utf8(client, login_as):
    login_as("admin")

    response = client.post("/admin/calendar/import", data={
        "file": (io.BytesIO("date,kind,note\n2027-10-01,holiday,国庆\n".encode("gbk")), "gbk.csv")},
        content_type="multipart/form-data")

    assert response.status_code == 422 and "UTF-8" in text(response)


def test_admin_makes_a_city_official_of_the_province_and_refuses_one_without_a_city(client,
                                                                                  login_as):
    login_as("admin")
    target = user_id("jz_city")

    refused = client.post(f"/admin/users/{target}", data={
        "role": "city", "jurisdiction": "shanxi", "city": "", "active": "y"})
    assert refused.status_code == 422 and "多市辖区的市级主管部门人员须指定所在市" in text(refused)
    unchanged = db.session.get(User, target)
    db.session.refresh(unchanged)
    assert (unchanged.jurisdiction, unchanged.city) == ("jinzhong", None)

    saved = client.post(f"/admin/users/{target}", data={
        "role": "city", "jurisdiction": "shanxi", "city": "taiyuan", "active": "y"})
    assert saved.status_code == 302
    changed = db.session.get(User, target)
    db.session.refresh(changed)
    assert (changed.jurisdiction, changed.city) == ("shanxi", "taiyuan")
    page = text(client.get(f"/admin/users/{target}"))
    assert "所在市（省级辖区）" in page
    assert "山西省 · 太原市" in text(client.get("/admin/users?role=city"))
