"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py` (docs/OPERATIONS.md).

Every value can be changed through the environment, so the systemd unit and
`make serve` share this one file.
"""

import gc
import multiprocessing
import os
import resource


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


wsgi_app = "app.wsgi:app"
bind = os.environ.get("BIND", "127.0.0.1:8000")

# Sync workers: nginx buffers slow clients, so one request per process is enough and a
# runaway request can harm only its own worker. 2 x cores + 1 is gunicorn's rule of thumb,
# capped because every worker holds its own engine caches and database connections.
# The load bench (tests/bench/load.py, docs/OPERATIONS.md "Throughput") shows requests
# CPU-bound in Python (the workers use about 80 % of the CPU a completion costs, PostgreSQL
# the rest), so threads (gthread) cannot add throughput under the GIL; they only queue
# requests inside a worker. WEB_THREADS > 1 switches to gthread, for clients that reach
# gunicorn without nginx and keep their connections open.
workers = _int("WEB_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8))
threads = _int("WEB_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"

# Load the application once in the master, then fork: a worker starts (and is recycled,
# below) in milliseconds instead of importing and reading every procedure and form again,
# and the workers share those pages. The master's database connections are dropped in
# post_fork, so no two processes ever share one.
preload_app = os.environ.get("WEB_PRELOAD", "1") != "0"

# A request that is silent for this long is killed and its worker replaced.
timeout = _int("WEB_TIMEOUT_SECONDS", 60)
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then, so slow leaks never accumulate; jitter avoids all at once.
max_requests = _int("WEB_MAX_REQUESTS", 1000)
max_requests_jitter = max_requests // 10

# The application writes one JSON line per request (app/web/observability.py) to stderr.
# gunicorn's own access log is off unless ACCESS_LOG names a file (or "-" for stdout); its
# lines carry the same request id so the two can be joined.
accesslog = os.environ.get("ACCESS_LOG") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'
errorlog = "-"
# systemd signals manage the server; no control socket in $HOME that two instances would share.
control_socket_disable = True
loglevel = os.environ.get("LOG_LEVEL", "info")

# Last line of defence against a runaway process script or upload: a worker that asks for
# more address space than this gets MemoryError (answered as a 500) instead of starving the
# machine. 0 disables the cap.
WORKER_MEMORY_MB = _int("WORKER_MEMORY_MB", 1024)


def _fresh_connections() -> None:
    """Forget the database connections a preloaded application opened in the master: each
    worker opens its own (SQLAlchemy's advice for forking a pool)."""
    from app.extensions import db
    from app.wsgi import app

    with app.app_context():
        db.engine.dispose(close=False)


def when_ready(server):
    """In the master, once: parse the forms before the workers fork (they inherit them)."""
    if preload_app:
        from app.extensions import db
        from app.services import catalog
        from app.wsgi import app

        try:
            with app.app_context():
                server.log.info("forms parsed before forking: %s", catalog.warm())
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - a database not set up yet only slows
            server.log.warning("forms not parsed before forking: %s", error)


# Garbage collection in the workers. A request's objects live until its answer is sent and
# are then freed by reference counting, but the collector, run every 700 allocations by
# default, walks the live ones again and again while the request runs. A worker collects its
# young objects after each request instead (post_request, once the answer is sent), and
# while a request runs only every YOUNG_COLLECTED_EVERY allocations, which still bounds the
# garbage of a long one (a chunk of verification) to tens of megabytes. With the master's
# objects frozen as well (pre_fork), the load bench's workers spent 1.2 CPU s per minute in
# collections instead of 3.1 (docs/OPERATIONS.md, "Throughput").
YOUNG_COLLECTED_EVERY = 50_000


def pre_fork(server, worker):
    """In the master, before each worker is forked (recycled ones too): leave every object
    it holds (the preloaded application, its parsed procedures and forms: never garbage) out
    of the workers' collections. Otherwise each full collection in a worker walks them all
    again and writes to each, copying the pages it shares with the master."""
    gc.freeze()


def post_fork(server, worker):
    gc.set_threshold(YOUNG_COLLECTED_EVERY, *gc.get_threshold()[1:])
    server.log.info("worker %s: %s objects of the master left out of its garbage collections; "
                    "young objects collected after each request and every %s allocations",
                    worker.pid, gc.get_freeze_count(), gc.get_threshold()[0])
    if preload_app:
        _fresh_connections()
    if WORKER_MEMORY_MB > 0:
        limit = WORKER_MEMORY_MB * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        server.log.info("worker %s: address space capped at %s MB", worker.pid, WORKER_MEMORY_MB)


def post_request(worker, req, environ, resp):
    """After the answer is sent: free the cycles the request left (see YOUNG_COLLECTED_EVERY)."""
    gc.collect(0)
