"""Simulation clock: hours since the model's origin (local midnight), weekly working schedules on
a day calendar (China's holidays and make-up working days, or plain weeks), and fast working-time
arithmetic through a cumulative index of half-hour slots."""

from __future__ import annotations

import datetime as dt
import re
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

import numpy as np

from bpr.errors import UsageError
from bpr.model.calendar import WorkCalendar

SLOTS_PER_HOUR = 2
SLOTS_PER_DAY = 24 * SLOTS_PER_HOUR
SLOT_HOURS = 1.0 / SLOTS_PER_HOUR
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WORK_CALENDAR = WorkCalendar()


@dataclass
class Schedule:
    """When a pool works: for each weekday (0 = Monday) the list of open half-hour slots (0..47).

    `calendar` = "cn": only China's working days (holidays off, make-up weekend days on, using
    `makeup_day`'s slots); "weekly": the weekday pattern every week."""

    slots: list[list[int]] = field(default_factory=lambda: [[] for _ in range(7)])
    calendar: str = "weekly"
    makeup_day: int = 0

    @classmethod
    def always(cls) -> Schedule:
        return cls([list(range(SLOTS_PER_DAY)) for _ in range(7)], "weekly")

    @classmethod
    def office(cls, calendar: str = "cn") -> Schedule:
        """WorkCalendar's office hours (9:00–12:00, 13:30–17:30) Monday to Friday."""
        periods = _WORK_CALENDAR.office_hours.periods
        day = sorted({s for a, b in periods for s in range(_slot(a), _slot(b))})
        return cls([list(day) if d < 5 else [] for d in range(7)], calendar)

    @classmethod
    def parse(cls, text: str, days: str = "mon-fri", calendar: str = "cn") -> Schedule:
        """'08:30-12:00,13:00-18:00' on 'mon-fri' (or 'mon,wed,sat', or '24/7')."""
        if text.strip() in ("24/7", "always"):
            return cls.always()
        day_slots: set[int] = set()
        for part in text.split(","):
            m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", part)
            if not m:
                raise UsageError.of("sim_hours_not_understood", {"part": part}, expected="HH:MM-HH:MM[,HH:MM-HH:MM]")
            a = int(m[1]) * SLOTS_PER_HOUR + int(m[2]) * SLOTS_PER_HOUR // 60
            b = int(m[3]) * SLOTS_PER_HOUR + -(-int(m[4]) * SLOTS_PER_HOUR // 60)
            if not 0 <= a < b <= SLOTS_PER_DAY:
                raise UsageError.of("sim_hours_not_within_a_day", {"part": part})
            day_slots.update(range(a, b))
        open_days = _parse_days(days)
        return cls([sorted(day_slots) if d in open_days else [] for d in range(7)], calendar)

    @property
    def hours_per_week(self) -> float:
        return sum(len(s) for s in self.slots) * SLOT_HOURS

    def to_dict(self) -> dict:
        return {"calendar": self.calendar, "makeup_day": self.makeup_day,
                "hours": {DAY_NAMES[d]: _periods_text(s) for d, s in enumerate(self.slots)}}

    @classmethod
    def from_dict(cls, data: dict) -> Schedule:
        slots = [[] for _ in range(7)]
        for d, name in enumerate(DAY_NAMES):
            text = data.get("hours", {}).get(name, "")
            if text:
                slots[d] = Schedule.parse(text, days=name).slots[d]
        return cls(slots, data.get("calendar", "weekly"), data.get("makeup_day", 0))

    def day_slots(self, day: dt.date) -> list[int]:
        if self.calendar == "cn":
            workday = _WORK_CALENDAR.is_workday(day)
            if not workday:
                return []
            if day.weekday() >= 5:
                return self.slots[self.makeup_day]
        return self.slots[day.weekday()]


def _slot(t: dt.time) -> int:
    return t.hour * SLOTS_PER_HOUR + t.minute * SLOTS_PER_HOUR // 60


def _parse_days(text: str) -> set[int]:
    out: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        if not part:
            continue
        a, _, b = part.partition("-")
        if a not in DAY_NAMES or (b and b not in DAY_NAMES):
            raise UsageError.of("sim_day_not_understood", {"part": part})
        i, j = DAY_NAMES.index(a), DAY_NAMES.index(b or a)
        out.update(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
    return out


def _periods_text(slots: list[int]) -> str:
    if not slots:
        return ""
    parts, start, prev = [], slots[0], slots[0]
    for s in [*slots[1:], None]:
        if s is not None and s == prev + 1:
            prev = s
            continue
        a, b = start, prev + 1
        parts.append(f"{a // 2:02d}:{a % 2 * 30:02d}-{b // 2:02d}:{b % 2 * 30:02d}")
        if s is not None:
            start = prev = s
    return ",".join(parts)


class WorkingTime:
    """Cumulative working hours of a schedule from `origin` (local midnight): converts between
    clock hours and working hours in O(log n). Grows on demand."""

    def __init__(self, schedule: Schedule, origin: dt.date, days: int = 400) -> None:
        self.schedule, self.origin = schedule, origin
        self.always = all(len(s) == SLOTS_PER_DAY for s in schedule.slots) and schedule.calendar == "weekly"
        self.days = 0
        self.open = np.zeros(0, dtype=float)
        self.cum = np.zeros(1, dtype=float)
        self._grow(days)

    def _grow(self, days: int) -> None:
        extra = np.zeros(days * SLOTS_PER_DAY, dtype=float)
        for i in range(days):
            day = self.origin + dt.timedelta(days=self.days + i)
            for s in self.schedule.day_slots(day):
                extra[i * SLOTS_PER_DAY + s] = SLOT_HOURS
        self.open = np.concatenate([self.open, extra])
        self.cum = np.concatenate([[0.0], np.cumsum(self.open)])
        # the same numbers as plain arrays of doubles: scalar look-ups in the simulation's inner loop
        # (bisect, indexing) cost a fraction of numpy's per-call overhead, at 8 bytes a slot
        self._open, self._cum = array("d", self.open.tobytes()), array("d", self.cum.tobytes())
        self.days += days
        if self.cum[-1] <= 0 and self.days < 3660:  # nothing open yet: look further
            self._grow(days)

    def _ensure(self, hours: float) -> None:
        while hours >= self.days * 24 - 24:
            self._grow(max(self.days, 30))

    def worked(self, t: float) -> float:
        """Working hours in [0, t]."""
        if self.always:
            return t
        t = max(t, 0.0)
        self._ensure(t)
        i = int(t * SLOTS_PER_HOUR)
        frac = t * SLOTS_PER_HOUR - i
        return self._cum[i] + frac * self._open[i]

    def worked_array(self, t: np.ndarray) -> np.ndarray:
        if self.always:
            return np.asarray(t, dtype=float)
        t = np.maximum(np.asarray(t, dtype=float), 0.0)
        if len(t):
            self._ensure(float(t.max()))
        i = (t * SLOTS_PER_HOUR).astype(np.int64)
        frac = t * SLOTS_PER_HOUR - i
        return self.cum[i] + frac * self.open[i]

    def resume(self, t: float) -> float:
        """`t` when the schedule is open then, else the start of the next open period."""
        if self.always:
            return t
        w = self.worked(t)
        while w >= self._cum[-1] - 1e-12:
            self._grow(max(self.days, 30))
        slot = bisect_right(self._cum, w) - 1
        if slot * SLOT_HOURS <= t:
            return t
        return slot * SLOT_HOURS + (w - self._cum[slot]) / self._open[slot] * SLOT_HOURS

    def advance(self, t: float, hours: float) -> float:
        """The clock time when `hours` of work started at `t` are done."""
        if self.always:
            return t + hours
        target = self.worked(t) + hours
        while target > self._cum[-1] - 1e-9:
            if self.days > 36600:
                raise UsageError.of("sim_schedule_no_working_time")
            self._grow(max(self.days, 30))
        if hours <= 0:  # no work (an automatic step): done at once, open or not
            return t
        slot = bisect_left(self._cum, target) - 1  # cum[slot] < target <= cum[slot + 1]
        return slot * SLOT_HOURS + (target - self._cum[slot]) / self._open[slot] * SLOT_HOURS

