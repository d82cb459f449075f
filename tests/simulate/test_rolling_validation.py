"""Validation figures checked against independent computations (issue 19, point 3), the goal on
both sides of its threshold, and the rolling origin (point 1).

The real side is recomputed from the CSV with pandas (not bpr's reader or splitter), the simulated
side from the samples the validation kept, with numpy and scipy. A small generated log (140
cases, an optional on-site step, lognormal waits on a 24-hour clock that the model's working-hour
calendar cannot match exactly) keeps the errors well away from zero, so that a wrong factor in
any figure shows."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import t as student_t
from scipy.stats import wasserstein_distance

import bpr
from bpr.cli import main
from bpr.simulate.validate import (
    GOAL_MEDIAN,
    GOAL_P90,
    STEP_MIN_EVENTS,
    WAIT_FLOOR_H,
    cycle_time_errors,
    meets_goal,
    ngram_distance,
    rolling_origin,
    step_wait_errors,
    validate_log,
    worst_split,
)

SEED = 3


def make_log(path: Path, n: int = 140, seed: int = 5) -> Path:
    """受理 → 审查 → (40 %) 现场核查 → 决定 → 送达; about one case a day."""
    rng = np.random.default_rng(seed)
    rows, day, t0 = [], 0.0, pd.Timestamp("2024-03-04 09:00")
    for c in range(n):
        day += rng.exponential(1.0)
        t = t0 + pd.Timedelta(days=int(day)) + pd.Timedelta(hours=float(rng.uniform(0, 8)))
        trace = ["受理", "审查"] + (["现场核查"] if rng.random() < 0.4 else []) + ["决定", "送达"]
        for i, activity in enumerate(trace):
            if i:
                t += pd.Timedelta(hours=float(rng.lognormal(np.log(20 if activity == "审查" else 8), 0.8)))
            rows.append({"case_id": f"C{c:04d}", "activity": activity, "timestamp": t.strftime("%Y-%m-%d %H:%M:%S")})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def log_path(tmp_path_factory) -> Path:
    return make_log(tmp_path_factory.mktemp("log") / "log.csv")


@pytest.fixture(scope="module")
def validated(log_path):
    return validate_log(bpr.read_log(log_path), replications=2, seed=SEED)


def real_split(path: Path, share: float = 0.7) -> pd.DataFrame:
    """The test cases' events, straight from the CSV: cases ordered by first event, the last
    (1 − share) of them."""
    frame = pd.read_csv(path, parse_dates=["timestamp"])
    starts = frame.groupby("case_id")["timestamp"].min().sort_values(kind="stable")
    test = set(starts.index[int(round(len(starts) * share)):])
    return frame[frame["case_id"].isin(test)].sort_values(["case_id", "timestamp"], kind="stable")


def w1_by_cdf(a: np.ndarray, b: np.ndarray) -> float:
    """Wasserstein-1 in one dimension as the area between the two empirical CDFs (no scipy)."""
    grid = np.sort(np.concatenate([a, b]))
    fa = np.searchsorted(np.sort(a), grid[:-1], side="right") / len(a)
    fb = np.searchsorted(np.sort(b), grid[:-1], side="right") / len(b)
    return float(np.sum(np.abs(fa - fb) * np.diff(grid)))


def test_cycle_time_figures_against_numpy_and_scipy(validated, log_path):
    v = validated
    test = real_split(log_path)
    real = ((test.groupby("case_id")["timestamp"].max() - test.groupby("case_id")["timestamp"].min())
            .dt.total_seconds() / 3600).to_numpy()
    assert v.test_cases == len(real) == 42
    assert sorted(v.real_hours) == pytest.approx(sorted(real))
    assert v.real_median_h == pytest.approx(np.median(real))
    assert v.real_p90_h == pytest.approx(np.percentile(real, 90))
    sims = [np.asarray(s) for s in v.sim_hours]
    pooled = np.concatenate(sims)
    assert v.sim_median_h == pytest.approx(np.median(pooled))
    assert v.sim_p90_h == pytest.approx(np.percentile(pooled, 90))
    median_error = abs(np.median(pooled) - np.median(real)) / np.median(real)
    p90_error = abs(np.percentile(pooled, 90) - np.percentile(real, 90)) / np.percentile(real, 90)
    assert median_error > 0.05 and p90_error > 0.05  # far from zero: a factor of 2 anywhere shows
    assert v.median_rel_error == pytest.approx(median_error, abs=6e-5)  # result.json keeps 4 decimals
    assert v.p90_rel_error == pytest.approx(p90_error, abs=6e-5)
    emd = np.mean([wasserstein_distance(real, s) for s in sims])
    assert emd > 1 and v.emd_hours == pytest.approx(emd, abs=6e-4)
    assert v.emd_hours == pytest.approx(np.mean([w1_by_cdf(real, s) for s in sims]), abs=1e-3)
    per_rep = np.array([wasserstein_distance(real, s) for s in sims])
    half = student_t.ppf(0.975, len(per_rep) - 1) * per_rep.std(ddof=1) / np.sqrt(len(per_rep))
    assert v.emd_ci_hours == pytest.approx([per_rep.mean() - half, per_rep.mean() + half], abs=1e-3)
    assert v.emd_ci_hours[0] < v.emd_hours < v.emd_ci_hours[1]
    assert v.goal_met == (median_error <= GOAL_MEDIAN and p90_error <= GOAL_P90)


def test_cycle_time_errors_on_hand_made_samples():
    real = np.arange(1.0, 101.0)
    e = cycle_time_errors(real, [2 * real, 2 * real])  # every case twice as long
    assert e["median_rel_error"] == pytest.approx(1.0) and e["p90_rel_error"] == pytest.approx(1.0)
    assert e["emd_hours"] == pytest.approx(50.5)  # W1 of x and 2x = mean of x
    e = cycle_time_errors(real, [real + 10])
    assert e["emd_hours"] == pytest.approx(10.0)
    assert e["median_rel_error"] == pytest.approx(10 / 50.5)
    assert e["p90_rel_error"] == pytest.approx(10 / np.percentile(real, 90))


def _top_scaled(real: np.ndarray, factor: float) -> np.ndarray:
    """`real` with every value above its median multiplied by `factor`: the median stays, the
    p90 moves by exactly factor − 1."""
    return np.where(real > np.median(real), real * factor, real)


@pytest.mark.parametrize(("p90_factor", "met"), [(1 + GOAL_P90 - 0.01, True), (1 + GOAL_P90 + 0.01, False)])
def test_goal_on_both_sides_of_the_p90_threshold(p90_factor, met):
    real = np.arange(1.0, 1002.0)  # odd: the median is one sample
    e = cycle_time_errors(real, [_top_scaled(real, p90_factor)])
    assert e["median_rel_error"] == pytest.approx(0.0)
    assert e["p90_rel_error"] == pytest.approx(p90_factor - 1)
    assert meets_goal(e["median_rel_error"], e["p90_rel_error"]) is met


@pytest.mark.parametrize(("factor", "met"), [(1 + GOAL_MEDIAN - 0.01, True), (1 + GOAL_MEDIAN + 0.01, False)])
def test_goal_on_both_sides_of_the_median_threshold(factor, met):
    real = np.arange(1.0, 1002.0)
    e = cycle_time_errors(real, [real * factor])  # p90 error = median error, both under the p90 goal
    assert e["median_rel_error"] == pytest.approx(factor - 1) and e["p90_rel_error"] < GOAL_P90
    assert meets_goal(e["median_rel_error"], e["p90_rel_error"]) is met


def test_goal_thresholds_are_inclusive_and_each_error_alone_can_fail_it():
    assert meets_goal(GOAL_MEDIAN, GOAL_P90)
    assert not meets_goal(GOAL_MEDIAN + 1e-6, 0.0) and not meets_goal(0.0, GOAL_P90 + 1e-6)


def _waits(traces: list[list[tuple[str, float]]]) -> pd.DataFrame:
    """Waits with pandas: each event's hours since the case's previous event."""
    rows = [(i, a, h) for i, trace in enumerate(traces) for a, h in trace]
    frame = pd.DataFrame(rows, columns=["case", "activity", "h"]).sort_values(["case", "h"], kind="stable")
    frame["wait"] = frame.groupby("case")["h"].diff()
    return frame.dropna(subset=["wait"])


def test_per_step_median_wait_errors_against_pandas(validated, log_path):
    v = validated
    test = real_split(log_path).copy()
    test["wait"] = test.groupby("case_id")["timestamp"].diff().dt.total_seconds() / 3600
    real = test.dropna(subset=["wait"]).groupby("activity")["wait"].agg(["count", "median"])
    real = real[real["count"] >= STEP_MIN_EVENTS]
    sim = _waits(v.sim_traces).groupby("activity")["wait"].median()
    assert len(v.sim_traces) == sum(len(s) for s in v.sim_hours)  # one trace per kept simulated case
    rows = {r["step"]: r for r in v.step_waits}
    assert set(rows) == set(real.index) and len(rows) >= 3
    errors = {}
    for step, r in real.iterrows():
        assert rows[step]["events"] == r["count"]
        assert rows[step]["real_median_h"] == pytest.approx(r["median"], abs=1e-3)
        assert rows[step]["sim_median_h"] == pytest.approx(sim[step], abs=1e-3)
        errors[step] = abs(sim[step] - r["median"]) / max(r["median"], WAIT_FLOOR_H)
        assert rows[step]["rel_error"] == pytest.approx(errors[step], abs=6e-5)
    weighted = sum(real.loc[s, "count"] * e for s, e in errors.items()) / real["count"].sum()
    assert weighted > 0.05 and v.step_wait_error == pytest.approx(weighted, abs=6e-5)


def test_step_wait_errors_by_hand():
    real = [[("A", 0.0), ("B", 10.0)]] * 20 + [[("A", 0.0), ("C", 0.2)]] * 20
    sim = [[("A", 5.0), ("B", 20.0)]] * 3 + [[("A", 0.0), ("C", 0.7)]]  # B: 15 h, C: 0.7 h
    rows, weighted = step_wait_errors(real, sim)
    by = {r["step"]: r["rel_error"] for r in rows}
    assert by == {"B": pytest.approx(0.5), "C": pytest.approx(0.5)}  # C against the 1-hour floor
    assert weighted == pytest.approx(0.5)
    rows, weighted = step_wait_errors(real, [[("A", 0.0), ("B", 10.0)]])  # C never simulated: error 1
    assert {r["step"]: r["rel_error"] for r in rows} == {"B": 0.0, "C": 1.0} and weighted == pytest.approx(0.5)


def _ngrams(traces: list[list[str]], n: int = 3) -> Counter:
    out: Counter = Counter()
    for trace in traces:
        padded = ["▷"] * (n - 1) + trace + ["□"] * (n - 1)
        out.update("|".join(padded[i:i + n]) for i in range(len(padded) - n + 1))
    return out


def test_control_flow_distance_against_an_independent_count(validated, log_path):
    v = validated
    real = [list(g["activity"]) for _, g in real_split(log_path).groupby("case_id")]
    sim = [[a for a, _ in sorted(t, key=lambda e: e[1])] for t in v.sim_traces]
    p, q = _ngrams(real), _ngrams(sim)
    sp, sq = sum(p.values()), sum(q.values())
    expected = 0.5 * sum(abs(p[k] / sp - q[k] / sq) for k in set(p) | set(q))
    assert v.control_flow_distance == pytest.approx(expected, abs=6e-5)


def test_control_flow_distance_by_hand():
    ab, ac = [("A", 0.0), ("B", 1.0)], [("A", 0.0), ("C", 1.0)]
    # bigrams (n = 2): ▷A AB B□ against ▷A AC C□: a third shared, two thirds not
    assert ngram_distance([ab], [ac], n=2) == pytest.approx(2 / 3)
    assert ngram_distance([ab, ab], [ab], n=3) == 0.0  # sizes differ, distributions do not
    assert ngram_distance([ab], [[("X", 0.0)]], n=2) == pytest.approx(1.0)  # disjoint
    assert ngram_distance([ab, ac], [ab], n=2) == pytest.approx(1 / 3)


def test_rolling_origin_splits_and_worst(log_path, validated):
    log = bpr.read_log(log_path)
    rolling = rolling_origin(log, shares=(0.5, 0.7, 0.95), replications=1, seed=SEED, known=validated)
    splits = {s["train_share"]: s for s in rolling["splits"]}
    assert splits[0.5]["train_cases"] == 70 and splits[0.5]["test_cases"] == 70
    assert splits[0.7]["median_rel_error"] == validated.median_rel_error  # the known split, reused
    assert "skipped" in splits[0.95] and "140" in splits[0.95]["skipped"]  # 7 test cases: too few
    ran = [splits[0.5], splits[0.7]]
    for key in ("median_rel_error", "p90_rel_error", "emd_hours", "step_wait_error", "control_flow_distance"):
        top = max(ran, key=lambda s: s[key])
        assert rolling["worst"][key] == {"value": top[key], "train_share": top["train_share"]}
    assert rolling["worst"]["splits_run"] == 2
    assert rolling["worst"]["goal_met"] == (splits[0.5]["goal_met"] and splits[0.7]["goal_met"])
    # each split's figures are its own validation's
    half = validate_log(log, replications=1, seed=SEED, train_share=0.5)
    assert splits[0.5]["p90_rel_error"] == half.p90_rel_error and splits[0.5]["emd_hours"] == half.emd_hours


def test_worst_split_by_hand():
    def split(share, median, p90, goal):
        return {"train_share": share, "median_rel_error": median, "p90_rel_error": p90, "emd_hours": 10 * share,
                "step_wait_error": None, "control_flow_distance": 0.1, "goal_met": goal}

    worst = worst_split([split(0.5, 0.02, 0.30, False), split(0.6, 0.12, 0.05, True), {"train_share": 0.8, "skipped": "x"}])
    assert worst["median_rel_error"] == {"value": 0.12, "train_share": 0.6}
    assert worst["p90_rel_error"] == {"value": 0.30, "train_share": 0.5}
    assert worst["emd_hours"] == {"value": 6.0, "train_share": 0.6}
    assert worst["step_wait_error"] == {"value": None, "train_share": None}
    assert worst["splits_run"] == 2 and worst["goal_met"] is False
    assert worst_split([split(0.5, 0.0, 0.0, True)])["goal_met"] is True
    assert worst_split([{"train_share": 0.5, "skipped": "x"}])["goal_met"] is False  # nothing ran: not met


def test_cli_validate_writes_the_rolling_origin_and_the_report_shows_it(log_path, tmp_path, capsys):
    out = tmp_path / "sim"
    with pytest.raises(SystemExit) as info:
        main(["simulate", str(log_path), "--validate", "--cases", "30", "--replications", "1",
              "--seed", str(SEED), "-o", str(out)])
    assert info.value.code == 0, capsys.readouterr().err
    assert "滚动检验" in capsys.readouterr().out
    text = (out / "result.json").read_text(encoding="utf-8")
    assert "NaN" not in text
    v = json.loads(text)["validation"]
    assert [s["train_share"] for s in v["rolling"]["splits"]] == [0.5, 0.6, 0.7, 0.8]
    seventy = v["rolling"]["splits"][2]
    assert seventy["median_rel_error"] == v["median_rel_error"] and seventy["p90_rel_error"] == v["p90_rel_error"]
    assert v["step_waits"] and 0 <= v["control_flow_distance"] <= 1
    from bpr.report.render import render

    [page] = render(out, tmp_path / "report", formats=("html",))
    html = page.read_text(encoding="utf-8")
    assert "滚动检验（多个切分点）" in html and "各环节等待时长" in html and "控制流距离" in html


def test_prediction_interval_against_the_formula_and_its_coverage():
    from bpr.simulate.validate import prediction_interval

    x = np.array([10.0, 12.0, 9.0, 14.0, 11.0])
    half = student_t.ppf(0.975, 4) * np.std(x, ddof=1) * np.sqrt(1 + 1 / 5)
    assert prediction_interval(list(x)) == pytest.approx((x.mean() - half, x.mean() + half))
    assert prediction_interval([3.0]) is None
    # coverage: one more draw from the same normal lands inside about 95 % of the time
    rng = np.random.default_rng(11)
    draws = rng.normal(size=(4000, 6))
    inside = [lo <= d[5] <= hi for d in draws for lo, hi in [prediction_interval(list(d[:5]))]]
    assert np.mean(inside) == pytest.approx(0.95, abs=0.015)


@pytest.mark.parametrize(("real", "outside"), [(15.9, False), (16.1, True), (4.1, False), (3.9, True)])
def test_real_figure_inside_or_outside_its_interval(real, outside):
    from bpr.simulate.validate import prediction_interval, prediction_intervals

    _, high = prediction_interval([8.0, 10.0, 12.0])  # centred on 10
    scale = (16.0 - 10.0) / (high - 10.0)  # stretch the replications so that the interval is 4–16
    reps = [{"median_h": 10 + (m - 10) * scale} for m in (8.0, 10.0, 12.0)]
    i = prediction_intervals(reps, {"median_h": real})["median_h"]
    assert (i["low"], i["high"]) == (pytest.approx(4.0), pytest.approx(16.0))
    assert i["outside"] is outside


def test_intervals_of_a_validation_come_from_its_replications(validated):
    v = validated
    for key, stat in (("median_h", np.median), ("p90_h", lambda a: np.percentile(a, 90)), ("mean_h", np.mean)):
        per_rep = np.array([stat(np.asarray(s)) for s in v.sim_hours])
        assert [r[key] for r in v.per_replication] == pytest.approx(per_rep)
        half = student_t.ppf(0.975, len(per_rep) - 1) * per_rep.std(ddof=1) * np.sqrt(1 + 1 / len(per_rep))
        i = v.intervals[key]
        assert (i["low"], i["high"]) == (pytest.approx(per_rep.mean() - half, abs=1e-3),
                                         pytest.approx(per_rep.mean() + half, abs=1e-3))
        real = {"median_h": v.real_median_h, "p90_h": v.real_p90_h, "mean_h": v.real_mean_h}[key]
        assert i["outside"] == (not i["low"] <= real <= i["high"])
    assert bool(v.miss_steps) == any(i["outside"] for i in v.intervals.values())


def test_a_miss_names_the_steps_that_explain_it():
    from bpr.report.builders.simulate import interval_text
    from bpr.simulate.validate import miss_steps

    waits = [{"step": "审查", "events": 40, "real_median_h": 10.0, "sim_median_h": 30.0, "rel_error": 2.0},
             {"step": "决定", "events": 100, "real_median_h": 5.0, "sim_median_h": 4.0, "rel_error": 0.2},
             {"step": "送达", "events": 40, "real_median_h": 2.0, "sim_median_h": 2.0, "rel_error": 0.0},
             {"step": "核查", "events": 25, "real_median_h": 9.0, "sim_median_h": None, "rel_error": 1.0}]
    steps = miss_steps(waits)
    assert [(s["step"], s["hours"], s["direction"]) for s in steps] == [("审查", 800.0, "longer"), ("决定", 100.0, "shorter")]
    intervals = {"median_h": {"low": 20.0, "high": 30.0, "real": 35.0, "outside": True},
                 "p90_h": {"low": 50.0, "high": 90.0, "real": 60.0, "outside": False}}
    text = interval_text(intervals, steps, "zh")
    assert "中位数 35.0 小时（区间 20.0–30.0）" in text and "审查（仿真等待中位数 30.0 小时，实际 10.0 小时）" in text
    assert "P90" not in text
    inside = {k: {**i, "outside": False} for k, i in intervals.items()}
    assert "落在仿真的 95% 预测区间内" in interval_text(inside, [], "zh")
    # seconds-long automatic steps (the WABO receipt log: real 0.010 h, simulated 0.006 h) explain
    # no miss: not named as "simulated 0.0 h, real 0.0 h"
    quick = [{"step": "T06", "events": 390, "real_median_h": 0.01, "sim_median_h": 0.006, "rel_error": 0.4},
             {"step": "T02", "events": 392, "real_median_h": 0.01, "sim_median_h": 0.008, "rel_error": 0.2}]
    assert miss_steps(quick) == []
    assert "主要由" not in interval_text(intervals, miss_steps(quick), "zh")
    assert "outside" in interval_text(intervals, steps, "en")


def test_the_engine_trace_is_the_replication_it_describes():
    """trace=True keeps each case's steps in order; they agree with the replication's own figures."""
    from bpr.simulate.engine import run_replication
    from tests.simulate._models import sequence

    model = sequence({"受理": 0.5, "审查": 2.0, "决定": 1.0}, per_hour=0.3, size=1, rework=("决定", "审查", 0.3))
    out = run_replication(model, 4, cases=60, trace=True)
    assert run_replication(model, 4, cases=60).events is None
    assert len(out.events) == 60 and out.finished.all()
    for i, events in enumerate(out.events):
        names = [a for a, _ in events]
        assert len(events) == out.steps[i] and names[0] == "受理" and names[-1] == "决定"
        assert all(b[1] >= a[1] for a, b in zip(events, events[1:], strict=False))
        assert events[-1][1] - out.arrival[i] == pytest.approx(out.cycle_hours[i])
    assert sum(len(e) for e in out.events) == sum(out.step_count.values())
    rework = sum(1 for e in out.events if [a for a, _ in e].count("审查") > 1)
    assert 0.15 < rework / 60 < 0.5  # the 30 % rework edge shows in the traces
