"""Routing by the step before (issue 19, point 2; mechanism "previous_routing"): a file sent back for
correction (补正) returns to the step that sent it back. Checked on the generated log whose
generator does exactly that (tests/simulate/mechanism_logs.py, "sendback"): the evidence against
pandas and scipy, the threshold on both sides, the simulated routing against the log's, and the
routing table kept through parallel groups and scenarios."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bpr
from bpr.simulate.discovery import discover_model
from bpr.simulate.distributions import Distribution
from bpr.simulate.engine import run_replication
from bpr.simulate.mechanisms import MECHANISM_IDS, RULES
from bpr.simulate.model import END, Activity, Arrivals, Pool, SimulationModel
from bpr.simulate.scenario import Scenario, apply_scenario
from bpr.simulate.validate import validate_log
from tests.simulate.mechanism_logs import write_mechanism_log


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    path = write_mechanism_log(tmp_path_factory.mktemp("sendback") / "sendback.csv", "sendback", n=3000, seed=0)
    return path, bpr.read_log(path)


def _rule(rule_id: str):
    return next(r for r in RULES if r.id == rule_id)


def _returns(traces: list) -> float:
    """The share of 补正材料 steps followed by the step just before them."""
    hits = [tr[i - 1][0] == tr[i + 1][0] for tr in traces for i in range(1, len(tr) - 1) if tr[i][0] == "补正材料"]
    return float(np.mean(hits))


def test_evidence_checked_by_pandas_and_scipy(log):
    path, eventlog = log
    found = {(m["id"], m["step"]): m for m in discover_model(eventlog).mechanisms}
    m = found[("previous_routing", "补正材料")]
    f = pd.read_csv(path).sort_values(["办件编号", "环节结束时间"], kind="stable")
    f["previous"] = f.groupby("办件编号")["环节名称"].shift(1)
    f["next"] = f.groupby("办件编号")["环节名称"].shift(-1)
    rows = f[f["环节名称"] == "补正材料"]
    table = pd.crosstab(rows["previous"], rows["next"])
    chi2, p, _, _ = stats.chi2_contingency(table.to_numpy(), correction=False)
    assert m["evidence"]["cramers_v"] == pytest.approx(math.sqrt(chi2 / (table.to_numpy().sum() * (min(table.shape) - 1))), abs=1e-3)
    assert m["evidence"]["events"] == len(rows)
    assert {m["evidence"]["share"], m["evidence"]["others"]} == {100.0, 0.0}
    by_previous = m["params"]["by_previous"]
    assert by_previous["受理"] == {"受理": 1.0} and by_previous["审查"] == {"审查": 1.0}
    assert "前一个环节" in m["zh"] and "step before" in m["en"]


def _frame(share_a: float, share_b: float, n: int = 600) -> pd.DataFrame:
    """Cases A → S → X|Y and B → S → X|Y: after A, S goes on to X in `share_a` of the cases, after
    B in `share_b` (deterministic counts)."""
    rows = []
    for prev, share in (("A", share_a), ("B", share_b)):
        for i in range(n):
            nxt = "X" if i < round(share * n) else "Y"
            case = f"{prev}{i}"
            rows += [{"case": case, "activity": prev, "pos": 0, "next": "S"},
                     {"case": case, "activity": "S", "pos": 1, "next": nxt},
                     {"case": case, "activity": nxt, "pos": 2, "next": END}]
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("share_a", "share_b", "fires"), [(0.65, 0.35, True), (0.6, 0.4, False), (1.0, 0.0, True),
                                                            (0.5, 0.5, False)])
def test_previous_routing_on_both_sides_of_cramers_v(share_a, share_b, fires):
    """The bar is Cramér's V ≥ 0.3; for two previous steps of equal size V is the difference of
    the two shares (0.3 and 0.2 above, computed by scipy below)."""
    frame = _frame(share_a, share_b)
    table = pd.crosstab(frame.loc[frame["activity"] == "S", "case"].str[0], frame.loc[frame["activity"] == "S", "next"])
    v = math.sqrt(stats.chi2_contingency(table.to_numpy(), correction=False)[0] / table.to_numpy().sum())
    assert (v >= 0.3) is fires
    found = [m for m in _rule("previous_routing").run(frame) if m.step == "S"]
    assert bool(found) is fires


@pytest.fixture(scope="module")
def validations(log):
    _, eventlog = log
    return {mech: validate_log(eventlog, replications=5, seed=1,
                               mechanisms=True if mech else set(MECHANISM_IDS) - {"previous_routing"})
            for mech in (True, False)}


def test_simulated_files_return_to_the_step_that_sent_them_back(validations):
    """First-order routing sends a corrected file to 受理 or 审查 by their overall shares; routing by
    the step before returns every one to its sender, as the log does, and the control flow (3-gram
    distance) follows."""
    with_, without = validations[True], validations[False]
    assert _returns(with_.real_traces) == 1.0
    assert _returns(with_.sim_traces) > 0.99
    assert _returns(without.sim_traces) < 0.7
    assert with_.control_flow_distance < 0.4 * without.control_flow_distance
    assert with_.median_rel_error <= 0.05 and with_.p90_rel_error <= 0.10


def _model() -> SimulationModel:
    """A → F → (A or B) and B → F: F's next is drawn by its step before."""
    acts = {a: Activity(a, "p", Distribution.fixed(0.1), Distribution.fixed(0.0)) for a in ("A", "B", "F")}
    transitions = {"A": {"F": 0.5, "B": 0.5}, "F": {"A": 0.5, "B": 0.5}, "B": {"F": 0.3, END: 0.7}}
    rates = [[1.0] * 24 for _ in range(7)] + [[0.0] * 24]
    return SimulationModel(acts, {"A": 1.0}, transitions, {"p": Pool("p", 50)}, Arrivals(rates, "weekly"),
                           first_step_instant=False,
                           previous_transitions={"F": {"by_previous": {"A": {"A": 1.0}, "B": {"B": 1.0}},
                                                       "counts": {"A": 10, "B": 30}}})


def test_engine_routes_by_the_step_before():
    out = run_replication(_model(), 3, cases=300, trace=True)
    traces = [[(a, 0.0) for a, _ in tr] for tr in out.events]
    pairs = [(tr[i - 1][0], tr[i + 1][0]) for tr in traces for i in range(1, len(tr) - 1) if tr[i][0] == "F"]
    assert len(pairs) > 100 and all(a == b for a, b in pairs)


def test_routing_table_follows_parallel_groups_and_scenarios():
    m = _model()
    m.previous_transitions["F"]["by_previous"]["B"] = {END: 1.0}
    m.add_parallel_group(["A", "B"], {"A": 1.0, "B": 1.0})
    spec = m.previous_transitions["F"]
    node = "A ∥ B"
    # F's cases from A (10, back to A) and from B (30, to the end) now come from the group, and A is
    # the group: their routings weighted 1 : 3
    assert spec["counts"] == {node: 40}
    assert spec["by_previous"][node] == pytest.approx({node: 0.25, END: 0.75})
    kept = apply_scenario(_model(), Scenario.from_dict({"staffing": {"p": 60}}))
    assert kept.previous_transitions == _model().previous_transitions
    gone = apply_scenario(_model(), Scenario.from_dict({"remove": ["B"]}))
    assert gone.previous_transitions == {}  # F's routing and targets changed: first-order routing
