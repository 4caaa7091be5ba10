"""Per-case state size next to the process spec it no longer embeds (engine only, no database).

Drives a Kunming case with the engine facade to the expert review (mid-procedure)
and to recognition, and returns the sizes in bytes. `python -m tests.bench.state_size`
prints them; tests/unit/test_engine.py asserts on them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from app import engine
from app.config import ROOT
from tests.processes import examples_kunming as km

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
GOAL_BYTES = 8 * 1024  # per case at recognition, as stored (compact state: serializer.py)


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def kunming_spec() -> str:
    """Return the serialized spec of the Kunming recognition process."""
    folder = ROOT / "processes" / "kunming"
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix in (".bpmn", ".dmn")}
    return engine.load_definitions(files)["kunming_recognition"].spec


def _complete(spec: str, step, name: str, data: Mapping, when: str, assignee=None):
    [task] = [t for t in step.ready if t.name == name and t.assignee == assignee]
    return engine.complete(spec, step.state, task.id, data, _at(when))


def measure() -> dict[str, int]:
    """Return {"spec", "mid", "recognized"} sizes in bytes (UTF-8) of a Kunming case."""
    spec = kunming_spec()
    step = engine.start(spec, {"case_ref": "KM-2026-0001",
                               "settings": {"notice_counts_publication_day": True}},
                        _at("2026-03-01T09:00"))
    for name, data, when in (
            ("submit_application", km.APPLICATION, "2026-03-02T09:00"),
            ("county_review", km.COUNTY_APPROVE, "2026-03-10T09:00"),
            ("site_inspection", km.site_inspection(), "2026-04-10T09:00"),
            ("assign_experts", km.ASSIGN_EXPERTS, "2026-05-01T09:00")):
        step = _complete(spec, step, name, data, when)
    mid = step.state
    for expert in km.EXPERTS:
        step = _complete(spec, step, "expert_review", km.expert_opinion(), "2026-05-10T09:00",
                         assignee=expert)
    for name, data, when in (
            ("expert_decision", km.EXPERT_APPROVE, "2026-06-01T09:00"),
            ("site_verification", km.VERIFY_APPROVE, "2026-09-10T09:00"),
            ("publish_notice", km.NOTICE, "2026-09-28T09:00")):
        step = _complete(spec, step, name, data, when)
    step = engine.fire_due_timers(spec, step.state, _at("2026-10-16T00:00"))
    step = _complete(spec, step, "register_objections", km.NO_OBJECTION, "2026-10-16T09:00")
    step = _complete(spec, step, "collective_decision", km.RECOGNIZE, "2026-11-20T09:00")
    assert step.data["case_status"] == "recognized", step.data.get("case_status")
    return {"spec": len(spec.encode()), "mid": len(mid.encode()),
            "recognized": len(step.state.encode())}


def report(sizes: Mapping[str, int]) -> str:
    """Return the sizes as one line the bench and the test log can both show."""
    return (f"per-case state: {sizes['mid']} bytes at expert review, {sizes['recognized']} bytes "
            f"at recognition; process spec (stored once per version): {sizes['spec']} bytes")


if __name__ == "__main__":
    print(report(measure()))
