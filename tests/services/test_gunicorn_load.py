"""Four gunicorn workers on PostgreSQL under parallel traffic: no server error, no lost update.

Runs when TEST_POSTGRES_URL is set (it empties that database); skipped otherwise. Set up
as an operator would (init-db, processes load, demo load), then several cases are driven
at once through the JSON API over HTTP, with deliberate races in each: officials claiming
one task, one task completed twice, three experts submitting together, applications
started at the same moment, worklists read meanwhile. A bounded number of requests.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from app import create_app
from app.config import ROOT, TestConfig
from app.extensions import db
from app.models import Case, Event, WorkItem
from app.services import users
from tests.processes import examples_kunming as km
from tests.processes.driver import FILE, PDF, find_user

URL = os.environ.get("TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not URL, reason="TEST_POSTGRES_URL is not set")

WORKERS, CASES, CLAIMANTS, STARTS, READS = 4, 5, 6, 12, 40
COUNTY, CITY = "km_county_wuhua", "km_city"
READERS = [COUNTY, CITY, "km_applicant", *km.EXPERTS]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def flask(env: dict, *args: str) -> None:
    """Run `flask --app app ARGS` as an operator would; fail the test on a non-zero exit."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])


def prepare_database(env: dict, tmp_path) -> dict[str, str]:
    """Empty the database, set it up with the CLI; return API tokens by username."""
    engine = sa.create_engine(URL)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()
    for args in (["init-db"], ["processes", "load"], ["demo", "load"]):
        flask(env, *args)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = URL
        UPLOAD_DIR = str(tmp_path / "uploads")

    app = create_app(Config)
    with app.app_context():
        names = [f"county_{uuid.uuid4().hex[:8]}" for _ in range(CLAIMANTS - 1)]
        tokens = {name: users.create_user(name, "county", "kunming", "wuhua", name=name)[1]
                  for name in names}
        for name in (COUNTY, CITY, "km_applicant", "km_applicant2", *km.EXPERTS):
            tokens[name] = users.issue_token(find_user(name))
        db.session.remove()
        db.engine.dispose()
    return tokens


def wait_until_serving(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited"
        try:
            urllib.request.urlopen(base + "/api/processes", timeout=2)
        except urllib.error.HTTPError:
            return  # answered (401 without a token): serving
        except OSError:
            time.sleep(0.3)
            continue
        return
    raise AssertionError("gunicorn did not answer within 60 s")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("gunicorn")
    env = {**os.environ, "DATABASE_URL": URL, "UPLOAD_DIR": str(tmp_path / "uploads"),
           "SECRET_KEY": "load-test", "PYTHONUTF8": "1"}
    tokens = prepare_database(env, tmp_path)
    base = f"http://127.0.0.1:{free_port()}"
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", base[7:],
             "--timeout", "60", "--no-control-socket", "app.wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            wait_until_serving(base, process)
            yield Client(base, tokens), env, log_path
        finally:
            process.send_signal(signal.SIGINT)  # quick shutdown: no request is left to finish
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


class Client:
    """The JSON API over HTTP, as each user; records every status it got."""

    def __init__(self, base: str, tokens: dict[str, str]):
        self.base, self.tokens = base, tokens
        self.seen: list[tuple[str, int]] = []
        self.lock = threading.Lock()

    def call(self, username: str, method: str, path: str, body: bytes | None = None,
             content_type: str = "application/json") -> tuple[int, object]:
        headers = {"Authorization": f"Bearer {self.tokens[username]}",
                   "Content-Type": content_type, "Accept-Language": "en"}
        request = urllib.request.Request(self.base + path, data=body, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        with self.lock:
            self.seen.append((f"{method} {path}", status))
        return status, json.loads(raw) if raw else None

    def get(self, username: str, path: str) -> object:
        status, answer = self.call(username, "GET", path)
        assert status == 200, (path, status, answer)
        return answer

    def post(self, username: str, path: str, body: dict) -> tuple[int, object]:
        return self.call(username, "POST", path, json.dumps(body).encode())

    def upload(self, username: str, case_id: int) -> str:
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"evidence.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode() \
            + PDF + f"\r\n--{boundary}--\r\n".encode()
        status, answer = self.call(username, "POST", f"/api/cases/{case_id}/attachments", body,
                                   f"multipart/form-data; boundary={boundary}")
        assert status == 201, answer
        return answer["id"]

    def task(self, username: str, case_id: int, name: str) -> str:
        [task] = [t["id"] for t in self.get(username, "/api/tasks")
                  if t["case_id"] == case_id and t["name"] == name]
        return task

    def complete(self, username: str, case_id: int, name: str, data: dict) -> None:
        data = attached(data, lambda: self.upload(username, case_id))
        task = self.task(username, case_id, name)
        status, answer = self.post(username, f"/api/tasks/{task}/complete", {"data": data})
        assert status == 200, (name, status, answer)


def attached(data, upload):
    """Return `data` with every FILE placeholder replaced by one uploaded attachment id."""
    uploaded: list[str] = []

    def replace(value):
        if isinstance(value, dict):
            return {key: replace(item) for key, item in value.items()}
        if isinstance(value, list):
            return [replace(item) for item in value]
        if value == FILE and not uploaded:
            uploaded.append(upload())
        return uploaded[0] if value == FILE else value

    return replace(data)


def at_once(calls) -> list:
    """Run every zero-argument call in its own thread at the same moment; return the results."""
    gate = threading.Barrier(len(calls))

    def run(call):
        gate.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls, timeout=90))


def drive(client: Client, number: int) -> dict:
    """Take one case to the experts' joint decision, with the races on the way."""
    status, case = client.post("km_applicant", "/api/cases", {"process": "kunming_recognition"})
    assert status == 201, case
    case_id = case["id"]
    client.complete("km_applicant", case_id, "submit_application", km.APPLICATION)
    review = client.task(COUNTY, case_id, "county_review")
    claimants = [COUNTY, *[name for name in client.tokens if name.startswith("county_")]]
    claims = at_once([lambda name=name: client.post(name, f"/api/tasks/{review}/claim", {})
                      for name in claimants])
    winners = [answer["claimed_by"] for status, answer in claims if status == 200]
    assert sorted(status for status, _ in claims) == [200] + [409] * (len(claimants) - 1), claims
    assert client.get(COUNTY, f"/api/tasks/{review}")["claimed_by"] == winners[0]
    assert client.post(winners[0], f"/api/tasks/{review}/release", {})[0] == 200
    twice = at_once([lambda: client.post(COUNTY, f"/api/tasks/{review}/complete",
                                         {"data": km.COUNTY_APPROVE})] * 2)
    assert sorted(status for status, _ in twice) == [200, 409], twice
    client.complete(COUNTY, case_id, "site_inspection", km.site_inspection())
    client.complete(CITY, case_id, "assign_experts", km.ASSIGN_EXPERTS)
    reviews = [(expert, client.task(expert, case_id, "expert_review")) for expert in km.EXPERTS]
    experts = at_once([
        lambda e=expert, t=task, n=i: client.post(e, f"/api/tasks/{t}/complete",
                                                  {"data": km.expert_opinion(80 + n)})
        for i, (expert, task) in enumerate(reviews)])
    assert [status for status, _ in experts] == [200] * 3, experts
    ready = [t["name"] for t in client.get(CITY, f"/api/cases/{case_id}")["tasks"]]
    assert ready == ["expert_decision"], ready
    return {"id": case_id, "claimed_by": winners}


def read_worklists(client: Client) -> None:
    for index in range(READS):
        client.get(READERS[index % len(READERS)], "/api/tasks")


def check_case(case: Case) -> None:
    """Every completed work item has exactly one completion event, and nothing else does."""
    events = db.session.scalars(sa.select(Event).where(Event.case_id == case.id)
                                .order_by(Event.seq)).all()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    completed = Counter(e.task_id for e in events if e.kind == "task_completed")
    items = db.session.scalars(sa.select(WorkItem).where(WorkItem.case_id == case.id)).all()
    done = {item.id for item in items if item.status == "completed"}
    assert set(completed) == done and set(completed.values()) <= {1}, (case.ref, completed)
    kinds = Counter(e.kind for e in events)
    assert kinds["claimed"] == kinds["released"] + sum(
        1 for item in items if item.claimed_by_id is not None and item.status == "ready")


def test_four_workers_under_parallel_traffic_lose_nothing_and_never_fail(server, tmp_path):
    client, env, log_path = server
    started = time.monotonic()
    with ThreadPoolExecutor(CASES + 2) as pool:
        cases = [pool.submit(drive, client, number) for number in range(CASES)]
        reading = pool.submit(read_worklists, client)
        starts = at_once([lambda: client.post("km_applicant2", "/api/cases",
                                              {"process": "kunming_recognition"})] * STARTS)
        driven = [future.result(timeout=110) for future in cases]
        reading.result(timeout=110)
    elapsed = time.monotonic() - started

    errors = [(call, status) for call, status in client.seen if status >= 500]
    assert errors == [], (errors, log_path.read_text(errors="replace")[-4000:])
    assert [status for status, _ in starts] == [201] * STARTS, starts
    assert len({answer["ref"] for _, answer in starts}) == STARTS
    assert len(driven) == CASES and all(len(case["claimed_by"]) == 1 for case in driven)
    assert elapsed < 120, f"{len(client.seen)} requests took {elapsed:.0f} s"

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = URL
        UPLOAD_DIR = str(tmp_path)

    app = create_app(Config)
    with app.app_context():
        every = db.session.scalars(sa.select(Case)).all()
        assert len(every) == CASES + STARTS
        assert len({case.ref for case in every}) == len(every)
        for case in every:
            check_case(case)
        db.session.remove()
        db.engine.dispose()
    flask(env, "audit", "verify", "--all")
