"""The simulation model: plain dataclasses, serialisable to JSON (`to_dict` / `from_dict`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bpr.i18n import Note
from bpr.simulate.clock import Schedule
from bpr.simulate.distributions import Distribution

END = "__end__"  # routing target meaning "the case is finished"
PARALLEL_SEPARATOR = " ∥ "


def group_name(members: list[str]) -> str:
    """The routing node of a parallel group: its members joined by " ∥ "."""
    return PARALLEL_SEPARATOR.join(members)


def _merged(dist: dict[str, float], members: set[str], node: str) -> dict[str, float]:
    """`dist` with the probabilities of `members` summed on `node`."""
    out: dict[str, float] = {}
    for t, p in dist.items():
        key = node if t in members else t
        out[key] = out.get(key, 0.0) + p
    return out


def _renamed(by: dict[str, dict[str, float]], counts: dict[str, int], nodes: set[str],
             node: str) -> tuple[dict[str, dict[str, float]], dict[str, int]]:
    """Routing per previous step (`by`, with each previous step's `counts`) with the previous steps
    in `nodes` become one, `node`: their routings averaged, weighted by their counts."""
    out: dict[str, dict[str, float]] = {}
    n: dict[str, int] = {}
    for prev, dist in by.items():
        key, c = (node if prev in nodes else prev), max(int(counts.get(prev, 1)), 1)
        total = n.get(key, 0)
        merged = {t: p * total for t, p in out.get(key, {}).items()}
        for t, p in dist.items():
            merged[t] = merged.get(t, 0.0) + p * c
        n[key] = total + c
        out[key] = {t: v / n[key] for t, v in merged.items()}
    return out, n


@dataclass
class Activity:
    """One step: who does it, how long the work takes (working hours on the pool's schedule) and
    how long it waits for reasons no resource explains (extraneous delay, also in working hours)."""

    name: str
    pool: str
    processing: Distribution = field(default_factory=Distribution)
    delay: Distribution = field(default_factory=Distribution)
    visit_probability: float = 0.0  # chance the applicant must come on site for this step
    count: int = 0  # events in the log
    members: list[str] = field(default_factory=list)  # for a merged step: the steps it replaces
    delay_clock: Distribution | None = None  # the same delay in clock hours (for tools without calendars)
    #: a batched step (bpr.simulate.mechanisms, "batched"): with probability `share` the case is
    #: released at the next batch time: {weekday, share, time_of_day (quantiles, hours), skip_weeks
    #: (probabilities of 0, 1, … weeks skipped)}; the other cases wait `delay` and work as usual.
    #: Slots of the week ("batched_slots", period "slots"): {slots (start hours since Monday 00:00),
    #: width_h, share, offsets (per slot, quantiles of the release's hours after the slot's start),
    #: skip_weeks (probabilities of 0, 1, … slots missed), lead_bin_hours, skip_weeks_by_lead}
    batch: dict | None = None
    #: a fixed calendar term (clock hours) waited instead of `delay`, then the pool's next opening
    #: (mechanism "scheduled_wait", e.g. a 15-day 公示期)
    fixed_wait_h: float | None = None
    #: a start fixed from an earlier event (mechanism "anchored_wait"): {anchor (an earlier step,
    #: or "__start__" for the case's start), days ({days from the anchor's date to the start's,
    #: counted on `count_weekdays` (0 = Monday; all seven: calendar days): probability}), weekdays
    #: (those the step takes place on: a date falling elsewhere moves to the next), time_of_day
    #: (quantiles, hours)}; the step starts then, or when it is enabled if that is later
    anchor: dict | None = None
    #: the wait per previous step (mechanism "previous_wait"), where it differs; `delay` otherwise
    delay_by_previous: dict[str, Distribution] = field(default_factory=dict)
    #: wait and work drawn together (mechanism "joint_work"): the observed pairs' ranks, [u, v] in (0, 1)
    joint: list[list[float]] | None = None
    #: taken when another step is late (mechanism "deadline"), per step before it: {awaited (the
    #: step it races), latent (quantiles of the awaited wait had there been no deadline, calendar
    #: hours), deadline (quantiles of this step's calendar wait; a batched step waits for its
    #: release instead)}
    deadlines: dict[str, dict] = field(default_factory=dict)

    def to_dict(self) -> dict:
        out = {"name": self.name, "pool": self.pool, "processing": self.processing.to_dict(),
               "delay": self.delay.to_dict(), "visit_probability": self.visit_probability,
               "count": self.count, "members": self.members,
               "delay_clock": self.delay_clock.to_dict() if self.delay_clock else None}
        if self.batch:
            out["batch"] = self.batch
        if self.fixed_wait_h is not None:
            out["fixed_wait_h"] = self.fixed_wait_h
        if self.anchor:
            out["anchor"] = self.anchor
        if self.delay_by_previous:
            out["delay_by_previous"] = {k: d.to_dict() for k, d in self.delay_by_previous.items()}
        if self.joint:
            out["joint"] = self.joint
        if self.deadlines:
            out["deadlines"] = self.deadlines
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Activity:
        return cls(data["name"], data["pool"], Distribution.from_dict(data["processing"]),
                   Distribution.from_dict(data["delay"]), data.get("visit_probability", 0.0),
                   data.get("count", 0), list(data.get("members", [])),
                   Distribution.from_dict(data["delay_clock"]) if data.get("delay_clock") else None,
                   data.get("batch"), data.get("fixed_wait_h"), data.get("anchor"),
                   {k: Distribution.from_dict(d) for k, d in (data.get("delay_by_previous") or {}).items()},
                   data.get("joint"), dict(data.get("deadlines") or {}))


@dataclass
class Pool:
    """Resources that share work: a role or department, its size and its working hours."""

    name: str
    size: int
    schedule: Schedule = field(default_factory=Schedule.always)
    resources: list[str] = field(default_factory=list)
    distinct_resources: float = 0.0  # resources weighted by the share of their work done here
    observed_utilisation: float | None = None

    def to_dict(self) -> dict:
        return {"name": self.name, "size": self.size, "schedule": self.schedule.to_dict(),
                "resources": self.resources, "distinct_resources": self.distinct_resources,
                "observed_utilisation": self.observed_utilisation}

    @classmethod
    def from_dict(cls, data: dict) -> Pool:
        return cls(data["name"], int(data["size"]), Schedule.from_dict(data["schedule"]),
                   list(data.get("resources", [])), data.get("distinct_resources", 0.0),
                   data.get("observed_utilisation"))


@dataclass
class Arrivals:
    """Case arrivals as a Poisson process whose rate (cases per hour) depends on the day type and
    the hour: rows 0–6 Monday–Sunday of ordinary days, row 7 China's holidays falling on weekdays
    (calendar "cn" only) ; make-up working days use the mean of rows 0–4."""

    rates: list[list[float]] = field(default_factory=lambda: [[0.0] * 24 for _ in range(8)])
    calendar: str = "weekly"

    @property
    def per_week(self) -> float:
        return sum(sum(r) for r in self.rates[:7])

    def to_dict(self) -> dict:
        return {"rates": self.rates, "calendar": self.calendar, "cases_per_week": self.per_week}

    @classmethod
    def from_dict(cls, data: dict) -> Arrivals:
        return cls([list(map(float, r)) for r in data["rates"]], data.get("calendar", "weekly"))


@dataclass
class SimulationModel:
    """Everything the engine needs: steps, routing (a first-order chain over steps, learnt from
    the directly-follows graph), rework edges, pools, arrivals and calendars."""

    activities: dict[str, Activity]
    start: dict[str, float]  # first step -> probability
    transitions: dict[str, dict[str, float]]  # step -> {next step or END: probability}
    pools: dict[str, Pool]
    arrivals: Arrivals = field(default_factory=Arrivals)
    origin: dt.date = dt.date(2024, 1, 1)  # local date whose midnight is simulation time 0
    timezone: str = "Asia/Shanghai"
    rework_edges: list[tuple[str, str]] = field(default_factory=list)
    parallel_groups: list[list[str]] = field(default_factory=list)
    #: for a member of a parallel group: the chance it runs when the group runs (optional steps stay optional)
    member_probability: dict[str, float] = field(default_factory=dict)
    first_step_instant: bool = True  # the first event marks the arrival (no start times in the log)
    visits_known: bool = True  # False: the log shows no on-site event (no channel, no step any rule recognises)
    promised_limit_days: float | None = None
    office: Schedule = field(default_factory=Schedule.office)  # for cycle times in working days
    hours_per_day: float = 7.0
    source: str = ""
    cases: int = 0
    log_start: str | None = None
    log_end: str | None = None
    notes: list[Note] = field(default_factory=list)
    #: routing that depends on a case attribute (mechanism "attribute_branching"):
    #: step -> {attribute, by_value: {value: {next step or END: probability}}}
    conditional_transitions: dict[str, dict] = field(default_factory=dict)
    #: the case attributes routing depends on, as observed: {names, values (one list per profile),
    #: weights}; each simulated case draws one profile
    case_profiles: dict = field(default_factory=dict)
    #: routing that depends on the case's history (mechanism "history_routing"): step ->
    #: {milestones (once-per-case steps), by_state ({bits of the milestones done, as text: {next step
    #: or END: probability}})}; a state not listed routes by `transitions`
    history_transitions: dict[str, dict] = field(default_factory=dict)
    #: routing that depends on the step before (mechanism "previous_routing"): step -> {by_previous
    #: ({previous routing node, or "__start__" for none: {next step or END: probability}}), counts
    #: ({previous: events})}; a previous step not listed routes by `transitions`
    previous_transitions: dict[str, dict] = field(default_factory=dict)
    #: the mechanisms found in the log (`Mechanism.to_dict()`: id, step, evidence, params, zh, en)
    mechanisms: list[dict] = field(default_factory=list)

    @property
    def steps(self) -> list[str]:
        return list(self.activities)

    def contract(self, members: list[str], node: str) -> None:
        """Replace `members` by one routing node: inflow summed, outflow weighted by member traffic
        (routes between members are dropped)."""
        ms = set(members)
        weights = {m: max(self.activities[m].count, 1) if m in self.activities else 1 for m in members}
        out: dict[str, float] = {}
        for m in members:
            for t, p in self.transitions.get(m, {}).items():
                if t not in ms:
                    out[t] = out.get(t, 0.0) + weights[m] * p
        total = sum(out.values())
        self.transitions = {a: d for a, d in self.transitions.items() if a not in ms}
        self.transitions[node] = {t: v / total for t, v in out.items()} if total > 0 else {END: 1.0}
        self._route_to(ms, node)
        self.rework_edges = [(node if a in ms else a, node if b in ms else b) for a, b in self.rework_edges
                             if not (a in ms and b in ms)]

    def _route_to(self, nodes: set[str], node: str) -> None:
        """Every route into one of `nodes` (first-order, by case attribute, by history, at the
        start) leads to `node` instead."""
        self.transitions = {a: _merged(d, nodes, node) for a, d in self.transitions.items()}
        self.start = _merged(self.start, nodes, node)
        for table, key in ((self.conditional_transitions, "by_value"), (self.history_transitions, "by_state"),
                           (self.previous_transitions, "by_previous")):
            for spec in table.values():
                spec[key] = {v: _merged(d, nodes, node) for v, d in spec[key].items()}
        for spec in self.previous_transitions.values():  # a case coming from one of `nodes` comes from `node`
            spec["by_previous"], spec["counts"] = _renamed(spec["by_previous"], spec["counts"], nodes, node)

    def group_of(self, step: str) -> list[str] | None:
        """The parallel group `step` runs in, or None."""
        return next((g for g in self.parallel_groups if step in g), None)

    def regroup(self, members: list[str], new: list[str]) -> None:
        """Parallel group `members` becomes `new` (a member removed, or members merged into one):
        its routing node is renamed everywhere; a group left with one step is that step alone."""
        old, node = group_name(members), group_name(new) if len(new) > 1 else new[0]
        self.parallel_groups = [list(new) if g == members else g for g in self.parallel_groups
                                if g != members or len(new) > 1]
        if len(new) == 1:
            self.member_probability.pop(new[0], None)
        self.transitions = {node if a == old else a: d for a, d in self.transitions.items()}
        self._route_to({old}, node)
        self.rework_edges = [(node if a == old else a, node if b == old else b) for a, b in self.rework_edges]

    def add_parallel_group(self, members: list[str], member_probability: dict[str, float]) -> str:
        """Run `members` side by side (each with its probability), continuing when all are done:
        they become one routing node (`contract`); routing by case attribute or history that
        started at a member is dropped. Returns the node."""
        node = group_name(members)
        for table in (self.conditional_transitions, self.history_transitions, self.previous_transitions):
            for step in [s for s in table if s in members]:
                del table[step]
        self.contract(members, node)
        self.member_probability.update(member_probability)
        self.parallel_groups.append(list(members))
        return node

    def rework_probability(self, step: str) -> float:
        """Chance that a case leaving `step` goes back (rework / send-back)."""
        return sum(p for t, p in self.transitions.get(step, {}).items() if (step, t) in self.rework_set)

    @property
    def rework_set(self) -> set[tuple[str, str]]:
        return {tuple(e) for e in self.rework_edges}

    def to_dict(self) -> dict:
        return {
            "source": self.source, "cases": self.cases, "log_start": self.log_start, "log_end": self.log_end,
            "origin": self.origin.isoformat(), "timezone": self.timezone,
            "first_step_instant": self.first_step_instant, "visits_known": self.visits_known,
            "promised_limit_days": self.promised_limit_days,
            "hours_per_day": self.hours_per_day, "office": self.office.to_dict(),
            "arrivals": self.arrivals.to_dict(),
            "activities": {k: a.to_dict() for k, a in self.activities.items()},
            "start": self.start, "transitions": self.transitions,
            "rework_edges": [list(e) for e in self.rework_edges],
            "rework_probability": {a: round(self.rework_probability(a), 6) for a in self.activities
                                   if self.rework_probability(a) > 0},
            "parallel_groups": self.parallel_groups, "member_probability": self.member_probability,
            "pools": {k: p.to_dict() for k, p in self.pools.items()},
            "notes": [n.to_dict() for n in self.notes],
            "mechanisms": self.mechanisms, "conditional_transitions": self.conditional_transitions,
            "case_profiles": self.case_profiles, "history_transitions": self.history_transitions,
            "previous_transitions": self.previous_transitions,
        }

    @classmethod
    def from_dict(cls, data: dict) -> SimulationModel:
        return cls(
            activities={k: Activity.from_dict(v) for k, v in data["activities"].items()},
            start={k: float(v) for k, v in data["start"].items()},
            transitions={k: {t: float(p) for t, p in v.items()} for k, v in data["transitions"].items()},
            pools={k: Pool.from_dict(v) for k, v in data["pools"].items()},
            arrivals=Arrivals.from_dict(data["arrivals"]),
            origin=dt.date.fromisoformat(data.get("origin", "2024-01-01")),
            timezone=data.get("timezone", "Asia/Shanghai"),
            rework_edges=[tuple(e) for e in data.get("rework_edges", [])],
            parallel_groups=[list(g) for g in data.get("parallel_groups", [])],
            member_probability={k: float(v) for k, v in data.get("member_probability", {}).items()},
            first_step_instant=data.get("first_step_instant", True), visits_known=data.get("visits_known", True),
            promised_limit_days=data.get("promised_limit_days"),
            office=Schedule.from_dict(data["office"]) if "office" in data else Schedule.office(),
            hours_per_day=data.get("hours_per_day", 7.0),
            source=data.get("source", ""), cases=data.get("cases", 0),
            log_start=data.get("log_start"), log_end=data.get("log_end"), notes=[Note.from_dict(n) for n in data.get("notes", [])],
            conditional_transitions=dict(data.get("conditional_transitions") or {}),
            case_profiles=dict(data.get("case_profiles") or {}), mechanisms=list(data.get("mechanisms") or []),
            history_transitions=dict(data.get("history_transitions") or {}),
            previous_transitions=dict(data.get("previous_transitions") or {}),
        )
