"""A step's wait that depends on the step before (issue 19, point 2; mechanism "previous_wait"): the
受理 redone after a 补正 waits where the first one does not; the applicant's 补正材料 may take longer
after 受理 than after a review. Checked on the generated 'sendback' log against its generator (受理
after 补正材料 waits 0.5 working hours, the first one none), the Mann–Whitney statistic against
scipy, the thresholds on both sides, the engine's draw per previous step, and the table kept
through result.json and wait reforms."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bpr
from bpr.simulate.discovery import discover_model
from bpr.simulate.distributions import Distribution
from bpr.simulate.engine import run_replication
from bpr.simulate.mechanisms import CASE_START, RULES
from bpr.simulate.model import END, Activity, Arrivals, Pool, SimulationModel
from bpr.simulate.scenario import Scenario, apply_scenario
from tests.simulate.mechanism_logs import write_mechanism_log

PARAMS = next(r for r in RULES if r.id == "previous_wait").params


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = write_mechanism_log(tmp_path_factory.mktemp("sendback") / "sendback.csv", "sendback", n=3000, seed=0)
    return discover_model(bpr.read_log(path))


def test_redone_step_waits_as_its_generator_says(model):
    m = next(x for x in model.mechanisms if x["id"] == "previous_wait")
    assert m["step"] == "受理"
    # the generator: 受理 after 补正材料 starts 0.5 working hours later, the case's first 受理 (after
    # its start) at once; the evidence names either side, whichever differs more from the rest
    e = m["evidence"]
    waits = {e["previous"]: e["median_h"], "rest": e["others_h"]}
    assert e["previous"] in (CASE_START, "补正材料")
    assert waits[e["previous"]] == pytest.approx(0.0 if e["previous"] == CASE_START else 0.5, abs=0.05)
    assert waits["rest"] == pytest.approx(0.5 if e["previous"] == CASE_START else 0.0, abs=0.05)
    assert set(model.activities["受理"].delay_by_previous) == set(m["params"]["previous"]) == {CASE_START, "补正材料"}
    assert np.median(model.activities["受理"].delay_by_previous["补正材料"].sample(np.random.default_rng(0), 2000)) \
        == pytest.approx(0.5, abs=0.05)
    assert "前一个环节" in m["zh"] and "step before" in m["en"]


def _frame(a_waits: np.ndarray, b_waits: np.ndarray) -> pd.DataFrame:
    """Cases A → S and B → S, S waiting `a_waits` / `b_waits` hours after A / B."""
    rows = []
    for prev, waits in (("A", a_waits), ("B", b_waits)):
        for i, w in enumerate(waits):
            case = f"{prev}{i}"
            rows += [{"case": case, "activity": prev, "pos": 0, "delay": np.nan, "next": "S"},
                     {"case": case, "activity": "S", "pos": 1, "delay": float(w), "next": END}]
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("ratio", "fires"), [(1.3, True), (1.2, False)])
def test_the_median_ratio_on_both_sides_of_its_bar(ratio, fires):
    """Two previous steps, 200 waits each, medians `ratio` apart (shapes alike, so Mann–Whitney is
    far below 1e-6 either way): the rule fires at 1.3, not at 1.2 (the bar is 1.25)."""
    base = np.linspace(1.0, 3.0, 200)
    found = [m for m in next(r for r in RULES if r.id == "previous_wait").run(_frame(base * ratio, base))
             if m.step == "S"]
    assert PARAMS["min_ratio"] == 1.25
    assert bool(found) is fires
    if fires:
        e = found[0].evidence
        p = stats.mannwhitneyu(base * ratio, base).pvalue
        assert e["p_value"] == pytest.approx(float(f"{p:.3g}"))
        assert {e["median_h"], e["others_h"]} == {round(2.0 * ratio, 1), 2.0}


def test_no_wait_difference_no_mechanism():
    rng = np.random.default_rng(1)
    waits = rng.lognormal(1.0, 0.5, 400)
    assert not [m for m in next(r for r in RULES if r.id == "previous_wait").run(_frame(waits[:200], waits[200:]))]


def _two_way_model() -> SimulationModel:
    """A or B, then F: F waits 10 h after A, 1 h after B."""
    acts = {a: Activity(a, "p", Distribution.fixed(0.0), Distribution.fixed(0.0)) for a in ("A", "B", "F")}
    acts["F"].delay_by_previous = {"A": Distribution.fixed(10.0), "B": Distribution.fixed(1.0)}
    rates = [[1.0] * 24 for _ in range(7)] + [[0.0] * 24]
    return SimulationModel(acts, {"A": 0.5, "B": 0.5}, {"A": {"F": 1.0}, "B": {"F": 1.0}, "F": {END: 1.0}},
                           {"p": Pool("p", 50)}, Arrivals(rates, "weekly"), first_step_instant=False)


def test_engine_draws_the_wait_of_the_step_before():
    out = run_replication(_two_way_model(), 5, cases=300, trace=True)
    gaps = {"A": [], "B": []}
    for trace in out.events:
        (first, t0), (f, t1) = trace
        assert f == "F"
        gaps[first].append(t1 - t0)
    assert len(gaps["A"]) > 100 and len(gaps["B"]) > 100
    assert np.allclose(gaps["A"], 10.0) and np.allclose(gaps["B"], 1.0)


def test_table_survives_result_json_and_scales_with_a_wait_reform():
    m = _two_way_model()
    again = SimulationModel.from_dict(json.loads(json.dumps(m.to_dict())))
    assert {k: d.to_dict() for k, d in again.activities["F"].delay_by_previous.items()} == \
        {k: d.to_dict() for k, d in m.activities["F"].delay_by_previous.items()}
    halved = apply_scenario(m, Scenario.from_dict({"waits": {"F": 0.5}}))
    rng = np.random.default_rng(0)
    assert halved.activities["F"].delay_by_previous["A"].sample(rng, 3) == pytest.approx([5.0, 5.0, 5.0])
    assert halved.activities["F"].delay_by_previous["B"].sample(rng, 3) == pytest.approx([0.5, 0.5, 0.5])
