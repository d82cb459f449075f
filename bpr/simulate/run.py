"""Run scenarios against the as-is model and summarise them with confidence intervals.

result.json (`SimulationResult.to_dict()`):
    kind: "simulate", source, seed, replications, cases
    validation: null | {train_cases, test_cases, split_at, cutoff, window_policy, real_/sim_ median_h,
                p90_h, mean_h, median_rel_error, p90_rel_error, emd_hours, goal_met,
                train_median_h, train_p90_h, drift, drift_since (the date to give --since), per_replication, step_changes,
                step_waits [{step, events, simulated_events, real_median_h, sim_median_h, rel_error}],
                step_wait_error, control_flow_distance (n-gram distance, 0..1),
                emd_ci_hours [low, high] (95 % t interval of the mean EMD across replications),
                intervals: {median_h|p90_h|mean_h: {low, high, real, outside}} (95 % prediction
                interval across replications), miss_steps [{step, real_median_h, sim_median_h, hours,
                direction}] (when a real figure falls outside its interval),
                real_intervals {median_h|p90_h: [low, high]} (95 % block bootstrap interval of the
                real figure over the test cases in start order: its own sampling noise), verdicts {median|p90: met|sampling|model} (a miss
                of the goal inside that interval is "sampling"),
                rolling: {shares, splits: [{train_share, train_cases, test_cases, split_at,
                          real_/sim_ median_h and p90_h, median_rel_error, p90_rel_error, emd_hours,
                          step_wait_error, control_flow_distance, goal_met, drift, intervals,
                          real_intervals, verdicts, miss_steps, arrival_check} | {train_share, skipped}],
                          worst: {splits_run, goal_met, <figure>: {value, train_share}}},
                given_arrivals (issue 19: the real case starts replayed, the process model alone; not
                part of goal_met): {} | {replications, simulated_cases, sim_median_h, sim_p90_h,
                sim_mean_h, median_rel_error, p90_rel_error, emd_hours},
                past_period (the model on its training period, the training cases' starts
                replayed; not part of goal_met): {} | {from, real_cases, replications, real_/sim_
                median_h and p90_h, median_rel_error, p90_rel_error, emd_hours},
                arrival_check {real_cases, simulated_cases, rel_difference, missed (over 25 %)}}
    scenarios: [{name, description, label ({zh, en} or null), changes, replications, cases,
                 cycle_hours / cycle_working_days: {mean|median|p90: {mean, ci_low, ci_high}},
                 histogram_hours: {edges, share}, waiting_hours: {step: interval},
                 utilisation: {pool: interval}, on_time_rate: interval | null,
                 visits_per_case, steps_per_case: interval,
                 versus_as_is: {mean_h|median_h|p90_h|mean_d|median_d|p90_d|visits|on_time: interval}}]
                (the first scenario is the as-is run; intervals are 95 % t intervals across
                replications; differences are paired by seed)
    model: SimulationModel.to_dict() (the discovered parameters), with (issue 19, new keys)
           mechanisms [{id, step, evidence, params, zh, en}] (bpr.simulate.mechanisms: batched, batched_slots, batched_monthly,
           scheduled_wait, attribute_branching, long_tail, anchored_wait, history_routing, parallel; [] when none was found),
           conditional_transitions {step: {attribute, by_value}}, case_profiles {names, values,
           weights}, history_transitions {step: {milestones, by_state}}, parallel_groups and member_probability
           (a parallel group's routing node is its members joined by " ∥ "), and per activity `batch` / `fixed_wait_h` / `anchor` when modelled
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from scipy import stats

from bpr.analyse.local_time import local_day
from bpr.errors import InputError, UsageError
from bpr.i18n import Note
from bpr.model.eventlog import EventLog
from bpr.progress import note
from bpr.simulate.clock import WorkingTime
from bpr.simulate.discovery import discover_model
from bpr.simulate.engine import ReplicationOutput, run_replication
from bpr.simulate.model import SimulationModel
from bpr.simulate.scenario import Scenario, apply_scenario, pools_named
from bpr.simulate.validate import (
    ValidationResult,
    histogram_edges,
    histogram_shares,
    rolling_origin,
    validate_log,
)


def interval(values: list[float]) -> dict:
    """Mean with a 95 % t confidence interval across replications (None when one replication)."""
    x = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    if len(x) == 0:
        return {"mean": None, "ci_low": None, "ci_high": None}
    mean = float(x.mean())
    if len(x) < 2:
        return {"mean": mean, "ci_low": None, "ci_high": None}
    half = float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half}


@dataclass
class ScenarioResult:
    name: str
    description: str
    changes: dict
    replications: int
    cases: int
    cycle_hours: dict  # mean/median/p90 -> interval
    cycle_working_days: dict
    histogram_hours: dict  # {edges, share}
    waiting_hours: dict  # step -> interval of mean wait per execution
    utilisation: dict  # pool -> interval
    on_time_rate: dict | None
    visits_per_case: dict
    steps_per_case: dict
    versus_as_is: dict = field(default_factory=dict)  # metric -> interval of (to-be − as-is), paired by seed
    model_changes: list[str] = field(default_factory=list)
    label: Note | None = None  # how reports name a scenario made from a plan
    notes: list[Note] = field(default_factory=list)  # why a change does little (see `_staffing_notes`)

    def to_dict(self) -> dict:
        return {**self.__dict__, "label": self.label.to_dict() if self.label else None,
                "notes": [n.to_dict() for n in self.notes]}


@dataclass
class SimulationResult:
    """What `bpr simulate` writes to result.json."""

    source: str
    seed: int
    replications: int
    cases: int
    model: SimulationModel
    scenarios: list[ScenarioResult]
    validation: ValidationResult | None = None
    kind: str = "simulate"

    def to_dict(self) -> dict:
        return {"kind": self.kind, "source": self.source, "seed": self.seed, "replications": self.replications,
                "cases": self.cases, "validation": self.validation.to_dict() if self.validation else None,
                "scenarios": [s.to_dict() for s in self.scenarios], "model": self.model.to_dict()}


def _per_rep(model: SimulationModel, out: ReplicationOutput, office: WorkingTime) -> dict:
    done = out.finished
    hours = out.cycle_hours[done]
    days = (office.worked_array(out.last_event[done]) - office.worked_array(out.arrival[done])) / model.hours_per_day
    rec = {"mean_h": float(hours.mean()) if len(hours) else np.nan,
           "median_h": float(np.median(hours)) if len(hours) else np.nan,
           "p90_h": float(np.percentile(hours, 90)) if len(hours) else np.nan,
           "mean_d": float(days.mean()) if len(days) else np.nan,
           "median_d": float(np.median(days)) if len(days) else np.nan,
           "p90_d": float(np.percentile(days, 90)) if len(days) else np.nan,
           "visits": float(out.visits[done].mean()) if done.any() else np.nan,
           "steps": float(out.steps[done].mean()) if done.any() else np.nan,
           "on_time": (float(np.mean(days <= model.promised_limit_days + 1e-9))
                       if model.promised_limit_days is not None and len(days) else None),
           "hours": hours}
    rec["wait"] = {a: out.step_wait[a] / out.step_count[a] for a in out.step_count if out.step_count[a]}
    rec["wait_total"], rec["queue_total"] = dict(out.step_wait), dict(out.step_queue)
    rec["util"] = {p: out.pool_busy[p] / out.pool_available[p] for p in out.pool_busy if out.pool_available[p] > 0}
    return rec


def run_scenario(model: SimulationModel, scenario: Scenario, *, cases: int, replications: int, seed: int,
                 start_h: float) -> list[dict]:
    scen_model = model if scenario.is_as_is else apply_scenario(model, scenario, seed)
    office = WorkingTime(scen_model.office, scen_model.origin, int(start_h // 24) + 400)
    reps = []
    for r in range(replications):
        out = run_replication(scen_model, seed * 1000 + r, cases=cases, start_h=start_h)
        reps.append(_per_rep(scen_model, out, office))
    return reps


def _summarise(name: str, scenario: Scenario, reps: list[dict], base: list[dict] | None, edges: np.ndarray,
               cases: int) -> ScenarioResult:
    share = histogram_shares(np.concatenate([r["hours"] for r in reps]), edges)
    steps = sorted({a for r in reps for a in r["wait"]})
    pools = sorted({p for r in reps for p in r["util"]})
    on_time = None if reps[0]["on_time"] is None else interval([r["on_time"] for r in reps])
    versus = {}
    if base is not None:
        for key in ("mean_h", "median_h", "p90_h", "mean_d", "median_d", "p90_d", "visits"):
            versus[key] = interval([r[key] - b[key] for r, b in zip(reps, base, strict=False)])
        if on_time is not None and base[0]["on_time"] is not None:
            versus["on_time"] = interval([r["on_time"] - b["on_time"] for r, b in zip(reps, base, strict=False)])
    return ScenarioResult(
        name=name, description=scenario.description, label=scenario.label, changes=scenario.to_dict(),
        replications=len(reps), cases=cases,
        cycle_hours={k: interval([r[f"{k}_h"] for r in reps]) for k in ("mean", "median", "p90")},
        cycle_working_days={k: interval([r[f"{k}_d"] for r in reps]) for k in ("mean", "median", "p90")},
        histogram_hours={"edges": [float(e) for e in edges], "share": share},
        waiting_hours={a: interval([r["wait"].get(a) for r in reps]) for a in steps},
        utilisation={p: interval([r["util"].get(p) for r in reps]) for p in pools},
        on_time_rate=on_time, visits_per_case=interval([r["visits"] for r in reps]),
        steps_per_case=interval([r["steps"] for r in reps]), versus_as_is=versus)


#: below this share of a pool's waiting spent queueing for its staff, more staff cannot shorten it much
QUEUE_SHARE_LOW = 0.1


def _staffing_notes(model: SimulationModel, scenario: Scenario, as_is: list[dict]) -> list[Note]:
    """For each pool a scenario staffs up: when its steps' waiting in the as-is runs is mostly not
    queueing for its staff (but extraneous delay: in-trays, appointments, the applicant), say so."""
    notes = []
    for name, value in scenario.staffing.items():
        if str(value).strip().startswith("-"):
            continue
        for pool in pools_named(model, name):
            steps = [a for a, act in model.activities.items() if act.pool == pool]
            wait = sum(r["wait_total"].get(a, 0.0) for r in as_is for a in steps)
            queue = sum(r["queue_total"].get(a, 0.0) for r in as_is for a in steps)
            if wait > 0 and queue / wait < QUEUE_SHARE_LOW:
                share = 100 * queue / wait
                notes.append(Note.of("note_staffing_no_queue", pool=pool, share=f"{share:.1f}" if share >= 0.1 else "<0.1"))
    return notes


#: simulated arrivals may span at most this many years: beyond it the log's arrival pattern (and the
#: calendar) says nothing, and the clock (`clock.HORIZON_DAYS`) runs out while queues still drain
MAX_ARRIVAL_YEARS = 10


def check_horizon(model: SimulationModel, cases: int) -> None:
    """A UsageError naming --cases when `cases` arrivals at the model's rate span more than
    MAX_ARRIVAL_YEARS (simulate --cases 1000000 ran 140 s, then failed deep in the clock)."""
    per_week = model.arrivals.per_week
    if per_week <= 0:
        return
    years = cases / per_week / 52.18
    if years > MAX_ARRIVAL_YEARS:
        most = int(per_week * 52.18 * MAX_ARRIVAL_YEARS)
        raise UsageError.of("sim_too_many_cases", {"cases": f"{cases:,}", "per_week": f"{per_week:,.1f}",
                                                   "years": f"{years:,.0f}", "limit": MAX_ARRIVAL_YEARS,
                                                   "most": f"{most:,}"})


def simulate(model: SimulationModel, scenarios: list[Scenario], *, cases: int = 1000, replications: int = 10,
             seed: int = 0, source: str = "", validation: ValidationResult | None = None) -> SimulationResult:
    """As-is plus each scenario, `replications` runs of `cases` cases each, same seeds for all
    (common random numbers, so differences are paired)."""
    start_h = ((pd.Timestamp(model.log_end).normalize() - pd.Timestamp(model.origin)).total_seconds() / 3600 + 24
               if model.log_end else 0.0)
    check_horizon(model, cases)
    named = [Scenario.as_is(), *[s for s in scenarios if not s.is_as_is]]
    runs = [(s, run_scenario(model, s, cases=cases, replications=replications, seed=seed, start_h=start_h))
            for s in named]
    edges = histogram_edges(np.concatenate([r["hours"] for _, reps in runs for r in reps]))
    base = runs[0][1]
    results = [_summarise(s.name, s, reps, None if i == 0 else base, edges, cases) for i, (s, reps) in enumerate(runs)]
    for result, (scenario, _) in zip(results, runs, strict=True):
        result.notes.extend(_staffing_notes(model, scenario, base))
    return SimulationResult(source or model.source, seed, replications, cases, model, results, validation)


def simulate_log(log: EventLog, scenarios: list[Scenario] | None = None, *, cases: int = 1000,
                 replications: int = 10, seed: int = 0, validate: bool = False, source: str = "",
                 promised_limit_days: float | None = None, since: datetime | None = None,
                 mechanisms: bool = True) -> SimulationResult:
    """Discover the model from `log` (only the cases that started at or after `since`, when the
    process has changed), optionally validate it, and run the scenarios. `mechanisms`: detect and
    model batching, fixed terms, attribute routing and long tails (bpr.simulate.mechanisms)."""
    if since is not None:
        recent = log.cases_since(since)
        if recent.events == 0:
            raise InputError.of("since_no_cases", {"since": f"{since:%Y-%m-%d}", "last": local_day(log.end, log.timezone)},
                                file=source or log.source or None)
        log = recent
    note("discovering the simulation model")
    model = discover_model(log, seed=seed, source=source, promised_limit_days=promised_limit_days,
                           mechanisms=mechanisms)
    if since is not None:
        model.notes.append(Note.of("note_sim_since", since=f"{since:%Y-%m-%d}", cases=log.cases))
    validation = None
    if validate:
        note("validating on the last 30% of cases")
        validation = validate_log(log, replications=min(replications, 5), seed=seed, source=source,
                                  mechanisms=mechanisms)
        note("rolling origin: validating at 50, 60, 70 and 80% of cases")
        validation.rolling = rolling_origin(log, replications=min(replications, 5), seed=seed, source=source,
                                            known=validation, mechanisms=mechanisms)
    note(f"simulating {len(scenarios or []) + 1} scenario(s) × {replications} replications × {cases} cases")
    return simulate(model, scenarios or [], cases=cases, replications=replications, seed=seed, source=source,
                    validation=validation)
