"""GET /api/processes/<key>/diff and the page /processes/<key>/diff: the comparison of two
versions of a procedure, for its jurisdiction's designers, administrators and auditors."""

from __future__ import annotations

import pytest

from tests.processes.driver import Api
from tests.second_version import KEY, load_second_version

DIFF = f"/api/processes/{KEY}/diff"


@pytest.fixture
def api(app):
    return Api(app)


@pytest.fixture
def second(app, tmp_path):
    load_second_version(tmp_path / "v2")


def test_the_diff_lists_elements_forms_and_decision_rows(api, second):
    body = api.get("km_designer", f"{DIFF}?from=1&to=2")
    assert sorted(body) == ["added", "changed", "decisions", "forms", "from", "identical",
                            "key", "layout", "removed", "to"]
    assert (body["key"], body["from"], body["to"], body["identical"]) == (KEY, 1, 2, False)
    assert {k: body["added"][0][k] for k in ("id", "type", "name")} == {
        "id": "confirm_notice", "type": "userTask", "name": "确认公示内容"}
    assert {"name": "formId", "old": None, "new": "km_notice"} in body["added"][0]["properties"]
    assert [e["id"] for e in body["removed"]] == ["flow_set_public_notice_to_notice_split"]
    script = next(p for e in body["changed"] if e["id"] == "set_public_notice"
                  for p in e["properties"] if p["name"] == "script")
    assert ", 10, " in script["old"] and ", 15, " in script["new"]
    assert [f["name"] for form in body["forms"] for f in form["added"]] == ["notice_channel"]
    assert [r["id"] for d in body["decisions"] for r in d["changed"]] == [
        "rule_small_micro_count"]


def test_the_diff_backwards_swaps_added_and_removed(api, second):
    body = api.get("km_auditor", f"{DIFF}?from=2&to=1")
    assert [e["id"] for e in body["added"]] == ["flow_set_public_notice_to_notice_split"]
    assert [f["name"] for form in body["forms"] for f in form["removed"]] == ["notice_channel"]


@pytest.mark.parametrize(("username", "status"), [
    ("km_designer", 200), ("km_auditor", 200), ("admin", 200), ("lc_designer", 404),
    ("km_city", 403), ("km_applicant", 403)])
def test_only_readers_of_the_jurisdiction_get_the_diff(api, username, status):
    body = api.get(username, f"{DIFF}?from=1&to=1", expect=status)
    if status == 200:
        assert body["identical"] is True
    else:
        assert body["error"]


def test_the_diff_needs_a_token(api):
    assert api.get(None, f"{DIFF}?from=1&to=1", expect=401)["error"]


@pytest.mark.parametrize("query", ["", "?from=1", "?to=1", "?from=x&to=1", "?from=1&to=1.5",
                                   "?from=0&to=1", "?from=1&to=99999999999"])
def test_missing_or_malformed_version_numbers_are_400(api, query):
    body = api.get("km_designer", f"{DIFF}{query}", expect=400)
    assert set(body["errors"]) & {"from", "to"}


@pytest.mark.parametrize("path", [f"{DIFF}?from=1&to=9", "/api/processes/nothing/diff?from=1&to=1"])
def test_unknown_versions_and_procedures_are_404(api, path):
    assert api.get("km_designer", path, expect=404)["error"]


def test_the_page_shows_the_changes_in_chinese(client, login_as, second):
    login_as("km_designer")
    page = client.get(f"/processes/{KEY}/diff?from=1&to=2").get_data(as_text=True)
    assert "版本对比" in page and "确认公示内容" in page and "公示渠道" in page
    assert 'id="diff-old-source"' in page and 'id="diff-new-source"' in page
    assert '<span class="del">-' in page and '<span class="ins">+' in page  # the script's lines
    assert "rule_small_micro_count" in page and "≥ 30 家" in page


def test_the_page_compares_the_newest_two_versions_by_default(client, login_as, second):
    login_as("km_auditor")
    page = client.get(f"/processes/{KEY}/diff").get_data(as_text=True)
    assert '<option value="1" selected' in page and '<option value="2" selected' in page


def test_the_page_says_when_versions_are_identical(client, login_as):
    login_as("km_designer")
    page = client.get(f"/processes/{KEY}/diff?from=1&to=1").get_data(as_text=True)
    assert 'data-testid="diff-identical"' in page and "完全相同" in page


def test_the_page_is_refused_to_an_applicant(client, login_as):
    login_as("km_applicant")
    response = client.get(f"/processes/{KEY}/diff?from=1&to=1")
    assert response.status_code == 403
    assert "diff-old" not in response.get_data(as_text=True)
