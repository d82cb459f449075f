"""Export to Prosimos: parameters that make Prosimos simulate the same process."""

from __future__ import annotations

import numpy as np

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
