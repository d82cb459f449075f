"""discover() agrees with pm4py on every real log: variants, DFG, start/end activities, edge
times, case durations and rework cases, computed by pm4py on the same file."""

from __future__ import annotations

import numpy as np
import pm4py
import pytest

from bpr.analyse.discover import discover, variant_counts
from bpr.analyse.engine import DuckDBEngine
from tests.analyse._discover_helpers import bpr_log, edge_seconds, pm4py_frame

REL = 1e-9


@pytest.fixture
def both(real_log):
    frame = pm4py_frame(real_log)
    result = discover(bpr_log(real_log), top_k=10, analyses=[])
    return frame, result


def test_counts(both):
    frame, result = both
    assert result.events == len(frame)
    assert result.cases == frame["case:concept:name"].nunique()
    assert result.activities == frame["concept:name"].nunique()


def test_variants_equal_pm4py(real_log):
    expected = pm4py.get_variants(pm4py_frame(real_log))
    with DuckDBEngine() as engine:
        engine.register(bpr_log(real_log))
        got = dict(variant_counts(engine))
    assert got == {tuple(k): v for k, v in expected.items()}


def test_top_variants_and_other_row(both):
    frame, result = both
    expected = pm4py.get_variants(frame)
    top = [v for v in result.variants if not v.other]
    assert [v.count for v in top] == sorted(expected.values(), reverse=True)[:10]
    assert all(expected[v.activities] == v.count for v in top)
    assert len({v.activities for v in top}) == len(top)
    assert sum(v.count for v in result.variants) == result.cases
    assert result.variant_count == len(expected)
    assert sum(v.variants for v in result.variants) == len(expected)


def test_dfg_start_end_equal_pm4py(both):
    frame, result = both
    dfg, starts, ends = pm4py.discover_dfg(frame)
    assert {(e.source, e.target): e.count for e in result.dfg} == dict(dfg)
    assert result.start_activities == dict(starts)
    assert result.end_activities == dict(ends)


def test_edge_times_equal_pm4py(both):
    frame, result = both
    perf, _, _ = pm4py.discover_performance_dfg(frame)
    reference = edge_seconds(frame)
    assert {(e.source, e.target) for e in result.dfg} == set(perf)
    for e in result.dfg:
        expected = perf[(e.source, e.target)]
        assert e.mean_s == pytest.approx(expected["mean"], rel=REL, abs=1e-6)
        assert e.median_s == pytest.approx(expected["median"], rel=REL, abs=1e-6)
        assert e.min_s == pytest.approx(expected["min"], rel=REL, abs=1e-6)
        assert e.max_s == pytest.approx(expected["max"], rel=REL, abs=1e-6)
        assert e.p90_s == pytest.approx(np.percentile(reference[(e.source, e.target)], 90), rel=REL, abs=1e-6)


def test_case_durations_equal_pm4py(both):
    frame, result = both
    durations = pm4py.get_all_case_durations(frame)
    stats = result.case_duration_s
    assert stats.cases == len(durations)
    assert stats.mean == pytest.approx(np.mean(durations), rel=REL)
    assert stats.median == pytest.approx(np.median(durations), rel=REL)
    assert stats.p90 == pytest.approx(np.percentile(durations, 90), rel=REL)
    assert stats.max == pytest.approx(max(durations), rel=REL)


def test_rework_equal_pm4py(both):
    frame, result = both
    assert result.rework_cases == pm4py.get_rework_cases_per_activity(frame)


def test_result_json_has_documented_keys(both):
    _, result = both
    data = result.to_dict()
    for key in ("cases", "events", "activities", "variants", "dfg", "start_activities",
                "end_activities", "case_duration_s", "rework_cases"):
        assert key in data
    assert set(data["dfg"][0]) >= {"source", "target", "count", "mean_s", "median_s", "p90_s"}
    assert set(data["case_duration_s"]) >= {"mean", "median", "p90"}
