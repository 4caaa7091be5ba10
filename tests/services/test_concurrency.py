"""Two completions of one task, stale versions and bad input: one wins, nothing else changes.

Requests at the same moment (threads, each with its own session and connection) run on a
file-based SQLite database and, when TEST_POSTGRES_URL is set, on PostgreSQL too.
"""

from __future__ import annotations

import io
import shutil
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from app.config import ROOT
from app.errors import TaskError
from app.extensions import db
from app.models import Case, Event, WorkItem
from app.services import tasks, users
from app.web import api as api_module
from tests.processes import examples_kunming as km
from tests.processes.driver import (
    PDF,
    Api,
    CaseDriver,
    app_from_template,
    at,
    build_template,
    find_user,
)
from tests.processes.test_kunming import at_expert_review
from tests.services.test_postgres import URL as POSTGRES_URL
from tests.services.test_postgres import pg_app  # noqa: F401  (the PostgreSQL fixture)

COUNTY = "km_county_wuhua"


def completions(case_id: int, task_id: str) -> list[Event]:
    return list(db.session.scalars(sa.select(Event).where(
        Event.case_id == case_id, Event.kind == "task_completed", Event.task_id == task_id)))


def snapshot(case: CaseDriver) -> dict:
    """Return what a failed request must leave untouched."""
    db.session.expire_all()
    record = db.session.get(Case, case.id)
    return {"lock_version": record.lock_version, "state_hash": record.state_hash,
            "data": record.data,
            "events": len(case.api.get("admin", f"/api/cases/{case.id}/events")),
            "ready": sorted(i.id for i in db.session.scalars(sa.select(WorkItem).where(
                WorkItem.case_id == case.id, WorkItem.status == "ready")))}


def test_a_second_completion_of_the_same_task_gets_409_and_changes_nothing(submitted):
    task = submitted.task(COUNTY, "county_review")
    url = f"/api/tasks/{task['id']}/complete"
    first = submitted.api.post(COUNTY, url, {"data": km.COUNTY_APPROVE})
    after_first = snapshot(submitted)

    second = submitted.api.post(COUNTY, url, {"data": km.COUNTY_RETURN}, expect=409)

    assert find_user(COUNTY).name in second["error"]  # who got there first
    assert second["errors"] == {}
    assert snapshot(submitted) == after_first
    assert first["data"]["county_review"]["decision"] == "approve"
    stored = submitted.case()["data"]["county_review"]
    assert {key: stored[key] for key in km.COUNTY_APPROVE} == km.COUNTY_APPROVE
    assert "decision_reason" not in stored
    assert len(completions(submitted.id, task["id"])) == 1


def test_a_stale_lock_version_gets_409(api):
    case = CaseDriver(api, "kunming_recognition", "km_applicant", "km_city")
    case.start()
    case.complete("km_applicant", "submit_application", km.APPLICATION, "2026-03-02T09:00")
    case.complete(COUNTY, "county_review", km.COUNTY_APPROVE, "2026-03-10T09:00")
    case.complete(COUNTY, "site_inspection", km.site_inspection(), "2026-04-10T09:00")
    case.complete("km_city", "assign_experts", km.ASSIGN_EXPERTS, "2026-05-01T09:00")
    # Expert 2 opens the form, expert 1 submits meanwhile, then expert 2 submits.
    opened = case.case("km_expert2")["lock_version"]
    case.complete("km_expert1", "expert_review", km.expert_opinion(), "2026-05-10T09:00")
    before = snapshot(case)
    task = case.task("km_expert2", "expert_review")

    answer = api.post("km_expert2", f"/api/tasks/{task['id']}/complete",
                      {"data": km.expert_opinion(), "lock_version": opened}, expect=409)

    assert answer["error"]
    assert snapshot(case) == before
    fresh = case.case("km_expert2")["lock_version"]
    api.post("km_expert2", f"/api/tasks/{task['id']}/complete",
             {"data": km.expert_opinion(), "lock_version": fresh})


BAD_REVIEWS = {
    "decision missing": ({"assessment": "符合。"}, "decision"),
    "decision not a choice": ({**km.COUNTY_APPROVE, "decision": "maybe"}, "decision"),
    "reason missing on return": ({"assessment": "缺页。", "decision": "return"}, "decision_reason"),
    "veto without its reason": ({**km.COUNTY_APPROVE, "falsified": True}, "falsified_reason"),
    "override without its reason": ({**km.COUNTY_APPROVE, "precheck_override": True},
                                    "precheck_override_reason"),
    "assessment too long": ({**km.COUNTY_APPROVE, "assessment": "长" * 4001}, "assessment"),
}


@pytest.mark.parametrize("name", list(BAD_REVIEWS))
def test_bad_input_gets_422_per_field_and_changes_nothing(submitted, name):
    data, field = BAD_REVIEWS[name]
    task = submitted.task(COUNTY, "county_review")
    before = snapshot(submitted)

    answer = submitted.api.post(COUNTY, f"/api/tasks/{task['id']}/complete", {"data": data},
                                expect=422)

    assert answer["error"]
    assert field in answer["errors"] and all(answer["errors"][field]), answer["errors"]
    assert snapshot(submitted) == before


BAD_APPLICATIONS = {
    "credit code check digit": ({"credit_code": "91530102MA6K3B7Q2B"}, "credit_code"),
    "integer as text": ({"employee_count": "many"}, "employee_count"),
    "negative count": ({"enterprise_count": -1}, "enterprise_count"),
    "county not in the jurisdiction": ({"county": "dongchangfu"}, "county"),
    "commitment not given": ({"commitment": False}, "commitment"),
    "attachment of no case": ({"audit_report": ["00000000-0000-0000-0000-000000000000"]},
                              "audit_report"),
}


@pytest.mark.parametrize("name", list(BAD_APPLICATIONS))
def test_a_bad_application_gets_422_per_field_and_changes_nothing(api, name):
    change, field = BAD_APPLICATIONS[name]
    case = CaseDriver(api, "kunming_recognition", "km_applicant", "km_city")
    case.start()
    before = snapshot(case)

    answer = case.complete("km_applicant", "submit_application", {**km.APPLICATION, **change},
                           expect=422)

    assert field in answer["errors"], answer["errors"]
    after = snapshot(case)
    assert {k: v for k, v in after.items() if k != "events"} == \
        {k: v for k, v in before.items() if k != "events"}
    # Uploading the application's evidence is recorded; the submission itself is not.
    kinds = [e["kind"] for e in api.get("admin", f"/api/cases/{case.id}/events")]
    assert "task_completed" not in kinds


def test_an_attachment_of_another_case_is_refused(api):
    mine = CaseDriver(api, "kunming_recognition", "km_applicant", "km_city")
    mine.start()
    other = CaseDriver(api, "kunming_recognition", "km_applicant", "km_city")
    other.start()
    foreign = api.upload("km_applicant", other.id)["id"]
    application = mine.attach("km_applicant", km.APPLICATION)

    answer = mine.complete("km_applicant", "submit_application",
                           {**application, "audit_report": [foreign]}, expect=422)

    assert list(answer["errors"]) == ["audit_report"]
    assert mine.ready() == ["submit_application"]


@pytest.mark.parametrize("body", [[], "text", {"data": []}, {"data": "x"}, {}],
                         ids=["list", "string", "data list", "data string", "no data"])
def test_a_body_of_the_wrong_shape_gets_422(submitted, body):
    task = submitted.task(COUNTY, "county_review")
    before = snapshot(submitted)

    response = submitted.api.client.post(f"/api/tasks/{task['id']}/complete",
                                         headers=submitted.api.headers(COUNTY), json=body)

    assert response.status_code == 422 and response.is_json
    assert response.get_json()["errors"]
    assert snapshot(submitted) == before


@pytest.mark.parametrize("name, content, status", [
    ("empty.pdf", b"", 422),
    ("virus.pdf", b"MZ\x90\x00 not a pdf", 415),
    ("script.exe", b"MZ\x90\x00", 415),
    ("notes.txt", b"hello", 415),
], ids=["empty", "renamed executable", "executable", "text"])
def test_bad_uploads_are_refused_and_not_recorded(submitted, name, content, status):
    before = snapshot(submitted)

    answer = submitted.api.upload("km_applicant", submitted.id, name, content, expect=status)

    assert answer["error"] and answer["errors"]
    assert snapshot(submitted) == before


# --- a script that fails at run time ------------------------------------------------------------

@pytest.fixture
def broken_app(tmp_path):
    """The mini procedure with a script that passes publishing but fails when it runs."""
    processes = tmp_path / "processes"
    shutil.copytree(ROOT / "tests" / "data" / "processes", processes)
    bpmn = processes / "mini" / "mini.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace(
        'case_status = "in_review"', 'case_status = application["no_such_field"]'),
        encoding="utf-8")
    forms = ROOT / "tests" / "data" / "forms"
    template = build_template(tmp_path, processes, forms)
    (tmp_path / "case").mkdir()
    app = app_from_template(template, tmp_path / "case", processes, forms)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_a_failing_script_fails_the_step_and_saves_nothing(broken_app):
    from app.services import cases

    applicant = find_user("tl_applicant")
    case = cases.start_case(applicant, "mini_recognition", at("2026-03-01T09:00"))
    [item] = db.session.scalars(sa.select(WorkItem).where(WorkItem.case_id == case.id))
    before = (case.lock_version, case.state_hash, dict(case.data))
    events_before = db.session.scalar(sa.select(sa.func.count()).select_from(Event))

    with pytest.raises(TaskError) as raised:
        tasks.complete_task(applicant, item.id, {"base_name": "测试基地", "county": "east",
                                                 "small_micro_count": 50},
                            at("2026-03-02T09:00"))

    assert raised.value.element == "mark_in_review"
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.lock_version, case.state_hash, case.data) == before
    assert db.session.get(WorkItem, item.id).status == "ready"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == events_before


# --- requests at the same moment, on SQLite and (when TEST_POSTGRES_URL is set) PostgreSQL ----

@pytest.fixture(params=["sqlite", "postgresql"])
def shared(request, monkeypatch) -> Api:
    """The JSON API on a database that several threads use at once (own session each)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("api")
        return
    if not POSTGRES_URL:
        pytest.skip("TEST_POSTGRES_URL is not set")
    app = request.getfixturevalue("pg_app")
    with app.app_context():
        client = Api(app)
        monkeypatch.setattr(api_module, "_now", lambda: client.now)
        yield client
        db.session.remove()


UPLOAD = object()  # as a body: send a small PDF as the multipart field `file`


def at_once(api: Api, requests: list[tuple[str, str, dict]]) -> list[tuple[int, dict]]:
    """POST each (username, path, body) from its own thread at once; return (status, answer)s."""
    headers = [api.headers(username) for username, _, _ in requests]
    gate = threading.Barrier(len(requests))

    def send(index: int) -> tuple[int, dict]:
        _, path, body = requests[index]
        content = {"json": body} if body is not UPLOAD else {
            "data": {"file": (io.BytesIO(PDF), "evidence.pdf")},
            "content_type": "multipart/form-data"}
        with api.app.app_context():  # its own session and database connection
            client = api.app.test_client()
            gate.wait(timeout=30)
            response = client.post(path, headers=headers[index], **content)
            db.session.remove()
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(len(requests)) as pool:
        answers = list(pool.map(send, range(len(requests)), timeout=120))
    db.session.rollback()  # end this session's read snapshot: see what the threads wrote
    return answers


def statuses(answers: list[tuple[int, dict]]) -> list[int]:
    return sorted(status for status, _ in answers)


def verified(api: Api, case: CaseDriver) -> None:
    result = api.app.test_cli_runner().invoke(args=["audit", "verify", case.case()["ref"]])
    assert result.exit_code == 0, result.output


def officials(count: int) -> list[str]:
    """Create `count` more county officials of Wuhua; return their usernames (demo one first)."""
    names = [f"county_{uuid.uuid4().hex[:8]}" for _ in range(count - 1)]
    for name in names:
        users.create_user(name, "county", "kunming", "wuhua", name=f"科员 {name}")
    return [COUNTY, *names]


def test_eighteen_applications_started_at_once_all_get_their_own_number(shared):
    answers = at_once(shared, [("km_applicant", "/api/cases", {"process": "kunming_recognition"})
                               for _ in range(18)])

    assert statuses(answers) == [201] * 18, answers
    refs = sorted(answer["ref"] for _, answer in answers)
    numbers = [int(ref.rsplit("-", 1)[1]) for ref in refs]
    assert numbers == list(range(numbers[0], numbers[0] + 18))  # distinct, no gap
    assert {ref.rsplit("-", 1)[0] for ref in refs} == {"KM-2026"}
    recorded = {e.case_id: e.data["initial"]["case_ref"] for e in db.session.scalars(
        sa.select(Event).where(Event.kind == "case_started"))}
    assert all(recorded[answer["id"]] == answer["ref"] for _, answer in answers)


def test_of_eight_officials_claiming_one_task_at_once_exactly_one_holds_it(shared):
    case = CaseDriver(shared, "kunming_recognition", "km_applicant", "km_city")
    case.start()
    case.complete("km_applicant", "submit_application", km.APPLICATION, "2026-03-02T09:00")
    task = case.task(COUNTY, "county_review")
    names = officials(8)

    answers = at_once(shared, [(name, f"/api/tasks/{task['id']}/claim", {}) for name in names])

    assert statuses(answers) == [200] + [409] * 7, answers
    [winner] = [answer["claimed_by"] for status, answer in answers if status == 200]
    holder = find_user(winner)
    assert all(holder.name in answer["error"] for status, answer in answers if status == 409)
    item = db.session.get(WorkItem, task["id"])
    assert (item.claimed_by_id, item.status) == (holder.id, "ready")
    assert [e.actor for e in case_events(case.id) if e.kind == "claimed"] == [winner]

    releases = at_once(shared, [(name, f"/api/tasks/{task['id']}/release", {})
                                for name in [winner, winner, *names[:3]]])

    assert statuses(releases) == [200] + [409] * 4, releases
    assert db.session.get(WorkItem, task["id"]).claimed_by_id is None
    assert [e.actor for e in case_events(case.id) if e.kind == "released"] == [winner]
    verified(shared, case)


def test_three_experts_submitting_their_own_reviews_at_once_all_succeed(shared):
    case = CaseDriver(shared, "kunming_recognition", "km_applicant", "km_city")
    at_expert_review(case)
    reviews = [(expert, case.task(expert, "expert_review")["id"]) for expert in km.EXPERTS]
    # Each expert also adds a file meanwhile: an upload races the case moving on.
    uploads = [(expert, f"/api/cases/{case.id}/attachments", UPLOAD) for expert in km.EXPERTS]

    answers = at_once(shared, [(expert, f"/api/tasks/{task_id}/complete",
                                {"data": km.expert_opinion(80 + number)})
                               for number, (expert, task_id) in enumerate(reviews)] + uploads)

    assert statuses(answers) == [200] * 3 + [201] * 3, answers
    assert case.ready() == ["expert_decision"]
    events = case_events(case.id)
    done = [e for e in events if e.kind == "task_completed" and e.task == "expert_review"]
    assert sorted(e.actor for e in done) == km.EXPERTS
    assert sorted(e.data["form"]["score"] for e in done) == [80, 81, 82]
    assert sorted([e.actor for e in events if e.kind == "attachment_added"][-3:]) == km.EXPERTS
    for expert, task_id in reviews:
        item = db.session.get(WorkItem, task_id)
        assert (item.status, item.completed_by.username) == ("completed", expert)
    verified(shared, case)


def test_two_simultaneous_completions_of_one_task_one_wins_one_gets_409(shared):
    case = CaseDriver(shared, "kunming_recognition", "km_applicant", "km_city")
    case.start()
    case.complete("km_applicant", "submit_application", km.APPLICATION, "2026-03-02T09:00")
    task = case.task(COUNTY, "county_review")
    url = f"/api/tasks/{task['id']}/complete"

    answers = at_once(shared, [(COUNTY, url, {"data": km.COUNTY_APPROVE}),
                               (COUNTY, url, {"data": km.COUNTY_RETURN})])

    assert statuses(answers) == [200, 409], answers
    [winner] = [("approve", "return")[i] for i, (status, _) in enumerate(answers) if status == 200]
    [(_, refused)] = [answer for answer in answers if answer[0] == 409]
    assert find_user(COUNTY).name in refused["error"]  # who got there first
    data = case.case()["data"]["county_review"]
    assert data["decision"] == winner
    assert ("decision_reason" in data) == (winner == "return")
    assert len(completions(case.id, task["id"])) == 1
    expected_next = {"approve": ["site_inspection"], "return": ["correct_application"]}[winner]
    assert case.ready() == expected_next
    item = db.session.get(WorkItem, task["id"])
    assert (item.status, item.completed_by.username) == ("completed", COUNTY)
    verified(shared, case)


def case_events(case_id: int) -> list[Event]:
    return list(db.session.scalars(sa.select(Event).filter_by(case_id=case_id).order_by(Event.seq)))
