"""Export to Prosimos: parameters that make Prosimos simulate the same process."""

from __future__ import annotations

import numpy as np
import pytest

from bpr.simulate.export import arrival_mean_hours


def test_arrival_mean_fits_prosimos_arrival_rule():
    """Prosimos waits the sampled time, then for its arrival calendar to open: the exported mean
    is the time between cases over the whole week when the calendar is always open, tends to the
    open time between cases when cases are many, and to the whole week's when they are few."""
    assert abs(arrival_mean_hours(np.ones(168, bool), 10.0) - 16.8) < 1e-6
    office = np.zeros(168, bool)
    for day in range(5):
        office[day * 24 + 9: day * 24 + 17] = True  # 40 open hours a week
    assert abs(arrival_mean_hours(office, 400.0) / (40 / 400) - 1) < 0.03
    sparse = arrival_mean_hours(office, 0.2)  # one case every 5 weeks
    assert 0.9 < sparse / (168 / 0.2) < 1.0  # the wait for the calendar is part of the time between cases


def test_a_parallel_group_exports_as_one_parallel_split_and_join(tmp_path):
    """The generated 并联审查 log (tests/simulate/mechanism_logs.py): its discovered group becomes a
    parallel split with one incoming flow (every route into the group meets at an exclusive join
    first: a parallel gateway with two would wait for both) and a parallel join with one incoming
    flow per member; the optional 人防审查 is skipped by an exclusive gateway with its probability."""
    from lxml import etree

    import bpr
    from bpr.simulate import discover_model
    from bpr.simulate.export import build
    from tests.simulate.mechanism_logs import write_mechanism_log

    model = discover_model(bpr.read_log(write_mechanism_log(tmp_path / "p.csv", "parallel", n=600, seed=2)))
    assert model.parallel_groups == [["消防审查", "规划核验", "人防审查"]]
    xml, params = build(model)
    ns = {"b": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    root = etree.fromstring(xml.encode())
    flows = {f.get("id"): (f.get("sourceRef"), f.get("targetRef")) for f in root.iterfind(".//b:sequenceFlow", ns)}
    gateways = {g.get("id"): g for g in root.iterfind(".//b:parallelGateway", ns)}
    assert set(gateways) == {"psplit_0", "pjoin_0"}
    into = {g: [f for f, (_, t) in flows.items() if t == g] for g in gateways}
    out_of = {g: [f for f, (s, _) in flows.items() if s == g] for g in gateways}
    assert len(into["psplit_0"]) == 1 and len(out_of["psplit_0"]) == 3
    assert len(into["pjoin_0"]) == 3 and len(out_of["pjoin_0"]) == 1
    skip = next(g for g in params["gateway_branching_probabilities"] if g["gateway_id"].startswith("osplit_"))
    assert sorted(p["value"] for p in skip["probabilities"]) == pytest.approx(
        sorted([model.member_probability["人防审查"], 1 - model.member_probability["人防审查"]]))
