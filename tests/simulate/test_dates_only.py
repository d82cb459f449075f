"""A log of dates only (no time of day) says nothing about working hours: whole days count."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bpr.simulate.discovery import dates_only, discover_schedule


def _days(n: int, seed: int = 1) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"))


def test_dates_at_one_or_two_clock_times_are_dates_only():
    days = _days(200)
    assert dates_only(days)
    # midnight in Amsterdam read in Shanghai: 07:00 in winter, 06:00 in summer
    shifted = days + pd.to_timedelta(np.where(days.dt.month.between(4, 10), 6, 7), unit="h")
    assert dates_only(shifted)
    assert dates_only(days + pd.Timedelta(hours=23) + pd.to_timedelta((days.dt.day % 2), unit="h"))  # 23:00 / 00:00


def test_times_of_day_are_not_dates_only():
    days = _days(200)
    rng = np.random.default_rng(2)
    assert not dates_only(days + pd.to_timedelta(rng.integers(8 * 60, 18 * 60, len(days)), unit="min"))
    assert not dates_only(days + pd.to_timedelta(np.where(days.dt.day % 2, 9, 15), unit="h"))  # two far-apart times
    assert not dates_only(days[:20])  # too few events to tell


def test_whole_days_open_on_the_weekdays_with_events():
    days = _days(400)
    weekdays = days[days.dt.weekday < 5]
    schedule = discover_schedule(weekdays, "weekly", whole_days=True)
    assert schedule.hours_per_week == 5 * 24
    narrow = discover_schedule(weekdays + pd.Timedelta(hours=6), "weekly")
    assert narrow.hours_per_week == 5 * 1  # by the hour, the same log looks open one hour a day
