"""The SimPy engine: one replication of a `SimulationModel`, seeded.

Each case arrives (Poisson, by day type and hour), walks the routing chain step by step; a step
waits its extraneous delay, queues for a resource of its pool (first come, first served), then
works its processing time. Delay and processing both count the pool's working hours only (the
clock stops while the pool is closed, and no resource is held overnight). A parallel group runs its members at once and continues when all are done.
A batched step's case is released at the next batch time (a weekday, a few slots of the week, or a
day of the month), no resource held. Where routing depends on the case's history (mechanism
"history_routing"), the next step is drawn by the milestones the case has been through; where it depends
on the step before ("previous_routing": a file sent back returns to the step that sent it), by that step. A step anchored to an earlier event (mechanism "anchored_wait") waits instead until a drawn number of days (on the
weekdays it takes place) after that event's date, at a drawn time of day, or not at all when that time has passed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import simpy

from bpr.model.calendar import WorkCalendar
from bpr.simulate.clock import WorkingTime
from bpr.simulate.distributions import Distribution, JointSampler, Sampler
from bpr.simulate.mechanisms import (
    CASE_START,
    day_after,
    next_monthly_release,
    next_release,
    next_slot_release,
)
from bpr.simulate.model import END, SimulationModel, group_name

MAX_STEPS_PER_CASE = 500
_CAL = WorkCalendar()


@dataclass
class ReplicationOutput:
    """What one replication produced; times are hours since the model's origin."""

    seed: int
    arrival: np.ndarray  # per case
    last_event: np.ndarray  # completion of the case's last step so far (arrival when none)
    finished: np.ndarray  # bool: reached the end before the run stopped
    visits: np.ndarray  # on-site visits per case
    steps: np.ndarray  # steps executed per case
    step_wait: dict[str, float] = field(default_factory=dict)  # total waiting hours (delay + queue)
    step_queue: dict[str, float] = field(default_factory=dict)  # of which queueing for a resource
    step_count: dict[str, int] = field(default_factory=dict)
    pool_busy: dict[str, float] = field(default_factory=dict)  # working hours of work done
    pool_available: dict[str, float] = field(default_factory=dict)  # size × open hours in the run
    horizon: float = 0.0
    #: per case, (activity, completion hour) of each executed step, when run with trace=True
    events: list[list[tuple[str, float]]] | None = None

    @property
    def cycle_hours(self) -> np.ndarray:
        return self.last_event - self.arrival


def day_rows(model: SimulationModel, first: dt.date, days: int) -> list[int]:
    """Arrival-rate row per day (see `Arrivals`); -1 = make-up working day (average weekday)."""
    rows = []
    for i in range(days):
        day = first + dt.timedelta(days=i)
        row = day.weekday()
        if model.arrivals.calendar == "cn":
            work = _CAL.is_workday(day)
            if row < 5 and not work:
                row = 7
            elif row >= 5 and work:
                row = -1
        rows.append(row)
    return rows


def generate_arrivals(model: SimulationModel, rng: np.random.Generator, start_h: float,
                      end_h: float | None = None, n: int | None = None) -> np.ndarray:
    """Arrival times (hours since origin) from `start_h` until `end_h`, or the first `n`."""
    rates = np.asarray(model.arrivals.rates, dtype=float)
    average = rates[:5].mean(axis=0)
    if rates[:7].sum() <= 0:
        return np.zeros(0)
    first_day = int(start_h // 24)
    out: list[np.ndarray] = []
    total, day0, chunk = 0, first_day, 64
    while True:
        days = chunk if end_h is None else max(0, min(chunk, int(end_h // 24) + 1 - day0))
        if days == 0:
            break
        rows = day_rows(model, model.origin + dt.timedelta(days=day0), days)
        hourly = np.stack([average if r < 0 else rates[r] for r in rows]).ravel()
        counts = rng.poisson(hourly)
        hours = np.repeat(np.arange(len(hourly)) + day0 * 24, counts)
        times = np.sort(hours + rng.random(len(hours)))
        times = times[times >= start_h]
        if end_h is not None:
            times = times[times < end_h]
        out.append(times)
        total += len(times)
        day0 += days
        if n is not None and total >= n:
            break
        if end_h is None and n is None:
            raise ValueError("give end_h or n")
    times = np.concatenate(out) if out else np.zeros(0)
    return times[:n] if n is not None else times


def run_replication(model: SimulationModel, seed: int, *, cases: int | None = None,
                    start_h: float = 0.0, end_h: float | None = None, until: float | None = None,
                    arrivals: np.ndarray | None = None, trace: bool = False) -> ReplicationOutput:
    """Simulate cases arriving from `start_h` (the first `cases`, or all before `end_h`) and run
    until `until` (default: until every case finishes). With `trace`, each case's executed steps
    and their completion hours are kept (`events`), as a simulated event log for validation."""
    rng = np.random.default_rng(seed)
    if arrivals is None:
        arrivals = generate_arrivals(model, rng, start_h, end_h, cases)
    env = simpy.Environment(initial_time=float(arrivals[0]) if len(arrivals) else start_h)
    horizon_days = int((until or (arrivals[-1] if len(arrivals) else start_h)) // 24) + 60
    clocks = {p: WorkingTime(pool.schedule, model.origin, horizon_days) for p, pool in model.pools.items()}
    resources = {p: simpy.Resource(env, capacity=pool.size) for p, pool in model.pools.items()}
    acts = model.activities
    delay = {a: Sampler(x.delay, rng) for a, x in acts.items()}
    delay_by = {a: {k: Sampler(d, rng) for k, d in x.delay_by_previous.items()} for a, x in acts.items() if x.delay_by_previous}
    proc = {a: Sampler(x.processing, rng) for a, x in acts.items()}
    # wait and work drawn together (mechanism "joint_work"), per step before where the wait differs
    joint = {a: {None: JointSampler(x.delay, x.processing, x.joint, rng),
                 **{k: JointSampler(d, x.processing, x.joint, rng) for k, d in x.delay_by_previous.items()}}
             for a, x in acts.items() if x.joint}
    uniform_buf = rng.random
    groups = {group_name(g): g for g in model.parallel_groups}
    member_p = model.member_probability

    def chooser(dist: dict[str, float]):
        names = list(dist)
        cum = np.cumsum([dist[k] for k in names])
        cum = cum / cum[-1] if cum[-1] > 0 else cum
        return names, cum.tolist()

    routes = {a: chooser(d) for a, d in model.transitions.items() if d}
    # mechanisms (bpr.simulate.mechanisms): routing by case attribute, batch releases, fixed terms
    profiles = model.case_profiles or {}
    profile_names = list(profiles.get("names") or [])
    profile_cum = chooser(dict(enumerate(profiles.get("weights") or []))) if profile_names else None
    conditional = {a: (profile_names.index(c["attribute"]), {v: chooser(d) for v, d in c["by_value"].items() if d})
                   for a, c in model.conditional_transitions.items() if c["attribute"] in profile_names}
    # routing by the case's history: per step, its milestones and a chooser per state; per case,
    # the milestones done
    history = {a: (list(h["milestones"]), {int(k): chooser(d) for k, d in h["by_state"].items() if d})
               for a, h in model.history_transitions.items()}
    milestones = {m for names, _ in history.values() for m in names}
    # routing by the step before: per step, a chooser per previous routing node
    previous = {a: {k: chooser(d) for k, d in spec["by_previous"].items() if d}
                for a, spec in model.previous_transitions.items()}
    batch = {a: (x.batch, Sampler(Distribution("empirical", [], quantiles=x.batch["time_of_day"]), rng)
                 if "time_of_day" in x.batch else None,
                 [chooser(dict(enumerate(p or x.batch["skip_weeks"]))) for p in x.batch.get("skip_weeks_by_lead")
                  or [x.batch["skip_weeks"]]])
             for a, x in acts.items() if x.batch}
    # a step taken when another is late (mechanism "deadline"): per step before, (deadline step,
    # awaited step, the awaited wait's sampler, the deadline's sampler); none where a scenario
    # removed the awaited step
    race: dict[str, list[tuple[str, str, Sampler, Sampler]]] = {}
    for a, x in acts.items():
        for after, spec in x.deadlines.items():
            if spec["awaited"] not in acts:
                continue
            race.setdefault(after, []).append((
                a, spec["awaited"], Sampler(Distribution("empirical", [], quantiles=spec["latent"]), rng),
                Sampler(Distribution("empirical", [], quantiles=spec["deadline"]), rng)))
    race_late = {late for entries in race.values() for late, *_ in entries}
    # batches in slots of the week: per slot, the release's offset from the slot's start
    slot_offsets = {a: [Sampler(Distribution("empirical", [], quantiles=q), rng) for q in x.batch["offsets"]]
                    for a, x in acts.items() if x.batch and x.batch.get("period") == "slots"}
    # a start fixed from an earlier event: (anchor activity or CASE_START, offset sampler); per
    # anchor activity, each case's first completion of it
    anchors = {a: (x.anchor["anchor"], chooser({int(k): v for k, v in x.anchor["days"].items()}),
                   Sampler(Distribution("empirical", [], quantiles=x.anchor["time_of_day"]), rng),
                   list(x.anchor.get("count_weekdays") or range(7)), set(x.anchor.get("weekdays") or range(7)))
               for a, x in acts.items() if x.anchor}
    weekday0 = model.origin.weekday()
    anchor_seen: dict[str, dict[int, float]] = {x[0]: {} for x in anchors.values() if x[0] != CASE_START}
    start_names, start_cum = chooser(model.start)
    arrival_steps = set(model.start) if model.first_step_instant else set()
    n = len(arrivals)
    last = np.array(arrivals, dtype=float)
    finished = np.zeros(n, dtype=bool)
    visits = np.zeros(n, dtype=np.int32)
    steps = np.zeros(n, dtype=np.int32)
    wait = dict.fromkeys(acts, 0.0)
    queue = dict.fromkeys(acts, 0.0)
    count = dict.fromkeys(acts, 0)
    busy = dict.fromkeys(model.pools, 0.0)
    events: list[list[tuple[str, float]]] | None = [[] for _ in range(n)] if trace else None
    done: list[set[str]] = [set() for _ in range(n)] if milestones else []
    buf: list[float] = []

    def u() -> float:
        nonlocal buf
        if not buf:
            buf = uniform_buf(4096).tolist()
        return buf.pop()

    def pick(names: list[str], cum: list[float]) -> str:
        x = u()
        for name, c in zip(names, cum, strict=False):
            if x < c:
                return name
        return names[-1]

    def route(case: int, node: str, before: str) -> str:
        if node in history:
            names, by_state = history[node]
            key = sum(1 << k for k, name in enumerate(names) if name in done[case])
            if key in by_state:
                return pick(*by_state[key])
        if node in conditional:
            index, by_value = conditional[node]
            value = profile[case][index] if profile is not None else None
            if value in by_value:
                return pick(*by_value[value])
        if node in previous and before in previous[node]:
            return pick(*previous[node][before])
        return pick(*routes[node]) if node in routes else END

    def release_time(a: str, began: float) -> float:
        """A batched step's release for a case ready at `began`: the next batch time, or a later
        one when batches are missed; a holiday moves it to the next working day."""
        spec, tod, skips = batch[a]
        if spec.get("period") == "slots":  # the next slot of the week, or later ones when missed
            offsets = slot_offsets[a]
            release = next_slot_release(began, model.origin, list(spec["slots"]), lambda k: offsets[k](),
                                        lambda lead: pick(*skips[min(int(lead // spec["lead_bin_hours"]), len(skips) - 1)]))
        elif spec.get("period") == "month":
            at = tod()
            release = next_monthly_release(began, model.origin, int(spec["day"]), at)
            lead = min(int((release - began) // spec["lead_bin_hours"]), len(skips) - 1)
            release = next_monthly_release(began, model.origin, int(spec["day"]), at, int(pick(*skips[lead])))
        else:
            at = tod()
            release = next_release(began, model.origin, int(spec["weekday"]), at)
            lead = min(int((release - began) // spec.get("lead_bin_hours", 168)), len(skips) - 1)
            release += 7 * 24 * int(pick(*skips[lead]))  # batches missed: the work was not done in time
        clock, day = clocks[acts[a].pool], int(release // 24)
        if clock.worked((day + 1) * 24) <= clock.worked(day * 24):  # a holiday: the next working day
            release = clock.resume(release)
        return release

    def released(case: int, a: str, release: float | None = None):
        """A batched step: the case leaves at the batch time (no resource is held)."""
        began = env.now
        release = release_time(a, began) if release is None else release
        yield env.timeout(release - began)
        wait[a] += release - began
        finish(case, a)

    def raced(node: str, chosen: str) -> tuple[str, float | None]:
        """After `node`, a deadline step and the step it waits for race (mechanism "deadline"): the
        awaited step when its wait ends before the deadline, else the deadline step; and when."""
        for late, awaited, latent, deadline in race.get(node, ()):
            if chosen in (late, awaited):
                now = env.now
                due = release_time(late, now) if late in batch else now + deadline()
                came = now + latent()
                return (awaited, came) if came < due else (late, due)
        return chosen, None

    def finish(case: int, a: str) -> None:
        if a in milestones:
            done[case].add(a)
        if a in anchor_seen:
            anchor_seen[a].setdefault(case, env.now)
        count[a] += 1
        act = acts[a]
        if act.visit_probability and u() < act.visit_probability:
            visits[case] += 1
        steps[case] += 1
        if events is not None:
            events[case].append((a, env.now))
        if env.now > last[case]:
            last[case] = env.now

    def step(case: int, a: str, before: str, ready_at: float | None = None):
        act = acts[a]
        if a in batch and (u() < batch[a][0]["share"] if ready_at is None else a in race_late):
            yield from released(case, a, ready_at)
            return
        pool = act.pool
        clock = clocks[pool]
        began = env.now
        anchor = anchors.get(a)
        at = (None if anchor is None or ready_at is not None else float(arrivals[case]) if anchor[0] == CASE_START
              else anchor_seen[anchor[0]].get(case))
        if ready_at is not None:  # decided by a race with a deadline (calendar time)
            p = proc[a]()
            ready = clock.resume(ready_at) if p > 0 else ready_at
        elif at is not None:  # the anchor's date plus some days, at a time of day; or now when that has passed
            p = proc[a]()
            day = day_after(int(at // 24), int(pick(*anchor[1])), weekday0, anchor[3])
            while (weekday0 + day) % 7 not in anchor[4]:  # booked on a day the step takes place
                day += 1
            ready = max(day * 24 + anchor[2](), began)
            if p > 0:
                ready = clock.resume(ready)
        elif act.fixed_wait_h is not None:  # a fixed calendar term, then the office's next opening
            p = proc[a]()
            ready = clock.resume(began + act.fixed_wait_h)
        else:
            # working hours of the pool: waiting for someone to pick the case up (per step before, where it differs)
            if a in joint:
                d, p = joint[a].get(before, joint[a][None])()
            else:
                d = (delay_by[a].get(before, delay[a]) if a in delay_by else delay[a])()
                p = proc[a]()
            ready = clock.advance(began, d) if d > 0 else began
            if p > 0:  # people take work when their pool is open: do not hold a resource overnight
                ready = clock.resume(ready)
        if ready > began:
            yield env.timeout(ready - began)
        d = ready - began
        asked = env.now
        with resources[pool].request() as req:
            yield req
            got = env.now
            done = clock.advance(got, p)
            if done > got:
                yield env.timeout(done - got)
        busy[pool] += p
        wait[a] += d + got - asked
        queue[a] += got - asked
        finish(case, a)

    def case_process(case: int):
        node = pick(start_names, start_cum)
        if node in arrival_steps:  # the first event marks the arrival itself
            if node in anchor_seen:
                anchor_seen[node].setdefault(case, env.now)
            if node in milestones:
                done[case].add(node)
            count[node] += 1
            steps[case] += 1
            if events is not None:
                events[case].append((node, env.now))
            if acts[node].visit_probability and u() < acts[node].visit_probability:
                visits[case] += 1
            before, node = node, route(case, node, CASE_START)
        else:
            before = CASE_START
        node, ready_at = raced(before, node)
        executed = 0
        while node != END and executed < MAX_STEPS_PER_CASE:
            if node in groups:
                members = [x for x in groups[node] if member_p.get(x, 1.0) >= 1.0 or u() < member_p[x]]
                yield env.all_of([env.process(step(case, x, before)) for x in members])
            else:
                yield from step(case, node, before, ready_at)
            executed += 1
            before, node = node, route(case, node, before)
            node, ready_at = raced(before, node)
        finished[case] = True

    profile = ([int(pick(*profile_cum)) for _ in range(n)] if profile_cum else None)
    if profile is not None:
        values = profiles["values"]
        profile = [values[i] for i in profile]

    def source():
        for i, t in enumerate(arrivals):
            if t > env.now:
                yield env.timeout(t - env.now)
            env.process(case_process(i))

    env.process(source())
    if until is not None:
        env.run(until=max(until, env.now))
    else:
        env.run()
    t0 = float(arrivals[0]) if n else start_h
    t1 = float(env.now)
    available = {p: model.pools[p].size * (clocks[p].worked(t1) - clocks[p].worked(t0)) for p in model.pools}
    return ReplicationOutput(seed, np.asarray(arrivals, dtype=float), last, finished, visits, steps,
                             wait, queue, count, busy, available, t1, events)
