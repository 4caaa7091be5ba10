"""Moving running Kunming cases to a second version of the procedure.

The second version is the shipped one with the public notice lengthened from 10 to 15
working days and the county review task's id changed (to a task the first version does
not have): loaded from a modified copy of processes/, as `processes load` would.
"""

from __future__ import annotations

import re
import shutil

import pytest
import sqlalchemy as sa

from app.config import ROOT
from app.extensions import db
from app.models import Case, Event, ProcessVersion, WorkItem
from app.services import catalog, tasks
from app.web import api as api_module
from tests.processes import examples_kunming as km
from tests.processes.driver import Api, CaseDriver, app_from_template, find_user, settle_file
from tests.processes.test_kunming import at_expert_review, experts_done, in_notice, submitted

APPLICANT, CITY, DESIGNER = "km_applicant", "km_city", "km_designer"
PROCESS = "kunming_recognition"
URL = f"/api/processes/{PROCESS}/migrations"
RENAMED = re.compile(r'(id|sourceRef|targetRef|bpmnElement)="county_review"')


def second_version(folder, forms=ROOT / "forms") -> int:
    """Load the changed copy of processes/ (with `forms`); return the new version's number."""
    shutil.copytree(ROOT / "processes", folder / "processes")
    bpmn = folder / "processes" / "kunming" / "recognition.bpmn"
    text = bpmn.read_text(encoding="utf-8")
    text = text.replace('add_working_days(notice["notice_start"], 10,',
                        'add_working_days(notice["notice_start"], 15,')
    text = RENAMED.sub(r'\1="county_first_review"', text).replace(
        "<bpmn:flowNodeRef>county_review</", "<bpmn:flowNodeRef>county_first_review</")
    bpmn.write_text(text, encoding="utf-8")
    assert catalog.load_all(folder / "processes", forms)["processes"] >= 1
    return catalog.latest_process(PROCESS).version


@pytest.fixture(scope="session")
def prepared(template_db, tmp_path_factory):
    """Two running cases on version 1 (one past the county review, one waiting at it), then
    version 2 published: driven once per test process into a database of their own, which
    each test using `cases` gets a copy of (`loaded_database`). Returns (folder, the moving
    case's id, the staying case's id, the clock after the last step)."""
    folder = tmp_path_factory.mktemp("migration-cases")
    app = app_from_template(template_db, folder)
    with app.app_context(), pytest.MonkeyPatch.context() as patch:
        client = Api(app)
        patch.setattr(api_module, "_now", lambda: client.now)
        moving = CaseDriver(client, PROCESS, APPLICANT, CITY)
        experts_done(moving)
        moving.complete(CITY, "expert_decision", km.EXPERT_APPROVE, "2026-06-01T09:00")
        staying = CaseDriver(client, PROCESS, APPLICANT, CITY)
        submitted(staying)
        assert second_version(folder) == 2
        settle_file()
    return folder, moving.id, staying.id, client.now


@pytest.fixture
def loaded_database(request, template_db, tmp_path):
    """The prepared cases' database for a test using `cases`, the template for the others."""
    if "cases" not in request.fixturenames:
        return template_db
    folder = request.getfixturevalue("prepared")[0]
    if (folder / "uploads").exists():
        shutil.copytree(folder / "uploads", tmp_path / "uploads")
    return folder / "test.sqlite"


@pytest.fixture
def cases(api, prepared):
    """The two prepared cases (moving, staying), on the test's copy of their database."""
    _folder, moving_id, staying_id, now = prepared
    moving, staying = (CaseDriver(api, PROCESS, APPLICANT, CITY) for _ in range(2))
    moving.id, staying.id, api.now = moving_id, staying_id, now
    return moving, staying


def events_of(case_id: int) -> list[Event]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Event).where(Event.case_id == case_id)
                                   .order_by(Event.seq)))


def version_of(case_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Case, case_id).process_version.version


def verify(api, case_id: int) -> dict:
    return api.post("km_auditor", f"/api/cases/{case_id}/verify")


def test_a_dry_run_says_which_cases_can_move_and_changes_nothing(api, cases):
    moving, staying = cases
    before = {case.id: len(events_of(case.id)) for case in cases}

    rows = api.post(DESIGNER, URL, {"from": 1, "to": 2, "cases": [moving.id, staying.id, 999999],
                                    "dry_run": True})

    assert rows[0] == {"case_id": moving.id, "ok": True, "reason": ""}
    assert rows[1] == {"case_id": staying.id, "ok": False,
                       "reason": "待办任务「县级初审」在新版本中不存在。"}
    assert rows[2]["ok"] is False and "999999" in rows[2]["reason"]
    assert {case.id: len(events_of(case.id)) for case in cases} == before
    assert (version_of(moving.id), version_of(staying.id)) == (1, 1)


def test_a_migrated_case_verifies_and_its_notice_lasts_15_working_days(api, cases):
    moving, staying = cases
    task_before = moving.task(CITY, "site_verification")

    rows = api.post(DESIGNER, URL, {"from": 1, "to": 2, "cases": "all", "dry_run": False})

    assert {r["case_id"]: r["ok"] for r in rows} == {moving.id: True, staying.id: False}
    assert (version_of(moving.id), version_of(staying.id)) == (2, 1)
    migrated = events_of(moving.id)[-1]
    assert (migrated.kind, migrated.actor) == ("migrated", DESIGNER)
    assert (migrated.data["from"], migrated.data["to"], migrated.data["actor"]) == (1, 2, DESIGNER)
    assert [m["element"] for m in migrated.data["mapping"]] == ["site_verification"]
    task_after = moving.task(CITY, "site_verification")
    assert (task_after["id"], task_after["due_at"], task_after["form"]) == (
        task_before["id"], task_before["due_at"], task_before["form"])
    assert verify(api, moving.id)["ok"] is True

    moving.complete(CITY, "site_verification", km.VERIFY_APPROVE, "2026-09-10T09:00")
    moving.complete(CITY, "publish_notice", km.NOTICE, "2026-09-28T09:00")
    # Version 1 ends this notice at 2026-10-16 00:00 (10 working days, National Day
    # holidays skipped); version 2 counts 15 working days: to the end of 2026-10-22.
    assert api.run_timers("2026-10-16T00:00") == 0
    assert moving.case()["data"]["notice_ends_on"] == "2026-10-22"
    assert api.run_timers("2026-10-23T00:00") == 1
    moving.complete(CITY, "register_objections", km.NO_OBJECTION, "2026-10-23T09:00")
    answer = moving.complete(CITY, "collective_decision", km.RECOGNIZE, "2026-11-20T09:00")
    assert answer["status"] == "recognized"
    assert verify(api, moving.id)["ok"] is True


def test_a_case_in_the_experts_parallel_reviews_moves_with_each_experts_task(api, tmp_path):
    case = CaseDriver(api, PROCESS, APPLICANT, CITY)
    at_expert_review(case)
    second_version(tmp_path)

    [row] = api.post(DESIGNER, URL, {"from": 1, "to": 2, "cases": [case.id], "dry_run": False})
    for number, expert in enumerate(km.EXPERTS):
        case.complete(expert, "expert_review", km.expert_opinion(80 + number), "2026-05-10T09:00")

    assert row["ok"] is True and version_of(case.id) == 2
    assert case.ready() == ["expert_decision"]
    assert verify(api, case.id)["ok"] is True


def test_a_notice_already_running_keeps_its_10_working_days_after_the_move(api, tmp_path):
    case = CaseDriver(api, PROCESS, APPLICANT, CITY)
    in_notice(case)
    second_version(tmp_path)

    [row] = api.post(DESIGNER, URL, {"from": 1, "to": 2, "cases": [case.id], "dry_run": False})
    fired = api.run_timers("2026-10-16T00:00")
    case.complete(CITY, "register_objections", km.NO_OBJECTION, "2026-10-16T09:00")
    answer = case.complete(CITY, "collective_decision", km.RECOGNIZE, "2026-11-20T09:00")

    assert row["ok"] is True and fired == 1
    assert (answer["status"], version_of(case.id)) == ("recognized", 2)
    assert verify(api, case.id)["ok"] is True


def test_a_case_that_cannot_move_stays_on_its_version_with_its_tasks(api, cases):
    _, staying = cases
    item = staying.task("km_county_wuhua", "county_review")

    [row] = api.post(DESIGNER, URL, {"from": 1, "to": 2, "cases": [staying.id],
                                     "dry_run": False})

    assert row["ok"] is False and "县级初审" in row["reason"]
    assert version_of(staying.id) == 1
    assert events_of(staying.id)[-1].kind != "migrated"
    assert staying.task("km_county_wuhua", "county_review")["id"] == item["id"]


def test_ended_cases_stay_on_their_version(api, cases):
    _, staying = cases
    db.session.execute(sa.update(Case).where(Case.id == staying.id).values(ended=True))
    db.session.commit()

    [row] = api.post(DESIGNER, URL, {"from": 1, "to": 2, "cases": [staying.id],
                                     "dry_run": False})

    assert row == {"case_id": staying.id, "ok": False,
                   "reason": "案卷已办结；已办结的案卷保留原版本。"}
    assert version_of(staying.id) == 1


def test_a_task_whose_new_form_drops_a_field_saved_in_its_draft_cannot_move(api, tmp_path):
    case = CaseDriver(api, PROCESS, APPLICANT, CITY)
    experts_done(case)
    case.complete(CITY, "expert_decision", km.EXPERT_APPROVE, "2026-06-01T09:00")
    forms = tmp_path / "forms"
    shutil.copytree(ROOT / "forms", forms)
    form = forms / "km_site_verification.yaml"
    form.write_text(re.sub(r"  - name: verifiers\n(    .*\n)+?(?=  - name:)", "",
                           form.read_text(encoding="utf-8")), encoding="utf-8")
    second_version(tmp_path, forms)
    body = {"from": 1, "to": 2, "cases": [case.id]}
    without_draft = api.post(DESIGNER, URL, body)
    item = case.task(CITY, "site_verification")
    tasks.save_draft(find_user(CITY), item["id"], {"verifiers": "张敏", "findings": "良好"},
                     api.now)

    [row] = api.post(DESIGNER, URL, {**body, "dry_run": False})

    assert without_draft[0]["ok"] is True
    assert row["ok"] is False
    assert row["reason"] == "新版本中「现场核查」的表单不再包含草稿中已保存的字段：核查人员。"
    assert version_of(case.id) == 1


def test_editing_the_migration_event_is_detected(api, cases):
    moving, _ = cases
    api.post(DESIGNER, URL, {"from": 1, "to": 2, "cases": [moving.id], "dry_run": False})
    migrated = events_of(moving.id)[-1]

    db.session.execute(sa.update(Event).where(Event.id == migrated.id).values(
        data={**migrated.data, "actor": "km_city"}))
    db.session.commit()
    answer = verify(api, moving.id)

    assert answer["ok"] is False
    assert [s["seq"] for s in answer["steps"] if not s["ok"]] == [migrated.seq]


@pytest.mark.parametrize(("username", "status"), [(CITY, 403), ("lc_designer", 403),
                                                  ("km_auditor", 403)])
def test_only_designers_and_administrators_of_the_jurisdiction_move_cases(api, cases, username,
                                                                            status):
    answer = api.post(username, URL, {"from": 1, "to": 2, "cases": "all"}, expect=status)

    assert answer["error"]
    assert version_of(cases[0].id) == 1


def test_cases_move_only_forward_to_a_published_version(api, cases):
    backwards = api.post(DESIGNER, URL, {"from": 2, "to": 1, "cases": "all"}, expect=422)
    db.session.execute(sa.update(ProcessVersion).where(
        ProcessVersion.key == PROCESS, ProcessVersion.version == 2).values(status="draft"))
    db.session.commit()
    unpublished = api.post(DESIGNER, URL, {"from": 1, "to": 2, "cases": "all",
                                           "dry_run": False}, expect=422)

    assert "2" in backwards["error"] and "1" in backwards["error"]
    assert "2" in unpublished["error"]
    assert version_of(cases[0].id) == 1


@pytest.mark.parametrize("body", [{"from": "1", "to": 2, "cases": "all"},
                                  {"from": 1, "to": 2, "cases": "some"},
                                  {"from": 1, "cases": "all"}])
def test_a_malformed_migration_request_is_refused(api, cases, body):
    answer = api.post(DESIGNER, URL, body, expect=400)

    assert answer["error"]


def test_the_migration_page_lists_the_dry_run_and_moves_the_chosen_cases(api, cases):
    moving, staying = cases
    client = api.app.test_client()
    client.post("/login", data={"username": DESIGNER, "password": "demo1234"})

    page = client.get(f"/processes/{PROCESS}/migrations?from=1&to=2").get_data(as_text=True)
    moved = client.post(f"/processes/{PROCESS}/migrations",
                        data={"from": "1", "to": "2", "case": [str(moving.id)]})
    result = moved.get_data(as_text=True)

    assert db.session.get(Case, moving.id).ref in page
    assert "待办任务「县级初审」在新版本中不存在。" in page
    assert page.count('name="case"') == 1
    assert moved.status_code == 200 and 'data-testid="migration-results"' in result
    assert "已迁移至第 2 版" in result
    assert version_of(moving.id) == 2
    client.post("/logout")
    client.post("/login", data={"username": "km_auditor", "password": "demo1234"})
    history = client.get(f"/cases/{moving.id}").get_data(as_text=True)
    refused = client.get(f"/processes/{PROCESS}/migrations?from=1&to=2")
    assert "迁移至新版流程" in history and "v1 → v2" in history
    assert refused.status_code == 403  # auditors read cases but do not move them
    assert db.session.scalars(sa.select(WorkItem).where(
        WorkItem.case_id == staying.id, WorkItem.status == "ready")).one().name == "county_review"
