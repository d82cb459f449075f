"""Duration distributions: fit a few scipy families, keep the best by a Kolmogorov–Smirnov test,
fall back to the empirical quantiles when no family fits. Sampling is batched (numpy) for speed."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

#: below this many observations a family cannot be told from another: we use the empirical values
MIN_FIT_SAMPLES = 20
#: a family is accepted when the KS test does not reject it at this level
KS_ALPHA = 0.05
#: quantiles kept for an empirical distribution
EMPIRICAL_POINTS = 201
_FIT_SUBSAMPLE = 5000

FAMILIES = ("expon", "lognorm", "gamma", "norm")


@dataclass
class Distribution:
    """A non-negative duration in hours: `zero_share` of draws are exactly 0, the rest follow
    `family` (a scipy.stats name with `params`), `fixed` (params = [value]) or `empirical`
    (`quantiles` at evenly spaced probabilities)."""

    family: str = "fixed"
    params: list[float] = field(default_factory=lambda: [0.0])
    zero_share: float = 0.0
    quantiles: list[float] = field(default_factory=list)
    mean: float = 0.0
    n: int = 0
    ks_statistic: float | None = None
    ks_pvalue: float | None = None
    #: a fitted family's largest observed value: draws are clipped there. A family fitted to the
    #: bulk of the data says nothing beyond what was seen, and a lognormal with a wide shape would
    #: otherwise draw waits of centuries (or work longer than discovery's cap on a working day)
    upper: float | None = None

    @classmethod
    def fixed(cls, value: float) -> Distribution:
        return cls("fixed", [float(value)], mean=float(value))

    def to_dict(self) -> dict:
        return {"family": self.family, "params": self.params, "zero_share": self.zero_share,
                "quantiles": self.quantiles, "mean": self.mean, "n": self.n,
                "ks_statistic": self.ks_statistic, "ks_pvalue": self.ks_pvalue, "upper": self.upper}

    @classmethod
    def from_dict(cls, data: dict) -> Distribution:
        return cls(**{k: data[k] for k in ("family", "params", "zero_share", "quantiles", "mean", "n",
                                            "ks_statistic", "ks_pvalue", "upper") if k in data})

    def scaled(self, factor: float) -> Distribution:
        """The same shape, every draw multiplied by `factor` (e.g. 0.5 = twice as fast)."""
        out = Distribution.from_dict(self.to_dict())
        out.mean = self.mean * factor
        if self.upper is not None:
            out.upper = self.upper * factor
        if self.family == "fixed":
            out.params = [self.params[0] * factor]
        elif self.family == "empirical":
            out.quantiles = [q * factor for q in self.quantiles]
        elif self.family == "norm":
            out.params = [self.params[0] * factor, self.params[1] * factor]
        else:  # shape..., loc, scale
            out.params = [*self.params[:-2], self.params[-2] * factor, self.params[-1] * factor]
        return out

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """`size` draws (hours, never negative)."""
        if self.family == "fixed":
            values = np.full(size, self.params[0], dtype=float)
        elif self.family == "empirical":
            grid = np.linspace(0.0, 1.0, len(self.quantiles))
            values = np.interp(rng.random(size), grid, self.quantiles)
        elif self.family == "expon":
            loc, scale = self.params
            values = loc + rng.exponential(scale, size)
        elif self.family == "norm":
            mu, sigma = self.params
            values = rng.normal(mu, sigma, size)
        else:
            values = getattr(stats, self.family).rvs(*self.params, size=size, random_state=rng)
        values = np.maximum(values, 0.0)
        if self.upper is not None:
            values = np.minimum(values, self.upper)
        if self.zero_share > 0:
            values[rng.random(size) < self.zero_share] = 0.0
        return values

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """The durations at probabilities `u` (inverse transform: `sample` is this at uniform
        draws), so that two distributions can be drawn together through a copula."""
        u = np.asarray(u, dtype=float)
        zero = self.zero_share
        v = np.clip((u - zero) / (1 - zero), 0.0, 1.0 - 1e-12) if 0 < zero < 1 else u
        if self.family == "fixed":
            values = np.full(len(u), self.params[0], dtype=float)
        elif self.family == "empirical":
            values = np.interp(v, np.linspace(0.0, 1.0, len(self.quantiles)), self.quantiles)
        elif self.family == "expon":
            loc, scale = self.params
            values = loc - scale * np.log1p(-v)
        else:
            values = getattr(stats, self.family).ppf(v, *self.params)
        values = np.maximum(np.nan_to_num(values, nan=0.0, posinf=self.upper or 0.0), 0.0)
        if self.upper is not None:
            values = np.minimum(values, self.upper)
        if zero > 0:
            values[u < zero] = 0.0
        return values


def _fit_family(family: str, data: np.ndarray) -> tuple[list[float], float]:
    dist = getattr(stats, family)
    if family == "norm":
        params = dist.fit(data)
    elif family == "expon":
        params = (0.0, float(np.mean(data)))
    else:
        params = dist.fit(data, floc=0.0)
    return [float(p) for p in params], float(dist.mean(*params))


def empirical_distribution(values: np.ndarray | list[float]) -> Distribution:
    """The values' own distribution (EMPIRICAL_POINTS quantiles, minimum to maximum): keeps a long
    tail that a fitted family would clip."""
    data = np.maximum(np.asarray(values, dtype=float), 0.0)
    data = data[np.isfinite(data)]
    if len(data) == 0:
        return Distribution.fixed(0.0)
    return Distribution("empirical", [], quantiles=[float(q) for q in np.quantile(data, np.linspace(0, 1, EMPIRICAL_POINTS))],
                        mean=float(np.mean(data)), n=len(data))


def ks_statistic(ordered: np.ndarray, family: str, params: list[float]) -> float:
    """The two-sided one-sample KS statistic of the sorted sample `ordered` against `family`
    (scipy.stats.kstest's statistic, computed the same way, without its p-value)."""
    n = len(ordered)
    cdf = getattr(stats, family).cdf(ordered, *params)
    d_plus = (np.arange(1.0, n + 1) / n - cdf).max()
    d_minus = (cdf - np.arange(0.0, n) / n).max()
    return float(d_plus if d_plus > d_minus else d_minus)


def fit_distribution(values: np.ndarray | list[float], rng: np.random.Generator | None = None) -> Distribution:
    """Best of exponential, lognormal, gamma and normal (by KS statistic); a constant when all
    values agree; empirical quantiles when too few values or the best family is rejected."""
    data = np.asarray(values, dtype=float)
    data = data[np.isfinite(data)]
    data = np.maximum(data, 0.0)
    n = len(data)
    if n == 0:
        return Distribution.fixed(0.0)
    zeros = float(np.mean(data <= 1e-9))
    positive = data[data > 1e-9]
    mean = float(np.mean(data))
    if len(positive) == 0 or np.ptp(positive) <= 1e-9 * max(1.0, float(positive.max())):
        value = float(positive[0]) if len(positive) else 0.0
        return Distribution("fixed", [value], zero_share=zeros if len(positive) else 0.0, mean=mean, n=n)
    empirical = Distribution("empirical", [], zero_share=0.0,
                             quantiles=[float(q) for q in np.quantile(data, np.linspace(0, 1, EMPIRICAL_POINTS))],
                             mean=mean, n=n)
    if len(positive) < MIN_FIT_SAMPLES:
        return empirical
    rng = rng or np.random.default_rng(0)
    sample = positive if len(positive) <= _FIT_SUBSAMPLE else rng.choice(positive, _FIT_SUBSAMPLE, replace=False)
    best: tuple[float, float, str, list[float], float] | None = None
    ordered = np.sort(sample)
    for family in FAMILIES:
        try:
            params, fam_mean = _fit_family(family, sample)
        except (ValueError, RuntimeError, FloatingPointError):
            continue
        if not all(math.isfinite(p) for p in params) or not math.isfinite(fam_mean):
            continue
        statistic = ks_statistic(ordered, family, params)
        if best is None or statistic < best[0]:
            best = (statistic, float("nan"), family, params, fam_mean)
    if best is not None:  # the p-value (the exact one costs) of the winner only
        ks = stats.kstest(sample, best[2], args=tuple(best[3]))
        best = (float(ks.statistic), float(ks.pvalue), *best[2:])
    if best is None or best[1] < KS_ALPHA:
        if best is not None:
            empirical.ks_statistic, empirical.ks_pvalue = best[0], best[1]
        return empirical
    statistic, pvalue, family, params, fam_mean = best
    return Distribution(family, params, zero_share=zeros, mean=(1 - zeros) * fam_mean, n=n,
                        ks_statistic=statistic, ks_pvalue=pvalue, upper=float(positive.max()))


class _Batched:
    """Hands out draws one at a time from batches of `batch`, so that per-draw cost stays small;
    a subclass says how to draw a batch (`_draw`)."""

    __slots__ = ("rng", "batch", "_buf", "_i")

    def __init__(self, rng: np.random.Generator, batch: int) -> None:
        self.rng, self.batch = rng, batch
        self._buf: list = []
        self._i = 0

    def _draw(self) -> list:
        raise NotImplementedError

    def __call__(self):
        if self._i >= len(self._buf):
            self._buf = self._draw()
            self._i = 0
        value = self._buf[self._i]
        self._i += 1
        return value


class Sampler(_Batched):
    """Draws from a distribution in batches of `batch`."""

    __slots__ = ("dist",)

    def __init__(self, dist: Distribution, rng: np.random.Generator, batch: int = 512) -> None:
        super().__init__(rng, batch)
        self.dist = dist

    def _draw(self) -> list[float]:
        return self.dist.sample(self.rng, self.batch).tolist()


class JointSampler(_Batched):
    """Draws (delay, processing) pairs together: a point of the empirical copula `copula` ([u, v]
    rank pairs), jittered within its cell, through each distribution's quantile function."""

    __slots__ = ("delay", "processing", "copula")

    def __init__(self, delay: Distribution, processing: Distribution, copula: list[list[float]],
                 rng: np.random.Generator, batch: int = 512) -> None:
        super().__init__(rng, batch)
        self.delay, self.processing = delay, processing
        self.copula = np.asarray(copula, dtype=float)

    def _draw(self) -> list[tuple[float, float]]:
        k = len(self.copula)
        points = self.copula[self.rng.integers(k, size=self.batch)]
        u = np.clip(points + (self.rng.random((self.batch, 2)) - 0.5) / k, 0.0, 1.0 - 1e-12)
        return list(zip(self.delay.quantile(u[:, 0]).tolist(), self.processing.quantile(u[:, 1]).tolist(), strict=True))
