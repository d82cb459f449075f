"""Export a discovered model as BPMN 2.0 plus Prosimos simulation parameters (JSON).

The routing chain becomes exclusive gateways with branching probabilities; extraneous delays become
timer events in clock hours (a bypass branch carries the share of zero delays); pools become resource profiles
with weekly calendars (Prosimos has no holiday calendar: China's holidays are not exported);
arrivals become exponential inter-arrival times, with the hours that receive cases as the arrival calendar and
the mean calibrated to Prosimos's arrival rule (`arrival_mean_hours`). Prosimos has
no empirical duration family: such distributions are exported as the family (lognormal, gamma,
exponential, normal; maximum likelihood) closest to them in Wasserstein distance, as mean and
variance. The first step of a case, when it only marks the arrival, becomes a zero-time task.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np

from bpr.io.safety import atomic_output
from bpr.simulate.clock import DAY_NAMES, Schedule
from bpr.simulate.distributions import Distribution
from bpr.simulate.model import END, SimulationModel, group_name

ARRIVAL_TASK = "case arrival"
_DAYS = [d.upper() for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")]


def _ids(model: SimulationModel) -> dict[str, str]:
    return {a: f"task_{i}" for i, a in enumerate(model.activities)}


class _Graph:
    def __init__(self) -> None:
        self.nodes: list[tuple[str, str, str, dict]] = []  # (tag, id, name, extra)
        self.flows: list[tuple[str, str, str]] = []

    def node(self, tag: str, nid: str, name: str = "", **extra) -> str:
        self.nodes.append((tag, nid, name, extra))
        return nid

    def flow(self, a: str, b: str) -> str:
        fid = f"flow_{len(self.flows)}"
        self.flows.append((fid, a, b))
        return fid


def build(model: SimulationModel) -> tuple[str, dict]:
    """(BPMN XML text, Prosimos JSON parameters) for the model. A parallel group becomes a parallel
    split and join around its members; a member that runs in only part of the group's cases sits
    behind an exclusive gateway that skips it with the complementary probability."""
    ids = _ids(model)
    g = _Graph()
    gateways: list[dict] = []
    events: list[dict] = []
    tasks: list[dict] = []
    rng = np.random.default_rng(0)
    start = g.node("startEvent", "start", "start")
    end = g.node("endEvent", "end", "end")
    end_join = g.node("exclusiveGateway", "join_end", direction="Converging")
    g.flow(end_join, end)
    entry: dict[str, str] = {}
    incoming: dict[str, int] = {}
    for d in model.transitions.values():
        for t in d:
            incoming[t] = incoming.get(t, 0) + 1
    first_instant = model.first_step_instant
    start_probs = dict(model.start)
    if first_instant:  # the arrival itself, then where the first step leads
        arrival = g.node("task", "task_arrival", ARRIVAL_TASK)
        g.flow(start, arrival)
        tasks.append({"task_id": "task_arrival", "resources": [{"resource_id": "res_arrival",
                      **_prosimos_dist(Distribution.fixed(0.0), rng)}]})
        routed: dict[str, float] = {}
        for a, p in model.start.items():
            for t, q in model.transitions.get(a, {END: 1.0}).items():
                routed[t] = routed.get(t, 0.0) + p * q
        start_probs = routed
        source = arrival
    else:
        source = start
    for t in start_probs:
        incoming[t] = incoming.get(t, 0) + 1
    for a, act in model.activities.items():
        tid = ids[a]
        node_in = g.node("exclusiveGateway", f"join_{tid}", direction="Converging")
        entry[a] = node_in
        last = node_in
        delay = act.delay_clock or act.delay  # Prosimos timers run on the clock, not on a calendar
        if delay.mean > 0:
            split = g.node("exclusiveGateway", f"dsplit_{tid}", direction="Diverging")
            g.flow(last, split)
            timer = g.node("intermediateCatchEvent", f"delay_{tid}", f"delay {a}", timer=True)
            joined = g.node("exclusiveGateway", f"djoin_{tid}", direction="Converging")
            f_timer = g.flow(split, timer)
            f_skip = g.flow(split, joined)
            g.flow(timer, joined)
            positive = _positive(delay)
            gateways.append({"gateway_id": split, "probabilities": [
                {"path_id": f_timer, "value": 1 - positive[1]}, {"path_id": f_skip, "value": positive[1]}]})
            events.append({"event_id": timer, **_prosimos_dist(positive[0], rng)})
            last = joined
        task = g.node("task", tid, a)
        g.flow(last, task)
        tasks.append({"task_id": tid, "resources": [{"resource_id": _res_id(act.pool, model),
                                                     **_prosimos_dist(act.processing, rng)}]})
    in_group: dict[str, str] = {}
    for k, members in enumerate(model.parallel_groups):
        # every route into the group meets at an exclusive join first: a parallel gateway with two
        # incoming flows would wait for a token on each
        merge = g.node("exclusiveGateway", f"gjoin_{k}", direction="Converging")
        fork = g.node("parallelGateway", f"psplit_{k}", direction="Diverging")
        join = g.node("parallelGateway", f"pjoin_{k}", direction="Converging")
        g.flow(merge, fork)
        entry[group_name(members)] = merge
        for m in members:
            p = float(model.member_probability.get(m, 1.0))
            if p >= 1.0:
                g.flow(fork, entry[m])
                in_group[m] = join
            else:
                split = g.node("exclusiveGateway", f"osplit_{ids[m]}", direction="Diverging")
                skip_join = g.node("exclusiveGateway", f"ojoin_{ids[m]}", direction="Converging")
                g.flow(fork, split)
                f_run, f_skip = g.flow(split, entry[m]), g.flow(split, skip_join)
                gateways.append({"gateway_id": split, "probabilities": [{"path_id": f_run, "value": p},
                                                                       {"path_id": f_skip, "value": 1 - p}]})
                g.flow(skip_join, join)
                in_group[m] = skip_join
        _route(g, gateways, join, model.transitions.get(group_name(members), {END: 1.0}), entry, end_join)
    for a in model.activities:
        if a in in_group:
            g.flow(ids[a], in_group[a])
        else:
            _route(g, gateways, ids[a], model.transitions.get(a, {END: 1.0}), entry, end_join)
    _route(g, gateways, source, start_probs, entry, end_join, gid="split_start")
    bpmn = _bpmn_xml(g)
    params = {
        "resource_profiles": _profiles(model, ids),
        "arrival_time_distribution": _arrival_dist(model),
        "arrival_time_calendar": _arrival_calendar(model),
        "gateway_branching_probabilities": gateways,
        "task_resource_distribution": tasks,
        "resource_calendars": _calendars(model),
        "event_distribution": events,
        "batch_processing": [],
        "case_attributes": [],
        "prioritisation_rules": [],
    }
    return bpmn, params


def _route(g: _Graph, gateways: list, source: str, dist: dict[str, float], entry: dict[str, str], end_join: str,
           gid: str | None = None) -> None:
    split = g.node("exclusiveGateway", gid or f"split_{source}", direction="Diverging")
    g.flow(source, split)
    probs = []
    for t, p in dist.items():
        fid = g.flow(split, end_join if t == END else entry[t])
        probs.append({"path_id": fid, "value": float(p)})
    gateways.append({"gateway_id": split, "probabilities": probs})


def _res_id(pool: str, model: SimulationModel) -> str:
    return f"res_{list(model.pools).index(pool)}"


def _positive(dist: Distribution) -> tuple[Distribution, float]:
    """(distribution of the non-zero part, share of zeros)."""
    if dist.family == "empirical":
        q = np.asarray(dist.quantiles)
        zero = float(np.mean(q <= 1e-9))
        pos = q[q > 1e-9]
        if not len(pos):
            return Distribution.fixed(0.0), 1.0
        d = Distribution("empirical", [], quantiles=list(np.quantile(pos, np.linspace(0, 1, 101))), mean=float(pos.mean()))
        return d, zero
    out = Distribution.from_dict(dist.to_dict())
    out.zero_share = 0.0
    return out, dist.zero_share


def _prosimos_dist(dist: Distribution, rng: np.random.Generator) -> dict:
    """Prosimos' 'distribution_name' + 'distribution_params' (seconds)."""
    sample = dist.sample(rng, 20000) * 3600
    mean, var = float(sample.mean()), float(sample.var())
    if var <= 1e-12 or dist.family == "fixed":
        return {"distribution_name": "fix", "distribution_params": [{"value": mean}]}
    lo, hi = float(sample.min()), float(sample.max())
    name = {"expon": "expon", "norm": "norm", "gamma": "gamma", "lognorm": "lognorm"}.get(dist.family)
    if name is None:  # empirical: the Prosimos family closest to it (Wasserstein, as pix-framework picks)
        name, mean, var = _closest_family(sample, rng)
    if name == "expon":
        return {"distribution_name": "expon", "distribution_params": [{"value": mean}, {"value": 0}, {"value": hi}]}
    if name == "norm":
        return {"distribution_name": "norm", "distribution_params": [{"value": mean}, {"value": var ** 0.5},
                                                                     {"value": 0}, {"value": hi}]}
    return {"distribution_name": name, "distribution_params": [{"value": mean}, {"value": var}, {"value": lo},
                                                               {"value": hi}]}


def _closest_family(sample: np.ndarray, rng: np.random.Generator) -> tuple[str, float, float]:
    """(family, mean, variance) of the family (fitted by maximum likelihood) closest to `sample`."""
    from scipy import stats
    from scipy.stats import wasserstein_distance

    data = np.maximum(sample, 1.0)  # seconds; zeros kept (as 1 s) so the mean stays right
    data = data if len(data) <= 5000 else rng.choice(data, 5000, replace=False)
    best = ("lognorm", float(sample.mean()), float(sample.var()), float("inf"))
    for name in ("lognorm", "gamma", "expon", "norm"):
        try:
            dist = getattr(stats, name)
            params = dist.fit(data) if name == "norm" else dist.fit(data, floc=0)
            draw = np.maximum(dist.rvs(*params, size=len(data), random_state=rng), 0)
            score = wasserstein_distance(data, draw)
            mean, var = (float(v) for v in dist.stats(*params, moments="mv"))
        except (ValueError, RuntimeError, FloatingPointError):
            continue
        if np.isfinite(score) and np.isfinite(mean) and np.isfinite(var) and score < best[3]:
            best = (name, mean, var, score)
    return best[0], best[1], best[2]


def _periods(schedule: Schedule) -> list[dict]:
    out = []
    for d, slots in enumerate(schedule.slots):
        text = Schedule(slots=[slots if i == d else [] for i in range(7)]).to_dict()["hours"][DAY_NAMES[d]]
        for part in filter(None, text.split(",")):
            a, b = part.split("-")
            b = "23:59:59" if b == "24:00" else b + ":00"
            out.append({"from": _DAYS[d], "to": _DAYS[d], "beginTime": a + ":00", "endTime": b})
    return out


def _calendars(model: SimulationModel) -> list[dict]:
    cals = [{"id": f"cal_{i}", "name": p, "time_periods": _periods(pool.schedule)}
            for i, (p, pool) in enumerate(model.pools.items())]
    cals.append({"id": "cal_always", "name": "24/7", "time_periods": _periods(Schedule.always())})
    return cals


def _profiles(model: SimulationModel, ids: dict[str, str]) -> list[dict]:
    out = []
    for i, (p, pool) in enumerate(model.pools.items()):
        assigned = [ids[a] for a, act in model.activities.items() if act.pool == p]
        out.append({"id": f"pool_{i}", "name": p, "resource_list": [
            {"id": f"res_{i}", "name": f"res_{i}", "cost_per_hour": 1, "amount": pool.size,
             "calendar": f"cal_{i}", "assignedTasks": assigned}]})
    out.append({"id": "pool_arrival", "name": "arrival", "resource_list": [
        {"id": "res_arrival", "name": "res_arrival", "cost_per_hour": 0, "amount": 1000, "calendar": "cal_always",
         "assignedTasks": ["task_arrival"]}]})
    return out


def _arrival_calendar(model: SimulationModel) -> list[dict]:
    rates = np.asarray(model.arrivals.rates)[:7]
    out = []
    for d in range(7):
        for h in range(24):
            if rates[d, h] > 0:
                out.append({"from": _DAYS[d], "to": _DAYS[d], "beginTime": f"{h:02d}:00:00",
                            "endTime": f"{h:02d}:59:59" if h == 23 else f"{h + 1:02d}:00:00"})
    return out


def _arrival_dist(model: SimulationModel) -> dict:
    rates = np.asarray(model.arrivals.rates)[:7]
    per_week = float(rates.sum())
    mean_s = arrival_mean_hours((rates > 0).reshape(-1), per_week) * 3600 if per_week > 0 else 3600.0
    return {"distribution_name": "expon", "distribution_params": [{"value": mean_s}, {"value": 0},
                                                                  {"value": mean_s * 50}]}


def arrival_mean_hours(open_hours: np.ndarray, per_week: float, draws: int = 4000) -> float:
    """The mean inter-arrival time that gives `per_week` cases a week under Prosimos's arrival rule:
    wait an exponential time, then, if the arrival calendar is closed, until it opens (so a case
    lands in the first open hour after a closed stretch). `open_hours` marks the 168 hours of the
    week. Where cases are sparse (a few a month) the mean is the whole week's time between cases,
    where they are dense it is the open time between cases; this finds it in between, by bisection
    on a fixed sample."""
    wait = np.zeros(168, dtype=int)  # hours from each hour of the week to the next open one
    for h in range(168):
        while not open_hours[(h + wait[h]) % 168] and wait[h] < 168:
            wait[h] += 1
    unit = np.random.default_rng(0).exponential(1.0, draws)
    unit = (unit / unit.mean()).tolist()  # exactly mean 1: an always-open calendar gives 168 / per_week

    def weekly(mean: float) -> float:
        t = 0.0
        for x in unit:
            t += x * mean
            h = int(t)
            if wait[h % 168]:
                t = float(h + wait[h % 168])
        return draws / t * 168

    lo, hi = 1e-4, 168.0 * 10 / per_week + 168.0
    for _ in range(40):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if weekly(mid) > per_week else (lo, mid)
    return math.sqrt(lo * hi)


def _bpmn_xml(g: _Graph) -> str:
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for fid, a, b in g.flows:
        outgoing.setdefault(a, []).append(fid)
        incoming.setdefault(b, []).append(fid)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
             'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="bpr_sim" '
             'targetNamespace="http://bpr/simulate">',
             '  <process id="process" isExecutable="false">']
    for tag, nid, name, extra in g.nodes:
        attrs = f' id="{nid}" name={quoteattr(name or nid)}'
        if "direction" in extra:
            ins, outs = len(incoming.get(nid, [])), len(outgoing.get(nid, []))
            direction = "Diverging" if outs > 1 else "Converging" if ins > 1 else extra["direction"]
            attrs += f' gatewayDirection="{direction}"'
        lines.append(f"    <{tag}{attrs}>")
        lines += [f"      <incoming>{f}</incoming>" for f in incoming.get(nid, [])]
        lines += [f"      <outgoing>{f}</outgoing>" for f in outgoing.get(nid, [])]
        if extra.get("timer"):
            lines.append("      <timerEventDefinition/>")
        lines.append(f"    </{tag}>")
    lines += [f'    <sequenceFlow id="{f}" sourceRef="{a}" targetRef="{b}"/>' for f, a, b in g.flows]
    lines += ["  </process>", "</definitions>", ""]
    return "\n".join(lines)


def write_bpmn(model: SimulationModel, path: str | Path) -> None:
    with atomic_output(Path(path), "w", encoding="utf-8") as fh:
        fh.write(build(model)[0])


def write_prosimos(model: SimulationModel, path: str | Path) -> None:
    with atomic_output(Path(path), "w", encoding="utf-8") as fh:
        json.dump(build(model)[1], fh, ensure_ascii=False, indent=1)
