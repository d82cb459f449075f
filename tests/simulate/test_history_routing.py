"""Routing that depends on the case's history (issue 19, mechanism "history_routing"), on a
generated log whose mechanism is known (tests/simulate/mechanism_logs.py, `interleaved_log`): a
travel request's approvals and the trip it is for run side by side, so what follows 审批 is 出发,
返回 or 报销 according to how far the trip has got. Discovery must find it, route by the history
the generator implies (a hand computation from its construction), keep every simulated case
going through each step once, and validate better than the first-order chain."""

from __future__ import annotations

import collections

import numpy as np
import pandas as pd
import pytest

import bpr
from bpr.simulate.discovery import discover_model
from bpr.simulate.mechanisms import MECHANISM_IDS
from bpr.simulate.model import END, SimulationModel
from bpr.simulate.validate import validate_log
from tests.simulate.mechanism_logs import interleaved_log

N, SEED = 1500, 0
STEPS = ("申请", "审核", "审批", "出发", "返回", "报销")


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    out = tmp_path_factory.mktemp("history") / "interleaved.csv"
    interleaved_log(N, SEED).to_csv(out, index=False)
    return out


@pytest.fixture(scope="module")
def log(path):
    return bpr.read_log(path)


@pytest.fixture(scope="module")
def model(log):
    return discover_model(log)


def _csv(path) -> pd.DataFrame:
    f = pd.read_csv(path)
    f["end"] = pd.to_datetime(f["环节结束时间"])
    f = f.sort_values(["办件编号", "end"], kind="stable")
    f["next"] = f.groupby("办件编号")["环节名称"].shift(-1).fillna(END)
    return f


def test_the_generated_log_carries_its_mechanism(path):
    f = _csv(path)
    per_case = f.groupby("办件编号")["环节名称"].agg(list)
    assert per_case.map(lambda s: sorted(s) == sorted(STEPS)).all()  # each step exactly once
    after = f[f["环节名称"] == "审批"]["next"].value_counts(normalize=True)
    assert set(after.index) == {"出发", "返回", "报销"} and after.min() > 0.1  # the threads interleave


def test_history_routing_found_with_the_routing_the_generator_implies(path, model):
    found = {x["step"]: x for x in model.mechanisms if x["id"] == "history_routing"}
    assert {"审批", "返回"} <= set(found)
    assert not any(x["id"] in ("attribute_branching", "batched", "scheduled_wait") for x in model.mechanisms)
    # two threads of two steps each: no step pairs off with one of the other thread as a parallel
    # group (出发 ∥ 审核 would hide that 出发 also comes before or after 审批)
    assert not model.parallel_groups
    spec = model.history_transitions["审批"]
    assert set(spec["milestones"]) == set(STEPS)  # every step is done once per case
    # by construction: after 审批 comes 出发 when the trip has not started, 返回 while it is under
    # way, 报销 once it is over, with certainty
    for key, dist in spec["by_state"].items():
        done = {name for k, name in enumerate(spec["milestones"]) if int(key) >> k & 1}
        assert "审批" in done and "申请" in done and "审核" in done
        expected = "出发" if "出发" not in done else "返回" if "返回" not in done else "报销"
        assert dist == {expected: 1.0}, (done, dist)
    assert len(spec["by_state"]) == 3
    # after 返回: 报销 when the request is approved, else the approval step still due
    for key, dist in model.history_transitions["返回"]["by_state"].items():
        names = model.history_transitions["返回"]["milestones"]
        done = {name for k, name in enumerate(names) if int(key) >> k & 1}
        expected = "报销" if "审批" in done else "审批" if "审核" in done else "审核"
        assert dist == {expected: 1.0}, (done, dist)


def test_evidence_against_the_csv(path, model):
    f = _csv(path)
    m = next(x for x in model.mechanisms if x["id"] == "history_routing" and x["step"] == "审批")
    ev = m["evidence"]
    f["done"] = (f["环节名称"] == ev["milestone"]).groupby(f["办件编号"]).cummax()
    rows = f[f["环节名称"] == "审批"]
    share_with = (rows[rows["done"]]["next"] == ev["next"]).mean()
    share_without = (rows[~rows["done"]]["next"] == ev["next"]).mean()
    assert ev["share"] == pytest.approx(100 * share_with, abs=0.05)
    assert ev["others"] == pytest.approx(100 * share_without, abs=0.05)
    assert abs(ev["share"] - ev["others"]) == pytest.approx(100.0)  # the history decides it
    assert ev["cramers_v"] == pytest.approx(1.0) and ev["events"] == N and ev["states"] == 3
    assert "审批" in m["zh"] and ev["milestone"] in m["en"]


def test_history_survives_result_json(model):
    again = SimulationModel.from_dict(model.to_dict())
    assert again.history_transitions == model.history_transitions and again.history_transitions


@pytest.fixture(scope="module")
def validations(log) -> dict:
    # without: a first-order chain (routing by the step before, second order, would take part of it)
    return {mech: validate_log(log, seed=1, mechanisms=True if mech else set(MECHANISM_IDS) - {"history_routing",
                                                                                             "previous_routing"})
            for mech in (True, False)}


def _once_share(traces: list, step: str) -> float:
    return float(np.mean([collections.Counter(a for a, _ in t).get(step, 0) == 1 for t in traces]))


def test_modelled_every_case_goes_through_the_trip_once_and_validation_improves(validations):
    with_, without = validations[True], validations[False]
    for step in ("出发", "返回"):
        assert _once_share(with_.sim_traces, step) == 1.0
        assert _once_share(without.sim_traces, step) < 0.8  # a first-order chain skips or repeats the trip
    assert with_.goal_met and with_.median_rel_error <= 0.1
    assert with_.p90_rel_error < without.p90_rel_error
    assert with_.emd_hours < 0.5 * without.emd_hours
    assert with_.control_flow_distance < 0.5 * without.control_flow_distance


def test_a_scenario_keeps_the_history_where_it_leaves_the_routing(model):
    from bpr.simulate.scenario import Scenario, apply_scenario

    staffed = apply_scenario(model, Scenario(name="加人", staffing={"审批科": 3}))
    assert staffed.history_transitions == model.history_transitions
    removed = apply_scenario(model, Scenario(name="免审核", remove=["审核"]))
    assert not removed.history_transitions  # 审核 was a milestone: the histories no longer exist
