"""Spiff's task state change without building log records nobody reads.

SpiffWorkflow's Task._set_state builds the extra fields of an INFO (or DEBUG) log record at
every state change, the task's name and state written out, before the logging call finds
the level disabled: a few per cent of every engine step, more in a replay. This is the same
method, building the record only when its level is enabled: the task changes exactly as
before, and an enabled SpiffWorkflow logger receives the same records.
"""

from __future__ import annotations

import logging
import time

from SpiffWorkflow import task as spiff_task
from SpiffWorkflow.util.task import TaskState

_log = spiff_task.logger


def _set_state(self, value: int) -> None:
    """Force set the state on a task (SpiffWorkflow's Task._set_state)."""
    if value != self.state:
        elapsed = time.time() - self.last_state_change
        self.last_state_change = time.time()
        self._state = value
        if _log.isEnabledFor(logging.INFO):
            _log.info(f"State changed to {TaskState.get_name(value)}",
                      extra=self.collect_log_extras({"elapsed": elapsed}))
    elif _log.isEnabledFor(logging.DEBUG):
        _log.debug(f"State set to {TaskState.get_name(value)}", extra=self.collect_log_extras())


def install() -> None:
    """Give SpiffWorkflow's Task this _set_state (once per process)."""
    spiff_task.Task._set_state = _set_state
