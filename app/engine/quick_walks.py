"""Quick walks of a replayed workflow's tree, for the quick replay (engine/replay.py).

While it runs elements, Spiff walks the whole tree of tasks again and again: for the ready
tasks after each one it runs, for the waiting tasks after each completion. A long case holds
over a hundred tasks, and most walks come between the same two changes of the tree (260 of
310 in the case verify's benchmark replays). quicken() keeps the order of the tree
(runtime's walk_tasks order) until a task is added or removed, and answers each walk by
filtering it.

Every task added or removed passes through its workflow's dict of tasks (Task.__init__,
Workflow._remove_task), and a subprocess through the top workflow's dict of subprocesses:
those dicts count their changes, and an unchanged count is an unchanged tree. Only the
quick replay uses this: were a walk ever answered otherwise than Spiff's iterators answer
it, the replay would not reach the recorded states and the step-by-step replay would decide.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate

from SpiffWorkflow.util.task import TaskState

from app.engine import runtime


class _Counted(dict):
    """A dict that counts its changes in `tree.version`."""

    def __init__(self, items, tree: _TreeOrder) -> None:
        super().__init__(items)
        self.tree = tree

    def __setitem__(self, key, value) -> None:
        self.tree.version += 1
        super().__setitem__(key, value)

    def __delitem__(self, key) -> None:
        self.tree.version += 1
        super().__delitem__(key)

    def pop(self, *args):
        self.tree.version += 1
        return super().pop(*args)

    def popitem(self):
        self.tree.version += 1
        return super().popitem()

    def clear(self) -> None:
        self.tree.version += 1
        super().clear()

    def update(self, *args, **kwargs) -> None:
        self.tree.version += 1
        super().update(*args, **kwargs)

    def setdefault(self, key, default=None):
        self.tree.version += 1
        return super().setdefault(key, default)

    def __ior__(self, other):
        self.tree.version += 1
        return super().__ior__(other)


class _Subprocesses(_Counted):
    """The top workflow's subprocesses, whose dicts of tasks count changes as well."""

    def __setitem__(self, key, subprocess) -> None:
        subprocess.tasks = _Counted(subprocess.tasks, self.tree)
        super().__setitem__(key, subprocess)


class _Order:
    """The walk order of the tree (into subprocesses), where each task's descendants end,
    and the places of the tasks below which a walk may stop: those with children, and
    those holding a subprocess when the walk does not enter subprocesses."""

    def __init__(self, workflow) -> None:
        self.top = workflow
        # The task holding each subprocess (tasks hash by identity, their ids in Python).
        holding = {workflow.get_task_from_id(task_id): subprocess
                   for task_id, subprocess in workflow.subprocesses.items()}
        tasks, parents, stops, holders = [], [], [], []
        stack, above = [workflow.task_tree], [-1]
        while stack:
            task = stack.pop()
            place = len(tasks)
            tasks.append(task)
            parents.append(above.pop())
            subprocess = holding.get(task) if holding else None
            if subprocess is not None:
                holders.append(place)
                below = [subprocess.task_tree, *task.children]
                below.reverse()
            elif task._children:
                stops.append(place)
                below = runtime._children_reversed(task)
            else:
                continue
            stack.extend(below)
            above.extend([place] * len(below))
        # A task's descendants follow it: they end where its last descendant's do.
        ends = list(range(1, len(tasks) + 1))
        for place in range(len(tasks) - 1, 0, -1):
            parent = parents[place]
            if ends[place] > ends[parent]:
                ends[parent] = ends[place]
        self.tasks, self.ends, self.stops = tasks, ends, stops
        # Walking the top workflow's tree alone, a holder is a task like any other.
        self.top_stops = sorted(stops + holders) if holders else stops

    def walk(self, state: int, manual: bool | None, into_subprocesses: bool) -> list:
        """Return what runtime.walk_tasks(root, state, manual, subprocesses) returns now,
        with the top workflow's subprocesses or none."""
        tasks, top = self.tasks, self.top
        if manual is None:
            found = [place for place, task in enumerate(tasks) if task._state & state]
        else:
            found = [place for place, task in enumerate(tasks)
                     if task._state & state and task.task_spec.manual == manual]
        if not into_subprocesses and self.top_stops is not self.stops:
            found = [place for place in found if tasks[place].workflow is top]
        lowest = runtime.lowest_walked(state)
        if found and lowest > TaskState.MAYBE:
            # The walk does not go below a task of a lower state than the filter can match:
            # a task found is dropped when one such task before it reaches beyond it.
            ends = self.ends
            cut = [place for place in (self.stops if into_subprocesses else self.top_stops)
                   if tasks[place]._state < lowest]
            if cut:
                reach = list(accumulate([ends[place] for place in cut], max))
                found = [place for place in found
                         if not (before := bisect_left(cut, place)) or reach[before - 1] <= place]
        return [tasks[place] for place in found]


class _TreeOrder:
    """The walk order of one workflow's tree, built again when the tree changed."""

    def __init__(self, workflow) -> None:
        self.workflow = workflow
        self.version = 0
        self._order: _Order | None = None
        self._built = -1
        workflow.tasks = _Counted(workflow.tasks, self)
        for subprocess in workflow.subprocesses.values():
            subprocess.tasks = _Counted(subprocess.tasks, self)
        workflow.subprocesses = _Subprocesses(workflow.subprocesses, self)

    def walk(self, state: int, manual: bool | None, into_subprocesses: bool = True) -> list:
        """Return the tasks walk_tasks would return from the root, into subprocesses or not."""
        if self._built != self.version:
            self._order, self._built = _Order(self.workflow), self.version
        return self._order.walk(state, manual, into_subprocesses)

    def release(self) -> None:
        """Let go of the workflow and its tasks (the workflow's dicts refer to this order:
        a cycle that only a garbage collection would free otherwise)."""
        self.workflow = self._order = None


def quicken(workflow) -> _TreeOrder:
    """Give `workflow` a get_tasks() and an update_waiting_tasks() that answer the calls
    Spiff makes while running elements from the kept order of its tree; return that order
    (its walk() gives every task in order, for fingerprints)."""
    spiff_get_tasks = workflow.get_tasks
    tree = _TreeOrder(workflow)

    def get_tasks(first_task=None, **kwargs):
        if first_task is not None or not set(kwargs) <= {"state", "manual"}:
            return spiff_get_tasks(first_task, **kwargs)
        return tree.walk(kwargs.get("state", TaskState.ANY_MASK), kwargs.get("manual"))

    def update_waiting_tasks():
        # Spiff's walks the top workflow's tree lazily and skips a task an earlier update
        # moved out of WAITING.
        for task in tree.walk(TaskState.WAITING, None, into_subprocesses=False):
            if task._state & TaskState.WAITING:
                task.task_spec._update(task)

    workflow.get_tasks, workflow.update_waiting_tasks = get_tasks, update_waiting_tasks
    return tree
