"""Everything a designer publishes runs under a ceiling: steps, sizes, time, memory.

Attacks are refused, not run: each test asserts the refusal sentence (and that
nothing was computed), which a slow machine cannot make flaky. Memory is
measured in a fresh subprocess, as a safety bound, not a performance timing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import textwrap

import pytest

from app import engine
from app.engine import runtime
from app.engine.budget import Budget, ScriptRefused
from app.engine.casedata import data_problem
from app.engine.sandbox import RestrictedEnvironment, check_source, make_helpers
from app.errors import TaskError
from tests.unit.test_engine import KINDS, NOW, PROBE_ELEMENT, PROBES, compiled, fill, probe

STEPS = "loop steps or calls"
TOO_BIG = "more than 1,000,000 items"
TOO_MANY_BITS = "more than 10,000 bits"


def environment() -> RestrictedEnvironment:
    return RestrictedEnvironment(make_helpers(NOW, {}), Budget())


# --- publish time -----------------------------------------------------------------------------

@pytest.mark.parametrize("script", [
    "while True:\n    pass",
    "n = 0\nwhile n < 10:\n    n += 1",
])
def test_a_while_loop_is_refused_at_publish_time(script):
    assert "while loops are not allowed" in check_source(script, "exec")


def test_a_for_loop_over_a_list_is_allowed():
    assert check_source("total = 0\nfor x in [1, 2]:\n    total += x", "exec") is None


@pytest.mark.parametrize("script", [
    "xs = [1]\nfor x in xs: xs.append(x)",
    "xs = [1]\nfor x in xs:\n    xs.extend([x, x])",
    "d = {'xs': [1]}\nfor x in d['xs']:\n    d['xs'].insert(0, x)",
    "xs = [1]\nys = [xs.append(x) for x in xs]",
])
def test_a_loop_that_appends_to_the_list_it_walks_is_refused_at_publish_time(script):
    assert "adds to" in check_source(script, "exec")


def test_a_loop_over_a_copy_of_the_list_it_appends_to_is_allowed():
    assert check_source("xs = [1]\nfor x in list(xs):\n    xs.append(x)", "exec") is None


def test_processes_check_reports_a_self_appending_loop_with_its_element():
    _, problems = engine.check_definitions(probe("script", "xs = [1]\nfor x in xs: xs.append(x)"))

    assert [(p.file, p.element) for p in problems] == [("probe.bpmn", "probe_script")]
    assert "adds to xs itself and never ends" in problems[0].text()


def test_a_class_statement_is_refused_at_publish_time_with_a_sentence():
    _, problems = engine.check_definitions(probe("script", "class A:\n    pass"))

    assert [p.element for p in problems] == ["probe_script"]
    assert "class statements are not allowed" in problems[0].text()


# --- the step budget --------------------------------------------------------------------------

RUNAWAY = {
    "loop appending through another name": "xs = [1]\nys = xs\nfor x in xs:\n    ys.append(x)",
    "nested comprehensions": "r = len([[y for y in range(100000)] for x in range(100000)])",
    "recursive lambda": "f = lambda g, n: 0 if n == 0 else g(g, n - 1) + g(g, n - 1)\n"
                        "r = f(f, 60)",
    "recursive function": "def f(n):\n    return 0 if n == 0 else f(n - 1) + f(n - 1)\nr = f(60)",
    "refusal swallowed by try": "n = 0\nfor i in range(100000):\n    try:\n"
                                "        for j in range(100000):\n            n += 1\n"
                                "    except Exception:\n        pass",
}


@pytest.mark.parametrize("name", list(RUNAWAY))
def test_a_runaway_script_stops_at_the_step_ceiling_with_a_task_error(name):
    spec = compiled(probe("script", RUNAWAY[name]))

    with pytest.raises(TaskError) as raised:
        fill(spec)

    assert raised.value.element == "probe_script"
    assert STEPS in str(raised.value) or "seconds" in str(raised.value)
    assert "designer must fix" in str(raised.value)


def test_nested_comprehensions_in_a_condition_stop_at_the_ceiling():
    spec = compiled(probe("condition",
                          "len([[y for y in range(100000)] for x in range(100000)]) > 0"))

    with pytest.raises(TaskError, match=STEPS) as raised:
        fill(spec)

    assert raised.value.element == PROBE_ELEMENT["condition"]


def test_the_budget_belongs_to_the_engine_call_and_stays_exceeded():
    budget = Budget(steps=10)
    with pytest.raises(ScriptRefused, match=STEPS):
        budget.tick(11)
    with pytest.raises(ScriptRefused, match=STEPS):
        budget.tick()  # later scripts of the same call are refused too
    assert Budget().steps_left == 1_000_000


def test_script_time_is_a_backstop_checked_while_looping():
    slow = RestrictedEnvironment(make_helpers(NOW, {}), Budget(seconds=0.0))

    with pytest.raises(ScriptRefused, match="longer than"):
        slow.evaluate("[x for x in range(100)]", {})


def test_an_ordinary_loop_runs_under_the_ceiling():
    assert environment().evaluate("sum([x for x in range(100000)])", {}) == 4999950000


# --- size guards: refused before anything is computed -----------------------------------------

HUGE = {
    "10**10**8": TOO_MANY_BITS,
    "2 ** 100000": TOO_MANY_BITS,
    "1 << 10**10": TOO_MANY_BITS,
    '"a" * 10**10': TOO_BIG,
    "10**10 * [0]": TOO_BIG,
    "(0,) * 10**10": TOO_BIG,
    '"ab".ljust(10**10)': TOO_BIG,
    '"ab".zfill(10**10)': TOO_BIG,
    '"%1000000000d" % 1': TOO_BIG,
    'f"{1:>1000000000}"': TOO_BIG,
    'f"{1:>{10**9}}"': TOO_BIG,
    '"".join(["a" * 1000000] * 1000)': TOO_BIG,
    'str(["a" * 1000000] * 1000)': TOO_BIG,
    '("a" * 100000).replace("a", "a" * 100000)': TOO_BIG,
    "(1).to_bytes(10**10, 'big')": TOO_BIG,
    "round(5, -10**9)": "round() to more than 300 digits",
    "sum([[1] * 1000] * 1000, [])": "sum() adds numbers only",
    '"{:>1000000000}".format(1)': "format",
}


@pytest.mark.parametrize("expression", list(HUGE))
def test_an_operation_that_would_build_a_huge_value_is_refused(expression):
    with pytest.raises((ScriptRefused, NotImplementedError), match=re.escape(HUGE[expression])):
        environment().evaluate(expression, {})


@pytest.mark.parametrize("script", [
    "s = 'ab'\nfor i in range(40):\n    s = s + s",
    "s = 'ab'\nfor i in range(40):\n    s += s",
    "xs = [1]\nfor i in range(40):\n    xs.extend(xs)",
    "x = 3\nfor i in range(100000):\n    x = x * x",
])
def test_a_value_doubled_in_a_loop_is_refused_at_the_size_bound(script):
    with pytest.raises(ScriptRefused, match="more than"):
        environment().execute(script, {})


SHARED = "a = [0] * 1000\nb = [a] * 1000\nc = [b for i in range(1000)]\n"


@pytest.mark.parametrize("use", ["c == [list(b) for i in range(1000)]", "b in c", "sorted(c)",
                                 "max(c)", "c.count(b)"])
def test_comparing_lists_built_from_shared_lists_is_refused_before_it_runs(use):
    # A billion comparisons in one C-level operation: no step would count them.
    with pytest.raises(ScriptRefused, match="comparing or sorting more than"):
        environment().execute(SHARED + f"r = {use}", {})


def test_ordinary_comparisons_stay_lazy_and_work():
    assert environment().evaluate("0 < 1 < 2 and [1] == [1] and 3 in [1, 2, 3] and "
                                  "sorted([2, 1]) == [1, 2] and max([1, 3]) == 3", {}) is True
    assert environment().evaluate("x is None or x[0] > 1", {"x": None}) is True


def test_ordinary_arithmetic_and_text_still_work():
    assert environment().evaluate('f"{2 ** 10:>6}" + "%d" % 3 + "-" * 3 + str(1 << 4)', {}) == \
        "  1024" + "3---16"


@pytest.mark.parametrize("kind", KINDS)
def test_a_huge_power_fails_the_step_in_every_kind_of_code(kind):
    code = "result = 10**10**8" if kind == "script" else "10**10**8"
    spec = compiled(probe(kind, code))

    with pytest.raises(TaskError, match=TOO_MANY_BITS) as raised:
        fill(spec)

    assert raised.value.element == PROBE_ELEMENT[kind]


# --- memory -----------------------------------------------------------------------------------

MEMORY_PROBE = textwrap.dedent("""
    import json, resource, sys
    from app.engine.budget import Budget, ScriptRefused
    from app.engine.sandbox import RestrictedEnvironment, make_helpers
    from tests.unit.test_engine import NOW
    # Time is not what this probe checks: a machine busy with other tests must not stop the
    # script on the time budget before it reaches the memory limit.
    env = RestrictedEnvironment(make_helpers(NOW, {}), Budget(seconds=60))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        env.execute(sys.argv[1], {})
        outcome = "ran"
    except ScriptRefused as refused:
        outcome = str(refused)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"outcome": outcome, "grew_mb": (after - before) / 1024}))
""")


@pytest.mark.parametrize("script", [
    "xs = []\nfor i in range(100000):\n    xs.append('a' * 1000000)",
    "s = 'a' * 1000000\nxs = [s.upper() for i in range(100000)]",
    "xs = [[y for y in range(100000)] for x in range(100000)]",
])
def test_a_memory_hungry_script_is_stopped_before_it_grows_past_200_mb(script):
    answer = subprocess.run([sys.executable, "-c", MEMORY_PROBE, script], capture_output=True,
                            text=True, timeout=120, check=True)
    result = json.loads(answer.stdout)

    assert result["outcome"] != "ran"
    assert "memory" in result["outcome"] or STEPS in result["outcome"]
    assert result["grew_mb"] < 200


GROWTH_WITHOUT_SCRIPT = textwrap.dedent("""
    from app.engine.budget import Budget, ScriptRefused
    budget = Budget(memory_kb=20 * 1024)
    for _ in range(8):  # elements completed before any script: the memory is read here
        budget.tick()
    # Grown 8 MB at a time, until refused (the process's peak may start above what it
    # holds: a child can inherit its parent's), eight elements between each.
    grown = []
    try:
        for _ in range(256):
            grown.append(b"x" * (8 * 1024 * 1024))
            for _ in range(8):
                budget.tick()
        print("ran")
    except ScriptRefused as error:
        print(error)
""")


def test_growth_after_elements_without_a_script_is_still_stopped():
    # The ceiling is set at the first check when no script has run (it was left at 0, and
    # every such check refused); growth past it from there on is still refused.
    answer = subprocess.run([sys.executable, "-c", GROWTH_WITHOUT_SCRIPT], capture_output=True,
                            text=True, timeout=120, check=True)

    assert answer.stdout.strip() == "a script used more than 20 MB of memory"


# --- what a script leaves in the case data ----------------------------------------------------

LEFTOVERS = {
    "a range": ("result = range(3)", "range"),
    "a map": ("result = map(str, [1])", "map"),
    "a set": ("result = {1, 2}", "set"),
    "a generator": ("result = (x for x in [1])", "generator"),
    "a number key": ("result = {1: 2}", "keys must be text"),
    "an infinite number": ("result = float('inf')", "not finite"),
    "deep nesting": ("result = []\nfor i in range(100000):\n    result = [result]",
                     "nested more than"),
}


@pytest.mark.parametrize("name", list(LEFTOVERS))
def test_data_that_cannot_be_stored_fails_the_step_naming_the_script(name):
    code, reason = LEFTOVERS[name]
    spec = compiled(probe("script", code))
    started = engine.start(spec, {}, NOW)

    with pytest.raises(TaskError, match=reason) as raised:
        engine.complete(spec, started.state, started.ready[0].id, {"count": 1}, NOW)

    assert raised.value.element == "probe_script"
    assert "cannot be stored" in str(raised.value)
    assert [t.name for t in engine.describe(spec, started.state).ready] == ["fill"]


def test_each_distinct_data_a_step_leaves_is_walked_once(monkeypatch):
    spec = compiled(probe("script", "total = 2"))
    started = engine.start(spec, {}, NOW)
    walked, keys = [], []
    real_walk, real_key = runtime.data_is_plain, runtime.same_data_key
    monkeypatch.setattr(runtime, "data_is_plain", lambda data: walked.append(data)
                        or real_walk(data))
    monkeypatch.setattr(runtime, "same_data_key", lambda data: keys.append(real_key(data))
                        or keys[-1])

    step = engine.complete(spec, started.state, started.ready[0].id, {"count": 1}, NOW)

    assert step.data["total"] == 2
    # Several tasks changed holding equal copies of a few data: each distinct one walked.
    assert None not in keys and len(walked) == len(set(keys)) < len(keys)


def test_a_decision_output_that_cannot_be_stored_fails_the_step():
    spec = compiled(probe("decision", "range(3)"))

    with pytest.raises(TaskError, match="range") as raised:
        fill(spec)

    assert raised.value.element == PROBE_ELEMENT["decision"]


@pytest.mark.parametrize(("script", "reason"), [
    ("result = {}[1]", "there is no 1 in the data (line 1)"),
    ("result = {}['missing']", "there is no 'missing' in the data"),
    ("f = lambda g: g(g)\nresult = f(f)", "calls nest too deeply"),
    ("result = 1 / 0", "ZeroDivisionError: division by zero"),
])
def test_a_script_error_becomes_a_task_error_with_a_sentence(script, reason):
    spec = compiled(probe("script", script))

    with pytest.raises(TaskError) as raised:
        fill(spec)

    assert raised.value.element == "probe_script"
    assert reason in str(raised.value)


def test_data_built_from_many_references_to_one_large_text_is_refused_quickly():
    text = "a" * 1_000_000
    assert "grew past" in data_problem({"xs": [text] * 1_000_000})
    assert data_problem({"ok": [{"a": 1, "b": [1.5, None, True]}], "n": 10**400}) is None


def test_range_over_a_huge_span_is_refused_when_run():
    assert environment().evaluate("len(range(1000))", {}) == 1000
    with pytest.raises(ScriptRefused, match="range"):
        environment().evaluate("sum(range(10**12))", {})


def test_the_ceiling_does_not_outlive_the_step():
    spec = compiled(probe("script", "result = len([x for x in range(90000)])"))
    for _ in range(15):  # 15 x 90,000 steps: more than one call's ceiling, each call is fresh
        assert fill(spec).data["result"] == 90000


def test_a_clean_state_still_replays_after_a_refused_step():
    spec = compiled(probe("script", "result = 1 if fill['count'] == 1 else 10**10**8"))
    started = engine.start(spec, {}, NOW)
    with pytest.raises(TaskError):
        engine.complete(spec, started.state, started.ready[0].id, {"count": 2}, NOW)

    step = engine.complete(spec, started.state, started.ready[0].id, {"count": 1},
                           NOW + dt.timedelta(minutes=1))

    assert step.data["result"] == 1


def cycle(condition: str) -> str:
    """Return the spec of a probe whose diagram loops back until `condition` holds."""
    text = (PROBES / "probe_cycle.bpmn").read_bytes().replace(b"@EXPRESSION@",
                                                             condition.encode())
    return engine.load_definitions({"probe.bpmn": text})["probe"].spec


def test_a_loop_in_the_diagram_that_never_ends_fails_the_step_with_a_task_error():
    spec = cycle("False")
    started = engine.start(spec, {}, NOW)

    with pytest.raises(TaskError, match="a loop in the diagram never ends") as raised:
        engine.complete(spec, started.state, started.ready[0].id, {"count": 0}, NOW)

    assert raised.value.element in {"again", "count_up", "probe_gateway"}


def test_a_loop_in_the_diagram_that_ends_runs_to_its_end():
    step = fill(cycle("rounds == 20"), {"count": 0})

    assert step.ended and step.data["rounds"] == 20
