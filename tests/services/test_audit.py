"""The hash-chained event log and its verification by replay, through the API and the CLI."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from types import SimpleNamespace

import orjson
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Event
from app.services import audit
from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver

APPLICANT, COUNTY, CITY = "km_applicant", "km_county_wuhua", "km_city"


def verify(case: CaseDriver) -> dict:
    return case.api.post("km_auditor", f"/api/cases/{case.id}/verify")


def events_of(case_id: int) -> list[Event]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Event).where(Event.case_id == case_id)
                                   .order_by(Event.seq)))


def cli_verify(case: CaseDriver, ref: str | None = None):
    ref = ref or case.case()["ref"]
    return case.api.app.test_cli_runner().invoke(args=["audit", "verify", ref])


@pytest.fixture
def reviewed(api) -> CaseDriver:
    """A Kunming case submitted, returned, corrected and approved by the county."""
    case = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    case.start()
    case.complete(APPLICANT, "submit_application", km.APPLICATION, "2026-03-02T09:00")
    case.complete(COUNTY, "county_review", km.COUNTY_RETURN, "2026-03-10T09:00")
    case.complete(APPLICANT, "correct_application", {**km.APPLICATION, "employee_count": 820},
                  "2026-03-15T09:00")
    case.complete(COUNTY, "county_review", km.COUNTY_APPROVE, "2026-03-20T09:00")
    return case


def completion_seq(case: CaseDriver, task: str, occurrence: int = 0) -> int:
    return [e.seq for e in events_of(case.id)
            if e.kind == "task_completed" and e.task == task][occurrence]


# --- the chain --------------------------------------------------------------------------------

def test_events_form_a_hash_chain_from_genesis(reviewed):
    events = events_of(reviewed.id)
    ref = reviewed.case()["ref"]

    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == audit.GENESIS
    for previous, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == previous.hash
    for event in events:
        text = event.prev_hash + audit.canonical(ref, event)
        assert event.hash == hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chain(ref: str, data_of_each: list) -> list[Event]:
    events, prev = [], audit.GENESIS
    for seq, data in enumerate(data_of_each, start=1):
        event = Event(seq=seq, at=dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc),
                      actor="km_county_wuhua", kind="task_completed", task="county_review",
                      task_id="t", data=data, state_hash="v2:" + "0" * 61, prev_hash=prev)
        event.hash = prev = audit.chain_hash(prev, ref, event)
        events.append(event)
    return events


def test_the_chain_check_agrees_with_the_canonical_text_for_every_value():
    # The chain check reads the text orjson writes first; these values it writes otherwise
    # (exponents, an integer over 64 bits), and the canonical text decides.
    odd = [{"form": {"ratio": 1e-05}}, {"form": {"big": 10 ** 16 * 1.0}},
           {"form": {"count": 2 ** 70}}, {"form": {"说明": "第一行\n第二行\u001f", "分": 85.5}}]
    case = SimpleNamespace(ref="KM-2026-0009")
    events = _chain(case.ref, odd)

    assert orjson.dumps(odd[0]).decode() != json.dumps(odd[0], separators=(",", ":"))
    assert audit._check_chain(case, events) == {}
    events[3].data = {"form": {"说明": "第一行", "分": 85.5}}  # edited afterwards
    events[0].data = {"form": {"ratio": 2e-05}}
    assert set(audit._check_chain(case, events)) == {1, 4}


def test_the_events_api_lists_what_happened_in_order(reviewed):
    events = reviewed.api.get("km_auditor", f"/api/cases/{reviewed.id}/events")

    assert [(e["kind"], e["task"]) for e in events if e["kind"] != "attachment_added"] == [
        ("case_started", None), ("task_completed", "submit_application"),
        ("task_completed", "county_review"), ("task_completed", "correct_application"),
        ("task_completed", "county_review")]
    assert all(set(e) >= {"seq", "at", "actor", "kind", "task", "data", "state_hash", "hash"}
               for e in events)
    returned = [e for e in events if e["task"] == "county_review"][0]
    assert returned["actor"] == COUNTY
    assert returned["at"].startswith("2026-03-10T01:00:00")
    assert returned["data"]["form"]["decision"] == "return"


def test_the_verify_answer_has_one_step_per_event(reviewed):
    answer = verify(reviewed)

    assert set(answer) == {"ok", "steps", "anchor", "anchored"} and answer["ok"] is True
    assert answer["anchor"] is None and answer["anchored"] is None  # not anchored yet
    assert [s["seq"] for s in answer["steps"]] == [e.seq for e in events_of(reviewed.id)]
    for step in answer["steps"]:
        assert set(step) == {"seq", "ok", "detail"}
        assert step["ok"] is True and step["detail"] == "match"


# --- tampering is detected --------------------------------------------------------------------

def test_editing_an_events_data_in_the_database_is_detected_at_that_step(reviewed):
    seq = completion_seq(reviewed, "county_review")
    event = next(e for e in events_of(reviewed.id) if e.seq == seq)
    forged = {**event.data, "form": {**event.data["form"], "decision_reason": "（已改写）"}}
    db.session.execute(sa.text("UPDATE event SET data = :data WHERE id = :id"),
                       {"data": json.dumps(forged, ensure_ascii=False), "id": event.id})
    db.session.commit()

    answer = verify(reviewed)

    assert answer["ok"] is False
    failed = [s for s in answer["steps"] if not s["ok"]]
    assert failed[0]["seq"] == seq and "chain" in failed[0]["detail"]
    assert all(s["ok"] for s in answer["steps"] if s["seq"] < seq)
    # Later steps replay on the forged data, so they no longer match either.
    assert all("chain" not in s["detail"] for s in failed[1:])
    result = cli_verify(reviewed)
    assert result.exit_code == 1
    assert "MISMATCH" in result.output and f"#{seq}:" in result.output


def test_deleting_an_event_is_detected(reviewed):
    seq = completion_seq(reviewed, "county_review")
    db.session.execute(sa.text("DELETE FROM event WHERE case_id = :case AND seq = :seq"),
                       {"case": reviewed.id, "seq": seq})
    db.session.commit()

    answer = verify(reviewed)

    assert answer["ok"] is False
    assert [s["seq"] for s in answer["steps"] if not s["ok"]][0] == seq + 1
    assert cli_verify(reviewed).exit_code == 1


def test_deleting_the_last_event_is_detected(reviewed):
    last = events_of(reviewed.id)[-1]
    seq = last.seq
    db.session.execute(sa.text("DELETE FROM event WHERE id = :id"), {"id": last.id})
    db.session.commit()

    answer = verify(reviewed)

    assert answer["ok"] is False
    assert [(s["seq"], s["ok"]) for s in answer["steps"]][-1] == (seq, False)
    assert "removed" in answer["steps"][-1]["detail"]
    assert all(s["ok"] for s in answer["steps"][:-1])


def test_a_forged_submission_with_a_rebuilt_chain_fails_the_replay(reviewed):
    # Someone edits a submitted value and recomputes every hash after it: the chain
    # looks intact, but re-executing the case no longer gives the recorded state.
    ref = reviewed.case()["ref"]
    seq = completion_seq(reviewed, "submit_application")
    previous = audit.GENESIS
    for event in events_of(reviewed.id):
        if event.seq == seq:
            form = {**event.data["form"], "employee_count": 9999}
            event.data = {**event.data, "form": form}
        event.prev_hash = previous
        event.hash = audit.chain_hash(previous, ref, event)
        previous = event.hash
    db.session.commit()

    answer = verify(reviewed)

    failed = [s for s in answer["steps"] if not s["ok"]]
    assert failed and failed[0]["seq"] == seq
    assert "differs" in failed[0]["detail"]
    assert all("chain" not in s["detail"] for s in answer["steps"])


def test_audit_verify_exits_0_for_an_untouched_case(reviewed):
    result = cli_verify(reviewed)

    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("ok")


def test_audit_verify_all_reports_each_case(reviewed, api):
    other = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    other.start()

    result = api.app.test_cli_runner().invoke(args=["audit", "verify", "--all"])

    assert result.exit_code == 0
    assert len([line for line in result.output.splitlines() if line.endswith("\tok")]) == 2


def test_audit_verify_of_an_unknown_case_exits_1(reviewed):
    assert cli_verify(reviewed, "KM-1999-9999").exit_code == 1


# --- replay at every step of a full life ------------------------------------------------------

def test_an_untouched_case_verifies_after_every_step_including_timers_and_child_messages(api):
    case = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    checked: list[str] = []

    def step(label: str, action) -> None:
        action()
        answer = verify(case)
        assert answer["ok"] is True, (label, [s for s in answer["steps"] if not s["ok"]])
        checked.append(label)

    step("start", lambda: case.start())
    step("submit", lambda: case.complete(APPLICANT, "submit_application", km.APPLICATION,
                                         "2026-03-02T09:00"))
    step("county", lambda: case.complete(COUNTY, "county_review", km.COUNTY_APPROVE,
                                         "2026-03-10T09:00"))
    step("site", lambda: case.complete(COUNTY, "site_inspection", km.site_inspection(),
                                       "2026-04-10T09:00"))
    step("assign", lambda: case.complete(CITY, "assign_experts", km.ASSIGN_EXPERTS,
                                         "2026-05-01T09:00"))
    for number, expert in enumerate(km.EXPERTS):
        step(expert, lambda e=expert, n=number: case.complete(
            e, "expert_review", km.expert_opinion(80 + n), "2026-05-10T09:00"))
    step("decide", lambda: case.complete(CITY, "expert_decision", km.EXPERT_APPROVE,
                                         "2026-06-01T09:00"))
    step("verify", lambda: case.complete(CITY, "site_verification", km.VERIFY_APPROVE,
                                         "2026-09-10T09:00"))
    step("notice", lambda: case.complete(CITY, "publish_notice", km.NOTICE, "2026-09-28T09:00"))
    step("notice ends", lambda: case.api.run_timers("2026-10-16T00:00"))
    step("objections", lambda: case.complete(CITY, "register_objections", km.OBJECTION,
                                             "2026-10-16T09:00"))
    step("investigated", lambda: case.complete(CITY, "investigate_objections", km.INVESTIGATE_OK,
                                               "2026-10-20T09:00"))
    step("recognized", lambda: case.complete(CITY, "collective_decision", km.RECOGNIZE,
                                             "2026-11-20T09:00"))
    step("expiry year opens", lambda: case.api.run_timers("2029-01-01T00:00"))
    child = case.child("kunming_rereview")
    for username, task, data, when in km.reapplication_steps():
        label = task or f"timers {when}"
        if task is None:
            step(label, lambda w=when: child.api.run_timers(w))
        else:
            step(label, lambda u=username, t=task, d=data, w=when: child.complete(u, t, d, w))
        assert verify(child)["ok"] is True, label

    kinds = {e.kind for e in events_of(case.id)}
    assert {"timers_fired", "child_started", "message_received"} <= kinds
    assert case.case()["valid_until"] == "2032-11-19"
    assert checked[-1] == "collective_decision" and len(checked) == 29
    assert cli_verify(case).exit_code == 0
    assert cli_verify(child).exit_code == 0
