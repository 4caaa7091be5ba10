"""Quick walks of a replayed workflow's tree, for the quick replay (engine/replay.py).

While it runs elements, Spiff walks the whole tree of tasks again and again: for the ready
tasks after each one it runs, for the waiting tasks after each completion. A long case holds
over a hundred tasks, and most walks come between the same two changes of the tree (260 of
310 in the case verify's benchmark replays). quicken() keeps the order of the tree
(runtime's walk_tasks order) and answers each walk by filtering it; a walk for ready or
waiting tasks looks only at the tasks not yet completed or cancelled.

Every task added or removed passes through its workflow's dict of tasks (Task.__init__,
Workflow._remove_task), and a subprocess through the top workflow's dict of subprocesses:
those dicts count their changes, and an unchanged count is an unchanged tree. They also
keep the tasks added or removed: the tree changes below the tasks whose children Spiff
synchronised (Task._sync_children), and only the subtree of the highest of them is walked
again (a twelfth of the tree, in the middle), unless a subprocess came or went. Only the
quick replay uses this: were a walk ever answered otherwise than Spiff's iterators answer
it, the replay would not reach the recorded states and the step-by-step replay would decide.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate

from SpiffWorkflow.util.task import TaskState

from app.engine import runtime

# A task in one of these states stays in it.
_ENDED = TaskState.COMPLETED | TaskState.CANCELLED


class _Counted(dict):
    """A dict of tasks that counts its changes in `tree.version` and keeps the tasks added
    or removed in `tree.touched` (None: a change that names no task)."""

    def __init__(self, items, tree: _TreeOrder) -> None:
        super().__init__(items)
        self.tree = tree

    def __setitem__(self, key, task) -> None:
        self.tree.changed(task)
        super().__setitem__(key, task)

    def __delitem__(self, key) -> None:
        self.tree.changed(self.get(key))
        super().__delitem__(key)

    def pop(self, *args):
        task = super().pop(*args)
        self.tree.changed(task)
        return task

    def popitem(self):
        self.tree.changed(None)
        return super().popitem()

    def clear(self) -> None:
        self.tree.changed(None)
        super().clear()

    def update(self, *args, **kwargs) -> None:
        self.tree.changed(None)
        super().update(*args, **kwargs)

    def setdefault(self, key, default=None):
        self.tree.changed(None)
        return super().setdefault(key, default)

    def __ior__(self, other):
        self.tree.changed(None)
        return super().__ior__(other)


class _Subprocesses(_Counted):
    """The top workflow's subprocesses, whose dicts of tasks count changes as well."""

    def __setitem__(self, key, subprocess) -> None:
        subprocess.tasks = _Counted(subprocess.tasks, self.tree)
        super(_Counted, self).__setitem__(key, subprocess)
        self.tree.changed(None)

    def pop(self, *args):
        self.tree.changed(None)
        return super(_Counted, self).pop(*args)

    def __delitem__(self, key) -> None:
        self.tree.changed(None)
        super(_Counted, self).__delitem__(key)


def _holding(workflow) -> dict:
    """Return {task: the subprocess it holds} (tasks hash by identity, their ids in Python)."""
    return {workflow.get_task_from_id(task_id): subprocess
            for task_id, subprocess in workflow.subprocesses.items()}


def _subtree(root, holding: dict, base: int) -> tuple[list, list, list, list]:
    """Return root's subtree in walk order (into subprocesses) as (tasks, ends, stops,
    holders), places counted from `base`: where each task's descendants end, the places of
    the tasks with children and of those holding a subprocess."""
    tasks, ends, stops, holders = [], [], [], []
    stack = [root]
    pop, push, extend, add, end = stack.pop, stack.append, stack.extend, tasks.append, ends.append
    while stack:
        task = pop()
        if task.__class__ is int:  # ~place: the task's descendants end here
            ends[~task - base] = base + len(tasks)
            continue
        place = base + len(tasks)
        add(task)
        end(place + 1)
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
        push(~place)
        extend(below)
    return tasks, ends, stops, holders


def _shifted(places: list, start: int, end: int, middle: list, delta: int) -> list:
    """Return the sorted `places` with those in [start, end) replaced by `middle` and those
    from `end` on moved by `delta`."""
    return [*places[:bisect_left(places, start)], *middle,
            *(place + delta for place in places[bisect_left(places, end):])]


class _Order:
    """The walk order of the tree (into subprocesses), where each task's descendants end,
    and the places of the tasks below which a walk may stop: those with children, and
    those holding a subprocess when the walk does not enter subprocesses."""

    def __init__(self, workflow) -> None:
        self.top = workflow
        tasks, ends, stops, holders = _subtree(workflow.task_tree, _holding(workflow), 0)
        self.tasks, self.ends, self.stops, self.holders = tasks, ends, stops, holders
        # Walking the top workflow's tree alone, a holder is a task like any other.
        self.top_stops = sorted(stops + holders) if holders else stops
        # The places of the tasks not yet completed or cancelled, and of those among the
        # stops: most walks look for ready or waiting tasks, and a task that completed or
        # was cancelled stays so (a walk filtering on those states never finds it, and a
        # walk is never cut below it, its state being above any lowest_walked()).
        self.live = list(range(len(tasks)))
        self.live_stops, self.live_top_stops = stops, self.top_stops

    def respliced(self, parents: list) -> bool:
        """Walk again the subtree of the highest of `parents` (tasks of the tree whose
        children changed) when it holds the others; return False when it does not."""
        tasks, ends = self.tasks, self.ends
        try:
            places = [tasks.index(parent) for parent in parents]
        except ValueError:  # a parent that came with a subprocess
            return False
        start = min(places)
        end = ends[start]
        if any(place >= end for place in places):
            return False
        sub_tasks, sub_ends, sub_stops, sub_holders = _subtree(
            tasks[start], _holding(self.top) if self.holders else {}, start)
        delta = len(sub_tasks) - (end - start)
        # The tasks before the subtree keep their places; those whose descendants reach
        # into it (its ancestors) end `delta` places further.
        if delta:
            ends = [place + delta if place > start else place for place in ends[:start]]
            ends += sub_ends
            ends += [place + delta for place in self.ends[end:]]
        else:
            ends = [*ends[:start], *sub_ends, *ends[end:]]
        self.tasks, self.ends = [*tasks[:start], *sub_tasks, *tasks[end:]], ends
        self.stops = _shifted(self.stops, start, end, sub_stops, delta)
        self.live = _shifted(self.live, start, end, range(start, start + len(sub_tasks)), delta)
        self.live_stops = _shifted(self.live_stops, start, end, sub_stops, delta)
        if self.holders or sub_holders:
            self.holders = _shifted(self.holders, start, end, sub_holders, delta)
            self.top_stops = sorted(self.stops + self.holders)
            self.live_top_stops = _shifted(self.live_top_stops, start, end,
                                           sorted(sub_stops + sub_holders), delta)
        else:
            self.top_stops, self.live_top_stops = self.stops, self.live_stops
        return True

    def walk(self, state: int, manual: bool | None, into_subprocesses: bool) -> list:
        """Return what runtime.walk_tasks(root, state, manual, subprocesses) returns now,
        with the top workflow's subprocesses or none."""
        tasks, top = self.tasks, self.top
        if state == TaskState.ANY_MASK and manual is None and into_subprocesses:
            return list(tasks)  # every task, none below another of a lower state
        if state & _ENDED:
            places = range(len(tasks))
        else:
            places = self.live = [place for place in self.live
                                  if not tasks[place]._state & _ENDED]
        if manual is None:
            found = [place for place in places if tasks[place]._state & state]
        else:
            found = [place for place in places
                     if tasks[place]._state & state and tasks[place].task_spec.manual == manual]
        if not into_subprocesses and self.top_stops is not self.stops:
            found = [place for place in found if tasks[place].workflow is top]
        lowest = runtime.lowest_walked(state)
        if found and lowest > TaskState.MAYBE:
            # The walk does not go below a task of a lower state than the filter can match:
            # a task found is dropped when one such task before it reaches beyond it.
            ends = self.ends
            cut = [place for place in self._stops(into_subprocesses, state & _ENDED)
                   if tasks[place]._state < lowest]
            if cut:
                reach = list(accumulate([ends[place] for place in cut], max))
                found = [place for place in found
                         if not (before := bisect_left(cut, place)) or reach[before - 1] <= place]
        return [tasks[place] for place in found]

    def _stops(self, into_subprocesses: bool, all_of_them: bool) -> list:
        """Return the stops of the walk: all of them, or those still live (dropping those
        that ended since the last look)."""
        tasks = self.tasks
        if into_subprocesses:
            if all_of_them:
                return self.stops
            self.live_stops = [place for place in self.live_stops
                               if not tasks[place]._state & _ENDED]
            return self.live_stops
        if all_of_them:
            return self.top_stops
        self.live_top_stops = [place for place in self.live_top_stops
                               if not tasks[place]._state & _ENDED]
        return self.live_top_stops


class _TreeOrder:
    """The walk order of one workflow's tree, walked again where the tree changed."""

    def __init__(self, workflow) -> None:
        self.workflow = workflow
        self.version = 0
        self._order: _Order | None = None
        self._built = -1
        # The tasks added or removed since the order was built; None: build it anew.
        self.touched: list | None = None
        workflow.tasks = _Counted(workflow.tasks, self)
        for subprocess in workflow.subprocesses.values():
            subprocess.tasks = _Counted(subprocess.tasks, self)
        workflow.subprocesses = _Subprocesses(workflow.subprocesses, self)

    def walk(self, state: int, manual: bool | None, into_subprocesses: bool = True) -> list:
        """Return the tasks walk_tasks would return from the root, into subprocesses or not."""
        if self._built != self.version:
            parents = self._changed_parents()
            if parents is None or not self._order.respliced(parents):
                self._order = _Order(self.workflow)
            self._built, self.touched = self.version, []
        return self._order.walk(state, manual, into_subprocesses)

    def changed(self, task) -> None:
        """Count a change of the tree: `task` added or removed (None: some change)."""
        self.version += 1
        if self.touched is not None:
            if task is None:
                self.touched = None
            else:
                self.touched.append(task)

    def _changed_parents(self) -> list | None:
        """Return the tasks, in the tree before and still in it, whose children changed
        since the order was built (None: the order is to be built anew). Spiff adds a task
        to its parent's children and removes it from them beside its change to the dict of
        tasks; a task removed keeps the id of its parent, removed as well or not."""
        if self._order is None or not self.touched:
            return None
        touched = {id(task) for task in self.touched}
        parents = {}
        for task in self.touched:
            if task._parent is None:  # a workflow's root: a subprocess came or went
                return None
            parent = task.workflow.tasks.get(task._parent)
            if parent is not None and id(parent) not in touched:
                parents[id(parent)] = parent
        return list(parents.values()) or None

    def release(self) -> None:
        """Let go of the workflow and its tasks (the workflow's dicts refer to this order:
        a cycle that only a garbage collection would free otherwise)."""
        self.workflow = self._order = self.touched = None


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
