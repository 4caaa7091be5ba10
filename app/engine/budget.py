"""The ceiling every engine call runs under: loop steps, script time and memory.

The main limit is deterministic: every loop and comprehension iterates through
the `_getiter_` guard, every function or lambda call and every completed BPMN
element costs a step, and one engine call (a task submission, a timer tick, a
replayed audit event) may take at most MAX_STEPS of them. The same inputs hit
the same limit live and on replay. Script time and memory growth are checked
every few steps as a backstop for work no step counts (one large sort, say);
they depend on the machine, which is why they are generous. The last line is
the operating system: a memory rlimit on the worker process (docs/OPERATIONS.md).
"""

from __future__ import annotations

import contextlib
import resource
import time

MAX_STEPS = 1_000_000  # the shipped procedures spend at most about 170 in one call
MAX_SECONDS = 5.0
MAX_MEMORY_GROWTH_KB = 100 * 1024
_CHECK_EVERY = 8  # steps between clock and memory readings (a power of two)


class ScriptRefused(ValueError):
    """Restricted code was refused (a ValueError: Spiff crashes on a bare SyntaxError)."""


def _peak_kb() -> int:
    # ru_maxrss is in kilobytes on Linux, where the product runs.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class Budget:
    """What is left of one engine call's ceiling; once exceeded it stays exceeded."""

    def __init__(self, steps: int = MAX_STEPS, seconds: float = MAX_SECONDS,
                 memory_kb: int = MAX_MEMORY_GROWTH_KB):
        self.steps_left = steps
        self.seconds = self.seconds_left = seconds
        self.memory_kb = memory_kb
        self.exceeded = ""
        self._deadline = float("inf")
        self._memory_ceiling = 0

    def refuse(self, reason: str):
        """Record `reason` and raise ScriptRefused; every later check raises it again."""
        self.exceeded = self.exceeded or reason
        raise ScriptRefused(self.exceeded)

    def tick(self, steps: int = 1) -> None:
        """Spend `steps`; raise ScriptRefused when the call's ceiling is reached."""
        self.steps_left -= steps
        if self.steps_left < 0 or self.exceeded:
            self.refuse(f"it took more than {MAX_STEPS:,} loop steps or calls in one step of "
                        "the case: a loop or a call never ends or is far too large")
        if self.steps_left % _CHECK_EVERY == 0:
            self.check_resources()

    def check_resources(self) -> None:
        """Raise ScriptRefused when the script ran too long or the process grew too much."""
        if time.monotonic() > self._deadline:
            self.refuse(f"scripts ran longer than {self.seconds:g} seconds in one step of the case")
        peak = _peak_kb()
        if not self._memory_ceiling:  # no script has run yet: growth counts from here
            self._memory_ceiling = peak + self.memory_kb
        if peak > self._memory_ceiling:
            self.refuse(f"a script used more than {self.memory_kb // 1024} MB of memory")

    def counted(self, iterable):
        """Yield the items of `iterable`, spending one step per item."""
        for item in iterable:
            self.tick()
            yield item

    @contextlib.contextmanager
    def running(self):
        """Run one script or expression against the budget; a swallowed refusal still counts."""
        started = time.monotonic()
        self._deadline = started + self.seconds_left
        if not self._memory_ceiling:  # the growth of the whole call is measured: read once
            self._memory_ceiling = _peak_kb() + self.memory_kb
        try:
            self.tick()
            yield
        except Exception:
            if self.exceeded:
                raise ScriptRefused(self.exceeded) from None
            raise
        finally:
            self.seconds_left -= time.monotonic() - started
        if self.exceeded:  # the script caught the refusal itself (try/except)
            raise ScriptRefused(self.exceeded)
