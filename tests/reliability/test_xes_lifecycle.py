"""Issue 17, root cause 6: XES lifecycle start/complete events are paired into one activity
instance with its service time, as pm4py's interval lifecycle does; other transitions warn."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

import pandas as pd
import pm4py
import pytest
from pm4py.objects.log.util import interval_lifecycle

import bpr

from ._cli import run

TZ = timezone(timedelta(hours=8))


def _xes(path, traces: int = 30, seed: int = 3):
    """Traces 受理 → 审查 → 决定, each activity a start and a complete event; 审查 sometimes
    twice (real rework); one trace with suspend/resume, one start never completed."""
    rng = random.Random(seed)
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<log xes.version="1.0">']
    for c in range(traces):
        t = datetime(2024, 3, 4, 9, tzinfo=TZ) + timedelta(hours=c)
        acts = ["受理", "审查", "审查", "决定"] if c % 5 == 0 else ["受理", "审查", "决定"]
        out.append(f'<trace><string key="concept:name" value="c{c}"/>')
        for a in acts:
            events = [("start", t), ("complete", t := t + timedelta(minutes=rng.randint(5, 90)))]
            if c == 1 and a == "审查":
                events[1:1] = [("suspend", t - timedelta(minutes=3)), ("resume", t - timedelta(minutes=2))]
            for transition, when in events:
                out.append(f'<event><string key="concept:name" value="{a}"/>'
                           f'<string key="lifecycle:transition" value="{transition}"/>'
                           f'<string key="org:resource" value="u{c % 3}"/>'
                           f'<date key="time:timestamp" value="{when.isoformat(timespec="milliseconds")}"/></event>')
            t += timedelta(hours=rng.randint(1, 20))
        if c == 2:
            out.append(f'<event><string key="concept:name" value="送达"/>'
                       f'<string key="lifecycle:transition" value="start"/>'
                       f'<date key="time:timestamp" value="{t.isoformat()}"/></event>')
        out.append("</trace>")
    out.append("</log>")
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def test_start_and_complete_are_one_instance_like_pm4py(tmp_path):
    path = _xes(tmp_path / "lifecycle.xes")
    log = bpr.read_log(path)
    ours = log.to_pandas()
    ref = pm4py.convert_to_dataframe(interval_lifecycle.to_interval(
        pm4py.convert_to_event_log(pm4py.read_xes(str(path)))))
    assert len(ours) == len(ref) == 30 * 3 + 6
    ours_service = (ours["timestamp"] - ours["start"]).dt.total_seconds()
    ref_service = (pd.to_datetime(ref["time:timestamp"], utc=True)
                   - pd.to_datetime(ref["start_timestamp"], utc=True)).dt.total_seconds()
    per_ours = ours.assign(s=ours_service).groupby("activity")["s"].sum()
    per_ref = ref.assign(s=ref_service).groupby("concept:name")["s"].sum()
    assert per_ours.to_dict() == per_ref.to_dict()
    by_code = {w.code: w for w in log.warnings}
    assert by_code["lifecycle_other"].count == 2 and "suspend" in by_code["lifecycle_other"].value
    assert by_code["lifecycle_open_start"].count == 1


def test_discover_counts_rework_only_where_it_happened(tmp_path):
    path = _xes(tmp_path / "lifecycle.xes")
    proc = run("discover", path, "-o", tmp_path / "d")
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "d" / "result.json").read_text())
    assert result["events"] == 96 and result["cases"] == 30
    codes = [w["code"] for w in result["warnings"]]
    assert "lifecycle_other" in codes and "lifecycle_open_start" in codes
    # every fifth trace repeats 审查 (c0, c5, …): 6 of 30 cases, not 100% as when each
    # start/complete pair counted as two occurrences
    assert result["rework_cases"] == {"审查": 6} and result["rework"]["summary"]["affected_share"] == 0.2


@pytest.mark.parametrize("transitions", [None, "complete"])
def test_complete_only_logs_are_unchanged(tmp_path, transitions):
    attr = f'<string key="lifecycle:transition" value="{transitions}"/>' if transitions else ""
    body = "".join(f'<trace><string key="concept:name" value="c{c}"/>'
                   + "".join(f'<event><string key="concept:name" value="{a}"/>{attr}'
                             f'<date key="time:timestamp" value="2024-03-0{i + 1}T10:00:00+08:00"/></event>'
                             for i, a in enumerate("ABC")) + "</trace>" for c in range(5))
    (tmp_path / "c.xes").write_text(f"<log>{body}</log>", encoding="utf-8")
    log = bpr.read_log(tmp_path / "c.xes")
    assert log.events == 15 and log.to_pandas()["start"].isna().all() and not log.warnings


def test_status_values_instead_of_transitions_keep_every_event(tmp_path):
    """BPI Challenge 2013's lifecycle:transition holds statuses ("In Progress", "Awaiting
    Assignment"), never start or complete: every event is kept, as pm4py reads it, not none."""
    statuses = ["Awaiting Assignment", "In Progress", "Wait - User", "Resolved", "Closed"]
    body = "".join(f'<trace><string key="concept:name" value="c{c}"/>'
                   + "".join(f'<event><string key="concept:name" value="{"Accepted" if i < 3 else "Completed"}"/>'
                             f'<string key="lifecycle:transition" value="{s}"/>'
                             f'<date key="time:timestamp" value="2024-03-0{i + 1}T10:0{c}:00+08:00"/></event>'
                             for i, s in enumerate(statuses)) + "</trace>" for c in range(6))
    path = tmp_path / "statuses.xes"
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?><log>{body}</log>', encoding="utf-8")
    log = bpr.read_log(path)
    assert log.events == len(pm4py.read_xes(str(path))) == 30 and log.cases == 6
    assert log.to_pandas()["start"].isna().all()
    (warning,) = log.warnings
    assert warning.code == "lifecycle_as_attribute" and warning.count == 30 and "In Progress ×6" in warning.value
    proc = run("discover", path, "-o", tmp_path / "d")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "d" / "result.json").read_text())["events"] == 30
