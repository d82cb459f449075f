"""Who handles each step (the process map's step detail): counted by hand on a small log and
against the sample CSV counted with the csv module."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pandas as pd

import bpr.io
from bpr.analyse.handlers import step_handlers
from bpr.model.eventlog import EventLog

LOG = Path(__file__).resolve().parents[2] / "samples" / "logs" / "food_licence.csv"


def _log(rows: list[tuple], resource: bool = True) -> EventLog:
    frame = pd.DataFrame(rows, columns=["case", "activity", "resource"])
    frame["timestamp"] = pd.date_range("2024-01-01", periods=len(rows), freq="h", tz="Asia/Shanghai")
    if not resource:
        frame = frame.drop(columns="resource")
    return EventLog.from_frame(frame, columns={"resource": "处理人"} if resource else {})


def test_a_hand_made_log():
    log = _log([("1", "受理", "张"), ("1", "审核", "王"), ("2", "受理", "李"), ("2", "审核", "王"),
                ("3", "受理", "张"), ("3", "审核", None), ("4", "受理", "  "), ("4", "受理", "李")])
    got = step_handlers(log, top=5)
    # 受理: 张 2, 李 2 (the blank name is not a handler): ties by name, shares of the named events
    assert got["受理"] == [{"handler": "张", "events": 2, "share": 0.5}, {"handler": "李", "events": 2, "share": 0.5}]
    assert got["审核"] == [{"handler": "王", "events": 2, "share": 1.0}]
    assert step_handlers(log, top=1)["受理"] == [got["受理"][0]]


def test_no_handler_column():
    assert step_handlers(_log([("1", "受理", None)], resource=False)) == {}


def test_the_sample_log_against_a_csv_count():
    with open(LOG, encoding="gbk", newline="") as fh:
        rows = list(csv.DictReader(fh))
    counts: dict[str, Counter] = {}
    for row in rows:
        if row["环节处理人"].strip():
            counts.setdefault(row["环节名称"], Counter())[row["环节处理人"]] += 1
    got = step_handlers(bpr.io.read_log(LOG), top=3)
    assert set(got) == set(counts)
    for activity, counter in counts.items():
        expected = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        total = sum(counter.values())
        assert [(h["handler"], h["events"]) for h in got[activity]] == expected
        assert [h["share"] for h in got[activity]] == [round(n / total, 4) for _, n in expected]
