"""`bpr compare` on the sample log with a planted reform (samples/logs/public_health_reform.csv,
made by samples/generate_logs.py: 现场审查 and 审核 dropped, 补正 at 受理 cut, the wait before 审查
halved on 2024-07-01).

The figures are checked against an independent computation: pandas on the raw CSV rows and a
working-hour count written here from the `chinese_calendar` package (not bpr's SQL calendar)."""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from pathlib import Path

import chinese_calendar
import numpy as np
import pandas as pd
import pytest

from bpr.analyse.engine import DuckDBEngine
from bpr.cli import main
from bpr.errors import UsageError
from bpr.measure.compare_logs import compare_log, compare_logs

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "samples" / "logs" / "public_health_reform.csv"
FOOD = ROOT / "samples" / "logs" / "food_licence.csv"
CATALOGUE = ROOT / "samples" / "catalogue_template.xlsx"
REFORM = dt.date(2024, 7, 1)
PLACEBO = dt.date(2024, 1, 2)  # the middle of the pre-reform year; compared 150 days either side
OFFICE = ((dt.time(9, 0), dt.time(12, 0)), (dt.time(13, 30), dt.time(17, 30)))


@lru_cache(maxsize=4096)
def _workday(day: dt.date) -> bool:
    return chinese_calendar.is_workday(day)


def _working_hours(a: dt.datetime, b: dt.datetime) -> float:
    total, day = 0.0, a.date()
    while day <= b.date():
        if _workday(day):
            for start, end in OFFICE:
                lo, hi = max(a, dt.datetime.combine(day, start)), min(b, dt.datetime.combine(day, end))
                if hi > lo:
                    total += (hi - lo).total_seconds() / 3600
        day += dt.timedelta(days=1)
    return total


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    """One row per case from the raw CSV: side, hours (first to last completion), working days
    (earliest start to last completion, office hours / 7), rework (a step occurring twice)."""
    raw = pd.read_csv(LOG, encoding="utf-8-sig", parse_dates=["环节开始时间", "环节结束时间"])
    per_case = raw.groupby("办件编号").agg(first=("环节结束时间", "min"), last=("环节结束时间", "max"),
                                          start=("环节开始时间", "min"))
    per_case["start"] = per_case[["start", "first"]].min(axis=1)
    per_case["hours"] = (per_case["last"] - per_case["first"]).dt.total_seconds() / 3600
    per_case["days"] = [_working_hours(a.to_pydatetime(), b.to_pydatetime()) / 7
                        for a, b in zip(per_case["start"], per_case["last"], strict=True)]
    per_case["rework"] = raw.groupby("办件编号")["环节名称"].agg(lambda s: s.duplicated().any())
    per_case["after"] = per_case["first"] >= pd.Timestamp(REFORM)
    return per_case


@pytest.fixture(scope="module")
def at_reform():
    return compare_log(LOG, at=REFORM, catalogue=_catalogue(), resamples=1000)


def _catalogue():
    import bpr

    return bpr.read_catalogue(CATALOGUE)


def _close(value: float, reference: float, rel: float = 0.005) -> bool:
    return abs(value - reference) <= rel * abs(reference)


def test_figures_match_an_independent_computation(at_reform, expected):
    for side, frame in (("before", expected[~expected["after"]]), ("after", expected[expected["after"]])):
        got = getattr(at_reform, side)
        assert got.cases == len(frame), side
        assert _close(got.median_hours, np.median(frame["hours"])), side
        assert _close(got.p90_hours, np.quantile(frame["hours"], 0.9)), side
        assert _close(got.median_days, np.median(frame["days"])), side
        assert _close(got.p90_days, np.quantile(frame["days"], 0.9)), side
        assert abs(got.rework_rate - frame["rework"].mean()) <= 0.001, side


def test_the_planted_reform_is_found_and_significant(at_reform):
    assert at_reform.steps_removed == ["审核", "现场审查"]
    assert at_reform.steps_added == []
    for measure in ("median_hours", "p90_hours", "median_days", "p90_days", "rework_rate", "avg_visits"):
        change = at_reform.change[measure]
        assert change.significant and change.diff < 0 and change.ci_high < 0, measure
    assert at_reform.change["on_time_rate"].diff > 0 and at_reform.change["on_time_rate"].significant
    # the wait before 审查 was halved (median in-tray wait 1.2 -> 0.6 working days, plus queueing)
    wait = {side: next(s.median_wait_hours for s in getattr(at_reform, side).steps if s.activity == "审查")
            for side in ("before", "after")}
    assert 0.45 < wait["after"] / wait["before"] < 0.75
    data = at_reform.to_dict()
    assert data["kind"] == "compare" and data["at"] == "2024-07-01"
    for side in ("before", "after"):
        assert {"cases", "median_hours", "p90_hours", "median_days", "p90_days", "rework_rate", "avg_visits",
                "on_time_rate", "steps"} <= set(data[side])
    assert set(data["change"]["median_days"]) == {"before", "after", "diff", "ci_low", "ci_high", "significant", "blocks"}


def test_a_placebo_date_in_the_stable_year_is_not_significant():
    placebo = compare_log(LOG, at=PLACEBO, catalogue=_catalogue(), window=150, resamples=1000)
    assert placebo.before.cases > 500 and placebo.after.cases > 500
    assert not [m for m, c in placebo.change.items() if c.significant]
    assert placebo.steps_removed == [] and placebo.steps_added == []


def test_the_reform_date_is_detected_without_at():
    found = compare_log(LOG, resamples=200)
    assert found.at_source == "detected"
    assert abs((dt.date.fromisoformat(found.at) - REFORM).days) <= 14
    assert found.detection.strength > 0.5
    assert found.change["median_days"].significant


def test_the_bootstrap_is_seeded(at_reform):
    again = compare_log(LOG, at=REFORM, catalogue=_catalogue(), resamples=1000)
    assert again.to_dict()["change"] == at_reform.to_dict()["change"]


def test_two_logs_give_the_split_figures(tmp_path, at_reform, expected):
    raw = pd.read_csv(LOG, encoding="utf-8-sig", dtype=str)
    after_cases = set(expected.index[expected["after"]])
    raw[~raw["办件编号"].isin(after_cases)].to_csv(tmp_path / "before.csv", index=False)
    raw[raw["办件编号"].isin(after_cases)].to_csv(tmp_path / "after.csv", index=False)
    both = compare_logs(tmp_path / "before.csv", tmp_path / "after.csv", catalogue=_catalogue(), resamples=1000)
    for side in ("before", "after"):
        a, b = getattr(both, side), getattr(at_reform, side)
        assert a.cases == b.cases
        assert a.median_hours == pytest.approx(b.median_hours) and a.p90_days == pytest.approx(b.p90_days)
        assert a.rework_rate == pytest.approx(b.rework_rate)
    assert both.steps_removed == at_reform.steps_removed


def test_cli_writes_the_result_folder(tmp_path, capsys):
    out = tmp_path / "cmp"
    with pytest.raises(SystemExit) as info:
        main(["compare", str(LOG), "--at", "2024-07-01", "-o", str(out), "--catalogue", str(CATALOGUE),
              "--resamples", "200"])
    assert info.value.code == 0
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert data["kind"] == "compare" and data["before"]["cases"] + data["after"]["cases"] == 4182
    assert (out / "compare_measures.csv").read_text(encoding="utf-8-sig").startswith("指标,改革前,改革后")
    assert "2024-07-01" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "words"), [
    (["--at", "2022-07-01"], "不在办件记录的时间范围内"),
    (["--at", "2025-06-14"], "至少需要 30 件"),
    (["--at", "2023-07-05"], "至少需要 30 件"),
    ([str(FOOD)], "不是同一事项"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, words):
    with pytest.raises(SystemExit) as info:
        main(["compare", str(LOG), *args, "-o", str(tmp_path / "out")])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert words in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out" / "result.json").exists()


def test_too_few_cases_says_how_many_are_needed():
    with pytest.raises(UsageError) as info:
        compare_log(LOG, at=dt.date(2025, 6, 14), resamples=100)
    assert "at least 30" in str(info.value) and info.value.values["need"] == 30


# --- Spark ------------------------------------------------------------------------------------

@pytest.mark.spark
def test_spark_and_duckdb_give_the_same_compare_figures(spark_engine):
    on_spark = compare_log(LOG, at=REFORM, engine=spark_engine, catalogue=_catalogue(), resamples=300).to_dict()
    with DuckDBEngine() as duck:
        on_duckdb = compare_log(LOG, at=REFORM, engine=duck, catalogue=_catalogue(), resamples=300).to_dict()
    assert on_spark.pop("engine") == "spark" and on_duckdb.pop("engine") == "duckdb"
    for key in ("before", "after", "change", "steps_removed", "steps_added", "ratings"):
        assert on_spark[key] == on_duckdb[key], key
    assert on_spark["ratings"]["after"]["rectification"]  # the 好差评 breakdown ran on both


def test_two_logs_with_too_few_cases_on_a_side_say_how_many_are_needed(tmp_path, capsys):
    raw = pd.read_csv(LOG, encoding="utf-8-sig", dtype=str)
    cases = sorted(raw["办件编号"].unique())
    raw[raw["办件编号"].isin(cases[:12])].to_csv(tmp_path / "before.csv", index=False)
    raw[raw["办件编号"].isin(cases[12:])].to_csv(tmp_path / "after.csv", index=False)
    with pytest.raises(SystemExit) as info:
        main(["compare", str(tmp_path / "before.csv"), str(tmp_path / "after.csv"), "-o", str(tmp_path / "out")])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "改革前只有 12 件" in err and "至少需要 30 件" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out" / "result.json").exists()


def test_a_side_with_autocorrelated_cases_is_resampled_in_runs():
    """Neighbouring cases (by start) that share their fate widen the interval: the side is drawn in
    runs of `block_length` of its values in start order, not case by case."""
    from bpr.analyse.resampling import block_length, normal_scores
    from bpr.measure.compare_logs import CaseTable, resampled

    rng = np.random.default_rng(4)
    n = 600
    log_hours = np.empty(n)
    log_hours[0] = rng.standard_normal()
    for i in range(1, n):  # AR(1), φ = 0.7
        log_hours[i] = 0.7 * log_hours[i - 1] + rng.standard_normal()
    order = rng.permutation(n)  # rows stored out of start order: the block follows first_us, not row order
    first_us = np.arange(n, dtype=np.int64)[order] * 3_600_000_000
    hours = np.exp(log_hours)[order]
    side = CaseTable(np.array([f"c{i}" for i in range(n)], dtype=object), np.full(n, None, dtype=object),
                     first_us, hours, hours / 8, np.zeros(n, bool), np.full(n, np.nan), np.full(n, np.nan))
    draws, block = resampled(side, "median_hours", np.random.default_rng(0), 1000)
    assert block == block_length(normal_scores(np.exp(log_hours))) and block >= 5
    plain = np.nanquantile(hours[np.random.default_rng(0).integers(0, n, (1000, n))], 0.5, axis=1)
    assert np.std(draws) > 1.4 * np.std(plain)
