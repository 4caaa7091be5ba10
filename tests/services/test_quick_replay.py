"""The quick replay verification runs (engine/replay.py) reaches, event by event, exactly the
fingerprints of the step-by-step replay (audit.replayed) on real Kunming cases: through
recognition and the follow-ups of its title, with an expert replaced, and moved to a second
version. Where it does not confirm, verification names the failing event as before."""

from __future__ import annotations

import gc
import json
import weakref

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.util.task import TaskState

from app.engine import quick_walks, runtime
from app.engine.replay import Replay, _compact_json, _packed
from app.extensions import db
from app.models import Case
from app.services import audit, users
from tests.bench.verify_all import sample_case
from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver
from tests.processes.test_kunming import APPLICANT, CITY, COUNTY, at_expert_review, experts_done
from tests.processes.test_migration import URL, second_version


def quick_and_stepwise(case_id: int, reuse_rows: bool = False) -> tuple[list, list]:
    """Return [(seq, fingerprint)] of the quick replay and of replayed()."""
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    events = audit.case_events(case)
    quick = [(event.seq, reached) for event, reached in audit.quick_fingerprints(
        case, events, Replay(reuse_rows=reuse_rows))]
    stepwise = [(r.event.seq, r.step.fingerprint if r.step else None)
                for r in audit.replayed(case, events) if r.event.kind in audit.STATE_KINDS]
    return quick, stepwise


def assert_quick_replay_exact(case_id: int) -> None:
    quick, stepwise = quick_and_stepwise(case_id)
    case = db.session.get(Case, case_id)
    events = audit.case_events(case)
    recorded = {event.seq: event.state_hash for event in events}

    assert quick == stepwise
    assert quick and all(reached in (None, recorded[seq]) for seq, reached in quick)
    assert audit.quick_replay_confirms(case, events) is True


def _orders_walked_again_alike(monkeypatch) -> list:
    """Check every order walked again only where the tree changed against one built anew;
    return [whether each was alike]. A mismatch is recorded, not raised: raised inside the
    replay, it would only make the quick replay give way to the step-by-step one."""
    alike, respliced = [], quick_walks._Order.respliced

    def checked(order, parents):
        if not respliced(order, parents):
            return False
        whole = quick_walks._Order(order.top)
        alike.append(all(getattr(order, name) == getattr(whole, name) for name in (
            "tasks", "ends", "stops", "holders", "top_stops")) and all(
            [p for p in getattr(order, live) if not order.tasks[p]._state & quick_walks._ENDED]
            == [p for p in every if not whole.tasks[p]._state & quick_walks._ENDED]
            for live, every in (("live", range(len(whole.tasks))), ("live_stops", whole.stops),
                                ("live_top_stops", whole.top_stops))))
        return True
    monkeypatch.setattr(quick_walks._Order, "respliced", checked)
    return alike


def test_a_case_through_recognition_and_three_years_of_its_title(loaded_app, monkeypatch):
    case = sample_case(loaded_app)

    alike = _orders_walked_again_alike(monkeypatch)
    quick, stepwise = quick_and_stepwise(case.id, reuse_rows=True)
    assert len(audit.case_events(case)) == 35 and len(quick) == 25
    # The tree changed below a task some fifty times: its order walked again there only.
    assert len(alike) > 40 and all(alike)
    monkeypatch.undo()
    assert quick == stepwise  # the rows of finished tasks reused: still every fingerprint
    session = Replay()
    list(audit.quick_fingerprints(case, audit.case_events(case), session))
    workflow = session.workflow  # its tree grew and lost predicted tasks 25 times
    for state in (TaskState.READY, TaskState.WAITING, TaskState.COMPLETED, TaskState.ANY_MASK,
                  TaskState.MAYBE | TaskState.LIKELY):
        spiff = BpmnWorkflow.get_tasks(workflow, state=state)
        assert workflow.get_tasks(state=state) == spiff
    assert len(workflow.get_tasks(state=TaskState.WAITING)) >= 1
    assert_quick_replay_exact(case.id)
    for child in case.children:  # summaries, change filings, the re-application
        assert_quick_replay_exact(child.id)


def test_an_expert_replaced_during_the_review(api):
    users.create_user("km_expert4", "expert", "kunming", name="评审专家 李新", policy=False)
    case = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    at_expert_review(case)
    [task] = [t for t in api.get(CITY, f"/api/cases/{case.id}")["tasks"]
              if t["assignee"] == "km_expert1"]
    api.post(CITY, f"/api/tasks/{task['id']}/reassign",
             {"assignee": "km_expert4", "reason": "十个工作日未提交评审意见。"})
    assert_quick_replay_exact(case.id)  # while the review is open

    for expert in ("km_expert4", "km_expert2", "km_expert3"):
        case.complete(expert, "expert_review", km.expert_opinion(85), "2026-05-20T09:00")
    assert_quick_replay_exact(case.id)


def test_a_case_moved_to_a_second_version(api, tmp_path):
    moving = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    experts_done(moving)
    moving.complete(CITY, "expert_decision", km.EXPERT_APPROVE, "2026-06-01T09:00")
    assert second_version(tmp_path) == 2
    api.post("km_designer", URL, {"from": 1, "to": 2, "cases": [moving.id], "dry_run": False})
    moving.complete(CITY, "site_verification", km.VERIFY_APPROVE, "2026-09-10T09:00")

    assert [e.kind for e in audit.case_events(db.session.get(Case, moving.id))].count(
        "migrated") == 1
    assert_quick_replay_exact(moving.id)


def test_a_returned_and_corrected_application(api):
    # The county review runs twice: Spiff merges the corrected form into data that tasks
    # finished in the first round share, so their rows change though they stay completed.
    case = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    case.start()
    case.complete(APPLICANT, "submit_application", km.APPLICATION, "2026-03-02T09:00")
    case.complete(COUNTY, "county_review", km.COUNTY_RETURN, "2026-03-10T09:00")
    case.complete(APPLICANT, "correct_application", {**km.APPLICATION, "employee_count": 820},
                  "2026-03-15T09:00")
    case.complete(COUNTY, "county_review", km.COUNTY_APPROVE, "2026-03-20T09:00")

    assert_quick_replay_exact(case.id)
    # Reused rows do not show the merge: that replay misses, the one writing every row confirms.
    reused, stepwise = quick_and_stepwise(case.id, reuse_rows=True)
    assert reused != stepwise and reused[:3] == stepwise[:3]
    assert audit.verify_case(db.session.get(Case, case.id))["ok"] is True
    # The last state fingerprinted again reuses no stale row: the merged data is seen.
    session = Replay(reuse_rows=True)
    events = audit.case_events(db.session.get(Case, case.id))
    list(audit.quick_fingerprints(db.session.get(Case, case.id), events, session))
    assert session.exact() == runtime.fingerprint(session.workflow) == events[-1].state_hash


def test_the_last_state_fingerprinted_again_equals_the_engine_fingerprint(loaded_app):
    case = sample_case(loaded_app)
    events = audit.case_events(case)
    session = Replay(reuse_rows=True)
    list(audit.quick_fingerprints(case, events, session))
    kept = sum(1 for entry in session._compact.values() if entry[2] is not None)

    assert kept > 50  # most finished tasks' rows are compared by their packed bytes
    assert session.exact() == runtime.fingerprint(session.workflow) == events[-1].state_hash
    # A finished task's data changed in place: its row is written again, not reused.
    finished = next(task for task in session._compact if task.data)
    finished.data["changed in place"] = 1
    assert session.exact() == runtime.fingerprint(session.workflow) != events[-1].state_hash


def test_rows_pack_alike_only_when_their_json_is_alike():
    assert len({_packed([1]), _packed([True]), _packed([1.0]), _packed(["1"])}) == 4
    assert _packed([{"a": 1}, "评审"]) == _packed([{"a": 1}, "评审"])
    # Another order writes the same sorted JSON but other bytes: the row is written again.
    assert _packed([{"a": 1, "b": 2}]) != _packed([{"b": 2, "a": 1}])
    assert _packed([BpmnEvent(None, "x")]) is not None  # beyond marshal: pickled


class _Opinion:
    """An object in task data, written by its content (runtime._by_content)."""

    def __init__(self) -> None:
        self.text, self.score = "符合", 1.5


@pytest.mark.parametrize("value", [
    ["county_review", 64, [{"意见": "符合", "a\"\n\u2028": [1, 2.5, -0.0, 1e16, None]}, []], {}],
    ["gateway", 8, None, {}],
    {"z": True, "a": False, "m": {"b": float("inf"), "a": float("nan")}, "数": 10**30},
    {2: "b", 1: "a", 10: "c"},  # JSON writes every key as text, sorted as numbers
    [_Opinion(), {"when": "2026-12-03"}, "", [], {}],
])
def test_rows_are_written_as_the_fingerprint_rule_writes_them(value):
    assert _compact_json(value) == json.dumps(value, **runtime.COMPACT_JSON)


def test_a_circular_value_is_refused_not_written():
    looped: dict = {}
    looped["self"] = looped
    with pytest.raises(RecursionError):
        _compact_json(looped)


@pytest.fixture
def reviewed(api) -> CaseDriver:
    case = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    at_expert_review(case)
    return case


def test_an_edited_event_with_a_rebuilt_chain_is_not_confirmed_and_is_named(reviewed):
    case = db.session.get(Case, reviewed.id)
    events = audit.case_events(case)
    [edited] = [e for e in events if e.task == "county_review"]
    edited.data = {**edited.data, "form": {**edited.data["form"], "assessment": "改写"}}
    previous = audit.GENESIS
    for event in events:
        event.prev_hash, event.hash = previous, audit.chain_hash(previous, case.ref, event)
        previous = event.hash
    db.session.commit()

    assert audit.quick_replay_confirms(case, events) is False
    answer = audit.verify_case(case)
    failed = [s for s in answer["steps"] if not s["ok"]]
    assert answer["ok"] is False and failed[0] == {
        "seq": edited.seq, "ok": False, "detail": "replayed state differs from the recorded one"}


def test_a_task_that_was_never_ready_is_not_confirmed_and_is_named(reviewed):
    case = db.session.get(Case, reviewed.id)
    events = audit.case_events(case)
    [edited] = [e for e in events if e.task == "site_inspection"]
    edited.task = "collective_decision"
    previous = audit.GENESIS
    for event in events:
        event.prev_hash, event.hash = previous, audit.chain_hash(previous, case.ref, event)
        previous = event.hash
    db.session.commit()

    assert audit.quick_replay_confirms(case, events) is False
    failed = [s for s in audit.verify_case(case)["steps"] if not s["ok"]]
    assert failed[0]["seq"] == edited.seq
    assert failed[0]["detail"] == ("replay failed: task collective_decision is not ready "
                                   "during replay")




def test_a_replayed_case_is_freed_without_waiting_for_a_garbage_collection(loaded_app):
    case = sample_case(loaded_app)
    events = audit.case_events(case)
    session = Replay(reuse_rows=True)
    kept = []
    real_exact = session.exact

    def exact():  # the last moment the workflow is whole: watch its tasks from here
        kept.extend(weakref.ref(task) for task in session.workflow.get_tasks())
        return real_exact()
    session.exact = exact

    gc.disable()
    try:
        assert audit._quick_confirms(case, events, session) is True
        alive = sum(ref() is not None for ref in kept)
    finally:
        gc.enable()

    assert len(kept) > 100
    assert alive == 0 and session.workflow is None
