"""The engine facade on its own: restricted code, hostile XML, publish-time lint, clock, guards.

The probes in tests/data/engine/ are tiny processes with a placeholder where the
code under test goes: a script task (@SCRIPT@), a gateway condition, a timer
expression (@EXPRESSION@) and a DMN input/output cell (@INPUT@, @OUTPUT@).
"""

from __future__ import annotations

import datetime as dt
import html
import uuid
from pathlib import Path

import pytest
from lxml import etree

from app import engine
from app.config import ROOT
from app.engine import serializer
from app.errors import Conflict, DefinitionError, TaskError
from tests.bench import state_size

PROBES = Path(__file__).parent.parent / "data" / "engine"
MINI = Path(__file__).parent.parent / "data" / "processes" / "mini"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 9, 28, 9, tzinfo=SHANGHAI)
PROBE_ELEMENT = {"script": "probe_script", "condition": "probe_gateway", "timer": "probe_timer",
                 "decision": "probe_rule"}


def _escape(text: str) -> bytes:
    return html.escape(text, quote=False).encode("utf-8")


def probe(kind: str, code: str, input_cell: str = "-") -> dict[str, bytes]:
    """Return the files of the probe process `kind` with `code` where the probe runs."""
    if kind == "decision":
        table = (PROBES / "probe_decision.dmn").read_bytes()
        return {"probe.bpmn": (PROBES / "probe_rule.bpmn").read_bytes(),
                "probe_decision.dmn": table.replace(b"@OUTPUT@", _escape(code))
                .replace(b"@INPUT@", _escape(input_cell))}
    marker = b"@SCRIPT@" if kind == "script" else b"@EXPRESSION@"
    text = (PROBES / f"probe_{kind}.bpmn").read_bytes().replace(marker, _escape(code))
    return {"probe.bpmn": text}


def compiled(files: dict[str, bytes]) -> str:
    """Return the probe's spec even when the lint found problems (to test run-time defence)."""
    definitions, _ = engine.check_definitions(files)
    return definitions["probe"].spec


def fill(spec: str, data: dict | None = None, now: dt.datetime = NOW):
    """Start the probe and complete its first user task; return the Step."""
    step = engine.start(spec, {}, now)
    [task] = step.ready
    return engine.complete(spec, step.state, task.id, data or {"count": 1}, now)


# --- restricted scripts, conditions, timers and DMN cells -------------------------------------

# (code, refused when published): RestrictedPython refuses names and attributes starting
# with "_", eval/exec and imports when compiling; the rest fail when run, because the
# builtins are whitelisted and str.format is guarded.
HOSTILE = {
    "__import__": ('__import__("os").system("id")', True),
    "mro walk": ("().__class__.__mro__[1].__subclasses__()", True),
    "base subclasses": ("[].__class__.__base__.__subclasses__()", True),
    "function globals": ("(lambda: 1).__globals__", True),
    "builtins name": ("__builtins__", True),
    "eval": ('eval("1 + 1")', True),
    "exec": ('exec("x = 1")', True),
    "open": ('open("/etc/passwd").read()', False),
    "getattr": ('getattr((), "__class__")', False),
    "type": ("type(()).mro()", False),
    "globals": ("globals()", False),
    "vars": ("vars()", False),
    "compile": ('compile("1", "x", "eval")', False),
    "str.format attribute escape": ('"{0.__class__.__mro__}".format(())', False),
    "str.format through the type": ('str.format("{0.__class__}", ())', False),
    "str.format_map": ('"{0.__class__}".format_map([()])', False),
}
IMPORTS = ["import os", "from os import system", "import subprocess as sp"]
KINDS = ["script", "condition", "timer", "decision"]


def _code(kind: str, expression: str) -> str:
    return f"result = {expression}" if kind == "script" else expression


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", [n for n, (_, at_publish) in HOSTILE.items() if at_publish])
def test_publishing_refuses_restricted_code(kind, name):
    _, problems = engine.check_definitions(probe(kind, _code(kind, HOSTILE[name][0])))

    assert len(problems) == 1, [str(p) for p in problems]
    assert problems[0].file == "probe.bpmn"
    assert problems[0].element.startswith(PROBE_ELEMENT[kind])
    assert "invalid" in problems[0].text()


@pytest.mark.parametrize("statement", IMPORTS)
def test_publishing_refuses_an_import_in_a_script(statement):
    _, problems = engine.check_definitions(probe("script", statement))

    assert [(p.file, p.element) for p in problems] == [("probe.bpmn", "probe_script")]
    assert "import" in problems[0].text()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(HOSTILE))
def test_restricted_code_fails_the_step_with_a_task_error(kind, name):
    spec = compiled(probe(kind, _code(kind, HOSTILE[name][0])))
    started = engine.start(spec, {}, NOW)

    with pytest.raises(TaskError) as raised:
        engine.complete(spec, started.state, started.ready[0].id, {"count": 1}, NOW)

    assert raised.value.element == PROBE_ELEMENT[kind]
    assert PROBE_ELEMENT[kind] in str(raised.value)
    # Nothing moved: the stored state still offers the same first task.
    assert [t.name for t in engine.describe(spec, started.state).ready] == ["fill"]


@pytest.mark.parametrize("statement", IMPORTS)
def test_an_import_that_slipped_past_publishing_fails_at_run_time(statement):
    spec = compiled(probe("script", f"{statement}\nresult = 1"))

    with pytest.raises(TaskError, match="import"):
        fill(spec)


def test_a_script_cannot_write_a_file(tmp_path):
    target = tmp_path / "written"
    spec = compiled(probe("script", f'open("{target}", "w").write("x")'))

    with pytest.raises(TaskError):
        fill(spec)

    assert not target.exists()


BENIGN = {
    "script": ("result = len([1, 2]) + fill[\"count\"]", lambda step: step.data["result"] == 3),
    "condition": ('fill["count"] == 1 and is_working_day("2026-10-10")',
                  lambda step: [t.name for t in step.ready] == ["after_yes"]),
    "timer": ('add_working_days(notice["notice_start"], 10)',
              lambda step: step.next_timer_at == dt.datetime(2026, 10, 16, tzinfo=SHANGHAI)),
    "decision": ('application["count"] * 2', lambda step: step.data["result"] == 2),
}


@pytest.mark.parametrize("kind", KINDS)
def test_ordinary_code_and_helpers_run_in_the_same_probes(kind):
    code, holds = BENIGN[kind]
    files = probe(kind, code)

    definitions = engine.load_definitions(files)
    step = fill(definitions["probe"].spec, {"count": 1, "notice_start": "2026-09-28"})

    assert holds(step), step


# --- hostile and malformed XML ----------------------------------------------------------------

MINI_BODY = (MINI / "mini.bpmn").read_text(encoding="utf-8").split("?>", 1)[1]
LAUGHS = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
HOSTILE_XML = {
    "external entity": ('<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"),
    "external entity over http": (
        '<!DOCTYPE d [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/secret">]>', "&xxe;"),
    "billion laughs": (f'<!DOCTYPE d [<!ENTITY l0 "lol">{LAUGHS}]>', "&l9;"),
    "parameter entity": ('<!DOCTYPE d [<!ENTITY % pe SYSTEM "file:///etc/passwd"> %pe;]>', ""),
    "parameter entity defining an entity": (
        '<!DOCTYPE d [<!ENTITY % file SYSTEM "file:///etc/passwd">'
        '<!ENTITY % wrap "<!ENTITY leak \'%file;\'>"> %wrap;]>', "&leak;"),
}


def hostile_bpmn(name: str, encoding: str) -> bytes:
    doctype, reference = HOSTILE_XML[name]
    body = MINI_BODY.replace("Test clause 1", reference)
    text = f'<?xml version="1.0" encoding="{encoding.upper()}"?>\n{doctype}{body}'
    return text.encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
@pytest.mark.parametrize("name", list(HOSTILE_XML))
def test_hostile_xml_is_refused_naming_the_file(name, encoding):
    files = {"evil.bpmn": hostile_bpmn(name, encoding),
             "mini_precheck.dmn": (MINI / "mini_precheck.dmn").read_bytes()}

    definitions, problems = engine.check_definitions(files)

    assert definitions == {}
    assert [p.file for p in problems] == ["evil.bpmn"]
    assert "root:" not in str(problems[0])
    with pytest.raises(DefinitionError) as raised:
        engine.load_definitions(files)
    assert raised.value.file == "evil.bpmn"


def test_hostile_xml_is_refused_even_when_lxml_defaults_are_loosened():
    loose = etree.XMLParser(resolve_entities=True, load_dtd=True, no_network=False)
    etree.set_default_parser(loose)
    try:
        definitions, problems = engine.check_definitions(
            {"evil.bpmn": hostile_bpmn("parameter entity defining an entity", "utf-8")})
    finally:
        etree.set_default_parser()

    assert definitions == {}
    assert [p.file for p in problems] == ["evil.bpmn"]
    assert "root:" not in str(problems[0])


def test_a_hostile_decision_table_is_refused_naming_the_file():
    table = (PROBES / "probe_decision.dmn").read_text(encoding="utf-8")
    head, body = table.split("?>", 1)
    evil = f'{head}?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>{body}'
    files = probe("decision", "1")
    files["probe_decision.dmn"] = evil.replace("@OUTPUT@", "&xxe;").encode("utf-8")

    _, problems = engine.check_definitions(files)

    assert [p.file for p in problems] == ["probe_decision.dmn"]


@pytest.mark.parametrize("content", [
    b"<bpmn:definitions xmlns:bpmn='http://www.omg.org/spec/BPMN/20100524/MODEL'>",
    b"<a><b></a>",
    b"not xml at all",
    b"",
], ids=["unclosed root", "mismatched tags", "text", "empty"])
def test_malformed_xml_is_reported_with_the_file(content):
    definitions, problems = engine.check_definitions({"broken.bpmn": content})

    assert definitions == {}
    assert [p.file for p in problems] == ["broken.bpmn"]
    assert "malformed XML" in problems[0].text()


def test_xml_that_is_not_bpmn_is_reported_with_the_file():
    _, problems = engine.check_definitions(
        {"notes.bpmn": b'<?xml version="1.0"?><notes><note>hello</note></notes>'})

    assert [p.file for p in problems] == ["notes.bpmn"]


# --- what the parser misses and the lint catches ----------------------------------------------

@pytest.mark.parametrize("text", ["P10D", "R3/P1D", "2026-10-16T00:00:00+08:00", " P10D "])
def test_an_unquoted_timer_is_reported(text):
    _, problems = engine.check_definitions(probe("timer", text))

    assert [(p.file, p.element) for p in problems] == [("probe.bpmn", "probe_timer")]
    assert "quote" in problems[0].text()


@pytest.mark.parametrize("text", ['"P10D"', '"2026-10-16T00:00:00+08:00"'])
def test_a_quoted_timer_passes(text):
    _, problems = engine.check_definitions(probe("timer", text))

    assert problems == []


def test_a_script_syntax_error_is_reported():
    _, problems = engine.check_definitions(probe("script", "case_status = "))

    assert [(p.file, p.element) for p in problems] == [("probe.bpmn", "probe_script")]


def test_a_user_task_without_form_and_a_lane_that_is_no_role_are_reported():
    _, problems = engine.check_definitions(
        {"tasks.bpmn": (PROBES / "lint_user_tasks.bpmn").read_bytes()})

    found = {(p.file, p.element, p.message) for p in problems}
    assert found == {
        ("tasks.bpmn", "no_form", "user task has no formId property"),
        ("tasks.bpmn", "wrong_lane", "user task lane '%(lane)s' is not a role (%(roles)s)"),
    }
    wrong_lane = next(p for p in problems if p.element == "wrong_lane")
    assert "officials" in wrong_lane.text()


@pytest.mark.parametrize("cell", ["[40..100]", ">= 40 and <= 100", "< 10 or > 20", "]40..50[",
                                  "40, 41", "\"a\",\"b\""])
def test_a_feel_style_decision_cell_is_reported(cell):
    _, problems = engine.check_definitions(probe("decision", "1", input_cell=cell))

    assert len(problems) == 1
    assert problems[0].element == "probe_rule/probe_table"
    assert "FEEL" in problems[0].text() and cell in problems[0].text()


@pytest.mark.parametrize("cell", [">= 40", "40", "-", "30 < ? < 50", "in (40, 41)"])
def test_a_python_decision_cell_passes(cell):
    _, problems = engine.check_definitions(probe("decision", "1", input_cell=cell))

    assert problems == []


def test_the_repository_processes_pass_the_lint():
    for folder in (ROOT / "processes").iterdir():
        files = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix in (".bpmn", ".dmn")}
        definitions, problems = engine.check_definitions(files)
        assert problems == [], [str(p) for p in problems]
        # every .bpmn file holds one process
        assert len(definitions) == sum(1 for name in files if name.endswith(".bpmn")), folder


# --- time is passed in ------------------------------------------------------------------------

NOTICE_TIMER = 'add_working_days(notice["notice_start"], 10)'


@pytest.fixture
def notice_spec() -> str:
    return engine.load_definitions(probe("timer", NOTICE_TIMER))["probe"].spec


def test_a_notice_timer_waits_until_the_end_of_the_tenth_working_day(notice_spec):
    waiting = fill(notice_spec, {"notice_start": "2026-09-28"})

    assert waiting.next_timer_at == dt.datetime(2026, 10, 16, 0, 0, tzinfo=SHANGHAI)
    assert [(w.element, w.kind) for w in waiting.waiting] == [("probe_timer", "timer")]
    assert waiting.ready == ()


def test_a_notice_whose_publication_day_does_not_count_ends_one_working_day_later():
    spec = engine.load_definitions(probe(
        "timer", 'add_working_days(notice["notice_start"], 10, False)'))["probe"].spec

    waiting = fill(spec, {"notice_start": "2026-09-28"})

    # 9-29, 9-30, 10-08 .. 10-10 (adjusted Saturday), 10-12 .. 10-16: the tenth is Friday 10-16.
    assert waiting.next_timer_at == dt.datetime(2026, 10, 17, 0, 0, tzinfo=SHANGHAI)


def test_a_timer_does_not_fire_one_second_before_it_is_due(notice_spec):
    waiting = fill(notice_spec, {"notice_start": "2026-09-28"})

    # The wall clock is long past this instant: only the `now` passed in counts.
    step = engine.fire_due_timers(notice_spec, waiting.state,
                                  dt.datetime(2026, 10, 15, 23, 59, 59, tzinfo=SHANGHAI))

    assert step.ready == ()
    assert "probe_timer" not in step.completed_elements


def test_a_timer_fires_at_the_instant_it_is_due(notice_spec):
    waiting = fill(notice_spec, {"notice_start": "2026-09-28"})

    step = engine.fire_due_timers(notice_spec, waiting.state,
                                  dt.datetime(2026, 10, 16, 0, 0, tzinfo=SHANGHAI))

    assert [t.name for t in step.ready] == ["after"]
    assert "probe_timer" in step.completed_elements
    assert step.next_timer_at is None


def test_a_timer_far_in_the_future_fires_when_now_says_so(notice_spec):
    waiting = fill(notice_spec, {"notice_start": "2099-03-02"})

    before = engine.fire_due_timers(notice_spec, waiting.state,
                                    dt.datetime(2099, 3, 13, 23, 59, tzinfo=SHANGHAI))
    after = engine.fire_due_timers(notice_spec, waiting.state,
                                   dt.datetime(2099, 3, 14, 0, 0, tzinfo=SHANGHAI))

    assert waiting.next_timer_at == dt.datetime(2099, 3, 14, tzinfo=SHANGHAI)
    assert (before.ready, [t.name for t in after.ready]) == ((), ["after"])


def test_scripts_read_today_from_the_case_clock():
    spec = engine.load_definitions(probe("script", "result = today()"))["probe"].spec

    step = fill(spec, now=dt.datetime(2031, 1, 1, 0, 30, tzinfo=SHANGHAI))

    assert step.data["result"] == "2031-01-01"


def test_the_engine_refuses_a_time_without_zone():
    spec = engine.load_definitions(probe("script", "result = 1"))["probe"].spec

    with pytest.raises(ValueError):
        engine.start(spec, {}, dt.datetime(2026, 9, 28, 9))


def test_working_day_overrides_passed_in_move_the_timer(notice_spec):
    # An official extra holiday on Thursday 2026-10-15 pushes the close to Friday's end.
    overrides = {dt.date(2026, 10, 15): False}
    step = engine.start(notice_spec, {}, NOW, overrides)

    waiting = engine.complete(notice_spec, step.state, step.ready[0].id,
                              {"notice_start": "2026-09-28"}, NOW, overrides)

    assert waiting.next_timer_at == dt.datetime(2026, 10, 17, tzinfo=SHANGHAI)


# --- guards Spiff lacks -----------------------------------------------------------------------

@pytest.fixture
def script_spec() -> str:
    return engine.load_definitions(probe("script", "result = 1"))["probe"].spec


def _task_ids(state: str, spec_name: str) -> list[str]:
    tasks = serializer.state_dict(state)["tasks"]
    return [task_id for task_id, task in tasks.items() if task["task_spec"] == spec_name]


def test_completing_a_task_twice_raises_conflict(script_spec):
    started = engine.start(script_spec, {}, NOW)
    first = engine.complete(script_spec, started.state, started.ready[0].id, {"count": 1}, NOW)

    with pytest.raises(Conflict):
        engine.complete(script_spec, first.state, started.ready[0].id, {"count": 2}, NOW)


@pytest.mark.parametrize("which", ["unknown id", "not an id", "future task", "start event"])
def test_completing_a_task_that_is_not_ready_raises_conflict(script_spec, which):
    started = engine.start(script_spec, {}, NOW)
    task_id = {
        "unknown id": str(uuid.uuid4()),
        "not an id": "nope",
        "future task": _task_ids(started.state, "after")[0],
        "start event": _task_ids(started.state, "start")[0],
    }[which]

    with pytest.raises(Conflict):
        engine.complete(script_spec, started.state, task_id, {"count": 1}, NOW)


def test_completing_a_waiting_timer_raises_conflict(notice_spec):
    waiting = fill(notice_spec, {"notice_start": "2026-09-28"})
    [timer_id] = _task_ids(waiting.state, "probe_timer")

    with pytest.raises(Conflict):
        engine.complete(notice_spec, waiting.state, timer_id, {}, NOW)


def test_submitted_data_is_deep_copied_into_the_case():
    # The script appends to the submitted list in place: without a deep copy it would
    # also rewrite the caller's dict (and, in Spiff, the completed task's history).
    spec = engine.load_definitions(probe("script", 'fill["rows"].append({"n": 3})'))[
        "probe"].spec
    submitted = {"count": 1, "rows": [{"n": 1}, {"n": 2}]}

    step = fill(spec, submitted)
    submitted["rows"][0]["n"] = 99
    submitted["count"] = 5

    assert submitted["rows"] == [{"n": 99}, {"n": 2}]
    assert step.data["fill"] == {"count": 1, "rows": [{"n": 1}, {"n": 2}, {"n": 3}]}
    assert engine.describe(spec, step.state).data["fill"] == step.data["fill"]


def test_start_data_is_deep_copied_into_the_case(script_spec):
    initial = {"application": {"rows": [1, 2]}}

    step = engine.start(script_spec, initial, NOW)
    initial["application"]["rows"].append(3)

    assert engine.describe(script_spec, step.state).data["application"] == {"rows": [1, 2]}


# --- serialization ----------------------------------------------------------------------------

def test_the_serialized_state_does_not_embed_the_spec(script_spec):
    step = fill(script_spec)

    stored = serializer.state_dict(step.state)
    assert "spec" not in stored and "subprocess_specs" not in stored
    # Script text, form ids and lanes live in the spec only.
    for spec_only in ("result = 1", "probe_form", "applicant"):
        assert spec_only in script_spec and spec_only not in serializer.state_json(step.state)
    assert engine.describe(script_spec, step.state).data["result"] == 1


def test_a_kunming_case_state_is_a_fraction_of_the_spec(capsys):
    sizes = state_size.measure()

    with capsys.disabled():
        print(f"\n{state_size.report(sizes)}")
    assert sizes["mid"] < sizes["recognized"] <= state_size.GOAL_BYTES < sizes["spec"] / 2
    assert sizes["mid"] < sizes["spec"] / 3



TWO_TIMERS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
    targetNamespace="http://example.org/test">
  <bpmn:process id="probe" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:eventBasedGateway id="wait"/>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="new_year"/>
    <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="title_ends"/>
    @EVENTS@
    <bpmn:sequenceFlow id="f4" sourceRef="new_year" targetRef="end1"/>
    <bpmn:sequenceFlow id="f5" sourceRef="title_ends" targetRef="end2"/>
    <bpmn:endEvent id="end1"/>
    <bpmn:endEvent id="end2"/>
  </bpmn:process>
</bpmn:definitions>"""
TIMER = ('<bpmn:intermediateCatchEvent id="{id}"><bpmn:timerEventDefinition><bpmn:timeDate>'
         '"{date}"</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>')
MESSAGE = ('<bpmn:intermediateCatchEvent id="{id}"><bpmn:messageEventDefinition '
           'messageRef="m"/></bpmn:intermediateCatchEvent>')


def test_an_event_based_gateway_waiting_for_two_timers_is_refused_by_the_lint():
    events = (TIMER.format(id="new_year", date="2027-01-01T00:00:00+08:00")
              + TIMER.format(id="title_ends", date="2029-11-20T00:00:00+08:00"))

    _, problems = engine.check_definitions(
        {"probe.bpmn": TWO_TIMERS.replace("@EVENTS@", events).encode()})

    assert [(p.element, "one timer only" in p.text()) for p in problems] == [("wait", True)]


def test_an_event_based_gateway_with_one_timer_and_a_message_passes_the_lint():
    events = (TIMER.format(id="new_year", date="2027-01-01T00:00:00+08:00")
              + MESSAGE.format(id="title_ends"))
    text = TWO_TIMERS.replace("@EVENTS@", events).replace(
        '<bpmn:process', '<bpmn:message id="m" name="child_completed"/>\n  <bpmn:process')

    _, problems = engine.check_definitions({"probe.bpmn": text.encode()})

    assert problems == []
