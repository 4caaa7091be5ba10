"""Who reads which secret of a case, on every read path: role × case state × endpoint.

One Kunming case of the Wuhua district is driven through the JSON API. A distinct
string is seeded into each protected item: each expert's opinion, the county's
assessment notes (of a return and of the approval), the pre-check override reason,
the working paper the county uploads (its file name and content); and into what the
applicant may read: its own text and upload, the county's return reason and the
certificate number. Internal flags (`precheck_passed`, `precheck_override`) are
checked by their names.

At each state every role reads every endpoint once (a module fixture). A secret must
appear in a role's answer exactly when the role may read it and the auditor (who reads
everything) finds it in the same answer: so each test fails on a leak and on a
reader missing what it is entitled to.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient

from app.extensions import db
from app.models import WorkItem
from app.web import api as api_module
from tests.processes import examples_kunming as km
from tests.processes.driver import PDF, Api, CaseDriver, app_from_template, at
from tests.processes.test_kunming import at_expert_review, recognized

APPLICANT_TEXT = "APPLICANT-OWN-TEXT-71"
APPLICANT_FILE = "applicant-own-upload-72.pdf"
APPLICANT_CONTENT = "APPLICANT-OWN-CONTENT-73"
RETURN_REASON = "PUBLIC-RETURN-REASON-31"
RETURN_NOTES = "SECRET-COUNTY-RETURN-NOTES-32"
ASSESSMENT = "SECRET-COUNTY-ASSESSMENT-41"
OVERRIDE = "SECRET-OVERRIDE-REASON-42"
PAPER_FILE = "secret-working-paper-43.pdf"
PAPER_CONTENT = "SECRET-PAPER-CONTENT-44"
OPINION1 = "SECRET-EXPERT1-OPINION-51"
OPINION2 = "SECRET-EXPERT2-OPINION-52"
CERTIFICATE = "PUBLIC-CERT-NO-61"
PRECHECK_TABLE = 'data-testid="precheck-table"'
# Data key names: a page embeds the BPMN (whose scripts name them), so only JSON is searched.
FLAGS = ("precheck_passed", "precheck_override", "precheck_conditions")

OFFICIALS = {"km_county_wuhua", "km_city", "km_auditor", "admin"}
EXPERTS = {"km_expert1", "km_expert2"}
OWNER = {"km_applicant"}
OUTSIDERS = {"km_applicant2", "km_county_panlong"}
USERS = sorted(OFFICIALS | EXPERTS | OWNER | OUTSIDERS)

# Who may read each secret (wherever a path shows it).
ALLOWED = {
    APPLICANT_TEXT: OFFICIALS | EXPERTS | OWNER, APPLICANT_FILE: OFFICIALS | EXPERTS | OWNER,
    APPLICANT_CONTENT: OFFICIALS | EXPERTS | OWNER, RETURN_REASON: OFFICIALS | EXPERTS | OWNER,
    CERTIFICATE: OFFICIALS | EXPERTS | OWNER,
    RETURN_NOTES: OFFICIALS | EXPERTS, ASSESSMENT: OFFICIALS | EXPERTS,
    OVERRIDE: OFFICIALS | EXPERTS, PAPER_FILE: OFFICIALS | EXPERTS,
    PAPER_CONTENT: OFFICIALS | EXPERTS, "precheck_passed": OFFICIALS | EXPERTS,
    "precheck_override": OFFICIALS | EXPERTS, "precheck_conditions": OFFICIALS,
    PRECHECK_TABLE: OFFICIALS,
    OPINION1: OFFICIALS | {"km_expert1"}, OPINION2: OFFICIALS | {"km_expert2"},
}

CASE_READERS = OFFICIALS | EXPERTS | OWNER
# endpoint: (path, who gets 200; everyone else 403)
ENDPOINTS = {
    "api case": ("/api/cases/{case}", CASE_READERS),
    "api case list": ("/api/cases", set(USERS)),
    "api events": ("/api/cases/{case}/events", CASE_READERS),
    "api working paper": ("/api/attachments/{paper}", OFFICIALS | EXPERTS),
    "api applicant upload": ("/api/attachments/{upload}", CASE_READERS),
    "api expert1 task": ("/api/tasks/{expert1_task}", OFFICIALS | {"km_expert1"}),
    "api application task": ("/api/tasks/{application_task}", OFFICIALS | OWNER),
    "api county task": ("/api/tasks/{county_task}", OFFICIALS),
    "web case page": ("/cases/{case}", CASE_READERS),
    "web expert1 task": ("/tasks/{expert1_task}", OFFICIALS | {"km_expert1"}),
    "web application task": ("/tasks/{application_task}", OFFICIALS | OWNER),
    "web county task": ("/tasks/{county_task}", OFFICIALS),
}
STATES = ["expert review", "public notice", "recognized"]
REFERENCE = "km_auditor"


class FreshClient(FlaskClient):
    """The app context stays open across requests; forget the user cached in `g` each time."""

    def open(self, *args, **kwargs):
        for name in ("_login_user", "_flask_babel"):
            g.pop(name, None)
        return super().open(*args, **kwargs)


def with_file(data, attachment_id: str):
    """Return `data` with every file placeholder replaced by `attachment_id`."""
    if isinstance(data, dict):
        return {k: with_file(v, attachment_id) for k, v in data.items()}
    if isinstance(data, list):
        return [with_file(v, attachment_id) for v in data]
    return attachment_id if data == km.FILE else data


class Reader:
    """Reads every endpoint as every user: bearer tokens for the API, a session for the web."""

    def __init__(self, api: Api, ids: dict):
        self.api, self.ids, self.web = api, ids, {}

    def _web(self, username: str) -> FlaskClient:
        if username not in self.web:
            self.api.app.test_client_class = FreshClient
            client = self.api.app.test_client()
            response = client.post("/login", data={"username": username, "password": "demo1234"})
            assert response.status_code == 302, username
            self.web[username] = client
        return self.web[username]

    def read(self, username: str, endpoint: str) -> tuple[int, str]:
        url = ENDPOINTS[endpoint][0].format(**self.ids)
        if endpoint.startswith("web"):
            response = self._web(username).get(url)
        else:
            response = self.api.client.get(url, headers=self.api.headers(username))
        text = str(response.headers) + response.get_data().decode("utf-8", "replace")
        response.close()
        return response.status_code, text

    def snapshot(self) -> dict:
        db.session.expire_all()
        return {(u, e): self.read(u, e) for u in USERS for e in ENDPOINTS}


def _item_id(case_id: int, name: str, assignee: str | None = None) -> str:
    query = sa.select(WorkItem.id).where(WorkItem.case_id == case_id, WorkItem.name == name)
    if assignee:
        query = query.where(WorkItem.assignee == assignee)
    return db.session.scalars(query.order_by(WorkItem.created_at.desc())).first()


def _to_expert_review(case: CaseDriver, api: Api) -> dict:
    """Drive the case to the expert review with every secret but the certificate seeded."""
    case.start("2026-03-01T09:00")
    upload = api.upload("km_applicant", case.id, APPLICANT_FILE,
                        PDF + APPLICANT_CONTENT.encode())["id"]
    application = with_file({**km.APPLICATION_FEW_EMPLOYEES, "main_business": APPLICANT_TEXT},
                            upload)
    case.complete("km_applicant", "submit_application", application, "2026-03-02T09:00")
    case.complete("km_county_wuhua", "county_review",
                  {"assessment": RETURN_NOTES, "decision": "return",
                   "decision_reason": RETURN_REASON,
                   "corrections": [{"item": "employee_count", "note": "核实从业人员数。"}]},
                  "2026-03-05T09:00")
    case.complete("km_applicant", "correct_application", application, "2026-03-06T09:00")
    case.complete("km_county_wuhua", "county_review",
                  {**km.COUNTY_OVERRIDE, "assessment": ASSESSMENT,
                   "precheck_override_reason": OVERRIDE}, "2026-03-10T09:00")
    api.now = at("2026-04-10T09:00")
    paper = api.upload("km_county_wuhua", case.id, PAPER_FILE, PDF + PAPER_CONTENT.encode())["id"]
    case.complete("km_county_wuhua", "site_inspection",
                  with_file(km.site_inspection(), paper), "2026-04-10T09:00")
    case.complete("km_city", "assign_experts", km.ASSIGN_EXPERTS, "2026-05-01T09:00")
    for expert, text in (("km_expert1", OPINION1), ("km_expert2", OPINION2)):
        case.complete(expert, "expert_review", {**km.expert_opinion(), "opinion": text},
                      "2026-05-10T09:00")
    return {"case": case.id, "paper": paper, "upload": upload,
            "expert1_task": _item_id(case.id, "expert_review", "km_expert1"),
            "application_task": _item_id(case.id, "correct_application"),
            "county_task": _item_id(case.id, "county_review")}


def _to_notice(case: CaseDriver) -> None:
    case.complete("km_expert3", "expert_review", km.expert_opinion(), "2026-05-11T09:00")
    case.complete("km_city", "expert_decision", km.EXPERT_APPROVE, "2026-06-01T09:00")
    case.complete("km_city", "site_verification", km.VERIFY_APPROVE, "2026-09-10T09:00")
    case.complete("km_city", "publish_notice", km.NOTICE, "2026-09-28T09:00")


def _to_recognized(case: CaseDriver, api: Api) -> None:
    assert api.run_timers("2026-10-16T00:00") == 1
    case.complete("km_city", "register_objections", km.NO_OBJECTION, "2026-10-16T09:00")
    case.complete("km_city", "collective_decision", {**km.RECOGNIZE, "certificate_no": CERTIFICATE},
                  "2026-11-20T09:00")


@pytest.fixture(scope="module")
def answers(template_db, tmp_path_factory) -> dict:
    """{state: {(username, endpoint): (status, text)}} of one case read at three states."""
    app = app_from_template(template_db, tmp_path_factory.mktemp("visibility"))
    with app.app_context(), pytest.MonkeyPatch.context() as patch:
        api = Api(app)
        patch.setattr(api_module, "_now", lambda: api.now)
        case = CaseDriver(api, "kunming_recognition", "km_applicant", "km_city")
        reader = Reader(api, _to_expert_review(case, api))
        found = {"expert review": reader.snapshot()}
        _to_notice(case)
        found["public notice"] = reader.snapshot()
        _to_recognized(case, api)
        found["recognized"] = reader.snapshot()
        assert case.case()["status"] == "recognized"
        db.session.remove()
        db.engine.dispose()
    return found


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("state", STATES)
def test_each_role_reads_exactly_the_secrets_it_may_on_every_path(answers, state, username,
                                                                  endpoint):
    status, text = answers[state][(username, endpoint)]
    _, reference = answers[state][(REFERENCE, endpoint)]

    assert status == (200 if username in ENDPOINTS[endpoint][1] else 403), text[:300]
    secrets = [s for s in ALLOWED if endpoint.startswith("api") or s not in FLAGS]
    leaked = [s for s in secrets if s in text and username not in ALLOWED[s]]
    missing = [s for s in secrets if status == 200 and s in reference and username in ALLOWED[s]
               and s not in text]
    assert (leaked, missing) == ([], [])


# The reference must itself carry the secrets, or the matrix above would test nothing.
CARRIED = {
    "api events": {RETURN_REASON, RETURN_NOTES, ASSESSMENT, OVERRIDE, PAPER_FILE, OPINION1,
                   OPINION2, APPLICANT_TEXT, APPLICANT_FILE, "precheck_override"},
    "api case": {ASSESSMENT, OVERRIDE, APPLICANT_TEXT, "precheck_passed", "precheck_override",
                 "precheck_conditions"},
    "web case page": {ASSESSMENT, OVERRIDE, PAPER_FILE, APPLICANT_TEXT, APPLICANT_FILE,
                      PRECHECK_TABLE},
    "api working paper": {PAPER_FILE, PAPER_CONTENT},
    "api applicant upload": {APPLICANT_FILE, APPLICANT_CONTENT},
    "api expert1 task": {OPINION1},
    "web expert1 task": {ASSESSMENT, PAPER_FILE, APPLICANT_TEXT},
    "api application task": {APPLICANT_TEXT},
    "api county task": {ASSESSMENT, OVERRIDE},
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("endpoint", list(CARRIED))
def test_the_auditor_reads_every_secret_the_matrix_relies_on(answers, state, endpoint):
    _, text = answers[state][(REFERENCE, endpoint)]

    assert sorted(s for s in CARRIED[endpoint] if s not in text) == []


def test_after_recognition_the_experts_own_opinions_and_the_certificate_reach_their_readers(
        answers):
    found = answers["recognized"]

    assert CERTIFICATE in found[("km_applicant", "api case")][1]
    assert CERTIFICATE in found[("km_applicant", "web case page")][1]
    assert OPINION1 in found[("km_expert1", "web case page")][1]
    assert OPINION2 not in found[("km_expert1", "web case page")][1]
    assert OPINION1 in found[("km_expert1", "api case")][1]


def test_the_applicant_reads_the_return_reason_but_none_of_the_officials_files(answers):
    status, text = answers["expert review"][("km_applicant", "api events")]

    assert status == 200 and RETURN_REASON in text
    assert PAPER_FILE not in text and RETURN_NOTES not in text
    assert answers["expert review"][("km_applicant", "api working paper")][0] == 403
    assert answers["expert review"][("km_applicant", "api applicant upload")][0] == 200


# --- a child case: its result reaches the parent as a message ----------------------------------

def test_the_applicant_reads_a_reapplications_outcome_but_not_the_officials_opinions(api):
    case = CaseDriver(api, "kunming_recognition", "km_applicant", "km_city")
    recognized(case)
    api.run_timers("2029-01-01T00:00")
    child = case.child("kunming_rereview")
    secrets = {"county_review": {**km.COUNTY_APPROVE, "assessment": "SECRET-REREVIEW-COUNTY-81"},
               "site_verification": {**km.VERIFY_APPROVE, "findings": "SECRET-REREVIEW-CITY-83"},
               "collective_decision": {**km.REJECT_AGAIN,
                                       "decision_reason": "PUBLIC-REREVIEW-REASON-82"}}
    for username, task, data, when in km.reapplication_steps():
        if task is None:
            api.run_timers(when)
        else:
            child.complete(username, task, secrets.get(task, data), when)

    def read(username: str, path: str) -> str:
        return api.client.get(path, headers=api.headers(username)).get_data(as_text=True)

    for path in (f"/api/cases/{case.id}/events", f"/api/cases/{case.id}",
                 f"/api/cases/{child.id}/events", f"/api/cases/{child.id}"):
        mine, officials = read("km_applicant", path), read("km_city", path)
        assert "SECRET-REREVIEW" not in mine, path
        # The parent keeps the child's result in its history, not in its current data.
        if path != f"/api/cases/{case.id}":
            assert "SECRET-REREVIEW-COUNTY-81" in officials, path
    [message] = [e for e in api.get("km_applicant", f"/api/cases/{case.id}/events")
                 if e["kind"] == "message_received"]
    assert message["data"] == {"name": "child_completed", "payload": {
        "process": "kunming_rereview", "ref": child.case()["ref"], "status": "rejected"}}
    assert message["redacted"] is True
    shown = api.get("km_applicant", f"/api/cases/{child.id}")["data"]
    assert shown["recognition"] == {"decision": "reject",
                                   "decision_reason": "PUBLIC-REREVIEW-REASON-82"}
    assert shown["application"]["credit_code"] == km.APPLICATION["credit_code"]


def test_an_expert_neither_lists_nor_downloads_another_experts_upload(api):
    case = CaseDriver(api, "kunming_recognition", "km_applicant", "km_city")
    at_expert_review(case)
    notes = api.upload("km_expert2", case.id, "expert2-notes-91.pdf")["id"]

    def status(username: str) -> int:
        response = api.client.get(f"/api/attachments/{notes}", headers=api.headers(username))
        response.close()
        return response.status_code

    def events(username: str) -> str:
        return api.client.get(f"/api/cases/{case.id}/events",
                              headers=api.headers(username)).get_data(as_text=True)

    assert [status(u) for u in ("km_expert2", "km_city", "km_expert1", "km_applicant")] == [
        200, 200, 403, 403]
    assert notes in events("km_expert2") and notes in events("km_city")
    assert notes not in events("km_expert1") and notes not in events("km_applicant")


def test_the_applicant_reads_the_published_public_notice_but_not_the_city_papers_behind_it(
        answers):
    found = answers["public notice"]

    for endpoint in ("api case", "web case page"):
        status, text = found[("km_applicant", endpoint)]
        assert status == 200 and km.NOTICE["notice_url"] in text
        assert ASSESSMENT not in text and OPINION1 not in text
