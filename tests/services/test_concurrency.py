"""Two completions of one task, stale versions and bad input: one wins, nothing else changes."""

from __future__ import annotations

import shutil
import threading

import pytest
import sqlalchemy as sa

from app import engine
from app.config import ROOT
from app.errors import TaskError
from app.extensions import db
from app.models import Case, Event, WorkItem
from app.services import tasks
from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver, app_from_template, at, build_template, find_user

COUNTY = "km_county_wuhua"


@pytest.fixture
def submitted(api) -> CaseDriver:
    case = CaseDriver(api, "kunming_recognition", "km_applicant", "km_city")
    case.start()
    case.complete("km_applicant", "submit_application", km.APPLICATION, "2026-03-02T09:00")
    return case


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


def test_two_simultaneous_completions_one_wins_one_gets_409(submitted, loaded_app, monkeypatch):
    task = submitted.task(COUNTY, "county_review")
    headers = submitted.api.headers(COUNTY)
    ready, computed = threading.Barrier(2), threading.Barrier(2)
    answers: dict[str, tuple[int, dict]] = {}
    run_engine = engine.complete

    def both_computed(*args, **kwargs):
        # Both requests have passed every check and run the engine before either writes.
        step = run_engine(*args, **kwargs)
        computed.wait(timeout=10)
        return step

    monkeypatch.setattr(engine, "complete", both_computed)

    def submit(label: str, data: dict) -> None:
        # Each thread has its own app context, hence its own session and connection.
        with loaded_app.app_context():
            client = loaded_app.test_client()
            ready.wait()
            response = client.post(f"/api/tasks/{task['id']}/complete", headers=headers,
                                   json={"data": data})
            answers[label] = (response.status_code, response.get_json())
            db.session.remove()

    threads = [threading.Thread(target=submit, args=(label, data)) for label, data in
               (("approve", km.COUNTY_APPROVE), ("return", km.COUNTY_RETURN))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    monkeypatch.setattr(engine, "complete", run_engine)

    assert sorted(status for status, _ in answers.values()) == [200, 409], answers
    [winner] = [label for label, (status, _) in answers.items() if status == 200]
    assert not computed.broken  # both ran the engine: the optimistic lock decided, not a guard
    db.session.expire_all()
    case = submitted.case()
    assert case["data"]["county_review"]["decision"] == winner
    assert len(completions(submitted.id, task["id"])) == 1
    expected_next = {"approve": ["site_inspection"], "return": ["correct_application"]}[winner]
    assert [t["name"] for t in case["tasks"]] == expected_next
    item = db.session.get(WorkItem, task["id"])
    assert (item.status, item.completed_by.username) == ("completed", COUNTY)
    assert submitted.api.post("admin", f"/api/cases/{submitted.id}/verify")["ok"] is True


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
        'case_status = "in_review"', 'case_status = open("/etc/passwd").read()'),
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
