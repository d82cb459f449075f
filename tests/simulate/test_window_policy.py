"""Which cases the validation compares (issue 19): an extract that holds finished cases only
("complete-only": unfinished simulated cases are dropped too) or one that keeps cases still
running at its end ("truncate"). The travel-permit log (BPIC 2020) is of the first kind, yet fewer
of its test cases end at a usual last step than training cases (fewer reminders had time to be
sent); the cases that started within one median cycle time of the log's end decide instead: in a
truncated extract at most about half of them can have finished."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bpr
from bpr.simulate.validate import validation_setup
from tests.simulate.mechanism_logs import mechanism_log


@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    """The generated base process (受理 → 审查 → 决定 → 送达) of six offices at once (six
    seeds: enough cases start within a cycle time of the end), where in the last 30 % of the
    cases by start 10 % are withdrawn after 审查 (finished, but not at the usual last step)."""
    f = pd.concat([mechanism_log("none", n=1000, seed=s).assign(办件编号=lambda x, s=s: f"S{s}-" + x["办件编号"])
                   for s in range(2, 8)], ignore_index=True)
    f["end"] = pd.to_datetime(f["环节结束时间"])
    starts = f.groupby("办件编号")["end"].min().sort_values(kind="stable")
    late = starts.index[int(0.7 * len(starts)):]
    rng = np.random.default_rng(0)
    withdrawn = set(rng.choice(late, size=int(0.1 * len(late)), replace=False))
    return f[~(f["办件编号"].isin(withdrawn) & f["环节名称"].isin(["决定", "送达"]))]


def _policy(frame: pd.DataFrame, tmp_path, name: str) -> str:
    path = tmp_path / f"{name}.csv"
    frame.drop(columns=["end"]).to_csv(path, index=False)
    return validation_setup(bpr.read_log(path), seed=1).policy


def _cut(base: pd.DataFrame) -> pd.Timestamp:
    return base["end"].quantile(0.97)


def test_an_extract_of_finished_cases_only_is_compared_complete_only(base, tmp_path):
    cut = _cut(base)
    last = base.groupby("办件编号")["end"].max()
    finished = base[base["办件编号"].isin(last.index[last <= cut])]  # cases not done by the cut are left out
    # the whole test period ends at 送达 less often than training (the withdrawals), by far more
    # than 2 points: the test on all test cases alone would call this extract truncated
    ends = finished.sort_values("end").groupby("办件编号")["环节名称"].last() == "送达"
    first = finished.groupby("办件编号")["end"].min().sort_values(kind="stable")
    k = int(round(0.7 * len(first)))
    assert ends[first.index[:k]].mean() - ends[first.index[k:]].mean() > 0.05
    assert _policy(finished, tmp_path, "finished") == "complete-only"


def test_an_extract_that_keeps_running_cases_is_truncated(base, tmp_path):
    running = base[base["end"] <= _cut(base)]  # the cases still running keep their events so far
    assert _policy(running, tmp_path, "running") == "truncate"
