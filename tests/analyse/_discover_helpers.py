"""Shared by the discover tests: real logs read once, and pm4py's figures on the same file."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd

from bpr.model import EventLog

PM4PY_TO_ROLES = {"case:concept:name": "case", "concept:name": "activity",
                  "time:timestamp": "timestamp", "org:resource": "resource"}


@functools.cache
def pm4py_frame(path: Path) -> pd.DataFrame:
    """pm4py.read_xes on the file: already `format_dataframe`d (sorted by case, time, index)."""
    import pm4py

    return pm4py.read_xes(str(path), show_progress_bar=False)


@functools.cache
def bpr_log(path: Path) -> EventLog:
    """The file as a canonical EventLog: bpr's own reader once it exists, else pm4py's frame."""
    if importlib.util.find_spec("bpr.io.eventlog_reader") is not None:
        import bpr.io

        return bpr.io.read_log(path)
    frame = pm4py_frame(path)
    keep = [c for c in PM4PY_TO_ROLES if c in frame.columns]
    return EventLog.from_frame(frame[keep].rename(columns=PM4PY_TO_ROLES), source=str(path))


def edge_seconds(frame: pd.DataFrame) -> dict[tuple[str, str], np.ndarray]:
    """Seconds between consecutive completions in each case, by (source, target), computed with
    pandas from pm4py's sorted frame: the independent reference for p90 (pm4py reports none)."""
    f = frame[["case:concept:name", "concept:name", "time:timestamp"]].reset_index(drop=True)
    nxt = f.shift(-1)
    same = f["case:concept:name"] == nxt["case:concept:name"]
    secs = (nxt["time:timestamp"] - f["time:timestamp"]).dt.total_seconds()
    pairs = pd.DataFrame({"s": f["concept:name"][same], "t": nxt["concept:name"][same], "x": secs[same]})
    return {k: g["x"].to_numpy() for k, g in pairs.groupby(["s", "t"])}
