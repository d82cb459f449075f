"""The real figures' own sampling noise (issue 19, point 3): the bootstrap interval of the test
cases' median and p90, checked against scipy.stats.bootstrap and by its coverage of a known median;
the verdict on a miss (met / sampling / model) on both sides of the goal and of the interval's
edges; and every rolling-origin split carries its intervals and verdicts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import bpr
from bpr.simulate.validate import (
    GOAL_MEDIAN,
    GOAL_P90,
    bootstrap_interval,
    rolling_origin,
    validate_log,
    verdict,
)
from tests.simulate.test_rolling_validation import make_log


def test_bootstrap_interval_agrees_with_scipy_percentile_bootstrap():
    x = np.random.default_rng(0).lognormal(3.0, 0.8, 600)
    for q in (50, 90):
        ours = bootstrap_interval(x, q, seed=1, n=4000)
        theirs = stats.bootstrap((x,), lambda s, axis, q=q: np.percentile(s, q, axis=axis), n_resamples=4000,
                                 method="percentile", random_state=np.random.default_rng(2)).confidence_interval
        width = theirs.high - theirs.low
        assert ours[0] == pytest.approx(theirs.low, abs=0.15 * width)
        assert ours[1] == pytest.approx(theirs.high, abs=0.15 * width)


def test_bootstrap_interval_covers_the_true_median_about_95_percent_of_the_time():
    rng = np.random.default_rng(7)
    covered = []
    for trial in range(200):
        x = rng.exponential(1.0, 150)
        low, high = bootstrap_interval(x, 50, seed=trial, n=500)
        covered.append(low <= math.log(2) <= high)
    assert 0.88 <= np.mean(covered) <= 0.99


def test_bootstrap_interval_by_hand():
    assert bootstrap_interval(np.full(40, 12.5), 50) == [12.5, 12.5]
    assert bootstrap_interval(np.zeros(0), 50) == []
    # two values: every resample's median is 1, 1.5 or 2, so the interval spans them
    assert bootstrap_interval(np.array([1.0, 2.0]), 50, n=4000) == [1.0, 2.0]


@pytest.mark.parametrize("error, simulated, expected", [
    (0.05, 999.0, "met"),  # at the goal (inclusive), wherever the simulated figure is
    (0.0500001, 100.0, "sampling"),  # just over it, inside the real interval (at its low edge)
    (0.0500001, 120.0, "sampling"),  # at its high edge
    (0.0500001, 99.99, "model"),  # just outside
    (0.0500001, 120.01, "model"),
])
def test_verdict_on_both_sides_of_the_goal_and_the_interval(error, simulated, expected):
    assert verdict(error, 0.05, simulated, [100.0, 120.0]) == expected


def test_verdict_without_an_interval_is_the_models():
    assert verdict(0.2, 0.1, 50.0, []) == "model"


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    return bpr.read_log(make_log(tmp_path_factory.mktemp("noise") / "log.csv"))


def test_validation_carries_the_real_intervals_and_its_verdicts(log):
    v = validate_log(log, replications=2, seed=3)
    real = np.asarray(v.real_hours)
    assert v.real_intervals["median_h"] == bootstrap_interval(real, 50, 3)
    assert v.real_intervals["p90_h"] == bootstrap_interval(real, 90, 3)
    lo, hi = v.real_intervals["median_h"]
    assert lo <= v.real_median_h <= hi
    assert v.verdicts["median"] == verdict(v.median_rel_error, GOAL_MEDIAN, v.sim_median_h, [lo, hi])
    assert v.verdicts["p90"] == verdict(v.p90_rel_error, GOAL_P90, v.sim_p90_h, v.real_intervals["p90_h"])
    assert "real_intervals" in v.to_dict() and "verdicts" in v.to_dict()


def test_every_rolling_split_carries_its_intervals_verdicts_and_miss_steps(log):
    rolling = rolling_origin(log, shares=(0.6, 0.8), replications=2, seed=3)
    for split in rolling["splits"]:
        assert set(split["intervals"]) == {"median_h", "p90_h", "mean_h"}
        assert set(split["real_intervals"]) == {"median_h", "p90_h"}
        assert set(split["verdicts"]) == {"median", "p90"}
        i = split["intervals"]["median_h"]
        assert i["real"] == pytest.approx(split["real_median_h"], abs=1e-3)
        assert i["outside"] == (not i["low"] <= i["real"] <= i["high"])
        assert bool(split["miss_steps"]) == any(x["outside"] for x in split["intervals"].values())


def test_the_report_says_which_split_missed_and_whether_within_the_real_figures_noise():
    from bpr.report.builders.simulate import rolling_text, split_miss_text

    split = {"train_share": 0.5, "sim_median_h": 66.2, "sim_p90_h": 190.0,
             "verdicts": {"median": "model", "p90": "sampling"},
             "real_intervals": {"median_h": [47.6, 51.4], "p90_h": [163.8, 195.0]},
             "miss_steps": [{"step": "决定", "sim_median_h": 15.9, "real_median_h": 6.4}]}
    zh, en = split_miss_text(split, "zh"), split_miss_text(split, "en")
    assert "切分点 50%" in zh and "66.2 小时在实际值的 95% 抽样区间（47.6–51.4 小时）之外" in zh
    assert "落在实际值自身的 95% 抽样区间（163.8–195.0 小时）内" in zh and "决定" in zh
    assert "outside the real figure's 95% sampling interval (47.6–51.4 h)" in en
    assert split_miss_text({**split, "verdicts": {"median": "met", "p90": "met"}}, "en") == ""
    rolling = {"splits": [split, {"train_share": 0.8, "skipped": "too small"}],
               "worst": {k: {"value": 0.1, "train_share": 0.5} for k in
                         ("median_rel_error", "p90_rel_error", "emd_hours", "step_wait_error", "control_flow_distance")}
               | {"goal_met": False, "splits_run": 1}}
    assert en in rolling_text(rolling, "en")
