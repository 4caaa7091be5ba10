"""`flask --app app ...` commands (../shared/API.md). Thin: parse, call a service, print."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import os
import sys
import time
import zoneinfo
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from app import verify_workers
from app.config import ROOT
from app.errors import AppError
from app.services import (
    anchor_schedule,
    anchors,
    calendar_days,
    calls,
    catalog,
    checks,
    demo,
    lint,
    oversight_rollups,
    paging,
    timers,
    trace,
    users,
    verify_all,
)

processes_cli = AppGroup("processes", help="Check and load BPMN, DMN and forms.")
users_cli = AppGroup("users", help="Manage users.")
demo_cli = AppGroup("demo", help="Demo data.")
timers_cli = AppGroup("timers", help="Fire due timers.")
calendar_cli = AppGroup("calendar", help="Working-day calendar overrides.")
audit_cli = AppGroup("audit", help="Verify and anchor case histories.")
calls_cli = AppGroup("calls", help="Calls for applications (application windows, deadlines).")
oversight_cli = AppGroup("oversight", help="The oversight dashboard's counts (rollups).")


def _fail(error: AppError) -> None:
    click.echo(str(error) if str(error) else error.message, err=True)
    for field, messages in getattr(error, "by_field", lambda: {})().items():
        for message in messages:
            click.echo(f"  {field}: {message}", err=True)
    sys.exit(1)


def _parse_now(value: str | None) -> dt.datetime:
    if not value:
        return dt.datetime.now(dt.timezone.utc)
    try:
        now = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use ISO-8601, e.g. 2026-10-16T00:00:00+08:00") from None
    if now.tzinfo is None:
        raise click.BadParameter("give a time zone offset, e.g. +08:00")
    return now


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or migrate the schema (idempotent)."""
    from flask_migrate import upgrade
    upgrade(directory=str(Path(current_app.root_path).parent / "migrations"))
    paging.analyze()
    click.echo("database ready")


@processes_cli.command("check")
@click.argument("path", required=False)
def processes_check(path):
    """Validate BPMN, DMN and forms (all, or exactly PATH); exit 1 listing each problem."""
    config = current_app.config
    problems = (checks.check_path(path, config["PROCESS_DIR"], config["FORM_DIR"]) if path
                else catalog.check_all(config["PROCESS_DIR"], config["FORM_DIR"]))
    for problem in problems:
        click.echo(_problem_line(problem))
    if not path:  # warnings do not fail the check
        for warning in lint.english_warnings(catalog.read_packages(config["PROCESS_DIR"])):
            click.echo(f"warning\t{_problem_line(warning)}")
    if problems:
        sys.exit(1)
    click.echo("all processes and forms are valid")


def _problem_line(problem) -> str:
    where = f"{problem.file}:{problem.line}" if problem.file and problem.line else problem.file
    return f"{where or '-'}\t{problem.element or '-'}\t{problem.text()}"


@processes_cli.command("trace")
@click.option("--output", type=click.Path(dir_okay=False),
              help="Where to write the table (default: docs/TRACEABILITY.md).")
def processes_trace(output):
    """Write docs/TRACEABILITY.md (clauses -> citing elements); exit 1 listing each problem."""
    try:
        packages = catalog.read_packages(current_app.config["PROCESS_DIR"])
    except AppError as error:
        _fail(error)
    traces = trace.trace_packages(packages, trace.read_forms(current_app.config["FORM_DIR"]))
    target = Path(output or Path(current_app.root_path).parent / "docs" / "TRACEABILITY.md")
    target.write_text(trace.render(traces), encoding="utf-8")
    problems = [problem for item in traces for problem in item.problems]
    for problem in problems:
        click.echo(f"{problem.file or '-'}\t{problem.element or '-'}\t{problem.text()}")
    if problems:
        sys.exit(1)
    click.echo(f"wrote {target}")


@processes_cli.command("load")
def processes_load():
    """Publish changed processes and forms as new versions."""
    try:
        counts = catalog.load_all(current_app.config["PROCESS_DIR"], current_app.config["FORM_DIR"])
    except AppError as error:
        _fail(error)
    click.echo(f"new process versions: {counts['processes']}, new form versions: {counts['forms']}")


@users_cli.command("create")
@click.argument("name")
@click.option("--role", required=True)
@click.option("--jurisdiction")
@click.option("--city", help="a city official's city in a multi-city (provincial) jurisdiction")
@click.option("--county")
@click.option("--password")
def users_create(name, role, jurisdiction, city, county, password):
    """Create a user; the last line printed is its API token."""
    try:
        user, token = users.create_user(name, role, jurisdiction, county, password, city=city)
    except AppError as error:
        _fail(error)
    click.echo(f"created {user.username} ({user.role})")
    click.echo(token)


@demo_cli.command("load")
@click.option("--no-calls", is_flag=True,
              help="demo users only: open no call, so applications start at any time")
def demo_load(no_calls):
    """Create demo users for every role and jurisdiction and print their logins; open a call
    of every startable procedure around today."""
    if current_app.config["PRODUCTION"]:
        # Their published password is exempt from the password policy.
        click.echo("demo users are not loaded when APP_ENV=production", err=True)
        sys.exit(1)
    for login in demo.load_demo_users(current_app.config["PROCESS_DIR"]):
        scope = "/".join(p for p in (login.get("jurisdiction"), login.get("city"),
                                     login.get("county")) if p)
        click.echo(f"{login['username']:<24} {login['password']:<10} {login['role']:<10} {scope}")
    # One call per startable procedure around today (`calls list` shows them); the output
    # stays the list of logins, one a line.
    if not no_calls:
        demo.open_demo_calls(dt.datetime.now(dt.timezone.utc))


@timers_cli.command("run")
@click.option("--now", "now_text", help="ISO-8601 instant with offset (default: the clock)")
def timers_run(now_text):
    """Fire every timer due at NOW, in batches; print progress, then how many cases moved."""
    click.echo(timers.run_due_timers(_parse_now(now_text), report=_timer_progress))


def _timer_progress(batch: int, seen: int, fired: int) -> None:
    stamp = dt.datetime.now().isoformat(timespec="seconds")
    click.echo(f"{stamp} batch {batch}: {seen} due cases looked at, {fired} moved")


@click.command("worker")
@click.option("--once", is_flag=True, help="run one round and exit")
@with_appcontext
def worker(once):
    """Loop: fire due timers, anchor the case histories once a day (ANCHOR_HOUR), sleep.
    Safe to run several at once."""
    schedule = _anchor_schedule()
    while True:
        fired = timers.run_due_timers(dt.datetime.now(dt.timezone.utc),
                                      report=_timer_progress)
        if fired:
            click.echo(f"{dt.datetime.now().isoformat(timespec='seconds')} fired {fired}")
        _anchor_on_schedule(schedule)
        if once:
            return
        time.sleep(current_app.config["WORKER_INTERVAL_SECONDS"])


def _anchor_on_schedule(schedule: anchor_schedule.Schedule) -> None:
    try:
        entry = schedule.run(dt.datetime.now(dt.timezone.utc))
    except OSError as error:  # the timers must keep firing; the next round tries again
        click.echo(f"anchoring failed: {error}", err=True)
        return
    if entry:
        click.echo(f"anchored {entry['cases']} cases: {anchors.publish_line(entry)}")


def _anchor_schedule() -> anchor_schedule.Schedule:
    try:
        hour = anchor_schedule.parse_hour(current_app.config["ANCHOR_HOUR"])
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    log_path, key_path = _anchor_paths()
    zone = zoneinfo.ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return anchor_schedule.Schedule(log_path, key_path, hour, zone)


@calendar_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def calendar_import(file):
    """Load official holiday / adjusted-working-day overrides (CSV date,kind,note)."""
    try:
        count = calendar_days.import_overrides(Path(file).read_text(encoding="utf-8-sig"))
    except AppError as error:
        _fail(error)
    click.echo(f"imported {count} days")


@audit_cli.command("verify")
@click.argument("ref", required=False)
@click.option("--all", "all_cases", is_flag=True)
@click.option("--jobs", type=click.IntRange(min=1),
              help="worker processes (default: the number of CPUs; 1: in this process)")
@click.option("--progress/--no-progress", default=None,
              help="progress bar on stderr (default: only when stderr is a terminal)")
def audit_verify(ref, all_cases, jobs, progress):
    """Replay cases, check their hash chains against every anchor and the anchor log
    itself; exit 1 on any mismatch. --all ends with a summary listing each failing case's first
    failing event."""
    if not ref and not all_cases:
        raise click.UsageError("give a CASE_REF or --all")
    log_path, key_path = _anchor_paths()
    log = anchors.read_log(log_path, key_path)  # once: every anchor of every case
    anchored = log.cases
    only = None if all_cases else ref
    total = verify_all.case_count(only)
    if not total and not all_cases and ref not in anchored:
        _fail(AppError(f"no case {ref}"))
    summary = verify_all.Summary()
    with _progress_bar(total, progress) as bar:
        for results in _verified(only, total, anchored, jobs or os.cpu_count() or 1):
            for result in results:
                _echo_case(result)
                summary.add(result)
            bar.update(len(results))
    present = anchors.all_refs() if all_cases else ({ref} if total else set())
    wanted = anchored if all_cases else {r: a for r, a in anchored.items() if r == ref}
    for missing in anchors.missing_cases(wanted, present):
        detail = anchors.deleted_problem(missing, anchored[missing])["detail"]
        click.echo(f"{missing}\tDELETED\n  {detail}")
        summary.add_problem("case deleted", missing, detail)
    for problem in log.problems:
        click.echo(f"anchor log\tTAMPERED\n  {problem}")
        summary.add_problem("anchor log tampered", "anchor log", problem)
    if all_cases:  # one case's lines above already say all there is
        for line in summary.lines():
            click.echo(line)
    sys.exit(1 if summary.failures else 0)


def _verified(only: str | None, total: int, anchored: dict, jobs: int):
    """Yield the results of each chunk of cases: in worker processes when it pays."""
    size = max(1, min(50, -(-total // (jobs * 4))))
    chunks = verify_all.chunks(size, only)
    app = current_app._get_current_object()
    with verify_all.collecting_less():
        if min(jobs, -(-total // size)) <= 1 or not verify_workers.shared_database(app):
            for chunk in chunks:
                yield verify_all.verify_chunk(chunk, anchored)
            return
        try:
            yield from verify_workers.verify_chunks(app, chunks, anchored, jobs)
        except BrokenProcessPool:
            _fail(AppError("a verify worker process stopped (see its error above); "
                           "--jobs 1 verifies in this process"))


def _progress_bar(total: int, wanted: bool | None):
    shown = sys.stderr.isatty() if wanted is None else wanted
    if not shown:
        return contextlib.nullcontext(_NoBar())
    bar = click.progressbar(length=total, label="verifying", file=sys.stderr)
    # Asked for: drawn even when stderr is not a terminal (click would print the label only).
    bar._is_atty = True
    return bar


class _NoBar:
    def update(self, _steps: int) -> None:
        pass


def _echo_case(result: dict) -> None:
    click.echo(f"{result['ref']}\t{'ok' if result['ok'] else 'MISMATCH'}")
    for step in result["steps"]:
        click.echo(f"  #{step['seq']}: {step['detail']}")
    if result["anchor"]:
        click.echo(f"  anchor: {result['anchor']['detail']}")


def _anchor_paths() -> tuple[Path, Path]:
    return (Path(current_app.config["AUDIT_ANCHOR_LOG"]),
            Path(current_app.config["AUDIT_SIGNING_KEY"]))


@audit_cli.command("anchor")
def audit_anchor():
    """Append a signed Merkle root over every case's chain head to the anchor log; print the
    line to publish."""
    log_path, key_path = _anchor_paths()
    entry = anchors.anchor(log_path, key_path, dt.datetime.now(dt.timezone.utc))
    click.echo(f"anchored {entry['cases']} cases in {log_path}")
    click.echo(f"public key {anchors.public_path(key_path)}:")
    click.echo(anchors.public_pem(anchors.signing_key(key_path).public_key()).decode().strip())
    click.echo(anchors.publish_line(entry))


def _dossier_checker():
    """The offline checker handed to inspection bodies is one standalone file (no import of
    the product); the command runs that very file."""
    spec = importlib.util.spec_from_file_location("verify_dossier",
                                                  ROOT / "deploy" / "verify_dossier.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@audit_cli.command("check-dossier")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--key", type=click.Path(exists=True, dir_okay=False),
              help="the instance's public key (PEM) the dossier must be signed with")
def audit_check_dossier(file, key):
    """Check a dossier ZIP offline (deploy/verify_dossier.py): signature, sha256 sums, hash
    chain and anchor path; exit 1 naming each problem."""
    ok, lines = _dossier_checker().check(file, key)
    for line in lines:
        click.echo(line)
    sys.exit(0 if ok else 1)


@calls_cli.command("open")
@click.argument("process")
@click.option("--year", required=True)
@click.option("--opens", "opens_on", required=True, help="First day of the window, YYYY-MM-DD.")
@click.option("--closes", "closes_on", required=True, help="Last day of the window.")
@click.option("--recommend-by", "recommend_by", required=True,
              help="Last day of the county recommendations (Asia/Shanghai).")
@click.option("--title")
def calls_open(process, year, opens_on, closes_on, recommend_by, title):
    """Open the call of PROCESS for a year; print its id."""
    raw = {"year": year, "opens_on": opens_on, "closes_on": closes_on,
           "recommend_by": recommend_by, "title": title}
    try:
        call = calls.open_call(None, process, raw, dt.datetime.now(dt.timezone.utc))
    except AppError as error:
        _fail(error)
    click.echo(f"opened call {call.id}: {call.title} {call.opens_on}..{call.closes_on}, "
               f"recommend by {call.recommend_by}")


@calls_cli.command("list")
def calls_list():
    """List the calls: id, procedure, year, window, recommendation deadline."""
    for call in calls.list_calls(None):
        click.echo(f"{call.id:<5} {call.process_key:<32} {call.year} "
                   f"{call.opens_on}..{call.closes_on} recommend-by {call.recommend_by}"
                   f"{' closed' if call.closed_at else ''}")


@oversight_cli.command("rebuild")
def oversight_rebuild():
    """Recount the dashboard's rollups from every case (after changes made outside the app,
    or after an override of a past day changed the working days of finished steps)."""
    click.echo(f"{oversight_rollups.rebuild_all()} rollup rows recounted")


@oversight_cli.command("check")
def oversight_check():
    """Compare the rollups with a full recount; list each difference, exit 1 on any."""
    found = oversight_rollups.check_all()
    for key, stored, recounted in found:
        click.echo(f"{list(key)}: stored {stored}, recounted {recounted}")
    if found:
        sys.exit(1)
    click.echo("rollups equal a full recount")


def register(app: Flask) -> None:
    for command in (init_db, worker, processes_cli, users_cli, demo_cli, timers_cli,
                    calendar_cli, audit_cli, calls_cli, oversight_cli):
        app.cli.add_command(command)
