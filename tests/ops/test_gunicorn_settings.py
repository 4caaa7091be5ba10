"""deploy/gunicorn.conf.py's garbage collection hooks, called as gunicorn calls them.

The operations guide's test (test_operations_guide.py) checks in real workers that the
master's objects are frozen and the young threshold set; this one checks what the hooks do.
"""

from __future__ import annotations

import gc
import runpy
import weakref

from app.config import ROOT

SETTINGS = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))


class _Node:
    """An object in a reference cycle: only a garbage collection frees it."""

    def __init__(self) -> None:
        self.me = self


def test_the_cycles_a_request_left_are_freed_after_its_answer():
    threshold = gc.get_threshold()
    gc.set_threshold(10**9)  # no automatic collection in between: only the hook's
    try:
        left = [weakref.ref(_Node()) for _ in range(100)]
        assert all(ref() is not None for ref in left)
        SETTINGS["post_request"](None, None, {}, None)
        assert all(ref() is None for ref in left)
    finally:
        gc.set_threshold(*threshold)


def test_the_master_freezes_what_it_holds_before_each_fork():
    before = gc.get_freeze_count()
    try:
        SETTINGS["pre_fork"](None, None)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
