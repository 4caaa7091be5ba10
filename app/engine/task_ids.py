"""Task ids numbered in order while a case is replayed for verification.

Spiff gives every task it creates a random UUID (uuid4() in its task module, called through
that module's name). A replay creates about seven tasks per event, and uuid4() reads the
operating system's random source each time: 2 % of a verification. No id of a replayed
task is ever stored or compared (fingerprints name tasks by their place in the tree), and
ids need only differ within one workflow: inside numbered(), the ids are numbered from a
random start instead, which costs a third as much. Everywhere else, and in every other
thread, Spiff's tasks keep their random ids (the same way of replacing a name of Spiff's
as engine/clock.py's and serializer._restored_id's).
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import random
import uuid

import SpiffWorkflow.task as _task_module

_numbers: contextvars.ContextVar[itertools.count | None] = contextvars.ContextVar(
    "task_numbers", default=None)


def _task_id() -> uuid.UUID:
    numbers = _numbers.get()
    return uuid.uuid4() if numbers is None else uuid.UUID(int=next(numbers))


_task_module.uuid4 = _task_id


def numbering() -> itertools.count:
    """Return a new numbering for one workflow's tasks. It starts at a random 122-bit number
    (uuid4()'s randomness), so its ids are as unlikely to meet those a migrated case's tasks
    keep as two uuid4()s are."""
    return itertools.count(random.getrandbits(122) + 1)


@contextlib.contextmanager
def numbered(numbers: itertools.count):
    """Give the tasks Spiff creates in the body the next ids of `numbers`."""
    token = _numbers.set(numbers)
    try:
        yield
    finally:
        _numbers.reset(token)
