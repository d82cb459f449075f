"""The step graph of a matter and its critical path (networkx).

Nodes are step positions, edges run from a step to the steps that wait for it. `Step.after` None means
"after the previous step in order" (how sheets write a sequential process); an explicit list names
the real predecessors. The critical path is the longest path weighted by step working days: the
shortest the matter can take if every step takes its limit.
"""

from __future__ import annotations

import functools
import heapq
from dataclasses import dataclass, field

import networkx as nx

from bpr.errors import InputError
from bpr.model import Matter, Step, StepKind, step_kind
from bpr.model.timelimit import DEFAULT_CONVERSION, Conversion

_kind_by_name = functools.lru_cache(maxsize=65536)(step_kind)


def kind_of(step: Step) -> StepKind:
    """`step.kind`, cached by name (a big catalogue repeats the same few step names)."""
    return _kind_by_name(step.name)


def ordered_steps(matter: Matter) -> list[Step]:
    """Steps in handling order (stable for equal `order`)."""
    return sorted(matter.steps, key=lambda s: s.order)


def step_days(step: Step, conversion: Conversion = DEFAULT_CONVERSION) -> float:
    """A step's working days; unknown or unlimited counts as 0 (it adds nothing we can measure)."""
    days = step.limit.to_working_days(conversion)
    return 0.0 if days is None else days


def step_graph(matter: Matter, conversion: Conversion = DEFAULT_CONVERSION) -> nx.DiGraph:
    """The dependency graph: nodes are step positions (0, 1, …) with attributes `name`, `days`,
    `department` (positions, not names, so two steps of the same name stay apart). A dependency on a
    missing step or a cycle is an InputError naming the matter."""
    steps = ordered_steps(matter)
    graph = nx.DiGraph()
    positions: dict[str, list[int]] = {}
    for i, step in enumerate(steps):
        graph.add_node(i, name=step.name, days=step_days(step, conversion), department=step.department)
        positions.setdefault(step.name, []).append(i)
    for i, step in enumerate(steps):
        if step.after is None:
            predecessors = [i - 1] if i else []
        else:
            predecessors = []
            for name in step.after:
                if name not in positions:
                    raise InputError.of("plan_step_unknown_predecessor",
                                        {"matter": matter.name, "step": step.name, "name": name},
                                        row=matter.source_row, column="前置环节",
                                        expected=", ".join(dict.fromkeys(s.name for s in steps)))
                earlier = [j for j in positions[name] if j < i]
                predecessors.append(earlier[-1] if earlier else positions[name][0])
        for p in predecessors:
            if p != i:
                graph.add_edge(p, i)
    if not nx.is_directed_acyclic_graph(graph):
        cycle = " → ".join(graph.nodes[u]["name"] for u, _ in nx.find_cycle(graph))
        raise InputError.of("plan_step_cycle", {"matter": matter.name, "cycle": cycle},
                            row=matter.source_row, column="前置环节")
    return graph


@dataclass
class CriticalPath:
    days: float
    steps: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"days": round(self.days, 3), "steps": list(self.steps)}


def critical_path(graph: nx.DiGraph) -> CriticalPath:
    """Longest path by node `days` (ties broken by node insertion order, so deterministic)."""
    if graph.number_of_nodes() == 0:
        return CriticalPath(0.0, [])
    order = {n: i for i, n in enumerate(graph.nodes)}
    label = {n: graph.nodes[n].get("name", n) for n in graph.nodes}
    finish: dict[str, float] = {}
    best_pred: dict[str, str | None] = {}
    for node in nx.lexicographical_topological_sort(graph, key=lambda n: order[n]):
        preds = sorted(graph.predecessors(node), key=lambda n: (-finish[n], order[n]))
        start = finish[preds[0]] if preds else 0.0
        best_pred[node] = preds[0] if preds else None
        finish[node] = start + graph.nodes[node]["days"]
    end = min(finish, key=lambda n: (-finish[n], order[n]))
    path = [end]
    while best_pred[path[-1]] is not None:
        path.append(best_pred[path[-1]])
    return CriticalPath(finish[end], [label[n] for n in path[::-1]])


def matter_critical_path(matter: Matter, conversion: Conversion = DEFAULT_CONVERSION) -> CriticalPath:
    """The critical path of a matter; same result as `critical_path(step_graph(matter))`.

    Computed in plain Python on step positions (a catalogue of 100,000 matters needs it several
    times per matter); `step_graph` is only built to name a cycle or an unknown step in the error.
    """
    steps = ordered_steps(matter)
    days = [step_days(s, conversion) for s in steps]
    if all(s.after is None for s in steps):
        return CriticalPath(float(sum(days)), [s.name for s in steps])
    positions: dict[str, list[int]] = {}
    for i, step in enumerate(steps):
        positions.setdefault(step.name, []).append(i)
    preds: list[list[int]] = []
    for i, step in enumerate(steps):
        if step.after is None:
            preds.append([i - 1] if i else [])
            continue
        mine = []
        for name in step.after:
            if name not in positions:
                step_graph(matter, conversion)  # raises the InputError naming the step
            earlier = [j for j in positions[name] if j < i]
            j = earlier[-1] if earlier else positions[name][0]
            if j != i and j not in mine:
                mine.append(j)
        preds.append(mine)
    waiting = [len(p) for p in preds]
    successors: list[list[int]] = [[] for _ in steps]
    for i, mine in enumerate(preds):
        for j in mine:
            successors[j].append(i)
    ready = [i for i, n in enumerate(waiting) if n == 0]
    heapq.heapify(ready)
    finish: dict[int, float] = {}
    best: dict[int, int | None] = {}
    while ready:
        i = heapq.heappop(ready)
        before = max(preds[i], key=lambda j: (finish[j], -j), default=None)
        best[i] = before
        finish[i] = (finish[before] if before is not None else 0.0) + days[i]
        for k in successors[i]:
            waiting[k] -= 1
            if waiting[k] == 0:
                heapq.heappush(ready, k)
    if len(finish) < len(steps):
        step_graph(matter, conversion)  # raises the InputError naming the cycle
    if not finish:
        return CriticalPath(0.0, [])
    end = max(finish, key=lambda i: (finish[i], -i))
    path = [end]
    while best[path[-1]] is not None:
        path.append(best[path[-1]])
    return CriticalPath(finish[end], [steps[i].name for i in reversed(path)])
