"""A published procedure whose script misbehaves: the user gets a 422 naming the element, the
case is unchanged, other cases and their audit replay keep working.

The small test procedure (tests/data/processes/mini) is copied with its first script
replaced by one that misbehaves only for some base names, so one published version
has good cases and failing ones.
"""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Case, Event
from app.services import audit
from tests.conftest import DATA
from tests.processes.driver import (
    Api,
    CaseDriver,
    api_on,
    app_from_template,
    build_template,
)

APPLICANT, OBSERVER = "tl_applicant", "tl_city"
ORIGINAL = '<bpmn:script>case_status = "in_review"</bpmn:script>'
HOSTILE = '''<bpmn:script>case_status = "in_review"
attack = application["base_name"]
if attack == "loop":
    xs = [1]
    ys = xs
    for x in xs:
        ys.append(x)
if attack == "missing key":
    missing = {}[1]
if attack == "range":
    leftover = range(3)
if attack == "nesting":
    deep = []
    for i in range(1000):
        deep = [deep]
if attack == "power":
    big = 10 ** 10 ** 8
if attack == "text":
    big = "a" * 10 ** 10
</bpmn:script>'''
ATTACKS = {"loop": "loop steps or calls", "missing key": "there is no 1 in the data",
           "range": "cannot be stored", "nesting": "nested more than",
           "power": "more than 10,000 bits", "text": "more than 1,000,000 items"}


@pytest.fixture(scope="module")
def hostile_template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    processes = folder / "processes"
    shutil.copytree(DATA / "processes", processes)
    bpmn = processes / "mini" / "mini.bpmn"
    text = bpmn.read_text(encoding="utf-8")
    assert ORIGINAL in text
    bpmn.write_text(text.replace(ORIGINAL, HOSTILE), encoding="utf-8")
    return build_template(folder, processes, DATA / "forms"), processes


@pytest.fixture
def hostile(hostile_template, tmp_path, monkeypatch) -> Api:
    template, processes = hostile_template
    app = app_from_template(template, tmp_path, processes, DATA / "forms")
    with api_on(app, monkeypatch) as client:
        yield client


def application(base_name: str) -> dict:
    return {"base_name": base_name, "county": "east", "small_micro_count": 12}


def submitted(api: Api, base_name: str, expect: int = 200) -> tuple[CaseDriver, dict]:
    case = CaseDriver(api, "mini_recognition", APPLICANT, OBSERVER)
    case.start("2026-03-01T09:00")
    answer = case.complete(APPLICANT, "submit_application", application(base_name),
                           "2026-03-02T09:00", expect=expect)
    return case, answer


def record(case: CaseDriver) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_misbehaving_script_answers_422_naming_the_element_and_changes_nothing(hostile,
                                                                                 attack):
    good, _ = submitted(hostile, "good base")
    case = CaseDriver(hostile, "mini_recognition", APPLICANT, OBSERVER)
    case.start("2026-03-01T09:00")
    before = record(case)
    state, events = before.state, len(audit.case_events(before))

    answer = case.complete(APPLICANT, "submit_application", application(attack),
                           "2026-03-02T09:00", expect=422)

    assert set(answer) == {"error", "errors"}
    assert "mark_in_review" in answer["error"]
    assert ATTACKS[attack] in answer["error"]
    after = record(case)
    assert (after.state, len(audit.case_events(after))) == (state, events)
    assert case.ready() == ["submit_application"]
    # The next request works, and the earlier good case still replays.
    case.complete(APPLICANT, "submit_application", application("fixed"), "2026-03-03T09:00")
    assert record(case).status == "in_review"
    assert audit.verify_case(record(good))["ok"] is True


def test_replaying_a_recorded_step_pays_the_same_ceiling(hostile):
    good, _ = submitted(hostile, "good base")
    case = record(good)
    event = db.session.scalars(sa.select(Event).where(
        Event.case_id == good.id, Event.kind == "task_completed")).one()
    # Someone rewrote the recorded input and re-chained the hashes: only the replay can tell,
    # and it runs the runaway loop, which must stop at the same ceiling as a live step.
    event.data = {**event.data, "form": {**event.data["form"], "base_name": "loop"}}
    prev = audit.GENESIS
    for each in audit.case_events(case):
        each.prev_hash, each.hash = prev, audit.chain_hash(prev, case.ref, each)
        prev = each.hash
    db.session.commit()

    report = audit.verify_case(case)

    assert report["ok"] is False
    [failed] = [s for s in report["steps"] if s["seq"] == event.seq]
    assert "loop steps or calls" in failed["detail"]
