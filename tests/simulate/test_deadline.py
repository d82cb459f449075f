"""A step taken when another is late (issue 19, point 2; mechanism "deadline"): a reminder (催办)
when the applicant's document has not come within a term. Which of the two a case takes is a race
between the term and the applicant's wait, so a faster applicant needs fewer reminders, which a
routing share learnt from the log cannot know. Checked: Kaplan–Meier against scipy, the wait the
deadline hides against its generator, the detector's figures against the CSV and its bar on both
sides, the race in the engine against the log, and a what-if against the generator run with the
same cut (the truth)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bpr
from bpr.simulate.discovery import discover_model
from bpr.simulate.engine import run_replication
from bpr.simulate.mechanisms import MECHANISM_IDS, kaplan_meier, latent_quantiles
from bpr.simulate.model import SimulationModel
from bpr.simulate.scenario import Scenario, apply_scenario
from tests.simulate.mechanism_logs import mechanism_log, write_mechanism_log


def test_kaplan_meier_against_scipy():
    rng = np.random.default_rng(1)
    durations, censor = np.round(rng.exponential(5, 400)), np.round(rng.exponential(8, 400))  # ties
    observed = durations <= censor
    times = np.minimum(durations, censor)
    t, f = kaplan_meier(times, observed)
    expected = stats.ecdf(stats.CensoredData(uncensored=times[observed], right=times[~observed])).cdf
    assert np.abs(expected.evaluate(t) - f).max() < 1e-12
    # the last time censored: the estimate stops short of 1
    t, f = kaplan_meier(np.array([1.0, 2.0, 3.0, 4.0]), np.array([True, True, False, False]))
    assert t.tolist() == [1.0, 2.0] and f == pytest.approx([0.25, 0.5])


def test_the_wait_a_deadline_hides_is_recovered():
    """Waits lognormal (median 40 h, σ 0.8) seen only where they end within a term of 60–70 h (a
    third of them do not): the quantiles match the generator's beyond the term too."""
    rng = np.random.default_rng(0)
    wait, term = rng.lognormal(np.log(40), 0.8, 4000), rng.uniform(60, 70, 4000)
    seen = wait < term
    t, f = kaplan_meier(np.r_[wait[seen], term[~seen]], np.r_[np.ones(seen.sum(), bool), np.zeros((~seen).sum(), bool)])
    q = np.array(latent_quantiles(wait[seen], term[~seen], t, f))
    probs = np.linspace(0, 0.995, len(q))
    truth = stats.lognorm.ppf(probs, 0.8, scale=40)
    inside = (probs > 0.05) & (probs < 0.95)
    assert np.abs(q[inside] / truth[inside] - 1).max() < 0.12
    assert (np.diff(q) >= 0).all()


@pytest.fixture(scope="module")
def deadline_log(tmp_path_factory):
    path = write_mechanism_log(tmp_path_factory.mktemp("deadline") / "deadline.csv", "deadline", n=3000, seed=0)
    return path, bpr.read_log(path)


@pytest.fixture(scope="module")
def model(deadline_log):
    return discover_model(deadline_log[1])


def _gaps(path) -> pd.DataFrame:
    f = pd.read_csv(path)
    f["end"] = pd.to_datetime(f["环节结束时间"])
    f = f.sort_values(["办件编号", "end"], kind="stable")
    f["after"] = f.groupby("办件编号")["环节名称"].shift(1)
    f["gap"] = (f["end"] - f.groupby("办件编号")["end"].shift(1)).dt.total_seconds() / 3600
    return f


def test_evidence_against_the_csv(deadline_log, model):
    found = next(m for m in model.mechanisms if m["id"] == "deadline")
    f = _gaps(deadline_log[0])
    reminders = f[(f["环节名称"] == "催办") & (f["after"] == "审查")]["gap"]
    on_time = f[(f["环节名称"] == "补正材料") & (f["after"] == "审查")]["gap"]
    ev = found["evidence"]
    assert (found["step"], ev["after"], ev["awaited"]) == ("催办", "审查", "补正材料")
    assert ev["floor_h"] == pytest.approx(np.percentile(reminders, 10), abs=0.1)
    assert ev["awaited_p90_h"] == pytest.approx(np.percentile(on_time, 90), abs=0.1)
    assert ev["late"] == pytest.approx(100 * len(reminders) / (len(reminders) + len(on_time)), abs=0.1)
    assert ev["events"] == len(reminders) + len(on_time) == 3000
    # the awaited waits within the term, had there been none: about as many as came in time (the
    # term varies by a few hours only)
    assert ev["in_time"] == pytest.approx(100 - ev["late"], abs=3)
    assert "催办" in found["zh"] and "Kaplan–Meier" in found["en"]


def _race_log(n: int, late_after: float, spread: bool, seed: int = 0, awaited_h: float = 72.0,
              independent: bool = False) -> pd.DataFrame:
    """受理, then 补正 after a wait (median `awaited_h`) or, when it has not come in 10 days, 催办 at the
    term (± 2 h; with `spread` anywhere in 10–40 days instead); `late_after` of the 补正 that came
    in time is moved past the term (not a race then). `independent`: 催办 in a fifth of the cases
    at random, whatever the wait (a slower alternative, not a deadline)."""
    rng = np.random.default_rng(seed)
    rows = []
    t0 = pd.Timestamp("2024-01-01 09:00")
    for i in range(n):
        start = t0 + pd.Timedelta(hours=7 * i)
        wait = rng.lognormal(np.log(awaited_h), 0.8)
        if (rng.random() >= 0.2) if independent else (wait < 240):
            if rng.random() < late_after:
                wait = rng.uniform(300, 500)
            step, at = "补正", start + pd.Timedelta(hours=wait)
        else:
            term = rng.uniform(240, 960) if spread else 240 + rng.uniform(0, 2)
            step, at = "催办", start + pd.Timedelta(hours=term)
        rows += [(f"C{i}", "受理", start), (f"C{i}", step, at), (f"C{i}", "办结", at + pd.Timedelta(hours=5))]
    return pd.DataFrame(rows, columns=["case", "activity", "timestamp"])


@pytest.mark.parametrize(("late_after", "spread", "independent", "fires"),
                         [(0.05, False, False, True), (0.15, False, False, False), (0.0, True, False, False),
                          (0.0, False, True, False)])
def test_bar_on_both_sides(tmp_path, late_after, spread, independent, fires):
    """Fires on a race; not when the awaited step often comes after the term, when the other step's
    waits spread as work does, or when it is taken at random beside a quick awaited step (median
    a day: its waits end far before the other's start)."""
    path = tmp_path / "race.csv"
    _race_log(600, late_after, spread, awaited_h=24.0 if independent else 72.0, independent=independent).to_csv(
        path, index=False)
    found = {(m["id"], m["step"]) for m in discover_model(bpr.read_log(path), mechanisms={"deadline"}).mechanisms}
    assert (("deadline", "催办") in found) is fires


def _late_share(model: SimulationModel, reps: int = 3, cases: int = 3000) -> tuple[float, np.ndarray]:
    shares, hours = [], []
    for r in range(reps):
        out = run_replication(model, r, cases=cases)
        shares.append(out.step_count.get("催办", 0) / len(out.arrival))
        hours.append(out.cycle_hours[out.finished])
    return float(np.mean(shares)), np.concatenate(hours)


def _truth(factor: float) -> tuple[float, np.ndarray]:
    f = mechanism_log("deadline", n=3000, seed=0, awaited_factor=factor)
    end = pd.to_datetime(f["环节结束时间"]).groupby(f["办件编号"])
    return float((f["环节名称"] == "催办").sum() / f["办件编号"].nunique()), ((end.max() - end.min()).dt.total_seconds() / 3600).to_numpy()


def test_the_race_reproduces_the_log(model):
    late, hours = _late_share(model)
    real_late, real_hours = _truth(1.0)
    assert late == pytest.approx(real_late, abs=0.03)
    assert np.percentile(hours, 90) == pytest.approx(np.percentile(real_hours, 90), rel=0.05)


def test_a_faster_applicant_needs_fewer_reminders(deadline_log, model):
    """The what-if a planner asks (the applicant helped to send the document twice as fast) against
    the generator run that way: with the race, the reminders fall as they do there (22 % → 5 %);
    with the routing share learnt from the log, they stay at 22 % and the P90 a third too long."""
    real_late, real_hours = _truth(0.5)
    cut = Scenario(name="faster", waits={"补正材料": 0.5})
    late, hours = _late_share(apply_scenario(model, cut))
    assert real_late < 0.08 and late == pytest.approx(real_late, abs=0.025)
    assert np.percentile(hours, 90) == pytest.approx(np.percentile(real_hours, 90), rel=0.15)
    without = discover_model(deadline_log[1], mechanisms=set(MECHANISM_IDS) - {"deadline"})
    late_without, hours_without = _late_share(apply_scenario(without, cut))
    assert late_without > 0.18
    assert np.percentile(hours_without, 90) > 1.25 * np.percentile(real_hours, 90)


def test_deadlines_survive_result_json(model):
    again = SimulationModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again.activities["催办"].deadlines == model.activities["催办"].deadlines
    assert set(again.activities["催办"].deadlines) == {"审查"}


def test_scenarios_that_remove_either_step_still_run(model):
    """No reminders any more, or the document no longer asked for (容缺受理): the race is gone with
    the step, and the cases still end."""
    for cut in (Scenario(name="no reminder", remove=["催办"]), Scenario(name="no document", remove=["补正材料"])):
        out = run_replication(apply_scenario(model, cut), 0, cases=500)
        assert out.finished.all()
        assert not any(out.step_count.get(s, 0) for s in cut.remove)
