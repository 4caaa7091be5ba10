"""Driving gunicorn over real HTTP, shared by the load test (tests/services/test_gunicorn_load.py)
and the load benchmark (tests/bench/load.py): the server started with deploy/gunicorn.conf.py,
a keep-alive JSON client per user that times every request, the races of one case, and the
checks that nothing was lost.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa

from app.config import ROOT
from app.extensions import db
from app.models import Case, Event, WorkItem
from tests.processes import examples_kunming as km
from tests.processes.driver import FILE, PDF

COUNTY, CITY = "km_county_wuhua", "km_city"
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
_ID = re.compile(r"/(\d+|[0-9a-f]{8}-[0-9a-f-]{27})(?=/|$|\?)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def flask(env: dict, *args: str, timeout: int = 600) -> str:
    """Run `flask --app app ARGS` as an operator would; raise on a non-zero exit."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


def wait_until_serving(host: str, port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited"
        connection = http.client.HTTPConnection(host, port, timeout=2)
        try:
            connection.request("GET", "/api/processes")
            connection.getresponse().read()  # 401 without a token: serving
            return
        except OSError:
            time.sleep(0.3)
        finally:
            connection.close()
    raise AssertionError("gunicorn did not answer within 60 s")


@contextlib.contextmanager
def gunicorn(env: dict, log_path: Path, config: Path | None = None, **settings: str):
    """Run gunicorn with deploy/gunicorn.conf.py (or `config`; settings: its environment
    variables, e.g. WEB_WORKERS) on a free port; yield (base URL, the master process); stop
    it quickly at the end."""
    port = free_port()
    env = {**env, "BIND": f"127.0.0.1:{port}", **settings}
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(config or CONFIG)],
                                   cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            wait_until_serving("127.0.0.1", port, process)
            yield f"http://127.0.0.1:{port}", process
        finally:
            process.send_signal(signal.SIGINT)  # quick shutdown: no request is left to finish
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def kind(method: str, path: str) -> str:
    """The request's kind for the figures: ids replaced, query dropped."""
    return f"{method} {_ID.sub('/{id}', path.split('?')[0])}"


class Client:
    """The JSON API over HTTP as each user, one keep-alive connection per thread; records
    every request's kind, status and seconds."""

    def __init__(self, base: str, tokens: dict[str, str]):
        self.base, self.tokens = base, tokens
        self.host, port = base[len("http://"):].split(":")
        self.port = int(port)
        self.seen: list[tuple[str, int, float]] = []
        self.lock = threading.Lock()
        self.local = threading.local()
        self.connections: list[http.client.HTTPConnection] = []  # closed by close()

    def _connection(self, fresh: bool = False) -> http.client.HTTPConnection:
        if fresh or getattr(self.local, "connection", None) is None:
            self.local.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
            with self.lock:
                self.connections.append(self.local.connection)
        return self.local.connection

    def close(self) -> None:
        with self.lock:
            for connection in self.connections:
                connection.close()
            self.connections.clear()

    def call(self, username: str, method: str, path: str, body: bytes | None = None,
             content_type: str = "application/json") -> tuple[int, object]:
        headers = {"Authorization": f"Bearer {self.tokens[username]}",
                   "Content-Type": content_type, "Accept-Language": "en"}
        start = time.perf_counter()
        for attempt in (0, 1):  # the server may have closed an idle keep-alive connection
            connection = self._connection(fresh=attempt == 1)
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                status, raw = response.status, response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()
                if attempt:
                    raise
                start = time.perf_counter()
        seconds = time.perf_counter() - start
        with self.lock:
            self.seen.append((kind(method, path), status, seconds))
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
        """The id of the ready task `name` of the case that `username` may do (the case's
        own task list: the worklist may hold more than one page)."""
        [task] = [t["id"] for t in self.get(username, f"/api/cases/{case_id}")["tasks"]
                  if t["name"] == name and t["assignee"] in (None, username)]
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
        gate.wait(timeout=60)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls, timeout=180))


class RaceLost(AssertionError):
    """A race did not end with exactly one winner and clear 409s for the others."""


def _one_winner(answers: list, name: str) -> None:
    statuses = sorted(status for status, _ in answers)
    if statuses != [200] + [409] * (len(answers) - 1):
        raise RaceLost(name, statuses, answers)


def drive(client: Client, claimants: list[str]) -> dict:
    """Take one case to the experts' joint decision, with the races on the way: `claimants`
    (county officials) claim the county review at once, it is completed twice at once, the
    three experts submit together. Return {"id", "claimed_by", "races"}."""
    status, case = client.post("km_applicant", "/api/cases", {"process": "kunming_recognition"})
    assert status == 201, case
    case_id = case["id"]
    client.complete("km_applicant", case_id, "submit_application", km.APPLICATION)
    review = client.task(COUNTY, case_id, "county_review")
    claims = at_once([lambda name=name: client.post(name, f"/api/tasks/{review}/claim", {})
                      for name in claimants])
    _one_winner(claims, "claim")
    winners = [answer["claimed_by"] for status, answer in claims if status == 200]
    assert client.get(COUNTY, f"/api/tasks/{review}")["claimed_by"] == winners[0]
    assert client.post(winners[0], f"/api/tasks/{review}/release", {})[0] == 200
    twice = at_once([lambda: client.post(COUNTY, f"/api/tasks/{review}/complete",
                                         {"data": km.COUNTY_APPROVE})] * 2)
    _one_winner(twice, "complete twice")
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
    return {"id": case_id, "claimed_by": winners, "races": 2}


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


def lost_updates() -> list[str]:
    """Return the refs of the cases whose events and work items disagree (none: nothing lost),
    with two queries over every case."""
    completions = Counter(db.session.execute(
        sa.select(Event.case_id, Event.task_id).where(Event.kind == "task_completed")).all())
    done = set(db.session.execute(sa.select(WorkItem.case_id, WorkItem.id).where(
        WorkItem.status == "completed")).all())
    bad = {case for (case, _task), n in completions.items() if n != 1}
    bad |= {case for case, _task in set(completions) ^ done}
    return sorted(db.session.scalars(sa.select(Case.ref).where(Case.id.in_(bad)))) if bad else []
