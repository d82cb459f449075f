"""One measure's change across a reform: before, after, their difference and its 95% interval."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Change:
    before: float | None
    after: float | None
    diff: float | None
    ci_low: float | None
    ci_high: float | None
    significant: bool  # the interval excludes 0
    #: the interval resampled runs of this many neighbouring cases (by start) before and after
    #: (`bpr.analyse.resampling`); (1, 1): cases one by one
    blocks: tuple[int, int] = (1, 1)
