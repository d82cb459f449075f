"""Model gaps found on the shared logs' validation misses (issue 19), each checked against an
independent computation:

- an arrival-rate change for good (`rate_change`): the change point against a brute-force
  likelihood written out here, and no change on a homogeneous Poisson process or a mild one;
- a change of case durations for good (`drift_start`): found at the generator's own change case,
  not at the nearest tenth of the cases; the last of two changes; a change in the tail only;
- pool load counted over the window in which the cases arrived, not over the span of their events;
- a fitted family's draws clipped at the largest value it was fitted to (a lognormal with a wide
  shape drew waits of centuries and stopped a validation with "no working time left").
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bpr
from bpr.simulate.clock import WorkingTime
from bpr.simulate.discovery import (
    RATE_CHANGE,
    discover_model,
    drift_start,
    local_frame,
    rate_change,
)
from bpr.simulate.distributions import Distribution, fit_distribution

LOGS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "logs"


def poisson_starts(rates_days: list[tuple[float, float]], seed: int = 0) -> pd.Series:
    """Case starts of a Poisson process: (cases per day, days) in turn, from 2024-01-01."""
    rng = np.random.default_rng(seed)
    times, t0 = [], 0.0
    for rate, days in rates_days:
        n = rng.poisson(rate * days)
        times.append(t0 + np.sort(rng.uniform(0, days, n)))
        t0 += days
    days = np.concatenate(times)
    return pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D"))


def brute_force_change(starts: pd.Series) -> tuple[int, float, float]:
    """(index of the first case after the change, rate before, rate after) maximising the
    two-rate Poisson log-likelihood, by a plain loop over the cases between 30 % and 80 %."""
    t = sorted((s - starts.min()).total_seconds() / 86400 for s in starts)
    n, total = len(t), t[-1]
    best = None
    for k in range(max(n * 3 // 10, 30), min(n * 8 // 10, n - 30) + 1):
        a, b = k / t[k], (n - k) / (total - t[k])
        ll = k * math.log(a) - a * t[k] + (n - k) * math.log(b) - b * (total - t[k])
        if best is None or ll > best[0]:
            best = (ll, k, a, b)
    return best[1], best[2], best[3]


def test_rate_change_is_the_likelihood_maximum_near_the_true_change():
    starts = poisson_starts([(2.0, 200), (8.0, 100)])  # the rate quadruples on day 200
    found = rate_change(starts)
    k, before, after = brute_force_change(starts)
    assert found == sorted(starts)[k]
    assert after / before > RATE_CHANGE
    assert abs((found - pd.Timestamp("2024-01-01")).total_seconds() / 86400 - 200) < 3


@pytest.mark.parametrize("rates", [[(5.0, 300)], [(4.0, 150), (6.0, 150)], [(6.0, 150), (4.0, 150)]])
def test_no_rate_change_on_a_steady_or_mildly_changing_process(rates):
    # a homogeneous process, and a 1.5x change (significant with 1,500 cases, but under the factor)
    assert rate_change(poisson_starts(rates, seed=1)) is None


def test_a_falling_rate_is_a_change_too():
    starts = poisson_starts([(9.0, 120), (2.0, 240)], seed=2)
    found = rate_change(starts)
    assert found is not None and abs((found - pd.Timestamp("2024-01-01")).days - 120) < 5


def rate_change_log(path: Path) -> Path:
    """One case a day for 60 days, then six a day for 30: 收件 (instant) → 审核 (work 1 h on a
    weekday, by one of two people) → 归档 (20 days later, by the archive)."""
    rng = np.random.default_rng(4)
    rows, n = [], 0
    for day in range(90):
        for _ in range(rng.poisson(1 if day < 60 else 6)):
            t = pd.Timestamp("2024-01-01 09:00") + pd.Timedelta(days=day, hours=float(rng.uniform(0, 7)))
            case = f"C{n:04d}"
            n += 1
            review = t + pd.Timedelta(hours=float(rng.uniform(1, 3)))
            rows += [{"case_id": case, "activity": "收件", "timestamp": t, "resource": "前台"},
                     {"case_id": case, "activity": "审核", "timestamp": review, "resource": f"审核员{n % 2}"},
                     {"case_id": case, "activity": "归档", "timestamp": review + pd.Timedelta(days=20),
                      "resource": "档案室"}]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_discovery_learns_from_the_cases_after_an_arrival_rate_change(tmp_path):
    log = bpr.read_log(rate_change_log(tmp_path / "log.csv"))
    frame = local_frame(log)
    since = drift_start(frame)
    assert since is not None and abs((since - pd.Timestamp("2024-03-01")).days) <= 3
    model = discover_model(log, seed=0)
    after = frame.groupby("case")["timestamp"].min().ge(since).sum()
    assert model.cases == after
    assert any(n.id == "note_drift_learnt" for n in model.notes)
    # the arrival rate is the new one: about six a day on the days the log has arrivals
    assert model.arrivals.per_week / 7 == pytest.approx(6.0, rel=0.25)


def duration_frame(segments: list[tuple[int, float, float]], seed: int = 0) -> pd.DataFrame:
    """A discovery frame of cases one a day, each two events apart by a lognormal duration:
    (cases, median hours, share of cases 20 times slower) per segment, in turn."""
    rng = np.random.default_rng(seed)
    hours = np.concatenate([median * rng.lognormal(0, 0.3, n) * np.where(rng.random(n) < slow, 20, 1)
                            for n, median, slow in segments])
    starts = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(len(hours)), unit="D")
    ends = starts + pd.to_timedelta(hours, unit="h")
    cases = [f"c{i}" for i in range(len(hours))]
    return pd.DataFrame({"case": cases * 2, "timestamp": list(starts) + list(ends)})


@pytest.mark.parametrize("segments, change, within", [
    ([(430, 100, 0), (570, 10, 0)], 430, 2),  # a reform at the 430th case, not at a tenth
    ([(350, 100, 0), (300, 10, 0), (350, 1, 0)], 650, 10),  # two reforms: the process runs as after the last
    ([(480, 10, 0.3), (520, 10, 0.0)], 480, 30),  # the slow tail dropped, the median kept
])
def test_duration_change_is_found_at_the_generators_change(segments, change, within):
    """Within `within` cases (one a day) of the change: the rank statistic wanders by a few cases
    past a change of the median, by more past one of the tail (the old tenths were 100 apart)."""
    frame = duration_frame(segments)
    found = drift_start(frame)
    expected = pd.Timestamp("2024-01-01") + pd.Timedelta(days=change)
    assert found is not None and abs((found - expected).days) <= within


def test_no_duration_change_on_a_steady_process():
    assert drift_start(duration_frame([(1000, 10, 0.1)])) is None


@pytest.mark.parametrize("finished_only, median_days", [(False, 1500), (True, 400)])
def test_the_logs_end_is_not_taken_for_a_change(finished_only, median_days):
    """A steady process whose cases last years (lognormal), one started a day for 1,000 days, the
    log cut at its 1,000th day. With the running cases kept, they show only the time up to the
    cut, so the later cases look several times faster; in an extract of finished cases only the
    quick ones are there, fewer and fewer towards the end. That is the cut, not a change (the
    hospital log of BPI Challenge 2011, cases of one to three years in three years, was learnt
    from its last 47 cases)."""
    rng = np.random.default_rng(1)
    starts = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(1000), unit="D")
    ends = starts + pd.to_timedelta(median_days * 24 * rng.lognormal(0, 0.5, 1000), unit="h")
    cut = starts[-1] + pd.Timedelta(days=1)
    keep = ends <= cut if finished_only else np.ones(1000, bool)
    ends = ends.where(ends <= cut, cut)
    cases = [f"c{i}" for i in np.flatnonzero(keep)]
    frame = pd.DataFrame({"case": cases * 2, "timestamp": list(starts[keep]) + list(ends[keep])})
    g = frame.groupby("case")["timestamp"].agg(["min", "max"]).sort_values("min")
    hours = ((g["max"] - g["min"]).dt.total_seconds() / 3600).to_numpy()
    if finished_only:  # the cut thins the arrivals out
        assert (g["min"] > cut - pd.Timedelta(days=300)).sum() < 0.5 * (g["min"] < starts[300]).sum()
    else:  # the cut makes the later cases look fast
        assert np.median(hours[:700]) > 3 * np.median(hours[700:])
    assert drift_start(frame) is None


def test_pool_load_is_counted_over_the_arrival_window(tmp_path):
    """The archive's events run 20 days past the last arrival; its load is the work per case times
    the arrival rate, so the open hours count from the first to the last arrival only."""
    log = bpr.read_log(rate_change_log(tmp_path / "log.csv"))
    model = discover_model(log, seed=0, drift=False)
    frame = local_frame(log)
    origin = pd.Timestamp(model.origin)
    first = frame.groupby("case")["timestamp"].min()
    hours = lambda t: (t - origin).total_seconds() / 3600  # noqa: E731
    pool = next(p for p in model.pools.values() if "审核员0" in p.resources)
    clock = WorkingTime(pool.schedule, model.origin, 200)
    available = clock.worked(hours(first.max())) - clock.worked(hours(first.min()))
    span = clock.worked(hours(frame["timestamp"].max())) - clock.worked(hours(frame["timestamp"].min()))
    assert available < 0.85 * span  # the two differ: the test can tell them apart
    work = sum(a.processing.mean * a.count for a in model.activities.values() if a.pool == pool.name)
    measured = pool.observed_utilisation * pool.size * available
    assert measured == pytest.approx(work, rel=0.15)


def test_fitted_draws_are_clipped_at_the_largest_value_fitted():
    rng = np.random.default_rng(0)
    data = rng.lognormal(1.0, 2.5, 400)
    d = fit_distribution(data, rng)
    assert d.family == "lognorm" and d.upper == pytest.approx(data.max())
    draws = d.sample(np.random.default_rng(1), 400_000)
    assert draws.max() <= data.max()
    # the share clipped is the fitted family's mass beyond the largest observation (scipy)
    beyond = float(stats.lognorm.sf(data.max(), *d.params))
    assert np.mean(draws == data.max()) == pytest.approx(beyond, abs=4 * math.sqrt(beyond / 400_000) + 1e-5)
    unclipped = Distribution.from_dict({**d.to_dict(), "upper": None}).sample(np.random.default_rng(1), 400_000)
    assert unclipped.max() > 10 * data.max()  # what the clip prevents


def test_upper_survives_json_and_scaling():
    d = fit_distribution(np.random.default_rng(3).gamma(2.0, 3.0, 300))
    again = Distribution.from_dict(d.to_dict())
    assert again.upper == d.upper
    assert d.scaled(0.5).upper == pytest.approx(0.5 * d.upper)
    assert Distribution.from_dict({k: v for k, v in d.to_dict().items() if k != "upper"}).upper is None


@pytest.mark.skipif(not (LOGS / "DomesticDeclarations.xes.gz").exists(), reason="../shared/data/logs absent")
def test_bpi2020_domestic_declarations_rolls_out_in_january_2018():
    """BPI Challenge 2020: 2017 holds two departments' declarations, 2018 the whole university's
    (the challenge's description); the arrival rate more than triples at the turn of the year."""
    log = bpr.read_log(LOGS / "DomesticDeclarations.xes.gz")
    frame = local_frame(log)
    starts = frame.groupby("case")["timestamp"].min()
    half = starts.sort_values().iloc[: len(starts) // 2]
    found = rate_change(half)
    assert found is not None and pd.Timestamp("2017-12-15") <= found <= pd.Timestamp("2018-02-15")


def test_arrival_rates_over_a_window_of_a_few_days():
    """Arrivals every 10 minutes from Monday 14:00 to Thursday 12:00 (weekly calendar): each hour
    seen has 6 an hour, counted over the hours the window covers (Monday from 14:00, Thursday up
    to 12:00, not whole days); the hours never seen (Monday morning, Thursday afternoon, Friday,
    the weekend) are taken as the same hours of the seen days (they were 0, and a test window on
    a Friday got no cases at all)."""
    from bpr.simulate.discovery import _arrival_rates

    starts = pd.Series(pd.date_range("2024-01-01 14:00", "2024-01-04 12:50", freq="10min"))
    rates = np.array(_arrival_rates(starts, "weekly").rates)
    assert rates[:7] == pytest.approx(np.full((7, 24), 6.0))
