"""The what-if "wait cut" lever (`waits:` in a scenario): a step's discovered waiting time before
someone picks the case up is scaled; hand-computed means on tiny seeded models with no queues."""

from __future__ import annotations

import numpy as np
import pytest

from bpr.errors import InputError, UsageError
from bpr.simulate import Scenario, apply_scenario, run_replication
from bpr.simulate.distributions import Distribution

from ._models import sequence
from .test_bad_input import scenario_error


def _model():
    """受理 1 h → 审查 2 h → 办结 1 h on a 1000-strong 24/7 pool (no queue); 审查 waits 4 h (fixed)
    before it is picked up, 受理 an exponential wait with mean 6 h."""
    model = sequence({"受理": 1.0, "审查": 2.0, "办结": 1.0})
    model.activities["审查"].delay = Distribution.fixed(4.0)
    model.activities["受理"].delay = Distribution("expon", [0.0, 6.0], mean=6.0)
    return model


def test_wait_cut_halves_the_steps_wait_and_shortens_the_cycle():
    model = _model()
    before = run_replication(model, seed=5, cases=4000)
    # as-is: 6 (受理 wait, mean) + 1 + 4 + 2 + 1 = 14 h
    assert before.step_wait["审查"] / before.step_count["审查"] == pytest.approx(4.0)
    assert before.cycle_hours.mean() == pytest.approx(14.0, rel=0.04)
    cut = apply_scenario(model, Scenario.from_dict({"name": "压缩审查等待", "waits": [{"step": "审查", "factor": 0.5}]}))
    after = run_replication(cut, seed=5, cases=4000)
    # 审查 waits 4 × 0.5 = 2 h: the cycle falls by exactly 2 h case by case (same random numbers)
    assert after.step_wait["审查"] / after.step_count["审查"] == pytest.approx(2.0)
    np.testing.assert_allclose(after.cycle_hours, before.cycle_hours - 2.0, atol=1e-9)
    # the mapping form, on the exponential wait: mean 6 × 0.25 = 1.5 h; cycle 1.5 + 1 + 4 + 2 + 1 = 9.5 h
    quarter = run_replication(apply_scenario(model, Scenario.from_dict({"waits": {"受理": 0.25}})), seed=5, cases=4000)
    assert quarter.step_wait["受理"] / quarter.step_count["受理"] == pytest.approx(1.5, rel=0.05)
    assert quarter.cycle_hours.mean() == pytest.approx(9.5, rel=0.04)
    # the as-is model is untouched
    assert model.activities["审查"].delay.mean == 4.0


def test_wait_cut_unknown_step_and_bad_factor():
    with pytest.raises(UsageError) as info:
        apply_scenario(_model(), Scenario.from_dict({"waits": {"审核": 0.5}}))
    assert "审核" in str(info.value) and "Known steps" in str(info.value)
    with pytest.raises(InputError, match="wait cut"):
        Scenario.from_dict({"waits": [{"step": "审查", "factor": "half"}]})
    with pytest.raises(InputError, match="wait cut"):
        Scenario.from_dict({"waits": [{"factor": 0.5}]})
    assert not Scenario.from_dict({"waits": {}}).waits and Scenario.from_dict({"waits": {"审查": 1}}).waits


def test_cli_unknown_wait_step_exit_2_one_line(tmp_path, capsys):
    assert "不存在" in scenario_error(tmp_path, capsys, "name: x\nwaits: [{step: 不存在, factor: 0.5}]\n")


def test_report_names_the_wait_cut():
    from bpr.report.builders.simulate import changes_text

    changes = Scenario.from_dict({"waits": {"审查": 0.5}}).to_dict()
    assert changes_text(changes, "zh") == "审查等待时间 ×0.5"
    assert changes_text(changes, "en") == "审查 waiting time ×0.5"
