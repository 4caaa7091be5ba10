"""Loop-backs: a gateway sending a case back to a step it has already reached, and why.

A designer writes the reason as the documentation of the loop-back sequence flow. Parts
in {{ }} are expressions on the case data (the same restricted Python as conditions),
filled in when the flow is taken: "应抽查{{ sample_check["required"] }}家". The reasons
travel inside the process's serialized spec, so a running case reads the ones of its own
version; each time a step takes such a flow it reports a LoopBack per user task it reopened.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Mapping

from SpiffWorkflow.util.task import TaskState

from app.engine.lint import BPMN, NS
from app.engine.sandbox import check_source, describe
from app.engine.steps import LoopBack
from app.errors import N_, DefinitionError

PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)
GATEWAYS = ("exclusiveGateway", "inclusiveGateway")


def _q(tag: str) -> str:
    return f"{{{BPMN}}}{tag.split(':')[1]}"


def _local(element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _doc(element) -> str:
    found = element.find("bpmn:documentation", NS)
    return (found.text or "").strip() if found is not None else ""


class _Graph:
    """The sequence flows of one process (or of a whole file) and its user tasks."""

    def __init__(self, root):
        self.kinds = {e.get("id"): _local(e) for e in root.iter()
                      if isinstance(e.tag, str) and e.get("id")}
        self.flows = list(root.iter(_q("bpmn:sequenceFlow")))
        self.out: dict[str, list[str]] = {}
        for flow in self.flows:
            self.out.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
        for event in root.iter(_q("bpmn:boundaryEvent")):
            self.out.setdefault(event.get("attachedToRef"), []).append(event.get("id"))
        self.starts = [i for i, kind in self.kinds.items() if kind == "startEvent"]

    def reached(self, starts, avoid: str = "", stop_at_tasks: bool = False) -> set[str]:
        seen, queue = set(), deque(starts)
        while queue:
            node = queue.popleft()
            if node in seen or node == avoid:
                continue
            seen.add(node)
            if not (stop_at_tasks and self.kinds.get(node) == "userTask"):
                queue.extend(self.out.get(node, []))
        return seen

    def is_loop_back(self, flow) -> bool:
        """A choice whose next person-steps all lie before the gateway: each is reachable
        from the start without passing it, and leads to it again."""
        gateway, target = flow.get("sourceRef"), flow.get("targetRef")
        if self.kinds.get(gateway) not in GATEWAYS or len(self.out.get(gateway, [])) < 2:
            return False
        ahead = self.reached([target], avoid=gateway, stop_at_tasks=True)
        tasks = [n for n in ahead if self.kinds.get(n) == "userTask"]
        before = self.reached(self.starts, avoid=gateway)
        return bool(tasks) and all(t in before and gateway in self.reached([t]) for t in tasks)

    def cycles_back(self, flow) -> bool:
        return flow.get("sourceRef") in self.reached([flow.get("targetRef")])


def reasons_of(process) -> dict[str, dict[str, dict]]:
    """Return {gateway: {target: {"flow", "name", "text"}}} for the documented flows of
    `process` (an lxml bpmn:process) that lead back to their gateway."""
    graph, table = _Graph(process), {}
    for flow in graph.flows:
        text = _doc(flow)
        if text and graph.kinds.get(flow.get("sourceRef")) in GATEWAYS and graph.cycles_back(flow):
            table.setdefault(flow.get("sourceRef"), {})[flow.get("targetRef")] = {
                "flow": flow.get("id"), "name": flow.get("name") or "", "text": text}
    return table


def reason_problems(file: str, root) -> Iterator[DefinitionError]:
    """Yield a problem for each loop-back flow without a reason, or with a broken {{ }}."""
    for process in root.iter(_q("bpmn:process")):
        graph = _Graph(process)
        for flow in graph.flows:
            text = _doc(flow)
            if not text and graph.is_loop_back(flow):
                yield DefinitionError(N_(
                    "this flow sends the case back to an earlier step: write the reason the "
                    "reopened task shows as the flow's documentation"), file, flow.get("id"),
                    line=flow.sourceline or 0)
            for source in PLACEHOLDER.findall(text):
                problem = check_source(source.strip(), "eval")
                if problem:
                    yield DefinitionError(N_("invalid {{ }} in the flow's reason: %(problem)s"),
                                          file, flow.get("id"), line=flow.sourceline or 0,
                                          problem=problem)


def render(text: str, data: Mapping, environment) -> str:
    """Return `text` with each {{ expression }} replaced by its value on `data`; a part that
    fails shows as "?" (a reason must never stop a case)."""

    def value(match: re.Match) -> str:
        try:
            return str(environment.evaluate(match[1].strip(), dict(data)))
        except Exception as error:  # noqa: BLE001 - designer code; the reason stays readable
            return f"?({describe(error)})"

    return PLACEHOLDER.sub(value, text)


def _opened(task) -> Iterator:
    """Yield the READY user tasks at or below `task` in the task tree: those a choice opened."""
    if task.task_spec.manual and task.state == TaskState.READY:
        yield task
        return
    for child in task.children:
        yield from _opened(child)


def taken(completed_gateways, environment) -> tuple[LoopBack, ...]:
    """Return a LoopBack per user task reopened by a documented loop-back flow that one of
    `completed_gateways` (tasks completed in this step) took."""
    found = []
    for gateway in completed_gateways:
        table = getattr(gateway.workflow.spec, "loop_reasons", {}).get(gateway.task_spec.bpmn_id)
        for child in gateway.children if table else ():
            entry = table.get(child.task_spec.bpmn_id)
            if entry is None:
                continue
            reason = render(entry["text"], gateway.data, environment)
            found.extend(LoopBack(str(t.id), t.task_spec.bpmn_id, gateway.task_spec.bpmn_id,
                                  entry["flow"], entry["name"], reason) for t in _opened(child))
    return tuple(found)
