"""Conformance: a hand-made specification and log with known deviations, and the token-replay
fitness checked against pm4py's own replay on the same Petri net (hand log and real logs)."""

from __future__ import annotations

import pandas as pd
import pm4py
import pytest

from bpr.analyse.conformance import Spec, check_conformance, conformance_analyses, petri_net, replay
from bpr.analyse.discover import discover
from bpr.analyse.engine import DuckDBEngine
from bpr.errors import UsageError
from bpr.model import EventLog, Step
from bpr.model.process_model import ProcessModel
from tests.analyse._discover_helpers import pm4py_frame

# 受理, then 审查 and 现场核查 in parallel (并联), both before 决定, then 送达
SPEC = Spec.of(ProcessModel("食品经营许可", code="M1", steps=[
    Step("受理"), Step("审查"), Step("现场核查", after=["受理"]), Step("决定", after=["审查", "现场核查"]),
    Step("送达")]))
TRACES = {
    "a": ["受理", "审查", "现场核查", "决定", "送达"],  # fits
    "b": ["受理", "现场核查", "审查", "决定", "送达"],  # fits (parallel branches in the other order)
    "c": ["受理", "审查", "决定", "送达"],  # skips 现场核查
    "d": ["受理", "决定", "审查", "现场核查", "送达"],  # 决定 too early
    "e": ["受理", "补正", "审查", "审查", "现场核查", "决定", "送达", "归档"],  # hidden 补正, 归档; 审查 twice
}
HOURS_PER_STEP = {"a": 2, "b": 2, "c": 2, "d": 2, "e": 5}


def _frame(traces=TRACES, hours=HOURS_PER_STEP) -> pd.DataFrame:
    rows = []
    for case, trace in traces.items():
        for i, activity in enumerate(trace):
            rows.append((case, activity, pd.Timestamp("2024-03-04 09:00", tz="Asia/Shanghai")
                         + pd.Timedelta(hours=i * hours[case]), "M1"))
    return pd.DataFrame(rows, columns=["case", "activity", "timestamp", "matter"])


@pytest.fixture(scope="module")
def result():
    with DuckDBEngine() as engine:
        engine.register(EventLog.from_frame(_frame()))
        return check_conformance(engine, SPEC)


def test_hidden_steps(result):
    hidden = {d.step: d for d in result.hidden}
    assert set(hidden) == {"补正", "归档"}
    assert hidden["补正"].cases == 1 and hidden["补正"].events == 1
    assert hidden["补正"].carried_hours == pytest.approx(5)  # 受理 -> 补正
    # case e lasts 7 x 5 h = 35 h; the others 8, 8, 6, 8 h
    assert hidden["归档"].affected_hours == pytest.approx(35)
    assert hidden["归档"].added_hours == pytest.approx(35 - 7.5)


def test_skipped_steps(result):
    assert [(d.step, d.cases) for d in result.skipped] == [("现场核查", 1)]
    assert result.skipped[0].added_hours == pytest.approx(6 - (8 + 8 + 8 + 35) / 4)


def test_out_of_order_steps(result):
    got = {(d.before, d.step): d.cases for d in result.out_of_order}
    assert got == {("审查", "决定"): 1, ("现场核查", "决定"): 1}
    assert result.out_of_order[0].share == pytest.approx(0.2)


def test_ordering_is_transitive():
    pairs = Spec.sequence(["A", "B", "C"]).ordering()
    assert pairs == [("A", "B"), ("A", "C"), ("B", "C")]


def test_replay_by_hand():
    # trace c: 受理 produces 2, 审查 consumes 1 produces 1, 决定 needs 2 (one missing) produces 1,
    # 送达 consumes 1 produces 1; final consumes 1; the 受理->现场核查 token remains
    rep = replay(SPEC, TRACES["c"])
    assert (rep.produced, rep.consumed, rep.missing, rep.remaining) == (6, 6, 1, 1)
    assert rep.fitness == pytest.approx(0.5 * (1 - 1 / 6) + 0.5 * (1 - 1 / 6))
    assert replay(SPEC, TRACES["a"]).fits and replay(SPEC, TRACES["b"]).fits


def test_fitness_equals_pm4py_token_replay(result):
    net, im, fm = petri_net(SPEC)
    frame = EventLog.from_frame(_frame()).to_pm4py()
    expected = pm4py.fitness_token_based_replay(frame, net, im, fm)
    assert result.fitness.log_fitness == pytest.approx(expected["log_fitness"], abs=1e-12)
    assert result.fitness.average_trace_fitness == pytest.approx(expected["average_trace_fitness"], abs=1e-12)
    assert 100 * result.fitness.fitting_share == pytest.approx(expected["perc_fit_traces"])
    assert result.fitness.fitting_cases == 2


def test_aliases_map_log_names_to_steps():
    spec = Spec.of([Step("受理"), Step("审查"), Step("决定")], aliases={"窗口收件": "受理", "科室审核": "审查"})
    frame = _frame({"x": ["窗口收件", "科室审核", "决定"]}, {"x": 1})
    with DuckDBEngine() as engine:
        engine.register(EventLog.from_frame(frame))
        r = check_conformance(engine, spec)
    assert r.fitness.log_fitness == 1.0 and not r.hidden and not r.skipped and not r.out_of_order


def test_bad_specifications():
    with pytest.raises(UsageError):
        Spec.of([Step("受理"), Step("受理")])
    with pytest.raises(UsageError):
        Spec.of([Step("受理"), Step("决定", after=["审查"])])
    with pytest.raises(UsageError):
        Spec.of([])


def test_discover_hook_filters_to_the_spec_matter():
    frame = pd.concat([_frame(), _frame({"z": ["其他", "事项"]}, {"z": 1}).assign(matter="M2")])
    result = discover(EventLog.from_frame(frame), analyses=conformance_analyses([SPEC]), per_matter=False)
    data = result.to_dict()["conformance"]["食品经营许可"]
    assert data["matter"] == "M1"
    assert data["fitness"]["cases"] == 5


def test_fitness_on_real_log_equals_pm4py(real_log):
    """The most frequent variant of each real log as a sequential spec; every case replayed."""
    frame = pm4py_frame(real_log)
    top = max(pm4py.get_variants(frame).items(), key=lambda kv: (kv[1], kv[0]))[0]
    steps = list(dict.fromkeys(top))  # a spec cannot repeat a step
    spec = Spec.sequence(steps)
    net, im, fm = petri_net(spec)
    expected = pm4py.fitness_token_based_replay(frame, net, im, fm)
    log = EventLog.from_frame(frame[["case:concept:name", "concept:name", "time:timestamp"]].rename(
        columns={"case:concept:name": "case", "concept:name": "activity", "time:timestamp": "timestamp"}))
    with DuckDBEngine() as engine:
        engine.register(log)
        got = check_conformance(engine, spec)
    assert got.fitness.log_fitness == pytest.approx(expected["log_fitness"], abs=1e-9)
    assert got.fitness.average_trace_fitness == pytest.approx(expected["average_trace_fitness"], abs=1e-9)
    assert 100 * got.fitness.fitting_share == pytest.approx(expected["perc_fit_traces"], abs=1e-9)
    hidden = set(frame["concept:name"]) - set(steps)
    assert {d.step for d in got.hidden} == hidden
