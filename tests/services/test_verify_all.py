"""`audit verify --all --jobs N` verifies every case in worker processes, sums up failures by
kind and names each failing case with its first failing event, whatever the number of jobs."""

from __future__ import annotations

import gc
import json
import os

import pytest
import sqlalchemy as sa

from app import verify_workers
from app.extensions import db
from app.models import Case, Event
from app.services import audit, verify_all
from tests.services.test_anchors import cli, events_of, make_case, ref_of


@pytest.fixture
def three(api):
    """Three cases: the second with an event's data edited, the third with its tail cut."""
    good, edited, cut = make_case(api), make_case(api), make_case(api)
    forged = events_of(edited.id)[1]
    db.session.execute(sa.text("UPDATE event SET data = :data WHERE id = :id"),
                       {"data": json.dumps({**forged.data, "forged": True}), "id": forged.id})
    tail = events_of(cut.id)
    db.session.delete(tail[-1])
    db.session.commit()
    return api, good, edited, cut, tail[-1].seq


def spy_on_workers(monkeypatch) -> list[int]:
    calls = []
    real = verify_workers.verify_chunks

    def spy(app, chunks, anchored, jobs):
        calls.append(jobs)
        yield from real(app, chunks, anchored, jobs)
    monkeypatch.setattr(verify_workers, "verify_chunks", spy)
    return calls


def test_two_jobs_and_one_job_give_the_same_summary_naming_each_first_failing_event(
        three, monkeypatch):
    api, good, edited, cut, cut_seq = three
    workers = spy_on_workers(monkeypatch)

    parallel = cli(api, "verify", "--all", "--jobs", "2")
    single = cli(api, "verify", "--all", "--jobs", "1")

    assert workers == [2]  # only the first run went through worker processes
    assert parallel.exit_code == 1 and single.exit_code == 1, parallel.output
    assert parallel.output == single.output
    lines = parallel.output.splitlines()
    assert f"{ref_of(good)}\tok" in lines
    assert f"{ref_of(edited)}\tMISMATCH" in lines and f"{ref_of(cut)}\tMISMATCH" in lines
    assert "cases\t3" in lines and "failed\t2" in lines
    events = sum(len(events_of(case.id)) for case in (good, edited, cut))
    assert f"events\t{events}" in lines
    assert "kind\thash chain broken\t1" in lines and "kind\ttail cut\t1" in lines
    assert "kind\tsequence gap\t0" in lines and "kind\tanchor problem\t0" in lines
    failures = [line for line in lines if line.startswith("failure\t")]
    assert failures == [
        f"failure\t{ref_of(edited)}\t#2\thash chain broken: an event was edited or deleted",
        f"failure\t{ref_of(cut)}\t#{cut_seq}\tthe case's state is not the one its last event "
        "recorded: events were removed at the end"]


def test_all_good_cases_exit_zero_with_no_failure_listed(api):
    cases = [make_case(api) for _ in range(3)]

    result = cli(api, "verify", "--all", "--jobs", "2")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "cases\t3" in lines and "failed\t0" in lines
    assert [line for line in lines if line.endswith("\tok")] == [f"{ref_of(c)}\tok"
                                                                for c in cases]
    assert not [line for line in lines if line.startswith("failure\t")]


def test_an_anchor_problem_found_by_a_worker_is_counted_and_named(api):
    good, victim = make_case(api), make_case(api)
    cli(api, "anchor")
    events = events_of(victim.id)
    db.session.get(Case, victim.id).state_hash = events[-2].state_hash
    db.session.delete(events[-1])
    db.session.commit()

    result = cli(api, "verify", "--all", "--jobs", "2")

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "kind\tanchor problem\t1" in lines and "kind\ttail cut\t0" in lines
    assert f"failure\t{ref_of(victim)}\t-\tanchor: anchored at #{events[-1].seq}" in \
        result.output
    assert f"{ref_of(good)}\tok" in lines


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_a_bad_number_of_jobs_is_a_usage_error(api, jobs):
    make_case(api)

    result = cli(api, "verify", "--all", "--jobs", jobs)

    assert result.exit_code == 2
    assert "Invalid value for '--jobs'" in result.output
    assert "cases\t" not in result.output


def test_the_progress_bar_goes_to_stderr_only_when_asked_off_a_terminal(api):
    make_case(api)

    plain = cli(api, "verify", "--all", "--jobs", "1")
    with_bar = cli(api, "verify", "--all", "--jobs", "1", "--progress")

    assert plain.stderr == "" and "verifying" in with_bar.stderr and "100%" in with_bar.stderr
    assert with_bar.stdout == plain.stdout


def test_case_ids_are_streamed_in_chunks_of_the_size_asked(api):
    cases = [make_case(api) for _ in range(3)]

    chunks = list(verify_all.chunks(2))

    assert [[ref for _, ref in chunk] for chunk in chunks] == [
        [ref_of(cases[0]), ref_of(cases[1])], [ref_of(cases[2])]]


def test_a_worker_cannot_share_an_in_memory_database(api):
    assert verify_workers.shared_database(api.app)
    api.app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    assert not verify_workers.shared_database(api.app)


def test_a_worker_that_stops_stops_the_run_with_a_clear_message(api, monkeypatch):
    for _ in range(2):
        make_case(api)

    def killed(_cases, _anchored):  # as the out-of-memory killer would end a worker
        os._exit(9)
    # Workers are forked from this process: they run this instead of verifying.
    monkeypatch.setattr(verify_all, "verify_chunk", killed)

    result = cli(api, "verify", "--all", "--jobs", "2")

    assert result.exit_code == 1
    assert "a verify worker process stopped" in result.stderr
    assert "cases\t" not in result.stdout


def test_events_read_for_verifying_hash_as_the_stored_events_and_are_not_orm_objects(api):
    cases = [make_case(api) for _ in range(2)]
    ids = [case.id for case in cases]

    read = audit.events_of(ids)

    for case in cases:
        stored = events_of(case.id)
        rows = read[case.id]
        assert [row.seq for row in rows] == [event.seq for event in stored]
        prev = audit.GENESIS
        for row, event in zip(rows, stored, strict=True):
            assert row.hash == event.hash == audit.chain_hash(prev, ref_of(case), row)
            assert (row.at, row.data, row.calendar) == (event.at, event.data, event.calendar)
            prev = row.hash
    assert not any(isinstance(row, Event) for rows in read.values() for row in rows)


def test_garbage_is_collected_less_often_while_verifying_and_as_before_after(api):
    before = gc.get_threshold()

    with verify_all.collecting_less():
        assert gc.get_threshold()[0] == verify_all.YOUNG_COLLECTED_EVERY > before[0]
        assert gc.get_freeze_count() > 0  # the app and parsed procedures: never scanned

    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0

