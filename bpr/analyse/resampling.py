"""Bootstrap for cases that are not independent.

Cases that start close together share their fate: the same backlog, the same official on leave,
the same holiday. In the shared logs the cycle times of neighbouring cases (ordered by start) are
correlated (lag-1 rank correlation 0.15 to 0.29), so resampling single cases makes an interval
too narrow. The circular block bootstrap (Politis & Romano 1992) resamples runs of `block`
neighbouring cases instead; the block length is chosen from the data (Politis & White 2004, with
the correction of Patton, Politis & White 2009). On independent cases the length is 1 and the
bootstrap is the ordinary one.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm, rankdata

#: autocorrelations below SIGNIFICANCE · sqrt(log10(n) / n) count as zero (Politis & White's c = 2)
SIGNIFICANCE = 2.0


def normal_scores(values: np.ndarray) -> np.ndarray:
    """The values' ranks mapped to standard-normal quantiles: their order without their scale, so
    that a few very long cases do not decide the autocorrelations."""
    x = np.asarray(values, dtype=float)
    return norm.ppf((rankdata(x) - 0.5) / len(x)) if len(x) else x


def block_length(series: np.ndarray) -> int:
    """The circular block bootstrap's block length for `series` (in its order): Politis & White's
    automatic choice, b = (2 G² / D)^(1/3) n^(1/3) with D = 4/3 g², where g and G are the flat-top
    lag-window sums of the autocovariances R(k) and |k| R(k) up to M, twice the first lag from
    which K_N autocorrelations in a row are insignificant; at most min(3 √n, n / 3); rounded up. 1
    for fewer than 10 values or a constant series; on independent values the estimate stays near 1
    (1 to 4 at n = 5000)."""
    x = np.asarray(series, dtype=float)
    n = len(x)
    if n < 10 or np.ptp(x) == 0:
        return 1
    x = x - x.mean()
    k_n = max(5, int(math.log10(n)))
    m_max = int(math.ceil(math.sqrt(n))) + k_n
    b_max = math.ceil(min(3 * math.sqrt(n), n / 3))
    lags = np.arange(0, min(m_max, n - 2) + 1)
    cov = np.array([x[: n - k] @ x[k:] / n for k in lags])
    squares = np.concatenate([[0.0], np.cumsum(x * x)])  # squares[i]: the sum of the first i
    norms = np.sqrt((squares[n] - squares[lags]) * squares[n - lags])
    rho = np.abs(cov * n / np.where(norms > 0, norms, np.inf))  # |corr| of the lag-k pairs
    threshold = SIGNIFICANCE * math.sqrt(math.log10(n) / n)
    quiet = rho < threshold
    # m: the first lag of K_N insignificant ones in a row (Patton's reference program), else m_max
    m_hat = next((m for m in range(1, len(lags) - k_n + 1) if quiet[m:m + k_n].all()), None)
    big_m = min(2 * m_hat if m_hat is not None else m_max, len(lags) - 1)
    t = lags[: big_m + 1] / big_m
    window = np.where(t <= 0.5, 1.0, 2.0 * (1.0 - t))  # the trapezoidal flat-top window
    g = cov[0] + 2 * (window[1:] * cov[1: big_m + 1]).sum()
    big_g = 2 * (window[1:] * lags[1: big_m + 1] * cov[1: big_m + 1]).sum()
    d = 4.0 / 3.0 * g ** 2
    if d <= 0:
        return 1
    b = (2 * big_g ** 2 / d) ** (1 / 3) * n ** (1 / 3)
    return int(min(max(math.ceil(b), 1), b_max))


def block_indices(n: int, block: int, rng: np.random.Generator, size: int) -> np.ndarray:
    """`size` circular block bootstrap samples of n positions: ceil(n / block) runs of `block`
    consecutive positions (wrapping at the end), each from a uniform start, cut to n. With
    block = 1 exactly the ordinary bootstrap's draw, rng.integers(0, n, (size, n))."""
    if block <= 1:
        return rng.integers(0, n, size=(size, n))
    blocks = -(-n // block)
    starts = rng.integers(0, n, size=(size, blocks))
    return ((starts[:, :, None] + np.arange(block)) % n).reshape(size, blocks * block)[:, :n]
