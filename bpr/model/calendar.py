"""Working-day calendar: China's public holidays and make-up working days (调休), office hours.

Holidays come from the `chinese-calendar` package. For years it does not cover yet, a user file
(CSV or YAML with `date` and `type` = holiday|workday, e.g. the State Council notice for next year)
fills in (read by `bpr.io.calendar_file.read_work_calendar`); without either, such a year falls back to
Monday–Friday and `uncovered_years` says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

import chinese_calendar

DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class OfficeHours:
    """Counter opening hours on a working day, as (start, end) periods."""

    periods: tuple[tuple[dt.time, dt.time], ...] = (
        (dt.time(9, 0), dt.time(12, 0)),
        (dt.time(13, 30), dt.time(17, 30)),
    )

    @property
    def hours_per_day(self) -> float:
        return sum(_hours(a, b) for a, b in self.periods)


def _hours(a: dt.time, b: dt.time) -> float:
    return (dt.datetime.combine(dt.date.min, b) - dt.datetime.combine(dt.date.min, a)).total_seconds() / 3600


@dataclass
class WorkCalendar:
    """Decides working days; counts and adds working days between dates and times."""

    extra_holidays: set[dt.date] = field(default_factory=set)
    extra_workdays: set[dt.date] = field(default_factory=set)
    office_hours: OfficeHours = field(default_factory=OfficeHours)
    uncovered_years: set[int] = field(default_factory=set)

    def is_workday(self, day: dt.date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        covered = _package_is_workday(day)
        if covered is None:
            self.uncovered_years.add(day.year)
            return day.weekday() < 5
        return covered

    def working_days_in(self, start: dt.date, end: dt.date) -> int:
        """Working days d with start < d <= end (the day of application does not count)."""
        if end <= start:
            return 0
        return sum(self.is_workday(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1))

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The date `days` working days after `start` (a promised completion date)."""
        day = start
        while days > 0:
            day += dt.timedelta(days=1)
            days -= self.is_workday(day)
        return day

    def working_hours_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Office hours elapsed between two local times, counting only working days."""
        if end <= start:
            return 0.0
        total = 0.0
        day = start.date()
        while day <= end.date():
            if self.is_workday(day):
                for a, b in self.office_hours.periods:
                    lo = max(start, dt.datetime.combine(day, a, start.tzinfo))
                    hi = min(end, dt.datetime.combine(day, b, start.tzinfo))
                    if hi > lo:
                        total += (hi - lo).total_seconds() / 3600
            day += dt.timedelta(days=1)
        return total

    def working_days_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Elapsed time in working days (office hours elapsed / hours per working day)."""
        return self.working_hours_between(start, end) / self.office_hours.hours_per_day


@lru_cache(maxsize=8192)
def _package_is_workday(day: dt.date) -> bool | None:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None
