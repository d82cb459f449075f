"""pm4py interop: the log as pm4py wants it, and the discovered model as a BPMN file.

    frame = to_pm4py_frame(log)              # pandas DataFrame with pm4py's column names
    pm_log = to_pm4py_log(log)               # pm4py EventLog object (traces of events)
    write_discovered_bpmn(log, "model.bpmn") # inductive miner -> BPMN 2.0 with diagram layout

The BPMN file carries the diagram interchange (bpmndi:BPMNDiagram with shapes and edges, laid
out by pm4py), so it opens in bpmn.io / Camunda Modeler; `check_bpmn` verifies that. pm4py names
elements with random UUIDs and writes them in set order; the file is made reproducible by naming
each element after its place in the graph (`structural_keys`) and writing elements sorted.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from bpr.errors import InputError
from bpr.io.safety import atomic_path
from bpr.model.eventlog import EventLog

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"


def to_pm4py_frame(log: EventLog) -> pd.DataFrame:
    """pm4py's columns (case:concept:name, concept:name, time:timestamp, start_timestamp,
    org:resource, org:group), events without case/activity/timestamp dropped, in pm4py's order
    (case, timestamp, original row), plus `@@index` as pm4py's format_dataframe adds."""
    frame = log.to_pm4py()
    frame = frame.dropna(subset=["case:concept:name", "concept:name", "time:timestamp"]).reset_index(drop=True)
    frame["@@index"] = range(len(frame))
    return frame


def to_pm4py_log(log: EventLog):
    """A pm4py EventLog object (a list of traces), for pm4py functions that want one."""
    import pm4py

    return pm4py.convert_to_event_log(to_pm4py_frame(log))


@dataclass(frozen=True)
class BpmnCheck:
    """What `check_bpmn` found in a file."""

    tasks: int
    gateways: int
    flows: int
    shapes: int
    edges: int
    has_diagram: bool

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def discover_bpmn(log: EventLog, noise_threshold: float = 0.0):
    """The process the log follows, by pm4py's inductive miner, as a pm4py BPMN object."""
    import pm4py

    frame = to_pm4py_frame(log)
    if frame.empty:
        raise InputError.of("engine_no_usable_events", file=log.source or None)
    return pm4py.discover_bpmn_inductive(frame, noise_threshold=noise_threshold)


def write_discovered_bpmn(log: EventLog, path: str | Path, noise_threshold: float = 0.0) -> BpmnCheck:
    """Discover the model and write it as BPMN 2.0 XML with layout, atomically; returns the check."""
    import pm4py

    model = discover_bpmn(log, noise_threshold)
    keys = structural_keys(model)
    path = Path(path)
    with atomic_path(path) as tmp:
        if shutil.which("dot"):  # pm4py lays out with Graphviz when it is installed
            pm4py.write_bpmn(model, str(tmp), auto_layout=True)
        else:
            layered_layout(model, keys)
            pm4py.write_bpmn(model, str(tmp), auto_layout=False)
        _canonical_file(tmp, _stable_ids(model, keys))
        check = check_bpmn(tmp)
        if not check.has_diagram:
            raise InputError.of("engine_bpmn_without_layout", file=str(path), expected="bpmndi:BPMNDiagram")
    return check


_UUID = re.compile(r"(?:id)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def structural_keys(model, rounds: int = 4) -> dict:
    """node -> a key from its type, name and (for `rounds` steps) its neighbours' keys: the same
    for the same graph whatever ids pm4py drew, so it orders and names nodes reproducibly."""
    nodes = list(model.get_nodes())
    preds: dict = {n: [] for n in nodes}
    succs: dict = {n: [] for n in nodes}
    for flow in model.get_flows():
        succs[flow.get_source()].append(flow.get_target())
        preds[flow.get_target()].append(flow.get_source())
    key = {n: f"{type(n).__name__}:{n.get_name()}" for n in nodes}
    for _ in range(rounds):
        key = {n: hashlib.sha1(repr((key[n], sorted(key[p] for p in preds[n]),
                                     sorted(key[s] for s in succs[n]))).encode()).hexdigest() for n in nodes}
    return {n: f"{type(n).__name__}:{n.get_name()}:{key[n]}" for n in nodes}


def _stable_ids(model, keys: dict) -> dict[str, str]:
    """pm4py's random id -> a reproducible one, for the process, every node and every flow."""
    ids = {str(model.get_process_id()): "Process_1"}
    for i, node in enumerate(sorted(model.get_nodes(), key=keys.get), start=1):
        ids[str(node.get_id())] = f"{type(node).__name__}_{i}"
    flows = sorted(model.get_flows(), key=lambda f: (ids[str(f.get_source().get_id())],
                                                      ids[str(f.get_target().get_id())]))
    for i, flow in enumerate(flows, start=1):
        ids[str(flow.get_id())] = f"Flow_{i}"
    return ids


def _canonical_file(path: Path, ids: dict[str, str]) -> None:
    """Rewrite a BPMN file pm4py wrote: stable ids, elements of the process and the diagram plane
    sorted by id, so the same model gives the same bytes."""
    from lxml import etree

    others: dict[str, str] = {}  # ids pm4py's writer draws itself (diagram, plane)
    text = _UUID.sub(lambda m: ids.get(m.group(0)) or ids.get(m.group(0).removeprefix("id"))
                     or others.setdefault(m.group(0), f"Diagram_{len(others) + 1}"), path.read_text(encoding="utf-8"))
    root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True))
    for parent in root.iter(f"{{{BPMN_NS}}}process", f"{{{BPMNDI_NS}}}BPMNPlane"):
        children = sorted(parent, key=lambda e: _natural(e.get("id") or e.get("bpmnElement") or ""))
        parent[:] = children
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _natural(text: str) -> tuple:
    """'Task_10' after 'Task_9'."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def layered_layout(model, keys: dict | None = None) -> None:
    """Left-to-right layered layout of a pm4py BPMN object, without Graphviz: each node goes in
    the layer after its longest chain of predecessors (loops broken at their back edges), nodes
    of a layer stacked in a stable order (`structural_keys`); flows run right-centre to
    left-centre, back edges below."""
    import networkx as nx
    from pm4py.objects.bpmn.obj import BPMN

    keys = keys or structural_keys(model)
    nodes = sorted(model.get_nodes(), key=lambda n: (not isinstance(n, BPMN.StartEvent), keys[n]))
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from((f.get_source(), f.get_target()) for f in model.get_flows())
    back = set()
    roots = [n for n in nodes if isinstance(n, BPMN.StartEvent)] or nodes[:1]
    for root in [*roots, *nodes]:  # DFS from the start: edges into a node on the stack are back edges
        if root in graph.graph.setdefault("seen", set()):
            continue
        stack, on_path = [(root, iter(sorted(graph.successors(root), key=nodes.index)))], {root}
        graph.graph["seen"].add(root)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                on_path.discard(node)
                stack.pop()
            elif child in on_path:
                back.add((node, child))
            elif child not in graph.graph["seen"]:
                graph.graph["seen"].add(child)
                on_path.add(child)
                stack.append((child, iter(sorted(graph.successors(child), key=nodes.index))))
    dag = nx.DiGraph([e for e in graph.edges if e not in back])
    dag.add_nodes_from(nodes)
    layer: dict = {}
    for node in nx.topological_sort(dag):
        layer[node] = max((layer[p] + 1 for p in dag.predecessors(node)), default=0)
    rows: dict[int, int] = {}
    layout = model.get_layout()
    for node in sorted(nodes, key=lambda n: (layer[n], nodes.index(n))):
        row = rows.get(layer[node], 0)
        rows[layer[node]] = row + 1
        if isinstance(node, BPMN.Task):
            width, height = max(100, min(220, 14 * len(node.get_name()) + 20)), 60
        elif isinstance(node, BPMN.StartEvent | BPMN.EndEvent):
            width, height = 36, 36
        else:
            width, height = 50, 50
        box = layout.get(node)
        box.set_width(width)
        box.set_height(height)
        box.set_x(60 + layer[node] * 260 + (220 - width) / 2)
        box.set_y(60 + row * 120 + (60 - height) / 2)
    for flow in model.get_flows():
        src, trg = layout.get(flow.get_source()), layout.get(flow.get_target())
        edge = layout.get(flow)
        edge.del_waypoints()
        sy, ty = src.get_y() + src.get_height() / 2, trg.get_y() + trg.get_height() / 2
        if (flow.get_source(), flow.get_target()) in back:
            below = max(src.get_y() + src.get_height(), trg.get_y() + trg.get_height()) + 30
            points = [(src.get_x() + src.get_width() / 2, src.get_y() + src.get_height()),
                      (src.get_x() + src.get_width() / 2, below), (trg.get_x() + trg.get_width() / 2, below),
                      (trg.get_x() + trg.get_width() / 2, trg.get_y() + trg.get_height())]
        else:
            sx, tx = src.get_x() + src.get_width(), trg.get_x()
            points = [(sx, sy), ((sx + tx) / 2, sy), ((sx + tx) / 2, ty), (tx, ty)]
        for x, y in points:
            edge.add_waypoint((round(x, 1), round(y, 1)))


def check_bpmn(path: str | Path) -> BpmnCheck:
    """Parse a BPMN file safely and count tasks, gateways, flows and diagram shapes/edges."""
    from defusedxml import ElementTree

    root = ElementTree.parse(str(path)).getroot()

    def count(ns: str, *names: str) -> int:
        return sum(len(root.findall(f".//{{{ns}}}{n}")) for n in names)

    diagram = root.find(f".//{{{BPMNDI_NS}}}BPMNDiagram") is not None
    return BpmnCheck(tasks=count(BPMN_NS, "task"),
                     gateways=count(BPMN_NS, "exclusiveGateway", "parallelGateway", "inclusiveGateway"),
                     flows=count(BPMN_NS, "sequenceFlow"), shapes=count(BPMNDI_NS, "BPMNShape"),
                     edges=count(BPMNDI_NS, "BPMNEdge"), has_diagram=diagram)
