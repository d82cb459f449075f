"""Engine against analytic results: fixed-time sequences, M/M/1, rework loops; determinism."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bpr.simulate import Scenario, apply_scenario, run_replication, simulate
from bpr.simulate.clock import Schedule, WorkingTime
from bpr.simulate.distributions import fit_distribution

from ._models import mm1, sequence


def test_fixed_sequence_cycle_time_is_the_sum():
    out = run_replication(sequence({"A": 1.0, "B": 2.0, "C": 3.0}), seed=1, cases=200)
    assert out.finished.all()
    np.testing.assert_allclose(out.cycle_hours, 6.0, atol=1e-9)


def test_mm1_mean_time_in_system():
    # M/M/1 with lambda = 0.5, mu = 1: W = 1 / (mu - lambda) = 2 hours (Little/queueing theory)
    waits = [run_replication(mm1(0.5, 1.0), seed=s, cases=12000).cycle_hours.mean() for s in range(2)]
    assert np.mean(waits) == pytest.approx(2.0, rel=0.08)


def test_rework_loop_mean_passes():
    # A(1h) -> B(2h) -> back to A with p = 0.5: geometric passes, mean 2 -> 6 hours
    model = sequence({"A": 1.0, "B": 2.0}, rework=("B", "A", 0.5))
    out = run_replication(model, seed=3, cases=5000)
    assert out.cycle_hours.mean() == pytest.approx(6.0, rel=0.05)
    lowered = apply_scenario(model, Scenario.from_dict({"name": "less rework", "rework": [{"factor": 0.0}]}))
    np.testing.assert_allclose(run_replication(lowered, seed=3, cases=500).cycle_hours, 3.0, atol=1e-9)
    half = apply_scenario(model, Scenario.from_dict({"rework": [{"step": "B", "probability": 0.2}]}))
    assert run_replication(half, seed=3, cases=5000).cycle_hours.mean() == pytest.approx(3 / 0.8, rel=0.05)


@pytest.mark.parametrize(("change", "expected"), [
    ({"parallel": [["B", "C"]]}, 1.0 + 3.0),
    ({"merge": [{"steps": ["A", "B"], "into": "AB"}]}, 6.0),
    ({"remove": ["C"]}, 3.0),
    ({"processing": {"C": 0.5}}, 4.5),
])
def test_structural_changes(change, expected):
    model = apply_scenario(sequence({"A": 1.0, "B": 2.0, "C": 3.0}), Scenario.from_dict(change))
    np.testing.assert_allclose(run_replication(model, seed=0, cases=100).cycle_hours, expected, atol=1e-9)


def test_a_step_already_parallel_cannot_join_another_group():
    from bpr.errors import UsageError

    model = apply_scenario(sequence({"A": 1.0, "B": 2.0, "C": 3.0, "D": 1.0}), Scenario.from_dict({"parallel": [["B", "C"]]}))
    with pytest.raises(UsageError) as info:
        apply_scenario(model, Scenario.from_dict({"parallel": [["C", "D"]]}))
    assert info.value.key == "err_sim_parallel_already" and "B ∥ C" in info.value.message and info.value.hint
    np.testing.assert_allclose(run_replication(model, seed=0, cases=50).cycle_hours, 1.0 + 3.0 + 1.0, atol=1e-9)


def test_working_hours_pause_work():
    # 9:00-17:00 Mon-Fri; 10 working hours from Friday 16:00: 1 h Friday, 8 h Monday, 1 h Tuesday (2024-01-05 is a Friday)
    import datetime as dt
    clock = WorkingTime(Schedule.parse("09:00-17:00", "mon-fri", calendar="weekly"), dt.date(2024, 1, 1))
    friday_16 = 4 * 24 + 16
    assert clock.advance(friday_16, 10.0) == pytest.approx(8 * 24 + 10)
    assert clock.worked(8 * 24 + 10) - clock.worked(friday_16) == pytest.approx(10.0)


def test_china_calendar_skips_national_day():
    import datetime as dt
    clock = WorkingTime(Schedule.parse("09:00-17:00", "mon-fri", calendar="cn"), dt.date(2024, 9, 30))
    # 30 Sep 2024 17:00 + 1 working hour: 1-7 Oct are holidays, 8 Oct is the next working day
    assert clock.advance(17.0, 1.0) == pytest.approx(8 * 24 + 10)


def test_same_seed_same_result_different_seed_differs():
    model = mm1(0.5, 1.0)
    first = json.dumps(simulate(model, [], cases=300, replications=3, seed=7).to_dict(), default=str)
    again = json.dumps(simulate(model, [], cases=300, replications=3, seed=7).to_dict(), default=str)
    other = json.dumps(simulate(model, [], cases=300, replications=3, seed=8).to_dict(), default=str)
    assert first == again
    assert first != other


def test_fit_picks_the_generating_family():
    rng = np.random.default_rng(0)
    assert fit_distribution(rng.exponential(2.0, 3000), rng).family == "expon"
    assert fit_distribution(rng.lognormal(0.0, 1.0, 3000), rng).family == "lognorm"
    fixed = fit_distribution([1.5] * 50)
    assert (fixed.family, fixed.params) == ("fixed", [1.5])
    # a two-humped sample fits no family: empirical quantiles keep it
    bimodal = np.concatenate([rng.normal(1, 0.05, 2000), rng.normal(10, 0.05, 2000)])
    assert fit_distribution(bimodal, rng).family == "empirical"


def test_confidence_intervals_and_paired_difference():
    model = sequence({"A": 1.0, "B": 2.0, "C": 3.0})
    result = simulate(model, [Scenario.from_dict({"name": "par", "parallel": [["B", "C"]],
                                                  "promised_limit": "1个工作日"})],
                      cases=50, replications=4, seed=0)
    as_is, to_be = result.scenarios
    assert as_is.cycle_hours["mean"]["mean"] == pytest.approx(6.0)
    assert to_be.versus_as_is["mean_h"]["mean"] == pytest.approx(-2.0)
    assert to_be.on_time_rate is not None and 0 <= to_be.on_time_rate["mean"] <= 1


def test_more_staff_is_flagged_when_the_wait_is_not_a_queue():
    from bpr.simulate.distributions import Distribution

    busy = mm1(arrival_rate=0.9, service_rate=1.0)  # M/M/1 at 90 %: waiting is queueing (Wq = 9 h)
    idle = mm1(arrival_rate=0.1, service_rate=1.0)
    idle.activities["serve"].delay = Distribution.fixed(20.0)  # an in-tray wait no clerk shortens
    more = Scenario.from_dict({"name": "+1", "staffing": {"serve": "+1"}})
    assert simulate(busy, [more], cases=400, replications=2).scenarios[1].notes == []
    (note,) = simulate(idle, [more], cases=400, replications=2).scenarios[1].notes
    assert note.id == "note_staffing_no_queue" and note.values["pool"] == "server"
    assert float(note.values["share"].lstrip("<")) < 1  # Wq = 0.11 h of 20.1 h at 10 % load: 0.6 %


@pytest.mark.parametrize("family", ["expon", "lognorm", "gamma", "norm"])
def test_ks_statistic_equals_scipys(family):
    """The fit ranks families by our KS statistic (scipy's p-value only for the winner): it must be
    scipy.stats.kstest's statistic on every family, ties in the sample included."""
    from scipy import stats

    from bpr.simulate.distributions import ks_statistic

    rng = np.random.default_rng(3)
    sample = np.round(rng.lognormal(1.0, 0.8, 500), 1)  # rounded: repeated values
    params = list(getattr(stats, family).fit(sample))
    expected = stats.kstest(sample, family, args=tuple(params)).statistic
    assert ks_statistic(np.sort(sample), family, params) == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("change", "expected"), [
    ({"remove": ["D"]}, 1.0 + 3.0),  # B ∥ C left: max(2, 3)
    ({"remove": ["C", "D"]}, 1.0 + 2.0),  # B alone: a plain step again
    ({"merge": [{"steps": ["B", "C"], "into": "BC"}]}, 1.0 + 5.0),  # BC (2 + 3) ∥ D (4)
])
def test_removing_or_merging_steps_of_a_parallel_group(change, expected):
    """A plan that removes or merges steps running side by side: the group keeps its other members
    (A, then B ∥ C ∥ D: 1 + max(2, 3, 4) hours before the change)."""
    model = apply_scenario(sequence({"A": 1.0, "B": 2.0, "C": 3.0, "D": 4.0}),
                           Scenario.from_dict({"parallel": [["B", "C", "D"]]}))
    np.testing.assert_allclose(run_replication(model, seed=0, cases=20).cycle_hours, 1.0 + 4.0, atol=1e-9)
    changed = apply_scenario(model, Scenario.from_dict(change))
    np.testing.assert_allclose(run_replication(changed, seed=0, cases=20).cycle_hours, expected, atol=1e-9)


def test_merging_a_parallel_step_with_one_outside_its_group_is_refused():
    from bpr.errors import UsageError

    model = apply_scenario(sequence({"A": 1.0, "B": 2.0, "C": 3.0}), Scenario.from_dict({"parallel": [["B", "C"]]}))
    with pytest.raises(UsageError) as info:
        apply_scenario(model, Scenario.from_dict({"merge": [{"steps": ["A", "B"], "into": "AB"}]}))
    assert info.value.key == "err_sim_merge_parallel_mixed" and info.value.hint


def test_report_orders_a_groups_steps_together_where_the_group_runs():
    """The waiting table lists steps as a case meets them; a parallel group's steps come together
    at the group's place (a depth-first walk over the members as separate branches would list one
    member, then everything after the group, then the other members)."""
    from bpr.report.builders.common import in_process_order
    from bpr.report.builders.simulate import _members_for_groups

    model = apply_scenario(sequence({"A": 1.0, "B": 2.0, "C": 3.0, "D": 4.0, "E": 1.0}),
                           Scenario.from_dict({"parallel": [["D", "B", "C"]]}))
    order = in_process_order(["E", "C", "B", "A", "D"], *_members_for_groups(model.to_dict()))
    assert order == ["A", "D", "B", "C", "E"]
