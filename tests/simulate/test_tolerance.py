"""容缺受理 in simulation: the 补正 loop runs alongside the step that asked for it instead of
blocking it, so cycle time falls; hand-computed means on tiny seeded models (fixed times, no queues)."""

from __future__ import annotations

import numpy as np
import pytest

from bpr.simulate import Scenario, apply_scenario, run_replication
from bpr.simulate.clock import Schedule
from bpr.simulate.distributions import Distribution
from bpr.simulate.model import END, Activity, Pool, SimulationModel

from ._models import constant_arrivals


def _loop(first_step_instant: bool = False, p: float = 0.4) -> SimulationModel:
    """受理 1 h → 审查 4 h → 补正 10 h (the applicant supplies) with p, back to 审查; else 审批 1 h."""
    times = {"受理": 1.0, "审查": 4.0, "补正": 10.0, "审批": 1.0}
    acts = {a: Activity(a, "pool", Distribution.fixed(t), Distribution.fixed(0.0)) for a, t in times.items()}
    transitions = {"受理": {"审查": 1.0}, "审查": {"补正": p, "审批": 1 - p}, "补正": {"审查": 1.0},
                   "审批": {END: 1.0}}
    return SimulationModel(acts, {"受理": 1.0}, transitions, {"pool": Pool("pool", 1000, Schedule.always())},
                           constant_arrivals(0.1), first_step_instant=first_step_instant,
                           rework_edges=[("审查", "补正")], log_end="2024-01-01 00:00:00")


def test_correction_alongside_review_shortens_the_cycle():
    model = _loop()
    # as-is: 审查 passes are geometric (mean 1/0.6), 补正 passes 0.4/0.6:
    # 1 + 4/0.6 + 10 × 0.4/0.6 + 1 = 15.33 h
    before = run_replication(model, seed=7, cases=6000).cycle_hours
    assert before.mean() == pytest.approx(1 + 4 / 0.6 + 10 * 0.4 / 0.6 + 1, rel=0.04)
    after_model = apply_scenario(model, Scenario.from_dict({"name": "容缺受理", "tolerance": ["补正"]}))
    assert after_model.parallel_groups == [["审查", "补正"]] and after_model.member_probability["补正"] == 0.4
    after = run_replication(after_model, seed=7, cases=6000).cycle_hours
    # 容缺: 审查 once, 补正 alongside it in 40% of cases: 1 + (0.4 × 10 + 0.6 × 4) + 1 = 8.4 h
    assert after.mean() == pytest.approx(1 + 0.4 * 10 + 0.6 * 4 + 1, rel=0.04)
    assert set(np.round(after, 9)) == {6.0, 12.0}  # 1 + 4 + 1, or 1 + 10 + 1
    assert after.mean() < before.mean()
    # `tolerance: true` finds the correction step by its name
    same = apply_scenario(model, Scenario.from_dict({"tolerance": True}))
    assert same.parallel_groups == after_model.parallel_groups


def test_correction_asked_at_an_instant_arrival_runs_alongside_the_next_step():
    # 受理 is the arrival (instant) and sends 30% to 补正 and back; with 容缺 the case goes on to 审查
    # while the material follows: 审查 4 h ‖ 补正 10 h in 30% of cases, then 审批 1 h
    model = _loop(first_step_instant=True)
    model.transitions = {"受理": {"补正": 0.3, "审查": 0.7}, "补正": {"受理": 1.0}, "审查": {"审批": 1.0},
                         "审批": {END: 1.0}}
    model.rework_edges = [("受理", "补正")]
    after = apply_scenario(model, Scenario.from_dict({"tolerance": ["补正"]}))
    assert after.parallel_groups == [["审查", "补正"]]
    hours = run_replication(after, seed=3, cases=6000).cycle_hours
    assert hours.mean() == pytest.approx(0.3 * 10 + 0.7 * 4 + 1, rel=0.04)


def test_scenario_without_a_correction_step_changes_nothing_and_unknown_names_fail():
    from bpr.errors import UsageError

    model = _loop()
    with pytest.raises(UsageError):
        apply_scenario(model, Scenario.from_dict({"tolerance": ["不存在"]}))
    with pytest.raises(UsageError) as info:  # 审批 is no correction step
        apply_scenario(model, Scenario.from_dict({"tolerance": ["审批"]}))
    assert info.value.key == "err_sim_tolerance_not_a_correction"
    model.transitions = {"受理": {"审查": 1.0}, "审查": {"审批": 1.0}, "审批": {END: 1.0}}
    del model.activities["补正"]
    model.rework_edges = []
    assert apply_scenario(model, Scenario.from_dict({"tolerance": True})).parallel_groups == []
