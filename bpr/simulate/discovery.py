"""Discover a `SimulationModel` from an `EventLog`.

What is learnt, and how:
- arrivals: a Poisson process with one rate per (day type, hour) over the training window, on the
  working-day calendar (China's holidays when the log itself is quiet on them, else plain weeks);
- routing: first-order probabilities from the directly-follows graph (including "end");
- rework: edges that mostly lead back to a step the case has already been through, plus self-loops;
- pools: one per department when the log has one, else activities whose resource sets overlap
  (Jaccard ≥ 0.5) share a pool; the size counts distinct resources weighted by the share of their
  work done in the pool, raised when the workload would keep a smaller pool over 60 % busy
  (a label such as "STAFF MEMBER" stands for a team, not a person);
- working hours: per pool, the weekday half-hours in which its events happen (≥ 5 % of the busiest);
  a log of dates only (no time of day) says nothing about hours, so there whole days count;
- processing and extraneous delay per activity: with start times, processing = start→end in
  working hours and delay = enabled→start; without them, start is estimated as the later of
  "enabled" (previous event of the case) and "resource free" (previous event of the resource), the
  processing is capped at one working day and the rest of enabled→end is delay. Both are
  measured in the pool's working hours, so time-of-day and weekends come from the calendar. A step in
  which the applicant supplies missing materials (补正, 补齐, …) is all delay: their time is not staff
  work. Each is fitted with `fit_distribution` (best family by KS test, else empirical);
- mechanisms (bpr.simulate.mechanisms), each modelled only when the log shows it: a batched step
  (released at its weekday's batch times, or at the next of a few slots of the week), a fixed calendar term (e.g. a 公示期), routing that
  depends on a case attribute (办理渠道, 实施编码), a long-tailed wait (its empirical distribution),
  a start fixed from an earlier event (that event's time plus an observed interval), routing that
  depends on which once-per-case steps the case has been through or on the step before, a wait
  that depends on the step before, a wait and work drawn together where the split above leaves
  them dependent (an empirical copula), steps run side by side (one parallel node; each member's
  wait counted from the step before the group).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict

import networkx as nx
import numpy as np
import pandas as pd

from bpr.analyse.performance import SUPPLEMENT_WORDS
from bpr.errors import InputError
from bpr.i18n import Note
from bpr.model.calendar import WorkCalendar
from bpr.model.eventlog import EventLog
from bpr.simulate.clock import SLOTS_PER_DAY, SLOTS_PER_HOUR, Schedule, WorkingTime
from bpr.simulate.distributions import empirical_distribution, fit_distribution
from bpr.simulate.mechanisms import (
    MECHANISM_IDS,
    ROUTING_RULES,
    Mechanism,
    case_attributes,
    detect,
    in_batch_slots,
    previous_steps,
)
from bpr.simulate.model import END, Activity, Arrivals, Pool, SimulationModel

#: fewer cases than this and arrival rates, routing and durations cannot be fitted
MIN_CASES = 30
MAX_POOL_UTILISATION = 0.6
SCHEDULE_THRESHOLD = 0.05
DATES_ONLY_SHARE = 0.99  # events at the one or two clock times of a log that records dates only


def onsite_shares(log: EventLog) -> dict[str, float]:
    """Per activity, the share of its events that bring the applicant on site, by the same rule
    `bpr discover` counts visits with (bpr.analyse.performance.PerformanceOptions.onsite_rule)."""
    import duckdb

    from bpr.analyse.performance import PerformanceOptions

    con = duckdb.connect()
    try:
        con.register("events", log.table)
        rows = con.execute(f"SELECT activity, avg(CASE WHEN {PerformanceOptions().onsite_rule()} THEN 1.0 ELSE 0.0 END) "
                           "FROM events GROUP BY activity").fetchall()
    finally:
        con.close()
    return {a: float(v) for a, v in rows}
UNASSIGNED = "(未指定)"
_CAL = WorkCalendar()


def local_frame(log: EventLog) -> pd.DataFrame:
    """Events as a frame with naive local times (the log's time zone), in canonical order."""
    frame = log.to_pandas()
    frame = frame[frame["case"].notna() & frame["activity"].notna() & frame["timestamp"].notna()].copy()
    for col in ("timestamp", "start"):
        frame[col] = pd.to_datetime(frame[col], utc=True).dt.tz_convert(log.timezone).dt.tz_localize(None)
    return frame.reset_index(drop=True)


def detect_calendar(times: pd.Series) -> str:
    """'cn' when the log is much quieter on China's weekday holidays than on ordinary weekdays."""
    days = pd.Series(times.dt.date.value_counts())
    if days.empty:
        return "weekly"
    first, last = min(days.index), max(days.index)
    holiday_days, normal_days, holiday_events, normal_events = 0, 0, 0, 0
    day = first
    while day <= last:
        if day.weekday() < 5:
            n = int(days.get(day, 0))
            if _CAL.is_workday(day):
                normal_days, normal_events = normal_days + 1, normal_events + n
            else:
                holiday_days, holiday_events = holiday_days + 1, holiday_events + n
        day += dt.timedelta(days=1)
    if holiday_days < 3 or normal_days == 0 or normal_events == 0:
        return "weekly"
    return "cn" if holiday_events / holiday_days < 0.25 * normal_events / normal_days else "weekly"


def dates_only(times: pd.Series) -> bool:
    """True when the times carry no time of day: (nearly) every event at one clock time, or at two
    an hour apart (dates written at midnight in a zone with daylight saving, read in another)."""
    if len(times) < 50:
        return False
    minute = times.dt.hour * 60 + times.dt.minute
    top = minute.value_counts()
    if top.iloc[:2].sum() < DATES_ONLY_SHARE * len(minute) or (times.dt.second != 0).mean() > 1 - DATES_ONLY_SHARE:
        return False
    return len(top) == 1 or min(abs(top.index[0] - top.index[1]), 1440 - abs(top.index[0] - top.index[1])) <= 60


def discover_schedule(times: pd.Series, calendar: str, whole_days: bool = False) -> Schedule:
    """Weekday half-hours in which at least 5 % as many events happen as in the busiest one; with
    `whole_days` (a log of dates only), whole days of the weekdays that have that many events."""
    if len(times) < 50:
        return Schedule.office(calendar) if calendar == "cn" else Schedule.always()
    if calendar == "cn":
        workday = np.array([_CAL.is_workday(d) for d in times.dt.date])
        times = times[workday & (times.dt.weekday < 5).to_numpy()]
    counts = np.zeros((7, SLOTS_PER_DAY))
    slot = (times.dt.hour * SLOTS_PER_HOUR + times.dt.minute * SLOTS_PER_HOUR // 60).to_numpy()
    np.add.at(counts, (times.dt.weekday.to_numpy(), slot), 1)
    hourly = counts.reshape(7, 24, SLOTS_PER_HOUR).sum(axis=2)  # judge by the hour: half-hours are noisy
    if whole_days:
        daily = hourly.sum(axis=1)
        hourly = np.repeat(daily[:, None], 24, axis=1)
    open_hours = hourly >= SCHEDULE_THRESHOLD * hourly.max()
    slots = [[h * SLOTS_PER_HOUR + k for h in range(24) if open_hours[d, h] for k in range(SLOTS_PER_HOUR)]
             for d in range(7)]
    return Schedule(slots, calendar, makeup_day=int(np.argmax(hourly[:5].sum(axis=1))))


def _arrival_rates(arrivals: pd.Series, calendar: str) -> Arrivals:
    """Cases per hour by day type and hour: the arrivals counted in each (day type, hour) over the
    hours of that kind between the first arrival and the last (the first and last days only from
    and up to their arrival's hour). An hour of a weekday or weekend day the window never covered
    (a training period of a few days) is taken to be like that hour of the covered days of its
    kind (else of the other kind), not closed."""
    counts = np.zeros((8, 24))
    exposure = np.zeros((8, 24))  # hours of each type and hour in the window
    first, last = arrivals.min(), arrivals.max()
    rows: dict[dt.date, int] = {}
    day = first.date()
    while day <= last.date():
        row = day.weekday()
        if calendar == "cn":
            work = _CAL.is_workday(day)
            if row < 5 and not work:
                row = 7
            elif row >= 5 and work:
                row = -1  # make-up working day: learnt nowhere, simulated as an average weekday
        rows[day] = row
        if row >= 0:
            lo = first.hour if day == first.date() else 0
            hi = last.hour if day == last.date() else 23
            exposure[row, lo:hi + 1] += 1
        day += dt.timedelta(days=1)
    for t in arrivals:
        row = rows[t.date()]
        if row >= 0:
            counts[row, t.hour] += 1
    rates = np.divide(counts, exposure, out=np.zeros_like(counts), where=exposure > 0)
    for kind, other in ((range(5), range(5, 7)), (range(5, 7), range(5))):
        for r, h in ((r, h) for r in kind for h in range(24) if not exposure[r, h]):
            seen = [x for x in kind if exposure[x, h]] or [x for x in other if exposure[x, h]]
            rates[r, h] = rates[seen, h].mean() if seen else 0.0
    if calendar == "cn" and not exposure[7].any():
        rates[7] = rates[5:7].mean(axis=0)
    return Arrivals([[float(x) for x in r] for r in rates], calendar)


def _pools(frame: pd.DataFrame, activities: list[str], use_department: bool) -> dict[str, str]:
    """activity -> pool name."""
    if use_department:
        dept = frame.dropna(subset=["department"]).groupby("activity")["department"].agg(
            lambda s: s.value_counts().index[0])
        return {a: str(dept.get(a, UNASSIGNED)) for a in activities}
    res = frame.dropna(subset=["resource"]).groupby("activity")["resource"].agg(set)
    graph = nx.Graph()
    graph.add_nodes_from(a for a in activities if a in res.index)
    names = list(graph.nodes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            inter = len(res[a] & res[b])
            if inter and inter / len(res[a] | res[b]) >= 0.5:
                graph.add_edge(a, b)
    mapping = {a: UNASSIGNED for a in activities}
    components = sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(c)))
    for k, comp in enumerate(components, start=1):
        members = sorted(comp, key=lambda a: activities.index(a))
        top = Counter(r for a in members for r in res[a])
        label = next(iter(top)) if len(top) == 1 else members[0]
        for a in members:
            mapping[a] = f"P{k} {label}"
    return mapping


#: a change of case durations for good (`drift_start`): the median or the P90 after at least
#: DRIFT_RATIO times the one before, or at most 1 / DRIFT_RATIO of it (Mann–Whitney p < DRIFT_P)
DRIFT_RATIO, DRIFT_P = 4.0, 1e-3


def _changed(before: np.ndarray, after: np.ndarray) -> float:
    """The factor by which the median or the P90 of case durations changed (the larger), or 0 when
    a Mann–Whitney test does not confirm the difference (p ≥ DRIFT_P)."""
    from scipy.stats import mannwhitneyu

    ratio = max(max(x, y) / max(min(x, y), 1e-6) for x, y in (
        (float(np.median(before)), float(np.median(after))),
        (float(np.percentile(before, 90)), float(np.percentile(after, 90)))))
    return ratio if ratio >= DRIFT_RATIO and mannwhitneyu(before, after).pvalue < DRIFT_P else 0.0


def _duration_change(hours: np.ndarray, min_cases: int) -> int | None:
    """Where case durations (in case-start order) changed for good, or None when stable: the case
    at which the rank statistic of before against after peaks (Pettitt's change point), between a
    tenth of the cases and 80 %, when the median or the P90 changed there by DRIFT_RATIO (`_changed`).
    Failing that, the split at a tenth of the cases from 30 % to 80 % with the largest such change
    (the later on a tie): a change Pettitt's statistic places at a milder, longer shift."""
    n = len(hours)
    lo, hi = max(n // 10, min_cases), min(n * 8 // 10, n - min_cases)
    if hi <= lo:
        return None
    # U_k = 2·(sum of the first k ranks) − k(n + 1): the Mann–Whitney statistic of the first k
    # durations against the rest, centred
    ranks = pd.Series(hours).rank().to_numpy()
    u = np.abs(2 * np.cumsum(ranks) - np.arange(1, n + 1) * (n + 1))
    k = lo + int(np.argmax(u[lo - 1:hi]))
    if _changed(hours[:k], hours[k:]):
        return k
    best: tuple[float, int] | None = None
    for tenth in range(3, 9):
        k = n * tenth // 10
        if min(k, n - k) >= min_cases and (ratio := _changed(hours[:k], hours[k:])) and (best is None or ratio >= best[0]):
            best = (ratio, k)
    return None if best is None else best[1]


#: durations are compared up to this percentile of them (`drift_start`, of the cases started in
#: the log's first half), among the cases that started at least that long before the log ends
DRIFT_HORIZON_Q = 90


def drift_start(frame: pd.DataFrame, min_cases: int = MIN_CASES) -> pd.Timestamp | None:
    """Where the process changed for good, for the last time: the first case after the last change
    of case durations (`_duration_change`, applied again to the cases after each change found:
    binary segmentation), else after an arrival-rate change (`rate_change`). None when the
    process looks stable.

    The log's end cuts durations short: a case that started a month before it cannot show more
    than a month, and an extract of finished cases keeps only its quick ones (and fewer cases
    near its end), so the last cases always look faster and rarer. Durations are therefore
    compared capped at a horizon, the P90 of the cases that started in the log's first half (the
    least cut), among the cases that started at least that long before the log's last event,
    each seen for the whole horizon; arrival rates among the same cases."""
    g = frame.groupby("case")["timestamp"].agg(["min", "max"]).sort_values("min", kind="stable")
    hours = ((g["max"] - g["min"]).dt.total_seconds() / 3600).to_numpy()
    starts = g["min"]
    if len(hours):
        end = frame["timestamp"].max()
        early = (starts <= starts.iloc[0] + (end - starts.iloc[0]) / 2).to_numpy()
        horizon = float(np.percentile(hours[early] if early.sum() >= min_cases else hours, DRIFT_HORIZON_Q))
        seen = ((end - starts).dt.total_seconds() / 3600).to_numpy() >= horizon
        hours, starts = np.minimum(hours[seen], horizon), starts[seen]  # sorted: the seen cases come first
    first = None
    while (k := _duration_change(hours[first or 0:], min_cases)) is not None:
        first = (first or 0) + k
    if first is not None:
        return starts.iloc[first]
    return rate_change(starts, min_cases)


#: an arrival-rate change for good (`rate_change`): the rate after at least RATE_CHANGE times the
#: rate before, or at most 1 / RATE_CHANGE of it, and a likelihood-ratio test with p < RATE_CHANGE_P
RATE_CHANGE, RATE_CHANGE_P = 2.0, 1e-6


def rate_change(starts: pd.Series, min_cases: int = MIN_CASES) -> pd.Timestamp | None:
    """Where the case arrival rate changed for good (a service rolled out to more departments, a
    channel closed): the maximum-likelihood change point of a Poisson process with one rate before
    and one after (Worsley 1986), searched between 30 % and 80 % of the cases (by start), kept when
    the two rates differ by a factor of RATE_CHANGE or more and the likelihood ratio is significant
    (chi-square, one degree of freedom, p < RATE_CHANGE_P). The start of the first case after the
    change, or None. The waits and the staffing that went with the old volume do not describe the
    process as it runs now."""
    from scipy.stats import chi2

    t = np.sort((starts - starts.min()).dt.total_seconds().to_numpy() / 86400)
    n, total = len(t), float(t[-1]) if len(t) else 0.0
    if n < 2 * min_cases or total <= 0:
        return None
    k = np.arange(max(n * 3 // 10, min_cases), min(n * 8 // 10, n - min_cases) + 1)
    k = k[(t[k] > 0) & (t[k] < total)]
    if not len(k):
        return None
    before, after = k / t[k], (n - k) / (total - t[k])
    gain = k * np.log(before) + (n - k) * np.log(after) - n * np.log(n / total)
    i = int(np.argmax(gain))
    ratio = max(before[i], after[i]) / min(before[i], after[i])
    if ratio < RATE_CHANGE or chi2.sf(2 * gain[i], 1) >= RATE_CHANGE_P:
        return None
    return pd.Series(np.sort(starts.to_numpy())).iloc[int(k[i])]


def discover_model(log: EventLog, *, seed: int = 0, source: str = "", promised_limit_days: float | None = None,
                   drift: bool = True, mechanisms: bool | set[str] | frozenset[str] = True) -> SimulationModel:
    """Learn a simulation model from a log (see the module docstring for what and how). With
    `drift`, a log whose case durations changed for good (see `drift_start`) is learnt from the
    cases after the change only: the model should describe the process as it runs now.
    `mechanisms`: detect and model batching, fixed-term waits, attribute-driven branching and
    long-tailed waits (bpr.simulate.mechanisms; True: all, False: none, or a set of rule ids)."""
    frame = local_frame(log)
    n_cases = frame["case"].nunique()
    if n_cases < MIN_CASES:
        raise InputError.of("sim_log_too_small", {"n": n_cases, "minimum": MIN_CASES},
                            file=source or log.source or None)
    rng = np.random.default_rng(seed)
    notes: list[Note] = []
    if drift:
        since = drift_start(frame)
        if since is not None:
            first = frame.groupby("case")["timestamp"].transform("min")
            frame = frame[first >= since].reset_index(drop=True)
            n_cases = frame["case"].nunique()
            notes.append(Note.of("note_drift_learnt", n=n_cases, since=f"{since:%Y-%m-%d %H:%M}"))
    has_start = log.has("start") and frame["start"].notna().mean() > 0.5
    has_resource = log.has("resource")
    use_department = log.has("department") and frame["department"].notna().mean() > 0.5
    calendar = detect_calendar(frame["timestamp"])
    notes.append(Note.of(f"note_calendar_{calendar}"))
    whole_days = dates_only(frame["timestamp"])
    if whole_days:
        notes.append(Note.of("note_dates_only"))

    frame["pos"] = frame.groupby("case").cumcount()
    frame["prev_end"] = frame.groupby("case")["timestamp"].shift(1)
    frame["next"] = frame.groupby("case")["activity"].shift(-1).fillna(END)
    parallel = detect(frame, {"parallel"}) if _enabled(mechanisms, "parallel") else []
    for m in parallel:  # a member waits from the step before its group, not from a sibling's end
        member = frame["activity"].isin(m.params["members"])
        fork = frame["timestamp"].where(~member).groupby(frame["case"]).shift(1).groupby(frame["case"]).ffill()
        frame.loc[member & fork.notna(), "prev_end"] = fork[member & fork.notna()]
    firsts = frame[frame["pos"] == 0]
    arrival = (firsts.set_index("case")["start"].fillna(firsts.set_index("case")["timestamp"]) if has_start
               else firsts.set_index("case")["timestamp"])
    origin_day = min(arrival.min(), frame["timestamp"].min()).date()
    origin = pd.Timestamp(origin_day)
    counts = frame["activity"].value_counts()
    activities = sorted(counts.index, key=lambda a: (-counts[a], a))

    # routing and rework
    start_counts = firsts["activity"].value_counts()
    start = {a: float(c / start_counts.sum()) for a, c in start_counts.items()}
    first_pos = frame.groupby(["case", "activity"])["pos"].min().rename("next_first")
    back = frame.join(first_pos, on=["case", "next"])["next_first"].le(frame["pos"])
    edges = frame.groupby(["activity", "next"]).size()
    rework_share = frame.assign(back=back).groupby(["activity", "next"])["back"].mean()
    transitions: dict[str, dict[str, float]] = defaultdict(dict)
    out_of = edges.groupby(level=0).sum()
    for (a, b), c in edges.items():
        transitions[a][b] = float(c / out_of[a])
    rework_edges = sorted({(a, b) for (a, b), share in rework_share.items() if b != END and (a == b or share >= 0.5)})

    # pools and schedules
    pool_of = (_pools(frame, activities, use_department) if (has_resource or use_department)
               else {a: a for a in activities})
    if not (has_resource or use_department):
        notes.append(Note.of("note_pools_per_step"))
    frame["pool"] = frame["activity"].map(pool_of)
    # a step released in slots of the week (an automated run at night) does not show when the pool's
    # staff work: its pool's hours are learnt from the pool's other steps when it has any
    slot_steps = {m.step for m in detect(frame, {"batched_slots"})} if _enabled(mechanisms, "batched_slots") else set()

    def worked_times(p: str) -> pd.Series:
        rows = frame["pool"] == p
        worked = rows & ~frame["activity"].isin(slot_steps)
        return frame.loc[worked if worked.any() else rows, "timestamp"]

    schedules = {p: discover_schedule(worked_times(p), calendar, whole_days) for p in sorted(set(pool_of.values()))}
    span_days = (frame["timestamp"].max() - origin).days + 2
    clocks = {p: WorkingTime(s, origin_day, span_days) for p, s in schedules.items()}

    # processing and extraneous delay
    end_h = ((frame["timestamp"] - origin).dt.total_seconds() / 3600).to_numpy()
    enable = frame["prev_end"].where(frame["pos"] > 0, arrival.reindex(frame["case"]).to_numpy() if has_start else pd.NaT)
    enable_h = ((enable - origin).dt.total_seconds() / 3600).to_numpy()
    if has_start:
        start_h = ((frame["start"] - origin).dt.total_seconds() / 3600).to_numpy()
        start_h = np.where(np.isnan(start_h), end_h, np.minimum(start_h, end_h))
    elif has_resource:
        res_prev = frame.sort_values(["timestamp", "row"], kind="stable").groupby("resource")["timestamp"].shift(1)
        res_prev_h = ((res_prev.reindex(frame.index) - origin).dt.total_seconds() / 3600).to_numpy()
        start_h = np.fmin(np.fmax(enable_h, res_prev_h), end_h)
        start_h = np.where(np.isnan(start_h), end_h, start_h)
    else:
        start_h = np.where(np.isnan(enable_h), end_h, enable_h)
    # the applicant's time to supply missing materials is waiting for staff, not their work
    supplement = frame["activity"].str.contains("|".join(SUPPLEMENT_WORDS), regex=True).to_numpy()
    start_h = np.where(supplement, end_h, start_h)
    processing = np.zeros(len(frame))
    delay = np.full(len(frame), np.nan)
    delay_clock = np.full(len(frame), np.nan)
    for p, clock in clocks.items():
        idx = np.flatnonzero(frame["pool"].to_numpy() == p)
        if not len(idx):
            continue
        cap = max(clock.schedule.hours_per_week / max(1, sum(1 for s in clock.schedule.slots if s)), 1.0)
        w_end = clock.worked_array(end_h[idx])
        work = np.maximum(w_end - clock.worked_array(start_h[idx]), 0.0)
        if not has_start:
            work = np.minimum(work, cap)
        processing[idx] = work
        work_start = _rewind(clock, w_end - work)
        ok = ~np.isnan(enable_h[idx])
        delay[idx[ok]] = np.maximum(clock.worked_array(work_start[ok]) - clock.worked_array(enable_h[idx][ok]), 0.0)
        delay_clock[idx[ok]] = np.maximum(work_start[ok] - enable_h[idx][ok], 0.0)
    frame["processing"], frame["delay"], frame["delay_clock"] = processing, delay, delay_clock

    first_step_instant = not has_start
    measured = frame[frame["pos"] > 0] if first_step_instant else frame
    visit_share = onsite_shares(log)
    visits_known = log.has("channel") or any(v > 0 for v in visit_share.values())
    if not visits_known:
        notes.append(Note.of("note_visits_no_evidence"))
    models: dict[str, Activity] = {}
    rows_of = measured.groupby("activity", sort=False).indices  # positions, in log order
    none = np.zeros(0, dtype=np.int64)
    m_proc, m_delay, m_clock = (measured[c].to_numpy() for c in ("processing", "delay", "delay_clock"))
    for a in activities:
        at = rows_of.get(a, none)
        proc = m_proc[at]
        dly = m_delay[at][~np.isnan(m_delay[at])]
        visit = visit_share.get(a, 0.0)
        dly_clock = m_clock[at][~np.isnan(m_clock[at])]
        models[a] = Activity(a, pool_of[a], fit_distribution(proc, rng) if len(proc) else fit_distribution([0.0]),
                             fit_distribution(dly, rng) if len(dly) else fit_distribution([0.0]),
                             round(visit, 6), int(counts[a]),
                             delay_clock=fit_distribution(dly_clock, rng) if len(dly_clock) else None)

    # routing out of a step that runs in a parallel group is the group's: not modelled at the member
    members = {x for m in parallel for x in m.params["members"]}
    found = parallel + [m for m in detect(frame, _without(mechanisms, "parallel"))
                        if not (m.id in ROUTING_RULES and m.step in members)]
    # one routing rule a step: by case attribute, else by history, else by the step before
    routed = {m.step for m in found if m.id in ("attribute_branching", "history_routing")}
    found = [m for m in found if not (m.id == "previous_routing" and m.step in routed)
             and not (m.id == "previous_wait" and (m.step in members or m.evidence["previous"] in members))]
    for m in found:  # a case after a parallel group comes from the group, not from a member
        if m.id == "previous_wait":
            m.params["previous"] = [x for x in m.params["previous"] if x not in members]
    history: dict[str, dict] = {}
    previous: dict[str, dict] = {}
    conditional = _model_mechanisms(found, frame, measured, models, rng, history, previous)

    # pool sizes
    pools: dict[str, Pool] = {}
    # the load a pool carries in the long run is the work per case times the arrival rate, so its
    # open hours are counted over the window in which the cases arrived: the events of the last
    # cases run on past it (and, in a training split, into the test period), and counting those
    # weeks too understates the load by the ratio of the two spans
    arrival_h = ((arrival - origin).dt.total_seconds() / 3600).to_numpy()
    window = (float(arrival_h.min()), float(arrival_h.max()))
    for p, clock in clocks.items():
        rows = frame[frame["pool"] == p]
        resources = rows["resource"].dropna()
        total_by_res = frame.dropna(subset=["resource"]).groupby("resource").size()
        share = resources.value_counts() / total_by_res.reindex(resources.value_counts().index)
        distinct = float(share.sum()) if len(share) else 0.0
        available = clock.worked(window[1]) - clock.worked(window[0])
        if available <= 0:  # every case arrived at once: the span of the events
            available = clock.worked(float(end_h.max())) - clock.worked(float(np.nanmin(end_h)))
        workload = float(rows["processing"].sum())
        size = max(1, round(distinct)) if distinct else 1
        if available > 0 and workload / (size * available) > MAX_POOL_UTILISATION:
            size = math.ceil(workload / (available * MAX_POOL_UTILISATION))
        pools[p] = Pool(p, size, clock.schedule, sorted(map(str, resources.unique()))[:200], round(distinct, 3),
                        round(workload / (size * available), 4) if available > 0 else None)

    model = SimulationModel(
        activities=models, start=start, transitions=dict(transitions), pools=pools,
        arrivals=_arrival_rates(arrival.sort_values(), calendar), origin=origin_day, timezone=log.timezone,
        rework_edges=[tuple(e) for e in rework_edges], first_step_instant=first_step_instant, visits_known=visits_known,
        promised_limit_days=promised_limit_days, office=Schedule.office(calendar),
        source=source or log.source, cases=int(n_cases),
        log_start=str(frame["timestamp"].min()), log_end=str(frame["timestamp"].max()), notes=notes,
        conditional_transitions=conditional, case_profiles=_case_profiles(frame, conditional),
        mechanisms=[m.to_dict() for m in found], history_transitions=history, previous_transitions=previous)
    for m in parallel:
        model.add_parallel_group(m.params["members"], m.params["member_probability"])
    return model


def _enabled(mechanisms: bool | set[str] | frozenset[str], rule: str) -> bool:
    """Whether `mechanisms` (as `discover_model` takes it) asks for `rule`."""
    return mechanisms is True or rule in (mechanisms or ())


def _without(mechanisms: bool | set[str] | frozenset[str], rule: str) -> bool | set[str]:
    """The mechanisms to detect, `rule` left out."""
    if mechanisms is False:
        return False
    return (set(MECHANISM_IDS) if mechanisms is True else set(mechanisms)) - {rule}


def _model_mechanisms(found: list[Mechanism], frame: pd.DataFrame, measured: pd.DataFrame,
                      models: dict[str, Activity], rng: np.random.Generator, history: dict[str, dict],
                      previous: dict[str, dict]) -> dict[str, dict]:
    """Put the mechanisms found into the activities (batch release, fixed calendar term, empirical
    wait); returns the conditional routing of attribute-driven branches (step -> params) and fills
    `history` with the routing by case history and `previous` with the routing by the step before
    (step -> params)."""
    conditional: dict[str, dict] = {}
    for m in found:
        act = models.get(m.step)
        if act is None:
            continue
        if m.id in ("batched", "batched_slots", "batched_monthly"):
            if act.batch:  # one batch rhythm per step: the first found (weekly before monthly)
                continue
            act.batch = dict(m.params)
            rows = measured[measured["activity"] == m.step]
            if m.id == "batched":
                rows = rows[rows["timestamp"].dt.weekday != m.params["weekday"]]
            elif m.id == "batched_slots":
                rows = rows[~in_batch_slots(rows["timestamp"], m.params)]
            else:
                rows = rows[~rows["timestamp"].dt.day.between(m.params["day"], m.params["last_day"])]
            dly = rows["delay"].dropna().to_numpy()  # the cases not released in a batch
            act.delay = fit_distribution(dly, rng) if len(dly) else fit_distribution([0.0])
        elif m.id == "scheduled_wait":
            act.fixed_wait_h = float(m.params["fixed_hours"])
        elif m.id == "long_tail":
            dly = measured.loc[measured["activity"] == m.step, "delay"].dropna().to_numpy()
            act.delay = empirical_distribution(dly)
        elif m.id == "attribute_branching":
            conditional[m.step] = dict(m.params)
        elif m.id == "history_routing":
            history[m.step] = dict(m.params)
        elif m.id == "previous_routing":
            previous[m.step] = dict(m.params)
        elif m.id == "previous_wait" and not (act.batch or act.anchor or act.fixed_wait_h is not None):
            rows = measured[measured["activity"] == m.step]
            before = previous_steps(frame)[rows.index.to_numpy()]
            for name in m.params["previous"]:
                dly = rows["delay"].to_numpy(dtype=float)[before == name]
                act.delay_by_previous[name] = fit_distribution(dly[np.isfinite(dly)], rng)
        elif m.id == "joint_work":
            act.joint = m.params["copula"]
        elif m.id == "deadline" and m.params["awaited"] in models:
            act.deadlines[m.params["after"]] = {k: v for k, v in m.params.items() if k != "after"}
        elif m.id == "anchored_wait" and not act.batch and act.fixed_wait_h is None:
            act.anchor = dict(m.params)
    return conditional


def _case_profiles(frame: pd.DataFrame, conditional: dict[str, dict]) -> dict:
    """The observed mix of the case attributes that conditional routing uses: each distinct
    combination of values and its share of the cases."""
    names = sorted({c["attribute"] for c in conditional.values()})
    if not names:
        return {}
    attrs = case_attributes(frame)[names]
    mix = attrs.value_counts(normalize=True, sort=False).sort_index()
    return {"names": names, "values": [list(map(str, k if isinstance(k, tuple) else (k,))) for k in mix.index],
            "weights": [round(float(w), 6) for w in mix.to_numpy()]}


def _rewind(clock: WorkingTime, worked: np.ndarray) -> np.ndarray:
    """Latest clock time at which only `worked` working hours have passed (inverse of worked()):
    work that starts at an opening starts at the opening, not at the previous closing."""
    if clock.always:
        return worked
    i = np.searchsorted(clock.cum, worked, side="right")
    slot = np.clip(i - 1, 0, len(clock.open) - 1)
    open_ = np.where(clock.open[slot] > 0, clock.open[slot], 1.0)
    return (slot + np.clip((worked - clock.cum[slot]) / open_, 0, 1)) / SLOTS_PER_HOUR
