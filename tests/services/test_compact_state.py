"""Compact case state: a recognised Kunming case is stored in at most 8 KB, and a state written
in the format of before (plain JSON, every task's deltas written out) still loads, goes on,
replays and verifies, before and after migration 0016 rewrites it."""

from __future__ import annotations

import base64
import importlib.util
import zlib

from flask_migrate import stamp, upgrade

from app import engine
from app.config import ROOT
from app.engine import serializer
from app.extensions import db
from app.models import Case
from app.services import audit
from tests.processes.driver import CaseDriver
from tests.processes.test_kunming import APPLICANT, CITY, recognized

LIMIT = 8 * 1024
MIGRATION = ROOT / "migrations" / "versions" / "0016_compact_state.py"


def recognised_case(api) -> Case:
    case = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    assert recognized(case)["status"] == "recognized"
    return db.session.get(Case, case.id)


def to_old_format(case: Case) -> None:
    """Write the case's state as states were written before the compact format."""
    case.state = serializer.plain(case.state, case.process_version.spec)
    db.session.commit()


def test_a_recognised_kunming_case_is_stored_in_at_most_8_kb(api):
    case = recognised_case(api)

    assert case.state.startswith(serializer.PACKED)
    assert len(case.state.encode("utf-8")) <= LIMIT
    # Nothing of the case is lost: the stored state describes the case data the row holds.
    described = engine.describe(case.process_version.spec, case.state)
    assert described.data == case.data and described.data["case_status"] == "recognized"
    assert described.fingerprint == case.state_hash


def test_an_old_format_state_loads_goes_on_replays_and_verifies(api):
    case = recognised_case(api)
    packed, spec = case.state, case.process_version.spec
    to_old_format(case)

    assert case.state.startswith("{") and len(case.state.encode("utf-8")) > 2 * LIMIT
    old = engine.describe(spec, case.state)
    assert (old.data, old.fingerprint) == (engine.describe(spec, packed).data, case.state_hash)
    assert audit.verify_case(case)["ok"]
    # The case goes on from the old state: the title's first annual summary starts.
    assert api.run_timers("2027-01-01T00:00") == 1
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.state.startswith(serializer.PACKED) and len(case.children) == 1
    assert audit.verify_case(case)["ok"]


def test_a_compact_state_written_in_base85_as_before_loads_goes_on_and_verifies(api):
    case = recognised_case(api)
    spec, text = case.process_version.spec, serializer.state_json(case.state)
    now = engine.describe(spec, case.state)
    case.state = serializer.PACKED_B85 + base64.b85encode(
        zlib.compress(text.encode("utf-8"), 9)).decode("ascii")
    db.session.commit()

    before = engine.describe(spec, case.state)
    assert (before.data, before.fingerprint) == (now.data, case.state_hash)
    assert serializer.plain(case.state, spec).startswith("{")
    assert audit.verify_case(case)["ok"]
    assert api.run_timers("2027-01-01T00:00") == 1  # the title's first annual summary starts
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.state.startswith(serializer.PACKED) and len(case.children) == 1
    assert audit.verify_case(case)["ok"]

def test_migration_0016_rewrites_old_states_and_keeps_them_verifying(api):
    case = recognised_case(api)
    to_old_format(case)
    old = engine.describe(case.process_version.spec, case.state)
    spec = importlib.util.spec_from_file_location("compact_state", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    folder = str(ROOT / "migrations")
    db.session.remove()

    stamp(directory=folder, revision=module.down_revision)
    upgrade(directory=folder, revision=module.revision)

    case = db.session.get(Case, case.id)
    assert case.state.startswith(serializer.PACKED) and len(case.state.encode()) <= LIMIT
    new = engine.describe(case.process_version.spec, case.state)
    assert (new.data, new.ready, new.waiting, new.fingerprint) == (
        old.data, old.ready, old.waiting, old.fingerprint)
    assert audit.verify_case(case)["ok"]


def to_first_rule(case: Case) -> None:
    """Record the case's fingerprints by rule 1, as events recorded before rule 2 hold them,
    and chain the events again (they were recorded so)."""
    events, rule_1, current = audit.case_events(case), {}, None
    for replayed in audit.replayed(case, events):
        if replayed.step is not None:
            current = engine.state_fingerprint(replayed.spec, replayed.step.state,
                                               audit.GENESIS)
        rule_1[replayed.event.seq] = current  # every event records the state of its time
    rechain(case, events, lambda event: rule_1[event.seq])
    case.state_hash = events[-1].state_hash
    db.session.commit()


def rechain(case: Case, events: list, state_hash=lambda event: event.state_hash) -> None:
    previous = audit.GENESIS
    for event in events:
        event.state_hash, event.prev_hash = state_hash(event), previous
        event.hash = previous = audit.chain_hash(previous, case.ref, event)
    db.session.commit()


def test_events_recorded_under_the_first_fingerprint_rule_keep_it(api):
    case = recognised_case(api)
    to_first_rule(case)
    events = audit.case_events(case)

    assert not any(e.state_hash.startswith(engine.FINGERPRINT_V2) for e in events
                   if e.state_hash)
    assert audit.quick_replay_confirms(case, events) and audit.verify_case(case)["ok"]
    # Later events of the same case follow rule 2; the chain verifies across both.
    assert api.run_timers("2027-01-01T00:00") == 1
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    events = audit.case_events(case)
    assert events[-1].state_hash.startswith(engine.FINGERPRINT_V2)
    assert audit.verify_case(case)["ok"]

    # A forged submission with a rebuilt chain: the step-by-step replay names that event,
    # and only that one, under either rule.
    forged = next(e for e in events if e.task == "county_review")
    forged.data = {**forged.data, "form": {**forged.data["form"], "assessment": "伪造"}}
    rechain(case, events)
    failed = [s for s in audit.verify_case(case)["steps"] if not s["ok"]]
    assert failed and failed[0]["seq"] == forged.seq and "differs" in failed[0]["detail"]
