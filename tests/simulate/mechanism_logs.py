"""Seeded generator of event logs with ONE known mechanism each (issue 19, point 2), for the tests
that check discovery finds the mechanism, the model reproduces it, and nothing fires without it.

Every log is the same base process, run on office hours (Monday–Friday 09:00–17:00; with
`calendar="cn"` China's working days, holidays off): 受理 → 审查 → 决定 → 送达, cases arriving as a
Poisson stream in office hours, waits drawn in working hours, short work with start and end times,
two departments. The mechanisms:

- "none": the base process only;
- "scheduled": after 决定 a 公示 of exactly 15 calendar days (自然日) regardless of load and of
  holidays, ending at the next office opening (run on the "cn" calendar so that the holidays make a
  fixed calendar length differ from a fixed number of working hours); the log records its end only;
- "batched": 决定's completions are released once a week, Thursday 14:00–17:00, after the work
  (a few working hours after 审查) is done; the log has no start time for 决定 (the release is
  what it records);
- "slots": 决定 is released in two runs a week (an automated job): Monday 10:00–12:00 and Thursday
  23:00 to Friday 01:00 (a run past midnight), the first run that comes after the work (a few working
  hours after 审查) is done; about 35 % of completions fall on each of Thursday and Friday and 30 % on
  Monday, so no single weekday holds half of them; no start time recorded;
- "monthly": after 审查 an expert review (专家评审) at the monthly meeting on the 10th (the next
  working day when the 10th is closed), 09:00–12:00, for the cases whose preparation (a few working
  hours) is done by then; the others wait for next month's meeting; no start time recorded. The
  meeting releases a month's cases at once: this log names who handled each step (环节处理人, twelve
  staff in 审批科, four at the counter), so that a model can know the office absorbs the burst;
- "branching": the case's channel (办理渠道) decides two branches: 网上 (70 %) → 网上预审 … 电子送达,
  short; 窗口 (30 %) → 现场核验 … 邮寄送达, long. Both branch points depend on the same attribute,
  which a first-order routing chain cannot know;
- "longtail": 审查's wait is a mixture, 80 % short (median 6 h) and 20 % very long (median 150
  working hours);
- "anchored": when 审查 is done, the site inspection (现场踏勘) is booked for a date 10–14 calendar
  days later (09:00–12:00, the next working day when that day is closed); 材料核对 (a document check,
  a long and variable wait) comes between, and when it ends after the booked date the inspection
  takes place at once. The inspection's wait after 材料核对 is thus anchored to 审查, not queued;
- "sendback": a file may be sent back for correction (补正) at 受理 (25 %) and at 审查 (30 %), each
  time it is done; the applicant's 补正材料 (median 20 working hours) then returns it to the step that
  sent it back, which is done again. What follows 补正材料 is thus fixed by the step before it, which a
  first-order routing chain cannot know;
- "joint": 审查 picked up at once (70 %: a wait of up to 12 minutes) or left for another day (30 %:
  median 24 working hours); the log has no start times and names who handled each step (three staff
  a department), so that discovery splits each gap into a wait and a work itself, and a file left
  for another day is long in both;
- "deadline": after 审查 the applicant is asked for a document (补正材料) and sends it after a
  median of 40 working hours; when it has not come 14 calendar days after 审查, a reminder (催办) goes
  out at the next opening (09:00–10:00) and the document follows a median of 16 working hours
  later. The `awaited_factor` speeds the applicant up (0.5: twice as fast), and with it fewer cases
  need the reminder: the truth a what-if of the same cut is checked against;
- "parallel": after 审查 three departments review the file side by side (并联审查): 规划核验
  (median wait 10 working hours), 消防审查 (20 h) and, in 60 % of the cases, 人防审查 (15 h), each
  from 审查's end; 决定 waits for all of them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from bpr.model.calendar import WorkCalendar

MECHANISMS = ("none", "scheduled", "batched", "slots", "monthly", "branching", "longtail", "anchored", "parallel",
              "sendback", "joint", "deadline")
#: the "slots" log's release slots: (weekday, hour the run starts); each run lasts up to SLOT_RUN_H hours
SLOTS = ((0, 10.0), (3, 23.0))
SLOT_RUN_H = 2.0
OPEN_H, CLOSE_H = 9.0, 17.0
ORIGIN = dt.date(2024, 1, 1)  # a Monday
_CAL = WorkCalendar()


class Office:
    """Working-hour arithmetic on hours since ORIGIN's midnight: Monday–Friday 09:00–17:00, or
    China's working days (calendar "cn")."""

    def __init__(self, calendar: str = "weekly") -> None:
        self.calendar = calendar
        self._open: dict[int, bool] = {}

    def is_open_day(self, day: int) -> bool:
        if day not in self._open:
            date = ORIGIN + dt.timedelta(days=day)
            self._open[day] = _CAL.is_workday(date) if self.calendar == "cn" else date.weekday() < 5
        return self._open[day]

    def resume(self, t: float) -> float:
        """`t` if the office is open then, else its next opening."""
        day, hour = int(t // 24), t % 24
        if self.is_open_day(day) and OPEN_H <= hour < CLOSE_H:
            return t
        if self.is_open_day(day) and hour < OPEN_H:
            return day * 24 + OPEN_H
        day += 1
        while not self.is_open_day(day):
            day += 1
        return day * 24 + OPEN_H

    def advance(self, t: float, hours: float) -> float:
        """Clock time when `hours` of working time started at `t` are done."""
        t = self.resume(t)
        while True:
            left = int(t // 24) * 24 + CLOSE_H - t
            if hours <= left:
                return t + hours
            hours -= left
            t = self.resume(int(t // 24) * 24 + CLOSE_H)


def worked_hours(office: Office, t0: float, t1: float) -> float:
    """Working hours between clock hours `t0` and `t1` (day by day, not bpr's slot index)."""
    total, day = 0.0, int(t0 // 24)
    while day * 24 < t1:
        if office.is_open_day(day):
            lo, hi = max(t0, day * 24 + OPEN_H), min(t1, day * 24 + CLOSE_H)
            total += max(hi - lo, 0.0)
        day += 1
    return total


def _arrivals(office: Office, n: int, rng: np.random.Generator, per_hour: float) -> list[float]:
    """`n` Poisson arrivals at `per_hour` during open hours (working-time gaps mapped to clock)."""
    out, t = [], office.resume(0.0)
    for _ in range(n):
        t = office.advance(t, float(rng.exponential(1 / per_hour)))
        out.append(t)
    return out


def _meeting(office: Office, ready: float, rng: np.random.Generator, day: int = 10) -> float:
    """The first monthly meeting (on `day`, or the next working day) at or after `ready`, at a
    time between 09:00 and 12:00."""
    date = ORIGIN + dt.timedelta(days=int(ready // 24))
    year, month = date.year, date.month
    while True:
        at = (dt.date(year, month, day) - ORIGIN).days
        while not office.is_open_day(at):
            at += 1
        meeting = at * 24 + float(rng.uniform(9, 12))
        if meeting >= ready:
            return meeting
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _lognormal(rng: np.random.Generator, median: float, sigma: float) -> float:
    return float(rng.lognormal(np.log(median), sigma))


def mechanism_log(mechanism: str = "none", n: int = 3000, seed: int = 0, awaited_factor: float = 1.0) -> pd.DataFrame:
    """The events of `n` cases with `mechanism` (one of MECHANISMS), seeded; columns in Chinese as a
    government system writes them: 办件编号, 环节名称, 环节开始时间, 环节结束时间, 办理部门, 办理渠道.
    `awaited_factor`: the "deadline" log's applicant waits, scaled."""
    if mechanism not in MECHANISMS:
        raise ValueError(f"mechanism must be one of {MECHANISMS}")
    rng = np.random.default_rng(seed)
    names = np.random.default_rng(seed + 1)  # staff names: their own stream, the events stay the same
    office = Office("cn" if mechanism == "scheduled" else "weekly")
    rows: list[dict] = []

    def stamp(h: float | None) -> str | None:
        if h is None:
            return None
        return (pd.Timestamp(ORIGIN) + pd.Timedelta(hours=h)).strftime("%Y-%m-%d %H:%M:%S")

    for c, arrival in enumerate(_arrivals(office, n, rng, per_hour=0.75)):
        case = f"SJ{c:05d}"
        channel = "网上" if rng.random() < 0.7 else "窗口"
        events: list[tuple[str, float | None, float, str]] = []

        def work(activity: str, after: float, wait_h: float, work_h: float, dept: str = "审批科",
                 events: list = events) -> float:
            start = office.advance(after, wait_h)
            end = office.advance(start, work_h)
            events.append((activity, start, end, dept))
            return end

        t = work("受理", arrival, 0.0, float(rng.uniform(0.1, 0.4)), "政务服务中心")
        while mechanism == "sendback" and rng.random() < 0.25:  # back to 受理 once corrected
            t = work("补正材料", t, _lognormal(rng, 20, 0.6), 0.1, "申请人")
            t = work("受理", t, 0.5, float(rng.uniform(0.1, 0.4)), "政务服务中心")
        if mechanism == "branching":
            if channel == "网上":
                t = work("网上预审", t, _lognormal(rng, 3, 0.5), 0.3)
            else:
                t = work("现场核验", t, _lognormal(rng, 40, 0.4), 0.5)
        if mechanism == "longtail":
            wait = _lognormal(rng, 6, 0.5) if rng.random() < 0.8 else _lognormal(rng, 150, 0.5)
        elif mechanism == "joint":  # picked up at once, or left for another day
            wait = float(rng.uniform(0.0, 0.2)) if rng.random() < 0.7 else _lognormal(rng, 24, 0.6)
        else:
            wait = _lognormal(rng, 12, 0.7)
        t = work("审查", t, wait, float(rng.uniform(0.3, 0.7)))
        while mechanism == "sendback" and rng.random() < 0.3:  # back to 审查 once corrected
            t = work("补正材料", t, _lognormal(rng, 20, 0.6), 0.1, "申请人")
            t = work("审查", t, _lognormal(rng, 12, 0.7), float(rng.uniform(0.3, 0.7)))
        if mechanism == "deadline":
            came = office.advance(t, awaited_factor * _lognormal(rng, 40, 0.8))
            due = office.resume(int(t // 24) * 24 + 14 * 24)  # 14 calendar days on, at the next opening
            if came > due:
                due += float(rng.uniform(0, 1))
                events.append(("催办", None, due, "审批科"))
                came = office.advance(due, awaited_factor * _lognormal(rng, 16, 0.6))
            events.append(("补正材料", None, came, "申请人"))
            t = came
        if mechanism == "anchored":
            day = int(t // 24) + int(rng.integers(10, 15))  # booked when 审查 is done
            while not office.is_open_day(day):
                day += 1
            booked = day * 24 + float(rng.uniform(9, 12))
            t = work("材料核对", t, _lognormal(rng, 30, 0.8), float(rng.uniform(0.2, 0.5)))
            t = work("现场踏勘", max(booked, t), 0.0, float(rng.uniform(1, 3)))
        if mechanism == "parallel":
            ends = [work("规划核验", t, _lognormal(rng, 10, 0.8), 0.5, "规划局"),
                    work("消防审查", t, _lognormal(rng, 20, 0.8), 0.5, "消防科")]
            if rng.random() < 0.6:
                ends.append(work("人防审查", t, _lognormal(rng, 15, 0.8), 0.5, "人防办"))
            t = max(ends)
        if mechanism == "monthly":
            done = office.advance(t, _lognormal(rng, 8, 0.6))
            meeting = _meeting(office, done, rng)
            events.append(("专家评审", None, meeting, "审批科"))
            t = meeting
        if mechanism == "slots":
            done = office.advance(t, _lognormal(rng, 6, 0.6) + 0.3)
            week = int(done // (7 * 24)) * 7 * 24  # ORIGIN is a Monday
            runs = sorted(week + w * 7 * 24 + d * 24 + h for w in (0, 1) for d, h in SLOTS)
            offset = float(rng.uniform(0, SLOT_RUN_H))  # where in its run the case comes out
            release = next(r + offset for r in runs if r + offset >= done)
            events.append(("决定", None, release, "审批科"))
            t = release
        elif mechanism == "batched":
            done = office.advance(t, _lognormal(rng, 6, 0.6) + 0.3)
            day = int(done // 24)
            while (ORIGIN + dt.timedelta(days=day)).weekday() != 3:  # Thursday
                day += 1
            release = day * 24 + float(rng.uniform(14, 17))
            if release < done:
                release += 7 * 24
            events.append(("决定", None, release, "审批科"))
            t = release
        else:
            t = work("决定", t, _lognormal(rng, 6, 0.6), float(rng.uniform(0.2, 0.4)))
        if mechanism == "scheduled":
            end = office.resume(t + 15 * 24)
            events.append(("公示", None, end, "审批科"))  # the log records when the 公示 ended
            t = end
        last = "送达"
        if mechanism == "branching":
            last = "电子送达" if channel == "网上" else "邮寄送达"
        wait = _lognormal(rng, 1 if last == "电子送达" else 40 if last == "邮寄送达" else 4, 0.5)
        work(last, t, wait, float(rng.uniform(0.1, 0.3)), "政务服务中心")
        for activity, start, end, dept in events:
            row = {"办件编号": case, "环节名称": activity, "环节开始时间": stamp(start), "环节结束时间": stamp(end),
                   "办理部门": dept, "办理渠道": channel}
            if mechanism == "monthly":  # who did it: the office's size shows (see the docstring)
                row["环节处理人"] = f"{dept}{int(names.integers(12 if dept == '审批科' else 4)) + 1:02d}"
            if mechanism == "joint":  # who did it, and no start time: discovery splits each gap itself
                row["环节处理人"] = f"{dept}{int(names.integers(3)) + 1:02d}"
                row["环节开始时间"] = None
            rows.append(row)
    return pd.DataFrame(rows)


def write_mechanism_log(path: Path, mechanism: str = "none", n: int = 3000, seed: int = 0,
                        awaited_factor: float = 1.0) -> Path:
    """`mechanism_log` written as a UTF-8 CSV at `path`."""
    mechanism_log(mechanism, n, seed, awaited_factor).to_csv(path, index=False)
    return path


def interleaved_log(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    """A case of two threads that interleave (mechanism "history_routing"): a travel request is
    filed (申请), reviewed (审核) and approved (审批) in office hours, waits drawn in working hours
    (median 16 and 20 h); the trip it is for starts (出发) on a date booked at filing, 1–10 calendar
    days later at 08:00–10:00, whatever the approvals' progress, and ends (返回) 2–5 days after;
    the expense claim (报销) follows once both the trip has ended and the request is approved.
    Every case goes through each step exactly once, in an order that depends on which thread runs
    ahead: what follows 审批 is 出发 when the trip has not started, 返回 when it is under way, 报销
    when it is over; a first-order chain cannot know which. The log records completions only."""
    rng = np.random.default_rng(seed)
    office = Office()
    rows: list[dict] = []

    def stamp(h: float) -> str:
        return (pd.Timestamp(ORIGIN) + pd.Timedelta(hours=h)).strftime("%Y-%m-%d %H:%M:%S")

    for c, arrival in enumerate(_arrivals(office, n, rng, per_hour=0.5)):
        reviewed = office.advance(arrival, _lognormal(rng, 16, 0.6) + 0.3)
        approved = office.advance(reviewed, _lognormal(rng, 20, 0.6) + 0.3)
        leave = (int(arrival // 24) + int(rng.integers(1, 11))) * 24 + float(rng.uniform(8, 10))
        back = leave + float(rng.integers(2, 6)) * 24 + float(rng.uniform(0, 8))
        claimed = office.advance(max(back, approved), _lognormal(rng, 8, 0.5) + 0.2)
        events = [("申请", arrival, "政务服务中心"), ("审核", reviewed, "审批科"), ("审批", approved, "审批科"),
                  ("出发", leave, "出差人"), ("返回", back, "出差人"), ("报销", claimed, "财务科")]
        for activity, end, dept in sorted(events, key=lambda e: e[1]):
            rows.append({"办件编号": f"CC{c:05d}", "环节名称": activity, "环节结束时间": stamp(end), "办理部门": dept})
    return pd.DataFrame(rows)
