"""pm4py interop: the frame and EventLog pm4py takes, and the discovered BPMN file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pm4py
import pytest
from defusedxml import ElementTree

import bpr
from bpr.analyse.interop import (
    BPMNDI_NS,
    check_bpmn,
    discover_bpmn,
    layered_layout,
    to_pm4py_frame,
    to_pm4py_log,
    write_discovered_bpmn,
)
from bpr.errors import InputError
from bpr.model import EventLog
from tests.analyse._discover_helpers import bpr_log, pm4py_frame

ROWS = [("c1", "受理", "2024-03-04 09:00"), ("c1", "审查", "2024-03-04 10:00"), ("c1", "决定", "2024-03-05 09:00"),
        ("c2", "受理", "2024-03-04 11:00"), ("c2", "补正", "2024-03-04 12:00"), ("c2", "审查", "2024-03-05 10:00"),
        ("c2", "决定", "2024-03-06 09:00"), ("c3", "受理", "2024-03-05 09:00"), ("c3", "决定", "2024-03-05 10:00")]


def _log() -> EventLog:
    frame = pd.DataFrame(ROWS, columns=["case", "activity", "timestamp"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"]).dt.tz_localize("Asia/Shanghai")
    return EventLog.from_frame(frame)


def test_frame_and_log_are_what_pm4py_expects():
    log = _log()
    frame = to_pm4py_frame(log)
    assert {"case:concept:name", "concept:name", "time:timestamp"} <= set(frame.columns)
    assert pm4py.get_variants(frame) == {("受理", "审查", "决定"): 1, ("受理", "补正", "审查", "决定"): 1,
                                         ("受理", "决定"): 1}
    pm_log = to_pm4py_log(log)
    assert len(pm_log) == 3 and sum(len(t) for t in pm_log) == len(ROWS)


def test_bpmn_file_has_diagram_and_every_activity(tmp_path):
    path = tmp_path / "model.bpmn"
    check = write_discovered_bpmn(_log(), path)
    assert check.has_diagram and check.tasks == 4  # 受理 审查 补正 决定
    root = ElementTree.parse(str(path)).getroot()
    plane = root.find(f".//{{{BPMNDI_NS}}}BPMNPlane")
    assert plane is not None
    assert check.shapes >= check.tasks + 2 and check.edges == check.flows
    names = {e.get("name") for e in root.iter() if e.tag.endswith("}task")}
    assert names == {"受理", "审查", "补正", "决定"}
    assert pm4py.read_bpmn(str(path)) is not None  # pm4py reads its own file back
    assert not list(tmp_path.glob(".model.*"))  # no temporary file left behind


def test_bpmn_file_is_reproducible(tmp_path):
    food = Path(__file__).resolve().parents[2] / "samples" / "logs" / "food_licence.csv"
    log = bpr.read_log(food)  # loops, parallel branches and many unnamed gateways
    first, second = tmp_path / "a.bpmn", tmp_path / "b.bpmn"
    write_discovered_bpmn(log, first)
    write_discovered_bpmn(log, second)  # pm4py draws new random ids each time
    assert first.read_bytes() == second.read_bytes()
    assert b'id="Process_1"' in first.read_bytes() and pm4py.read_bpmn(str(first)) is not None


def test_layered_layout_places_every_node(tmp_path):
    model = discover_bpmn(_log())
    layered_layout(model)
    layout = model.get_layout()
    xs = {n: layout.get(n).get_x() for n in model.get_nodes()}
    starts = [n for n in model.get_nodes() if type(n).__name__ == "StartEvent"]
    ends = [n for n in model.get_nodes() if type(n).__name__ == "EndEvent"]
    assert all(xs[s] < xs[e] for s in starts for e in ends)  # left to right
    boxes = {(layout.get(n).get_x(), layout.get(n).get_y()) for n in model.get_nodes()}
    assert len(boxes) == len(model.get_nodes())  # no two nodes on top of each other
    for flow in model.get_flows():
        assert len(layout.get(flow).get_waypoints()) >= 2


def test_empty_log_is_an_input_error(tmp_path):
    empty = EventLog.from_frame(pd.DataFrame({"case": pd.Series([], dtype=str), "activity": pd.Series([], dtype=str),
                                              "timestamp": pd.Series([], dtype="datetime64[us, UTC]")}))
    with pytest.raises(InputError):
        write_discovered_bpmn(empty, tmp_path / "x.bpmn")
    assert not (tmp_path / "x.bpmn").exists()


def test_real_log_bpmn(real_log, tmp_path):
    check = write_discovered_bpmn(bpr_log(real_log), tmp_path / "real.bpmn")
    assert check.has_diagram
    assert check.tasks == pm4py_frame(real_log)["concept:name"].nunique()
    assert check_bpmn(tmp_path / "real.bpmn") == check
