"""Request ids, one JSON log line per request, and the /healthz and /readyz probes."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, jsonify, request

from app.engine import timing
from app.services import health

HEADER = "X-Request-ID"
# nginx's $request_id is 32 hex digits; accept such opaque tokens, never free text that
# could forge or break a log line.
VALID_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
log = logging.getLogger("app.request")


class _Stderr(logging.StreamHandler):
    """Writes to the current sys.stderr (gunicorn and journald capture it; so do tests)."""

    def __init__(self):
        super().__init__()
        self.setFormatter(logging.Formatter("%(message)s"))

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def _start() -> Response | None:
    offered = request.headers.get(HEADER, "")
    g.request_id = offered if VALID_ID.fullmatch(offered) else uuid.uuid4().hex
    g.request_started = time.perf_counter()
    g.engine_spent = timing.measure()
    # Probes answer here, before the session, login and locale hooks run: a load balancer
    # polling every few seconds must not create sessions or touch user data.
    probe = PROBES.get(request.path)
    return probe() if probe and request.method in ("GET", "HEAD") else None


def healthz() -> Response:
    return jsonify({"status": "ok"})


def readyz():
    problem = health.readiness_problem()
    if problem:
        return jsonify({"status": "unavailable", "reason": problem}), 503
    return jsonify({"status": "ready"})


PROBES = {"/healthz": healthz, "/readyz": readyz}


def _user_id() -> int | None:
    # Only a user already loaded by this request: loading one here would open the session.
    user = g.get("api_user") or g.get("_login_user")
    return getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None


def _finish(response: Response) -> Response:
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers[HEADER] = request_id
    started = g.get("request_started", time.perf_counter())
    # Method, path and status only: never the query string, headers, form or JSON body,
    # which carry passwords, tokens and applicants' data.
    log.info(json.dumps({
        "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
        "request_id": request_id, "method": request.method, "path": request.path,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "engine_ms": round(spent.ms, 1) if (spent := g.get("engine_spent")) else 0.0,
        "user_id": _user_id(), "remote_addr": request.remote_addr,
    }, ensure_ascii=False))
    return response


def register(app: Flask) -> None:
    """Give every request an id and a log line; answer the probes. Register first."""
    for logger in (log, logging.getLogger("app.designs")):  # procedures approved, published
        if not logger.handlers:
            logger.addHandler(_Stderr())
            logger.setLevel(logging.INFO)
            logger.propagate = False
    app.before_request(_start)
    app.after_request(_finish)
