"""The production settings (deploy/gunicorn.conf.py) with every worker under cProfile, for the
load bench only (BENCH_PROFILE=1): each worker writes its profile to BENCH_PROFILE_DIR when it
exits, and tests/bench/load.py prints the sum."""

import cProfile
import os
import time
from pathlib import Path

_production = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"
exec(compile(_production.read_text(), str(_production), "exec"))  # noqa: S102 - our own file
_production_post_fork = post_fork  # noqa: F821 - defined by the file above
max_requests = 0  # one profile per worker for the whole run


def post_fork(server, worker):
    _production_post_fork(server, worker)
    worker.profile = cProfile.Profile(time.process_time)  # CPU, not waiting
    worker.profile.enable()


def worker_exit(server, worker):
    worker.profile.disable()
    worker.profile.dump_stats(str(Path(os.environ["BENCH_PROFILE_DIR"]) / f"{worker.pid}.prof"))
