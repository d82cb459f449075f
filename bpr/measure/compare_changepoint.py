"""When did the process change? One change point in the daily series of case durations.

    found = detect_change(days, values, min_points=30)   # days: local dates, values: per-case days

Method: the **least-squares single change point** (a mean shift) on the series of *daily median*
case durations in working days, cases grouped by the local day of their first event:

    k* = argmax_k  k (n - k) / n * (mean(x[:k]) - mean(x[k:]))^2

which is the split that most reduces the squared error of a two-level fit, i.e. the maximiser of
the CUSUM statistic and the first split of binary segmentation (optimal for one shift of the
mean in noise). Why this one:
- a reform office asks for *the* date a reform took effect: one step change, not a segmentation
  with a penalty to tune (PELT, `ruptures`), whose answer moves with the penalty;
- daily medians damp the heavy tail of single cases (one file forgotten for a month), and the
  statistic is O(n) with cumulative sums, so numpy suffices and no dependency is added;
- cases that started within the log's last P90 duration are left out of the series: a real
  extract is cut while they are still running, which would fake a drop at the end.
`strength` is the share of the series' variance the two levels explain (0 none, 1 all).
Significance is not claimed here: `bpr compare` measures the change at the found date by the
bootstrap over cases, and says that the date was chosen from the same data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

METHOD = "least-squares single change point (CUSUM / binary segmentation, first split) on daily median working days"


@dataclass
class Detection:
    """The found date and how clear the change is."""

    at: str  # first day of the new level (local date, ISO)
    method: str
    series: str  # what was segmented
    points: int  # days in the series
    left_out_days: int  # trailing days left out (cases possibly still running at extraction)
    level_before: float  # mean of the daily medians before `at`
    level_after: float
    strength: float  # share of variance explained by the two levels

    def to_dict(self) -> dict:
        return asdict(self)


def daily_medians(days: Sequence[dt.date], values: np.ndarray) -> tuple[list[dt.date], np.ndarray, np.ndarray]:
    """(sorted days, median of `values` per day, cases per day)."""
    order: dict[dt.date, list[float]] = {}
    for day, value in zip(days, values, strict=True):
        if value == value:  # not NaN
            order.setdefault(day, []).append(float(value))
    keys = sorted(order)
    return keys, np.array([np.median(order[k]) for k in keys]), np.array([len(order[k]) for k in keys])


def best_split(x: np.ndarray, min_points: int) -> tuple[int, float] | None:
    """(k, gain): the split x[:k] | x[k:] that most reduces the squared error, each part at least
    `min_points` long; None when the series is too short."""
    n = len(x)
    if n < 2 * min_points:
        return None
    total = np.cumsum(x)
    k = np.arange(min_points, n - min_points + 1)
    left = total[k - 1] / k
    right = (total[-1] - total[k - 1]) / (n - k)
    gain = k * (n - k) / n * (left - right) ** 2
    best = int(np.argmax(gain))
    return int(k[best]), float(gain[best])


def detect_change(days: Sequence[dt.date], values: np.ndarray, last_day: dt.date, tail_days: int,
                  min_points: int = 30, series: str = "daily median working days") -> Detection | None:
    """The change point of the daily medians of `values` (per case, by its first local day `days`),
    leaving out the days within `tail_days` of `last_day`; None when too few days remain."""
    keys, medians, _ = daily_medians(days, values)
    cut = last_day - dt.timedelta(days=max(0, tail_days))
    kept = [i for i, k in enumerate(keys) if k <= cut]
    left_out = len(keys) - len(kept)
    x = medians[kept]
    found = best_split(x, min_points)
    if found is None:
        return None
    k, gain = found
    spread = float(((x - x.mean()) ** 2).sum())
    return Detection(keys[kept[k]].isoformat(), METHOD, series, len(x), left_out, float(x[:k].mean()),
                     float(x[k:].mean()), gain / spread if spread else 0.0)
