"""下载案卷: the case page and the case list offer it to auditors and administrators only; the
case list offers it only for a search small enough to download."""

from __future__ import annotations

import pytest

from app.services import dossier, users


@pytest.mark.parametrize("username, shown", [("km_auditor", True), ("km_city", False),
                                             ("km_county_wuhua", False),
                                             ("km_applicant", False)])
def test_the_case_page_offers_the_dossier_to_auditors_only(client, login_as, submitted_case,
                                                           username, shown):
    login_as(username)
    page = client.get(f"/cases/{submitted_case}").get_data(as_text=True)

    assert ('data-testid="download-dossier"' in page) is shown
    assert (f'href="/api/cases/{submitted_case}/dossier"' in page) is shown
    if shown:
        assert "下载案卷" in page


def test_an_administrator_sees_the_button_too(client, submitted_case):
    users.create_user("page_admin", "admin", None, None, "demo1234", policy=False)
    client.post("/login", data={"username": "page_admin", "password": "demo1234"})

    page = client.get(f"/cases/{submitted_case}").get_data(as_text=True)

    assert 'data-testid="download-dossier"' in page


def test_the_case_list_links_the_dossier_of_the_current_search(client, login_as,
                                                               submitted_case):
    login_as("km_auditor")
    page = client.get("/cases?status=in_review&q=KM-").get_data(as_text=True)

    assert "下载案卷（1 件）" in page
    assert 'href="/api/cases/dossier?' in page and "status=in_review" in page


def test_a_search_too_large_to_download_says_to_narrow_it(client, login_as, submitted_case,
                                                          monkeypatch):
    monkeypatch.setattr(dossier, "MAX_CASES", 0)
    login_as("km_auditor")
    page = client.get("/cases").get_data(as_text=True)

    assert 'data-testid="download-dossiers"' not in page
    assert "查询结果不超过 0 件时可下载案卷" in page


def test_officials_get_no_dossier_link_on_the_case_list(client, login_as, submitted_case):
    login_as("km_city")

    assert 'data-testid="download-dossiers"' not in client.get("/cases").get_data(as_text=True)
