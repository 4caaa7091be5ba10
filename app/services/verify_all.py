"""Verifying many cases: case ids streamed in chunks, each case checked (chain, replay, anchor)
into plain results that a summary adds up. The same functions run in one process or in
worker processes (app/verify_workers.py); results are plain data so that they cross processes.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import load_only

from app import engine
from app.extensions import db
from app.models import Case, ProcessVersion
from app.services import anchors, audit

# Failure kinds in the order the summary prints them.
KINDS = ("hash chain broken", "sequence gap", "replay mismatch", "replay failed", "tail cut",
         "anchor problem", "case deleted", "anchor log tampered")
# audit.verify_case's details, by how each starts; anything else that fails is a mismatch.
_PREFIXES = (("hash chain broken", "hash chain broken"), ("sequence gap", "sequence gap"),
             ("replay failed", "replay failed"), ("the case has no events", "tail cut"),
             ("the case's state is not the one", "tail cut"))


def kind_of(detail: str) -> str:
    """Return the failure kind of a failing step's detail."""
    return next((kind for prefix, kind in _PREFIXES if detail.startswith(prefix)),
                "replay mismatch")


def case_count(ref: str | None = None) -> int:
    """Return how many cases there are (only `ref`'s, when given)."""
    query = sa.select(sa.func.count(Case.id))
    return db.session.scalar(query.where(Case.ref == ref) if ref else query)


def chunks(size: int, ref: str | None = None) -> Iterator[list[tuple[int, str]]]:
    """Yield [(id, ref)] of the cases (only `ref`'s, when given) by id, `size` at a time."""
    last = 0
    while True:
        query = sa.select(Case.id, Case.ref).where(Case.id > last).order_by(Case.id).limit(size)
        rows = [tuple(row) for row in db.session.execute(query.where(Case.ref == ref)
                                                         if ref else query)]
        if not rows:
            return
        yield rows
        last = rows[-1][0]


VERIFY_READS = (Case.ref, Case.process_key, Case.process_version_id, Case.state_hash)
SPECS_WARMED = 32  # at most: fewer than the engine keeps restored


# Young objects are collected every this many allocations while verifying (Python: 700).
YOUNG_COLLECTED_EVERY = 10_000


def collect_less() -> tuple[int, ...]:
    """Collect garbage less often, for verifying many cases; return the thresholds it
    replaced. Each case's replay allocates hundreds of thousands of objects that live for
    that case only, and at Python's default the collector walks them again every 700
    allocations: a tenth of the CPU that verifying spends. What exists already (the app,
    the parsed procedures: never garbage) is frozen out of every collection, and young
    objects are collected every YOUNG_COLLECTED_EVERY allocations, which still bounds the
    garbage kept waiting to a few megabytes. Processes forked afterwards inherit both."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTED_EVERY, *threshold[1:])
    return threshold


@contextlib.contextmanager
def collecting_less() -> Iterator[None]:
    """collect_less() for the block; the collector as it was before, after it."""
    threshold = collect_less()
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def warm_specs() -> int:
    """Restore the specs of the procedure versions the cases run on, once, before worker
    processes fork (they inherit them); return how many."""
    used = sa.select(Case.process_version_id).distinct()
    texts = db.session.scalars(sa.select(ProcessVersion.spec).where(
        ProcessVersion.id.in_(used)).order_by(ProcessVersion.id).limit(SPECS_WARMED)).all()
    for text in texts:
        engine.prepare(text)
    return len(texts)


def verify_chunk(cases: list[tuple[int, str]], anchored: dict[str, dict]) -> list[dict]:
    """Return the result of each case of `cases` checked against its anchor in `anchored`.
    The cases and their events are read with one query each for the whole chunk."""
    ids = [case_id for case_id, _ in cases]
    # What verifying reads of a case; its data and the like are read only if a replay
    # fails and verify_case needs more.
    found = {case.id: case for case in db.session.scalars(sa.select(Case).where(
        Case.id.in_(ids)).options(load_only(*VERIFY_READS)))}
    events = audit.events_of(ids)
    results = []
    for case_id, ref in cases:
        case = found.get(case_id)
        if case is not None:  # deleted since its id was read: the anchors tell, if anchored
            results.append(verify_one(case, anchored.get(ref), events.get(case_id, [])))
    return results


def verify_one(case: Case, anchored: dict | None, events: list | None = None) -> dict:
    """Return {"ref", "ok", "events", "steps": [failing steps], "anchor": problem | None};
    `events`: the case's (audit.case_events), when already read."""
    events = audit.case_events(case) if events is None else events
    try:
        result = audit.verify_events(case, events)
    except Exception as error:  # one broken case must not stop the other hundred thousand
        result = {"ok": False, "steps": [{"seq": 0, "ok": False,
                                          "detail": f"replay failed: {error!r}"}]}
    problem = anchors.case_problem(anchored, events)
    return {"ref": case.ref, "ok": result["ok"] and problem is None, "events": len(events),
            "steps": [step for step in result["steps"] if not step["ok"]], "anchor": problem}


@dataclass
class Summary:
    cases: int = 0
    events: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    # (ref, "#seq" or "-", detail) of each failing case's first failing event.
    failures: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, result: dict) -> None:
        """Count one case's result."""
        self.cases += 1
        self.events += result["events"]
        if result["ok"]:
            return
        for kind in {kind_of(step["detail"]) for step in result["steps"]}:
            self.by_kind[kind] += 1
        if result["anchor"]:
            self.by_kind["anchor problem"] += 1
        first = result["steps"][0] if result["steps"] else None
        self.failures.append((result["ref"], f"#{first['seq']}", first["detail"]) if first
                             else (result["ref"], "-", f"anchor: {result['anchor']['detail']}"))

    def add_problem(self, kind: str, ref: str, detail: str) -> None:
        """Count a failure outside any present case (a deleted case, a tampered anchor log)."""
        self.by_kind[kind] += 1
        self.failures.append((ref, "-", detail))

    def lines(self) -> list[str]:
        """Return the summary as tab-separated lines."""
        lines = [f"cases\t{self.cases}", f"events\t{self.events}",
                 f"failed\t{len(self.failures)}"]
        lines += [f"kind\t{kind}\t{count}" for kind, count in self.by_kind.items()]
        lines += [f"failure\t{ref}\t{seq}\t{detail}" for ref, seq, detail in self.failures]
        return lines
