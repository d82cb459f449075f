"""The step graph of a matter and its critical path (networkx).

Nodes are step positions, edges run from a step to the steps that wait for it. `Step.after` None means
"after the previous step in order" (how sheets write a sequential process); an explicit list names
the real predecessors. The critical path is the longest path weighted by step working days: the
shortest the matter can take if every step takes its limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from bpr.errors import InputError
from bpr.model import Matter, Step
from bpr.model.timelimit import DEFAULT_CONVERSION, Conversion


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
                    raise InputError(f"matter {matter.name!r}: step {step.name!r} depends on unknown step {name!r}",
                                     row=matter.source_row, column="前置环节",
                                     expected=", ".join(dict.fromkeys(s.name for s in steps)))
                earlier = [j for j in positions[name] if j < i]
                predecessors.append(earlier[-1] if earlier else positions[name][0])
        for p in predecessors:
            if p != i:
                graph.add_edge(p, i)
    if not nx.is_directed_acyclic_graph(graph):
        cycle = " → ".join(graph.nodes[u]["name"] for u, _ in nx.find_cycle(graph))
        raise InputError(f"matter {matter.name!r}: the step dependencies form a cycle ({cycle})",
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
    return critical_path(step_graph(matter, conversion))
