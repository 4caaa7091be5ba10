"""docs/OPERATIONS.md, followed on this machine: its marked command blocks, the systemd units'
commands and the env file example, against a scratch PostgreSQL database.

Runs when TEST_POSTGRES_URL is set (`.ci/run` starts a throwaway PostgreSQL); skipped otherwise.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import shlex
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from app.config import ROOT
from tests.ops import support

pytestmark = pytest.mark.skipif(not support.URL, reason="TEST_POSTGRES_URL is not set")
GUIDE = ROOT / "docs" / "OPERATIONS.md"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
ADMIN_PASSWORD = "Kq7-" + secrets.token_hex(8)  # meets the password policy


def guide_block(name: str) -> str:
    """Return the shell commands of the fenced block marked `<!-- ops-test: NAME -->`."""
    found = re.search(rf"<!-- ops-test: {name} -->\s*```sh\n(.*?)```", GUIDE.read_text(), re.S)
    assert found, f"docs/OPERATIONS.md has no block marked ops-test: {name}"
    return found.group(1)


def on_this_machine(text: str, places: dict[str, str]) -> str:
    """Return `text` with the guide's fixed paths replaced by this test's (longest first)."""
    pattern = "|".join(re.escape(path) for path in sorted(places, key=len, reverse=True))
    return re.sub(pattern, lambda found: places[found.group(0)], text)


def unit_command(unit: str, places: dict[str, str]) -> list[str]:
    """Return the ExecStart command of deploy/systemd/UNIT, with paths for this machine."""
    [line] = [line for line in (support.DEPLOY / "systemd" / unit).read_text().splitlines()
              if line.startswith("ExecStart=")]
    return shlex.split(on_this_machine(line.removeprefix("ExecStart="), places))


def env_file(path: Path, **values: str) -> dict[str, str]:
    """Write deploy/innobase.env.example with `values` changed to `path`; return the settings
    as systemd's EnvironmentFile= reads them."""
    lines = []
    for line in (support.DEPLOY / "innobase.env.example").read_text().splitlines():
        key = line.split("=", 1)[0]
        lines.append(f"{key}={values[key]}" if key in values and "=" in line else line)
    path.write_text("\n".join(lines) + "\n")
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(base: str, method: str, path: str, token: str | None = None, body=None):
    """Return (status, headers, JSON answer) of one request to the running server."""
    request = urllib.request.Request(
        base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json",
                 **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, json.loads(error.read())


def wait_until_ready(base: str, server: subprocess.Popen, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    answer = {}
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited"
        try:
            status, _, answer = call(base, "GET", "/readyz")
            if status == 200:
                return answer
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"/readyz not 200 within {seconds} s: {answer}")


def web_worker_memory_caps(master: int) -> list[str]:
    """Return the 'Max address space' soft limit of each gunicorn worker of `master`."""
    caps = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                limits = (stat.parent / "limits").read_text()
                caps.append(re.search(r"Max address space\s+(\S+)", limits).group(1))
        except (OSError, IndexError):
            continue
    return caps


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def services(places: dict[str, str], env: dict[str, str], logs: Path):
    """Run both units' ExecStart commands; yield (web, worker); always stop them."""
    with (logs / "web.log").open("w") as web_out, (logs / "worker.log").open("w") as worker_out:
        web = subprocess.Popen(unit_command("innobase-web.service", places), cwd=ROOT, env=env,
                               stdout=web_out, stderr=subprocess.STDOUT)
        try:
            worker = subprocess.Popen(unit_command("innobase-worker@.service", places), cwd=ROOT,
                                      env=env, stdout=worker_out, stderr=subprocess.STDOUT)
            try:
                yield web, worker
            finally:
                stop(worker)
        finally:
            stop(web)


def run_block(name: str, places: dict[str, str], env: dict[str, str], stdin: str = ""):
    """Run the guide's block NAME with bash -euo pipefail; return the finished process."""
    return subprocess.run(["bash", "-euo", "pipefail", "-c",
                           on_this_machine(guide_block(name), places)],
                          input=stdin, env=env, capture_output=True, text=True, timeout=90)


def log_line(log: Path, request_id: str) -> dict:
    [line] = [json.loads(text) for text in log.read_text().splitlines()
              if request_id in text and text.startswith("{")]
    return line


def test_the_operations_guide_installs_serves_logs_and_backs_up(tmp_path):
    port = free_port()
    with support.scratch_database("guide") as name:
        places = {"/opt/innobase/.venv/bin": str(support.BIN), ".venv/bin": str(support.BIN),
                  "/opt/innobase": str(ROOT), "/etc/innobase/env": str(tmp_path / "env"),
                  "/var/backups/innobase": str(tmp_path / "backups")}
        settings = env_file(tmp_path / "env", DATABASE_URL=support.database_url(name),
                            UPLOAD_DIR=str(tmp_path / "uploads"), BIND=f"127.0.0.1:{port}",
                            SECRET_KEY=secrets.token_urlsafe(48), WEB_WORKERS="2",
                            AUDIT_ANCHOR_LOG=str(tmp_path / "audit-anchors.jsonl"),
                            AUDIT_SIGNING_KEY=str(tmp_path / "audit-signing-key.pem"))
        system = {"PATH": SYSTEM_PATH, "LANG": "C.UTF-8", "HOME": str(tmp_path)}
        service_env = {**system, **settings}

        initialised = run_block("initialise", places, system, stdin=ADMIN_PASSWORD + "\n")
        assert initialised.returncode == 0, initialised.stdout + initialised.stderr
        admin_token = initialised.stdout.strip().splitlines()[-1]
        applicant_token = support.flask(
            "users", "create", "guide_applicant", "--role", "applicant", "--jurisdiction",
            "kunming", "--county", "wuhua", env=service_env).strip().splitlines()[-1]
        with services(places, service_env, tmp_path) as (web, worker):
            base = f"http://127.0.0.1:{port}"
            ready = wait_until_ready(base, web)
            _, _, processes = call(base, "GET", "/api/processes", admin_token)
            status, headers, case = call(base, "POST", "/api/cases", applicant_token,
                                         {"process": "kunming_recognition"})
            backup = run_block("backup", places, {**system, "ENV_FILE": str(tmp_path / "env")})
            caps = web_worker_memory_caps(web.pid)
            worker_alive = worker.poll() is None

    assert ready == {"status": "ready"}
    assert "kunming_recognition" in {process["key"] for process in processes}
    assert (status, case["status"]) == (201, "draft")
    assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])
    line = log_line(tmp_path / "web.log", headers["X-Request-ID"])
    assert (line["method"], line["path"], line["status"]) == ("POST", "/api/cases", 201)
    assert 0 < line["engine_ms"] <= line["duration_ms"]  # starting a case runs the engine
    assert isinstance(line["user_id"], int)
    assert applicant_token not in (tmp_path / "web.log").read_text()
    assert caps and set(caps) == {str(1024 * 1024 * 1024)}
    # Each worker left the preloaded application out of its garbage collections.
    frozen = re.findall(r"worker \d+: (\d+) objects of the master left out of its garbage "
                        r"collections; young objects collected after each request and every "
                        r"(\d+) allocations", (tmp_path / "web.log").read_text())
    assert len(frozen) >= 2 and min(int(count) for count, _ in frozen) > 50_000, frozen
    assert {every for _, every in frozen} == {"50000"}
    assert worker_alive and "Traceback" not in (tmp_path / "worker.log").read_text()
    assert backup.returncode == 0, backup.stderr
    folder = Path(backup.stdout.strip().splitlines()[-1])
    assert {"database.dump", "uploads.tar.gz", "SHA256SUMS"} <= {p.name for p in folder.iterdir()}
    checked = subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=folder)
    assert checked.returncode == 0
