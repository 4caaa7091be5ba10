"""`audit verify --all --jobs N`: chunks of cases verified in N worker processes.

Where the system can fork, the workers are forked from the command's process once it has
parsed the procedures its cases run on: they start in milliseconds with the parsed specs
and forms (building an app and parsing them again costs each worker over a second), and
drop the connections they inherited without closing them, so each opens its own and no two
processes ever share one (SQLAlchemy's advice for forking a pool, as gunicorn's workers
do). Elsewhere they are spawned and each builds its own app from the settings of the app
that runs the command. The parent streams case ids a chunk at a time and keeps at most two
chunks per worker in flight, so memory stays bounded whatever the number of cases; results
come back in chunk order, so the output does not depend on the number of workers.
"""

from __future__ import annotations

import collections
import multiprocessing
import pickle
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

from flask import Flask

from app.extensions import db
from app.services import verify_all

_worker_app: Flask | None = None


def shareable_settings(app: Flask) -> dict:
    """Return the app's settings that can be sent to a worker process."""
    settings = {}
    for key, value in app.config.items():
        try:
            pickle.dumps(value)
        except Exception:  # a setting that cannot cross processes is not needed to verify
            continue
        settings[key] = value
    return settings


def shared_database(app: Flask) -> bool:
    """Return whether other processes can open the app's database (not in-memory SQLite)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    return not (url in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in url)


def _start_worker(settings: dict) -> None:
    global _worker_app
    from app import create_app

    _worker_app = create_app(type("WorkerConfig", (), settings))
    verify_all.collect_less()  # for the worker's life (forked workers inherit the command's)


def _adopt_app(app: Flask) -> None:
    """In a forked worker: use the parent's app with connections of its own."""
    global _worker_app
    _worker_app = app
    with app.app_context():
        db.engine.dispose(close=False)  # the parent's stay open, for the parent


def _verify_in_worker(cases: list[tuple[int, str]], anchored: dict[str, dict]) -> list[dict]:
    with _worker_app.app_context():
        try:
            return verify_all.verify_chunk(cases, anchored)
        finally:
            db.session.remove()  # end the read transaction; nothing is kept between chunks


def verify_chunks(app: Flask, chunks: Iterable[list[tuple[int, str]]],
                  anchored: dict[str, dict], jobs: int) -> Iterator[list[dict]]:
    """Yield each chunk's results, in chunk order, verified in `jobs` worker processes."""
    if "fork" in multiprocessing.get_all_start_methods():
        verify_all.warm_specs()
        context, start = multiprocessing.get_context("fork"), (_adopt_app, (app,))
    else:
        context = multiprocessing.get_context("spawn")
        start = (_start_worker, (shareable_settings(app),))
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=start[0],
                             initargs=start[1]) as pool:
        pending = collections.deque()
        for chunk in chunks:
            subset = {ref: anchored[ref] for _, ref in chunk if ref in anchored}
            pending.append(pool.submit(_verify_in_worker, chunk, subset))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
