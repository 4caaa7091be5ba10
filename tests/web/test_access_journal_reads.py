"""Every read of a case by an auditor or administrator is journaled once it succeeded.

The read routes come from the app's url_map: every GET route naming a case, task or
attachment must journal a read of that case, and every other GET route must be named below
as journaled (with its action) or as reading no case data, so a new route is not forgotten.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AccessEntry, Attachment
from app.services import demo, users
from app.web.layout import now
from tests.web import support

CASE_PARAMETERS = {"case_id", "task_id", "attachment_id"}
# GET routes that read case data without naming one case, and the action they journal.
JOURNALED = {
    "cases.index": "search", "api.list_cases": "search", "titles.index": "search",
    "api.titles": "search", "api.overdue_tasks": "search", "migrations.show": "search",
    "titles.export_csv": "export", "titles.export_xlsx": "export", "calls.summary": "export",
    "api_calls.summary": "export", "access_journal.export": "export",
    "oversight.export_xlsx": "export", "api_dossier.search_dossier": "dossier",
}
# Case routes that cannot serve this case to an auditor: refused, and so journal nothing.
REFUSED = {
    "/cases/<int:case_id>/certificate": "no title in force (a served one is journaled: "
                                        "tests/web/test_certificates.py)",
    "/api/cases/<int:case_id>/certificate": "no title in force",
    "/attachments/<attachment_id>/delete": "auditors delete nothing",
}
# GET routes that read no case data an auditor or administrator could reach, and why.
NOT_CASE_DATA = {
    "static": "files", "auth.login": "log-in", "auth.password": "own password",
    "auth.register": "sign-up", "auth.language": "language", "worklist.home": "redirect",
    "worklist.index": "own tasks only (none for watched roles)",
    "api.list_tasks": "own tasks only (none for watched roles)",
    "applicant.index": "an applicant's own cases", "api.openapi": "the contract",
    "api.processes": "procedures", "processes.index": "procedures",
    "processes.show": "a procedure", "designs.versions": "versions",
    "api_designs.versions": "versions", "api_designs.files": "procedure files",
    "api_forms.index": "form definitions", "editors.decision": "decision table",
    "editors.form": "form", "modeler.edit": "diagram", "diff.show": "version diff",
    "api_diff.diff": "version diff", "admin.users": "accounts", "admin.users_edit": "account",
    "admin.calendar": "calendar", "calls.index": "calls", "api_calls.index": "calls",
    "api_calls.show": "a call", "calls.new": "call form", "calls.edit": "call form",
    "calls.notice": "public notice", "calls.notice_json": "public notice",
    "api_calls.notice": "public notice",
    "calls.batch": "county officials only", "api_calls.batch": "county officials only",
    "calls.ranking": "top-level officials only", "api_calls.ranking": "top-level officials only",
    "follow_ups.batch": "the starting lane only", "api.audit_anchors": "anchor roots",
    "admin.users_new": "account form", "password_reset.forgot": "reset request form",
    "password_reset.reset": "own password", "certificates.verify": "public registry check",
    "api_certificates.verify": "public registry check",
    "access_journal.index": "the journal itself", "api_access.index": "the journal itself",
    "oversight.index": "aggregate figures", "api_oversight.figures": "aggregate figures",
    "audit.verify_jurisdiction": "the run's page (its chunks, POST /api/audit/verify, journal)",
}


@pytest.fixture
def known(submitted_case) -> dict:
    case = support.case(submitted_case)
    attachment = db.session.scalars(sa.select(Attachment).where(
        Attachment.case_id == case.id)).first()
    calls = demo.open_demo_calls(now())
    return {"case_id": case.id, "task_id": support.ready_item(case.id).id,
            "attachment_id": attachment.id, "attachment": attachment,
            "key": case.process_key, "call_id": calls[0].id if calls else 1}


def _url(rule: str, known: dict) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(known[m[1]]), rule)


def _entries() -> list[AccessEntry]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AccessEntry).order_by(AccessEntry.id)))


def _get(client, url: str, token: str):
    headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
    return client.get(url, headers=headers)


def _case_routes(app) -> list[tuple[str, str]]:
    """(method, rule) of every GET naming a case, task or attachment, and every verify."""
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.arguments & CASE_PARAMETERS:
            found.append(("GET", rule.rule))
        elif rule.endpoint.endswith("verify") and "case_id" in rule.arguments:
            found.append(("POST", rule.rule))
    return sorted(found)


def test_every_get_route_is_journaled_or_said_to_read_no_case_data(app):
    unclassified = {rule.endpoint for rule in app.url_map.iter_rules()
                    if "GET" in rule.methods and not rule.arguments & CASE_PARAMETERS
                    } - set(JOURNALED) - set(NOT_CASE_DATA)

    assert unclassified == set()


def test_every_read_of_a_case_by_an_auditor_journals_it_once(app, client, login_as, known,
                                                             user):
    login_as("km_auditor")
    token = users.issue_token(user("km_auditor"))
    routes = _case_routes(app)

    missing = []
    for method, rule in routes:
        before = len(_entries())
        url = _url(rule, known)
        response = _get(client, url, token) if method == "GET" else client.post(
            url, headers={"Authorization": f"Bearer {token}"} if url.startswith("/api/")
            else {})
        response.close()  # a sent file stays open until closed
        new = _entries()[before:]
        if rule in REFUSED:
            if response.status_code not in (403, 409) or new:
                missing.append((method, url, response.status_code, [e.action for e in new]))
        elif response.status_code != 200 or [e.case_id for e in new] != [known["case_id"]]:
            missing.append((method, url, response.status_code, [e.action for e in new]))

    assert len(routes) >= 8  # case page and API, events, task page and API, files, verify
    assert missing == []


@pytest.mark.parametrize("endpoint, action", sorted(JOURNALED.items()))
def test_a_list_or_export_read_by_an_auditor_is_journaled_with_its_action(
        app, client, login_as, known, user, endpoint, action):
    login_as("km_auditor")
    token = users.issue_token(user("km_auditor"))
    rule = next(r.rule for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    before = len(_entries())

    response = _get(client, _url(rule, known), token)

    new = _entries()[before:]
    if response.status_code == 403:  # a table the auditor's role may not read: no read
        assert new == []
        return
    assert response.status_code == 200
    assert [(e.action, e.username, e.jurisdiction) for e in new] == [
        (action, "km_auditor", "kunming")]


def test_an_attachment_download_names_the_file_and_its_sha256(client, login_as, known, user):
    login_as("admin")

    response = client.get(f"/attachments/{known['attachment_id']}")
    body = response.data
    response.close()

    entry = _entries()[-1]
    assert response.status_code == 200 and body == support.PDF
    attachment = known["attachment"]
    assert (entry.username, entry.action, entry.case_id) == ("admin", "attachment",
                                                            known["case_id"])
    assert entry.detail == f"{attachment.name} · sha256 {attachment.sha256[:12]}"


def test_a_search_records_its_filters(client, login_as):
    login_as("km_auditor")

    client.get("/cases?status=in_review&q=KM&county=")

    entry = _entries()[-1]
    assert (entry.action, entry.case_id) == ("search", None)
    assert entry.detail == "status=in_review q=KM"


def test_reads_by_officials_applicants_and_experts_are_not_journaled(client, login_as, known):
    for username in ("km_county_wuhua", "km_city", "km_applicant"):
        login_as(username)
        assert client.get(f"/cases/{known['case_id']}").status_code == 200
        client.get(f"/attachments/{known['attachment_id']}").close()
        client.get("/cases")

    assert _entries() == []


def test_a_refused_read_is_not_journaled(client, login_as, known):
    login_as("sx_auditor")

    response = client.get(f"/cases/{known['case_id']}")

    assert response.status_code == 403 and _entries() == []
