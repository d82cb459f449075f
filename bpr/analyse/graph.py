"""The discovered process as a networkx DiGraph, and its GraphML / JSON exports.

Nodes are activities (attributes: label, kind="activity", events, cases, start, end) plus two
artificial nodes "__start__" and "__end__" (kind "start"/"end"); edges carry count, mean_s,
median_s, p90_s. A log with more than `max_nodes` activities (say 100,000 distinct names) is
summarised: the most frequent activities keep their node, the rest share one node "__other__"
(kind "other", with `members` = how many activities it stands for); edges into or out of it add
their counts and keep a count-weighted mean, while median and p90 (which cannot be combined) are
left out. The result tables (result.json, dfg.csv) are never summarised; only the graph is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

import networkx as nx

from bpr.i18n import t
from bpr.io.safety import atomic_output, atomic_path


class DirectlyFollows(Protocol):
    """What the graph is drawn from (a bpr.analyse.discover.DiscoverResult), named here so that
    this module does not import discover, which imports it."""

    source: str
    cases: int
    events: int
    activities: int
    dfg: list[Any]
    start_activities: dict[str, int]
    end_activities: dict[str, int]
    activity_stats: list[Any]

START, END, OTHER = "__start__", "__end__", "__other__"


def process_graph(result: DirectlyFollows, max_nodes: int = 60, lang: str = "zh") -> nx.DiGraph:
    """Directly-follows graph of `result` with frequency and performance attributes."""
    graph = nx.DiGraph(source=result.source, cases=result.cases, events=result.events,
                       activities=result.activities, summarised=result.activities > max_nodes)
    ranked = sorted(result.activity_stats, key=lambda a: (-a.events, a.activity))
    kept = {a.activity for a in ranked[:max_nodes]}

    def node_of(activity: str) -> str:
        return activity if activity in kept else OTHER

    graph.add_node(START, label=t("graph_start", lang), kind="start", cases=result.cases)
    graph.add_node(END, label=t("graph_end", lang), kind="end", cases=result.cases)
    for a in ranked:
        name = node_of(a.activity)
        if name == OTHER and OTHER not in graph:
            graph.add_node(OTHER, label=t("graph_other", lang), kind="other", events=0, cases=0, start=0, end=0, members=0)
        if name == OTHER:
            attrs = graph.nodes[OTHER]
            attrs["events"] += a.events
            attrs["cases"] += a.cases  # cases touching any member; may count a case twice
            attrs["members"] += 1
        else:
            graph.add_node(name, label=a.activity, kind="activity", events=a.events, cases=a.cases,
                           start=result.start_activities.get(a.activity, 0),
                           end=result.end_activities.get(a.activity, 0))
    for activity, n in result.start_activities.items():
        _add_count(graph, START, node_of(activity), n)
    for activity, n in result.end_activities.items():
        _add_count(graph, node_of(activity), END, n)
    if OTHER in graph:
        graph.nodes[OTHER]["start"] = sum(n for a, n in result.start_activities.items() if a not in kept)
        graph.nodes[OTHER]["end"] = sum(n for a, n in result.end_activities.items() if a not in kept)
    for e in result.dfg:
        source, target = node_of(e.source), node_of(e.target)
        if source == e.source and target == e.target:
            graph.add_edge(source, target, count=e.count, mean_s=e.mean_s, median_s=e.median_s,
                           p90_s=e.p90_s, summarised=False)
            continue
        if graph.has_edge(source, target):
            attrs = graph.edges[source, target]
            attrs["sum_s"] += e.sum_s
            attrs["count"] += e.count
            attrs["mean_s"] = attrs["sum_s"] / attrs["count"]
        else:
            graph.add_edge(source, target, count=e.count, mean_s=e.mean_s, sum_s=e.sum_s, summarised=True)
    return graph


def _add_count(graph: nx.DiGraph, source: str, target: str, n: int) -> None:
    if graph.has_edge(source, target):
        graph.edges[source, target]["count"] += n
    else:
        graph.add_edge(source, target, count=n, summarised=False)


def _clean(attrs: dict) -> dict:
    """GraphML takes no None values."""
    return {k: v for k, v in attrs.items() if v is not None}


def write_graphml(graph: nx.DiGraph, path: str | Path) -> None:
    """Write `graph` as GraphML, atomically."""
    clean = nx.DiGraph(**_clean(graph.graph))
    clean.add_nodes_from((n, _clean(a)) for n, a in graph.nodes(data=True))
    clean.add_edges_from((u, v, _clean(a)) for u, v, a in graph.edges(data=True))
    with atomic_path(path) as tmp:
        nx.write_graphml(clean, tmp, encoding="utf-8")


def graph_to_dict(graph: nx.DiGraph) -> dict:
    """Node-link JSON form: {"graph": {...}, "nodes": [{"id", ...}], "edges": [{"source", "target", ...}]}."""
    return nx.node_link_data(graph, edges="edges")


def write_graph_json(graph: nx.DiGraph, path: str | Path) -> None:
    """Write `graph` as node-link JSON, atomically."""
    with atomic_output(path, "w", encoding="utf-8") as fh:
        json.dump(graph_to_dict(graph), fh, ensure_ascii=False, indent=1)
