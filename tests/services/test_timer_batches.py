"""`timers run` fires everything due, however much: in batches, with progress, once each."""

from __future__ import annotations

import sqlalchemy as sa

from app.errors import N_, AppError
from app.extensions import db
from app.models import Case, Event
from app.services import audit, oversight_rollups, preloaded, progress, timers, transaction
from tests.clones import clone_cases
from tests.conftest import at
from tests.services.mini_cases import in_notice

DUE = "2026-10-16T00:00:00+08:00"


def test_timers_run_fires_more_than_500_due_cases_in_batches(mini_app, user):
    original = in_notice(user("tl_applicant"), user("tl_county_east"), user("tl_city"))
    clone_cases(original, 520, at("2026-09-28T09:00"))

    result = mini_app.test_cli_runner().invoke(args=["timers", "run", "--now", DUE])
    again = mini_app.test_cli_runner().invoke(args=["timers", "run", "--now", DUE])

    lines = result.output.strip().splitlines()
    assert result.exit_code == 0 and lines[-1] == "521"
    assert [line.split(" ", 1)[1] for line in lines[:-1]] == [
        "batch 1: 200 due cases looked at, 200 moved",
        "batch 2: 400 due cases looked at, 400 moved",
        "batch 3: 521 due cases looked at, 521 moved"]
    assert again.output.strip() == "0"
    db.session.expire_all()
    statuses = db.session.scalars(sa.select(Case.status).distinct()).all()
    fired = db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.kind == "timers_fired"))
    assert statuses == ["recognized"] and fired == 521


def test_a_run_reports_each_batch_and_skips_nothing_between_them(mini_app, user):
    original = in_notice(user("tl_applicant"), user("tl_county_east"), user("tl_city"))
    clone_cases(original, 11, at("2026-09-28T09:00"))
    reports = []

    moved = timers.run_due_timers(at("2026-10-16T00:00"), lambda *r: reports.append(r), batch=5)

    assert moved == 12 and reports == [(1, 5, 5), (2, 10, 10), (3, 12, 12)]
    assert timers.due_case_ids(at("2026-10-16T00:00")) == []


def test_a_case_that_fails_to_fire_holds_back_no_other_of_its_transaction(mini_app, user,
                                                                       monkeypatch, capsys):
    original = in_notice(user("tl_applicant"), user("tl_county_east"), user("tl_city"))
    copies = clone_cases(original, 4, at("2026-09-28T09:00"))
    failing, fire, waiting = copies[1], progress.fire_due_timers, original.status

    def fire_unless_failing(case, now):
        if case.id == failing:  # as a case whose step the engine refuses
            raise AppError(N_("Case %(ref)s cannot move."), ref=case.ref)
        fire(case, now)
    monkeypatch.setattr(progress, "fire_due_timers", fire_unless_failing)

    moved = timers.run_due_timers(at("2026-10-16T00:00"))

    db.session.expire_all()
    assert moved == 4 and f"case {failing}: " in capsys.readouterr().out
    assert timers.due_case_ids(at("2026-10-16T00:00")) == [failing]
    assert {c.id: c.status for c in db.session.scalars(sa.select(Case))} == {
        **{case_id: "recognized" for case_id in [original.id, *copies] if case_id != failing},
        failing: waiting}


def test_a_transaction_of_cases_reads_once_for_all_and_each_chain_goes_on(mini_app, user):
    original = in_notice(user("tl_applicant"), user("tl_county_east"), user("tl_city"))
    last = audit.case_events(original)[-1]
    clone_cases(original, timers.FIRE_TOGETHER - 1, at("2026-09-28T09:00"), movable=True)
    oversight_rollups.rebuild_all()  # the copies were written around the session
    statements = []
    sa.event.listen(db.engine, "before_cursor_execute",
                    lambda *args: statements.append(args[2].split(None, 1)[0].upper()))

    moved = timers.run_due_timers(at("2026-10-16T00:00"))

    # Per case only its own UPDATE and INSERT of an event (SQLite writes rows one by one):
    # no read of its own (before: work items, last event, open children, each alone).
    per_case = sum(kind in ("UPDATE", "INSERT") for kind in statements) - 3  # rollups, set
    assert moved == timers.FIRE_TOGETHER and per_case <= 2 * moved
    assert statements.count("SELECT") <= 12
    db.session.expire_all()
    fired = audit.case_events(original)[-1]
    assert (fired.kind, fired.seq, fired.prev_hash) == ("timers_fired", last.seq + 1, last.hash)
    assert audit.verify_case(original)["ok"]
    assert not oversight_rollups.check_all()


def test_what_a_batch_read_is_handed_out_once_and_forgotten_with_its_transaction(mini_app, user):
    case = in_notice(user("tl_applicant"), user("tl_county_east"), user("tl_city"))
    db.session.commit()
    with transaction():
        preloaded.load([case.id])
        last = audit.case_events(case)[-1]
        assert preloaded.take(preloaded.ITEMS, case.id) == []  # it waits for its notice
        assert audit.chain_tip(case)[:2] == (last.seq, last.hash)
        assert preloaded.take(preloaded.ITEMS, case.id) is preloaded.MISSING  # read afresh
        preloaded.forget(preloaded.CHILDLESS, case.id)  # as when it starts a child
        assert preloaded.take(preloaded.CHILDLESS, case.id) is preloaded.MISSING
        preloaded.load([case.id])
    assert db.session.info.get(preloaded.KEY) is None  # forgotten with its transaction
