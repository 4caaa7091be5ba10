"""Replay stays deterministic: each state change records the calendar override set it was
computed with, and verification replays on exactly that set, whatever changed since."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import CalendarDay, CalendarSet, Event
from app.services import audit, calendar_days
from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver
from tests.processes.test_kunming import CITY, in_notice

# Inside the notice that 2026-09-28 opens (ten working days, ending 2026-10-15).
NOTICE_MONDAY = dt.date(2026, 10, 12)


def verify(case: CaseDriver) -> dict:
    return case.api.post("km_auditor", f"/api/cases/{case.id}/verify")


def failures(answer: dict) -> list[dict]:
    return [step for step in answer["steps"] if not step["ok"]]


def events_of(case: CaseDriver) -> list[Event]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Event).where(Event.case_id == case.id)
                                   .order_by(Event.seq)))


def stored_sets() -> list[str]:
    return list(db.session.scalars(sa.select(CalendarSet.hash).order_by(CalendarSet.hash)))


def rechain_without_sets(case: CaseDriver) -> None:
    """Make the case's events look as those recorded before calendar sets were kept."""
    ref, previous = case.case()["ref"], audit.GENESIS
    for event in events_of(case):
        event.calendar, event.prev_hash = None, previous
        event.hash = previous = audit.chain_hash(previous, ref, event)
    db.session.commit()


@pytest.fixture
def noticed(api) -> CaseDriver:
    """A Kunming case whose ten-working-day notice was published on 2026-09-28."""
    case = CaseDriver(api, "kunming_recognition", "km_applicant", CITY)
    in_notice(case)
    assert case.case()["data"]["notice_ends_on"] == "2026-10-15"
    return case


def test_a_holiday_added_inside_a_running_notice_does_not_break_its_verification(noticed):
    recorded = events_of(noticed)[-1].calendar

    calendar_days.set_override(NOTICE_MONDAY, False, "declared after the notice began")

    assert recorded != calendar_days.set_hash(calendar_days.overrides())
    answer = verify(noticed)
    assert answer["ok"] is True, failures(answer)


def test_the_case_goes_on_and_verifies_across_the_override_change(noticed):
    calendar_days.set_override(NOTICE_MONDAY, False, "declared after the notice began")

    # The deadline computed at publication stands: the timer fires when it was set to.
    assert noticed.api.run_timers("2026-10-16T00:00") == 1
    noticed.complete(CITY, "register_objections", km.NO_OBJECTION, "2026-10-16T09:00")
    answer = noticed.complete(CITY, "collective_decision", km.RECOGNIZE, "2026-11-20T09:00")

    assert answer["status"] == "recognized"
    verified = verify(noticed)
    assert verified["ok"] is True, failures(verified)
    before, after = events_of(noticed)[0].calendar, events_of(noticed)[-1].calendar
    assert before != after and stored_sets() == sorted([before, after])


def test_every_state_change_names_the_set_it_was_computed_with(noticed):
    events = events_of(noticed)
    current = calendar_days.set_hash(calendar_days.overrides())

    changes = [e for e in events if e.kind in audit.STATE_KINDS]
    assert {e.kind for e in changes} >= {"case_started", "task_completed"}
    assert {e.calendar for e in changes} == {current}
    assert all(e.calendar is None for e in events if e.kind not in audit.STATE_KINDS)
    listed = noticed.api.get("km_auditor", f"/api/cases/{noticed.id}/events")
    assert [e["calendar"] for e in listed] == [e.calendar for e in events]


def test_each_distinct_set_is_stored_once_under_the_sha256_of_its_canonical_text(noticed):
    CaseDriver(noticed.api, "kunming_recognition", "km_applicant", CITY).start()
    current = calendar_days.overrides()

    text = json.dumps({day.isoformat(): working for day, working in current.items()},
                      sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert stored_sets() == [digest]
    assert db.session.get(CalendarSet, digest).days == {d.isoformat(): w
                                                        for d, w in current.items()}


def test_the_set_hash_does_not_depend_on_the_order_of_the_days():
    days = {dt.date(2026, 10, 1): False, dt.date(2026, 9, 27): True}

    assert calendar_days.set_hash(days) == calendar_days.set_hash(dict(reversed(days.items())))
    assert calendar_days.set_hash(days) != calendar_days.set_hash({dt.date(2026, 10, 1): False})


def test_events_recorded_before_sets_were_kept_still_verify(noticed):
    rechain_without_sets(noticed)

    answer = verify(noticed)

    assert answer["ok"] is True, failures(answer)
    assert all(e.calendar is None for e in events_of(noticed))


def test_events_recorded_before_sets_were_kept_replay_on_todays_overrides(noticed):
    # The documented limit, and what every case met before: the notice replays on the new
    # holiday, ends a day later, and the publication no longer matches its record.
    rechain_without_sets(noticed)
    calendar_days.set_override(NOTICE_MONDAY, False, "declared after the notice began")

    answer = verify(noticed)

    publication = [e.seq for e in events_of(noticed) if e.task == "publish_notice"][-1]
    assert answer["ok"] is False
    assert failures(answer)[0]["seq"] == publication
    assert failures(answer)[0]["detail"] == "replayed state differs from the recorded one"


def test_an_altered_stored_set_is_named_by_verification(noticed):
    digest = events_of(noticed)[0].calendar
    db.session.get(CalendarSet, digest).days = {NOTICE_MONDAY.isoformat(): False}
    db.session.commit()

    answer = verify(noticed)

    assert answer["ok"] is False
    assert f"the calendar set {digest[:12]} was altered" in failures(answer)[0]["detail"]
    assert failures(answer)[0]["seq"] == 1


def test_a_deleted_stored_set_is_named_by_verification(noticed):
    digest = events_of(noticed)[0].calendar
    db.session.execute(sa.delete(CalendarSet))
    db.session.commit()

    answer = verify(noticed)

    assert answer["ok"] is False
    assert f"the calendar set {digest[:12]} an event recorded is missing" in (
        failures(answer)[0]["detail"])


def test_a_transaction_reads_the_overrides_once_and_again_after_they_change(noticed):
    db.session.commit()
    first = calendar_days.overrides()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert calendar_days.overrides() == first and statements == []
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)

    calendar_days.set_override(NOTICE_MONDAY, False)
    assert calendar_days.overrides() == {**first, NOTICE_MONDAY: False}

    db.session.add(CalendarDay(day=NOTICE_MONDAY + dt.timedelta(days=1), working=False))
    db.session.flush()
    assert calendar_days.overrides()[NOTICE_MONDAY + dt.timedelta(days=1)] is False
