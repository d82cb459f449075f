"""The model on the period it learnt from (issue 19, point 3: which part of a miss is the model's):
`validate` also replays every training case (`past_period`). Checked on a generated steady log (the window and its real figures
against pandas; the errors within the bar) and on the same log with every case after the split
made 60 % slower: the test window then misses by far while the period before the split still
meets the bar, which is what tells a change from a wrong model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bpr
from bpr.simulate.discovery import local_frame
from bpr.simulate.validate import validate_setup, validation_setup
from tests.simulate.mechanism_logs import mechanism_log

CASE, START, END_ = "办件编号", "环节开始时间", "环节结束时间"


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("past")
    frame = mechanism_log("none", n=800, seed=3)
    steady = folder / "steady.csv"
    frame.to_csv(steady, index=False)
    # every case after the 70 % split (by start) takes 60 % longer: its times stretched from its start
    times = frame.copy()
    for col in (START, END_):
        times[col] = pd.to_datetime(times[col])
    first = times.groupby(CASE)[START].transform("min")
    order = times.groupby(CASE)[START].min().sort_values(kind="stable")
    late = set(order.index[int(0.7 * len(order)):])
    slow = times[CASE].isin(late)
    for col in (START, END_):
        times.loc[slow, col] = first[slow] + 1.6 * (times.loc[slow, col] - first[slow])
    changed = folder / "changed.csv"
    times.to_csv(changed, index=False)
    return steady, changed


def _validate(path):
    setup = validation_setup(bpr.read_log(path), seed=1)
    return setup, validate_setup(setup, replications=3, seed=1)


def test_past_period_window_and_figures_by_pandas(logs):
    steady, _ = logs
    setup, v = _validate(steady)
    past = v.past_period
    frame = pd.read_csv(steady, parse_dates=[START, END_])
    spans = frame.groupby(CASE).agg(start=(START, "min"), end=(END_, "max"))
    spans = spans.sort_values("start", kind="stable")
    n_train = setup.train.cases
    train_spans, test_spans = spans.iloc[:n_train], spans.iloc[n_train:]
    assert set(train_spans.index) == set(local_frame(setup.train)["case"].astype(str))
    assert test_spans["start"].min() >= train_spans["start"].max()
    hours = (train_spans["end"] - train_spans["start"]).dt.total_seconds().to_numpy() / 3600
    assert past["real_cases"] == n_train and past["from"] == str(train_spans["start"].min().date())
    assert past["replications"] == 3  # 560 cases: two make MIN_SIMULATED (600), but at least three
    assert past["real_median_h"] == pytest.approx(np.median(hours), abs=1e-6)
    assert past["real_p90_h"] == pytest.approx(np.percentile(hours, 90), abs=1e-6)
    assert past["median_rel_error"] == pytest.approx(
        abs(past["sim_median_h"] - past["real_median_h"]) / past["real_median_h"], abs=1e-4)
    # a steady process: the model reproduces its own past within the bar
    assert past["median_rel_error"] <= 0.05 and past["p90_rel_error"] <= 0.10


def test_a_change_after_the_split_shows_on_the_test_window_only(logs):
    _, changed = logs
    _, v = _validate(changed)
    assert v.median_rel_error > 0.2 and v.p90_rel_error > 0.2  # the test period ran 60 % slower
    assert v.past_period["median_rel_error"] <= 0.05 and v.past_period["p90_rel_error"] <= 0.10


def test_no_replay_no_past_period(logs):
    steady, _ = logs
    setup = validation_setup(bpr.read_log(steady), seed=1)
    assert validate_setup(setup, replications=2, seed=1, real_arrivals=False).past_period == {}


def test_report_and_terminal_say_what_the_past_period_means():
    from bpr.report.builders.simulate import _validation_section, past_period_text

    past = {"from": "2024-03-01", "real_cases": 240, "median_rel_error": 0.012, "p90_rel_error": 0.034}
    zh, en = past_period_text(past, "zh"), past_period_text(past, "en")
    assert "2024-03-01 起 240 件" in zh and "中位数误差 1.2%" in zh and "P90误差 3.4%" in zh and "流程的变化" in zh
    assert "240 cases from 2024-03-01" in en and "process changed after the split" in en
    v = {"train_cases": 700, "test_cases": 300, "median_rel_error": 0.3, "p90_rel_error": 0.3, "emd_hours": 50.0,
         "goal_met": False, "real_median_h": 100.0, "sim_median_h": 70.0, "real_p90_h": 300.0, "sim_p90_h": 210.0,
         "real_mean_h": 150.0, "sim_mean_h": 100.0, "past_period": past}
    assert zh in _validation_section(v, "zh").paragraphs
