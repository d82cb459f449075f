"""A step's wait and work that are not independent (issue 19, point 2; mechanism "joint_work").
Without start times discovery splits the gap before each event into a wait and a work by the
resource's previous event; a file picked up at once is short in both, one left for another day
can be long in both. Drawn apart, the two add up to too many long steps. Checked: the quantile
function against scipy, the ranks against scipy, the detector's figures against numpy and its bar
on both sides, the engine's joint draw against the pairs it came from, result.json and a wait
reform, and the generated 'joint' log against its generator."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bpr
from bpr.simulate.discovery import discover_model
from bpr.simulate.distributions import (
    Distribution,
    JointSampler,
    empirical_distribution,
    fit_distribution,
)
from bpr.simulate.engine import run_replication
from bpr.simulate.mechanisms import RULES, pseudo_observations
from bpr.simulate.model import END, Activity, Arrivals, Pool, SimulationModel
from bpr.simulate.scenario import Scenario, apply_scenario
from tests.simulate.mechanism_logs import write_mechanism_log

RULE = next(r for r in RULES if r.id == "joint_work")


def test_quantile_function_against_scipy():
    u = np.linspace(0.001, 0.999, 999)
    lognormal = Distribution("lognorm", [0.8, 0.0, 2.0], zero_share=0.3, upper=20.0)
    got = lognormal.quantile(u)
    expected = np.minimum(stats.lognorm.ppf((u - 0.3) / 0.7, 0.8, 0.0, 2.0), 20.0)
    assert np.allclose(got[u >= 0.3], expected[u >= 0.3]) and (got[u < 0.3] == 0).all()
    assert np.allclose(Distribution("expon", [1.0, 3.0]).quantile(u), stats.expon.ppf(u, 1.0, 3.0))
    assert np.allclose(Distribution("gamma", [2.0, 0.0, 1.5]).quantile(u), stats.gamma.ppf(u, 2.0, 0.0, 1.5))
    empirical = empirical_distribution(np.arange(11.0))  # quantiles 0, 0.05, …, 10
    assert empirical.quantile(np.array([0.0, 0.25, 1.0])) == pytest.approx([0.0, 2.5, 10.0])
    assert Distribution.fixed(4.0).quantile(u[:3]) == pytest.approx([4.0] * 3)
    # sample() and quantile() at uniform draws are the same distribution
    rng = np.random.default_rng(0)
    fitted = fit_distribution(np.r_[np.zeros(300), rng.gamma(2.0, 3.0, 900)], rng)
    a = fitted.sample(np.random.default_rng(1), 20000)
    b = fitted.quantile(np.random.default_rng(2).random(20000))
    assert stats.ks_2samp(a, b).pvalue > 0.01


def test_pseudo_observations_are_scipy_ranks():
    x = np.random.default_rng(0).normal(size=50)
    got = pseudo_observations(x, np.random.default_rng(1))
    assert got == pytest.approx((stats.rankdata(x) - 0.5) / 50)
    ties = pseudo_observations(np.array([0.0, 0.0, 0.0, 5.0]), np.random.default_rng(1))
    assert sorted(ties[:3]) == pytest.approx([0.125, 0.375, 0.625]) and ties[3] == pytest.approx(0.875)


def _pairs(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """80 % picked up at once (both a few minutes), 20 % left for another day: long in both."""
    left = rng.random(n) < 0.2
    wait = np.where(left, rng.lognormal(np.log(6), 0.5, n), rng.uniform(0, 0.1, n))
    work = np.where(left, rng.lognormal(np.log(4), 0.5, n), rng.uniform(0.02, 0.1, n))
    return wait, work


def _frame(wait: np.ndarray, work: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"case": [f"c{i}" for i in range(len(wait))], "activity": "S", "pos": 1,
                         "delay": wait, "processing": work, "next": END})


def test_dependent_pairs_fire_with_figures_from_numpy():
    wait, work = _pairs(600, np.random.default_rng(3))
    (m,) = RULE.run(_frame(wait, work))
    e = m.evidence
    assert e["events"] == 600 and e["p_value"] == pytest.approx(1 / 200)  # no shuffling comes near
    assert e["real_h"] == pytest.approx(np.percentile(wait + work, e["quantile"]), abs=0.006)
    # paired at random, independently of the rule's own shufflings
    rng = np.random.default_rng(9)
    apart = np.median([np.percentile(wait + rng.permutation(work), e["quantile"]) for _ in range(199)])
    assert e["apart_h"] == pytest.approx(apart, rel=0.05)
    assert e["apart_h"] > 1.25 * e["real_h"]
    assert len(m.params["copula"]) == 500 and all(0 < u < 1 and 0 < v < 1 for u, v in m.params["copula"])
    assert "随机配对" in m.text("zh") and "paired at random" in m.text("en")


def test_independent_pairs_do_not_fire():
    rng = np.random.default_rng(4)
    wait, work = _pairs(600, rng)
    assert RULE.run(_frame(wait, rng.permutation(work))) == []


def test_the_ratio_bar_on_both_sides():
    """The same pairs fire when the bar is just under the ratio they show, not just over it."""
    wait, work = _pairs(600, np.random.default_rng(5))
    (m,) = RULE.run(_frame(wait, work))
    ratio = max(m.evidence["real_h"], 0.05) / max(m.evidence["apart_h"], 0.05)
    ratio = max(ratio, 1 / ratio)
    assert RULE.check(_frame(wait, work), {**RULE.params, "min_ratio": ratio * 0.98})
    assert not RULE.check(_frame(wait, work), {**RULE.params, "min_ratio": ratio * 1.02})


def _joint_model(copula: list[list[float]] | None, wait: np.ndarray, work: np.ndarray) -> SimulationModel:
    act = Activity("S", "p", empirical_distribution(work), empirical_distribution(wait), joint=copula)
    start = Activity("A", "p", Distribution.fixed(0.0), Distribution.fixed(0.0))
    rates = [[2.0] * 24 for _ in range(7)] + [[0.0] * 24]
    return SimulationModel({"A": start, "S": act}, {"A": 1.0}, {"A": {"S": 1.0}, "S": {END: 1.0}},
                           {"p": Pool("p", 500)}, Arrivals(rates, "weekly"), first_step_instant=False)


def _step_hours(model: SimulationModel) -> np.ndarray:
    out = run_replication(model, 7, cases=3000, trace=True)
    return np.array([t1 - t0 for (_, t0), (_, t1) in out.events])


def test_engine_draws_the_pair_as_observed():
    wait, work = _pairs(2000, np.random.default_rng(6))
    copula = np.column_stack([pseudo_observations(wait, np.random.default_rng(0)),
                              pseudo_observations(work, np.random.default_rng(0))]).tolist()
    together, apart = _step_hours(_joint_model(copula, wait, work)), _step_hours(_joint_model(None, wait, work))
    real = wait + work
    assert np.mean(together > 1) == pytest.approx(np.mean(real > 1), abs=0.03)  # 20 % long
    assert np.mean(apart > 1) > np.mean(real > 1) + 0.1  # 1 − 0.8 × 0.8 = 36 % long
    assert np.percentile(together, 75) == pytest.approx(np.percentile(real, 75), rel=0.1)


def test_copula_survives_result_json_and_a_wait_reform_scales_the_wait():
    wait, work = _pairs(2000, np.random.default_rng(6))
    copula = np.column_stack([pseudo_observations(wait, np.random.default_rng(0)),
                              pseudo_observations(work, np.random.default_rng(0))])[:200].round(4).tolist()
    model = _joint_model(copula, wait, work)
    again = SimulationModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again.activities["S"].joint == copula
    halved = apply_scenario(model, Scenario.from_dict({"waits": {"S": 0.5}}))
    full, half = (JointSampler(m.activities["S"].delay, m.activities["S"].processing, m.activities["S"].joint,
                               np.random.default_rng(2)) for m in (model, halved))
    a, b = np.array([full() for _ in range(2000)]), np.array([half() for _ in range(2000)])
    assert b[:, 0] == pytest.approx(a[:, 0] * 0.5) and b[:, 1] == pytest.approx(a[:, 1])


def test_generated_log_found_where_its_generator_put_it(tmp_path):
    """The 'joint' log: 审查 picked up at once (70 %) or left for another day, no start times, three
    staff a department: found at 审查 and nowhere else; the copula kept for it."""
    path = write_mechanism_log(tmp_path / "joint.csv", "joint", n=3000, seed=0)
    model = discover_model(bpr.read_log(path))
    found = [m for m in model.mechanisms if m["id"] == "joint_work"]
    assert [m["step"] for m in found] == ["审查"]
    assert model.activities["审查"].joint == found[0]["params"]["copula"]
    f = pd.read_csv(path)
    assert f["环节开始时间"].isna().all() and f["环节处理人"].notna().all()


def test_a_large_step_is_tested_on_a_subset_and_still_fires():
    wait, work = _pairs(12000, np.random.default_rng(8))
    (m,) = RULE.run(_frame(wait, work))
    assert RULE.params["max_test_events"] == 5000 and m.evidence["events"] == 12000
    assert m.evidence["real_h"] == pytest.approx(np.percentile(wait + work, m.evidence["quantile"]), rel=0.1)
    assert len(m.params["copula"]) == 500
