"""Calls from the command line and the demo data (`calls open`, `calls list`, `demo load`)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.extensions import db
from app.models import Call
from app.services import calls, catalog, demo
from tests.conftest import at


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_calls_open_creates_the_call_and_calls_list_shows_it(app):
    result = run(app, "calls", "open", "liaocheng_recognition", "--year", "2027",
                 "--opens", "2027-03-01", "--closes", "2027-03-31", "--recommend-by",
                 "2027-04-15")

    assert result.exit_code == 0, result.output
    call = db.session.scalars(sa.select(Call)).one()
    assert (call.process_key, call.opens_on, call.recommend_by, call.created_by) == (
        "liaocheng_recognition", dt.date(2027, 3, 1), dt.date(2027, 4, 15), "cli")
    listed = run(app, "calls", "list")
    assert "liaocheng_recognition" in listed.output and "2027-04-15" in listed.output


def test_calls_open_refuses_a_bad_date_and_a_procedure_applicants_do_not_start(app):
    bad = run(app, "calls", "open", "liaocheng_recognition", "--year", "2027",
              "--opens", "2027-3-1", "--closes", "2027-03-31", "--recommend-by", "2027-04-15")
    follow_up = run(app, "calls", "open", "kunming_evaluation", "--year", "2027",
                    "--opens", "2027-03-01", "--closes", "2027-03-31",
                    "--recommend-by", "2027-04-15")

    assert bad.exit_code == 1 and "opens_on" in bad.output
    assert follow_up.exit_code == 1 and "process" in follow_up.output
    assert db.session.scalars(sa.select(Call)).all() == []


def test_the_demo_opens_one_call_per_startable_procedure_around_today(app):
    now = at("2026-06-15T10:00")

    opened = demo.open_demo_calls(now)
    again = demo.open_demo_calls(now)

    startable = {v.key for v in catalog.latest_processes(startable_only=True)}
    assert {c.process_key for c in opened} == startable and again == []
    for call in opened:
        assert calls.is_open(call, now) and call.year == 2026
        assert call.recommend_by >= dt.date(2026, 6, 15) + dt.timedelta(days=14)


def test_the_demo_window_of_early_january_stays_within_the_year(app):
    [call, *_] = demo.open_demo_calls(at("2026-01-03T10:00"))

    assert call.opens_on == dt.date(2026, 1, 1) and calls.is_open(call, at("2026-01-03T10:00"))


def test_demo_load_opens_the_calls_without_changing_its_output(app):
    result = run(app, "demo", "load")

    assert result.exit_code == 0 and "call" not in result.output
    assert "kunming_recognition" in run(app, "calls", "list").output


def test_demo_load_without_calls_leaves_every_procedure_open_at_any_time(app):
    result = run(app, "demo", "load", "--no-calls")

    assert result.exit_code == 0 and "km_applicant" in result.output
    assert "kunming_recognition" not in run(app, "calls", "list").output
