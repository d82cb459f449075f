"""Hand-specified models whose results are known analytically."""

from __future__ import annotations

from bpr.simulate.clock import Schedule
from bpr.simulate.distributions import Distribution
from bpr.simulate.model import END, Activity, Arrivals, Pool, SimulationModel


def constant_arrivals(per_hour: float) -> Arrivals:
    return Arrivals([[per_hour] * 24 for _ in range(8)], "weekly")


def sequence(times: dict[str, float], per_hour: float = 0.1, size: int = 1000,
             rework: tuple[str, str, float] | None = None) -> SimulationModel:
    """Steps in order with fixed working times on 24/7 pools; optional rework edge (from, to, p)."""
    names = list(times)
    acts = {a: Activity(a, "pool", Distribution.fixed(t), Distribution.fixed(0.0)) for a, t in times.items()}
    transitions = {a: {(names[i + 1] if i + 1 < len(names) else END): 1.0} for i, a in enumerate(names)}
    edges = []
    if rework:
        a, b, p = rework
        transitions[a] = {**{k: v * (1 - p) for k, v in transitions[a].items()}, b: p}
        edges.append((a, b))
    return SimulationModel(acts, {names[0]: 1.0}, transitions, {"pool": Pool("pool", size, Schedule.always())},
                           constant_arrivals(per_hour), first_step_instant=False, rework_edges=edges,
                           log_end="2024-01-01 00:00:00")


def mm1(arrival_rate: float = 0.5, service_rate: float = 1.0) -> SimulationModel:
    """One step, exponential service, one server, Poisson arrivals (24/7)."""
    act = Activity("serve", "server", Distribution("expon", [0.0, 1.0 / service_rate], mean=1.0 / service_rate),
                   Distribution.fixed(0.0))
    return SimulationModel({"serve": act}, {"serve": 1.0}, {"serve": {END: 1.0}},
                           {"server": Pool("server", 1, Schedule.always())}, constant_arrivals(arrival_rate),
                           first_step_instant=False, log_end="2024-01-01 00:00:00")
