"""The process model judged apart from the arrival forecast (issue 19): `validate` also
simulates the test window with the real case start times replayed (`given_arrivals`, as SIMOD and
AgentSimulator simulate as many cases as the test log has) and says when the forecast's case count
misses the real one by more than 25 % (`arrival_check`)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import bpr
from bpr.simulate.validate import (
    ARRIVAL_MISS,
    arrival_check,
    given_arrivals,
    validate_setup,
    validation_setup,
)
from tests.simulate.mechanism_logs import write_mechanism_log


@pytest.mark.parametrize(("simulated", "missed"), [(125.0, False), (125.5, True), (75.0, False), (74.0, True),
                                                   (100.0, False)])
def test_arrival_check_on_both_sides_of_its_limit(simulated, missed):
    check = arrival_check(100, simulated)
    assert ARRIVAL_MISS == 0.25
    assert check["missed"] is missed
    assert check["rel_difference"] == pytest.approx((simulated - 100) / 100, abs=1e-4)
    assert check["real_cases"] == 100 and check["simulated_cases"] == simulated


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    path = write_mechanism_log(tmp_path_factory.mktemp("arrivals") / "none.csv", "none", n=800, seed=3)
    return validation_setup(bpr.read_log(path), seed=1)


def test_replayed_arrivals_are_the_real_ones_whatever_the_forecast(setup):
    setup = copy.copy(setup)
    setup.policy = "truncate"  # every simulated case in the window counts, finished or not
    doubled = copy.copy(setup)
    doubled.model = copy.deepcopy(setup.model)
    doubled.model.arrivals.rates = [[2 * x for x in row] for row in setup.model.arrivals.rates]
    base, fast = validate_setup(setup, seed=1), validate_setup(doubled, seed=1)
    # the forecast doubled: its case count misses the real one (about twice as many) ...
    assert not base.arrival_check["missed"]
    assert fast.arrival_check["missed"] and 1.7 < fast.simulated_cases / fast.test_cases < 2.3
    assert fast.arrival_check["simulated_cases"] == pytest.approx(fast.simulated_cases, abs=0.05)
    # ... while the replay uses the log's own starts: the same cases, the same figures
    assert fast.given_arrivals == base.given_arrivals
    g = base.given_arrivals
    real = len(setup.real_hours)
    assert g["replications"] == base.replications
    assert g["simulated_cases"] == real  # exactly the real test cases, replayed
    real_median = float(np.median(setup.real_hours))
    assert g["median_rel_error"] == pytest.approx(abs(g["sim_median_h"] - real_median) / real_median, abs=1e-4)
    # the goal is still the forecast's: the replay is reported beside it, not in it
    assert fast.goal_met == (fast.median_rel_error <= 0.15 and fast.p90_rel_error <= 0.25)


def test_without_known_starts_there_is_no_replay(setup):
    bare = copy.copy(setup)
    bare.all_starts = None
    assert given_arrivals(bare, 2) == {}
    assert validate_setup(setup, seed=1, real_arrivals=False).given_arrivals == {}


def test_report_puts_the_replay_and_the_forecast_miss_beside_the_figures():
    from bpr.report.builders.simulate import _validation_section

    v = {"train_cases": 700, "test_cases": 300, "median_rel_error": 0.289, "p90_rel_error": 0.028, "emd_hours": 306.0,
         "goal_met": False, "real_median_h": 1326.0, "sim_median_h": 943.0, "real_p90_h": 3000.0, "sim_p90_h": 2916.0,
         "real_mean_h": 1500.0, "sim_mean_h": 1200.0,
         "given_arrivals": {"median_rel_error": 0.026, "p90_rel_error": 0.078, "emd_hours": 126.5, "simulated_cases": 300.0},
         "arrival_check": arrival_check(1928, 3560.2)}
    zh = " ".join(_validation_section(v, "zh").paragraphs)
    assert "中位数误差 2.6%" in zh and "P90误差 7.8%" in zh and "126.5 小时" in zh
    assert "仿真 3560 件，实际 1928 件（相差 +85%）" in zh
    en = " ".join(_validation_section(v, "en").paragraphs)
    assert "Given the test period's real arrivals" in en and "3560 simulated cases in the test window against 1928" in en
    v["arrival_check"] = arrival_check(1928, 2000.0)
    assert "against 1928" not in " ".join(_validation_section(v, "en").paragraphs)
