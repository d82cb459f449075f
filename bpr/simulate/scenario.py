"""Scenarios: the as-is model plus changes (a small YAML file, or the accepted proposals of a plan).

Scenario YAML (one scenario, or `scenarios: [ ... ]`):

    name: 并联审批+数据共享
    remove: [送达]                       # drop steps; their inflow goes to their successors
    merge: [{steps: [受理, 初审], into: 受理初审}]   # one step doing both (work adds up, one wait)
    parallel: [[审查, 现场核查]]           # run together, continue when all are done (a member that
                                         # ran in fewer cases keeps running in that share only)
    rework: [{to: 补正, factor: 0.3}]     # or {step: 审查, probability: 0.05}, or {factor: 0.5} = all
    staffing: {窗口: 3, 审查: "+1"}        # pool (or a step's pool) -> size, or a change
    hours: {窗口: {hours: "08:30-12:00,13:00-18:00", days: mon-sat}}
    promised_limit: 10个工作日
    online: [受理]                        # steps that no longer need the applicant on site
    processing: {审查: 0.5}               # work-time factor
    waits: {审查: 0.5}                    # wait cut: the step's discovered waiting time before
                                         # someone picks the case up (extraneous delay) times the
                                         # factor; or [{step: 审查, factor: 0.5}]. Queueing for
                                         # staff is not scaled: it follows from staffing. A start
                                         # booked from an earlier event (anchored wait) is booked
                                         # factor times as many days ahead.
    tolerance: [补正]                     # 容缺受理: the correction step runs alongside the step
                                         # that asked for it instead of blocking it (true = every
                                         # correction step)
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bpr.errors import InputError, UsageError
from bpr.i18n import Note
from bpr.io.yaml_doc import YamlDoc, show
from bpr.model.step import StepKind, step_kind
from bpr.model.timelimit import TimeLimit
from bpr.simulate.clock import Schedule
from bpr.simulate.distributions import Distribution, fit_distribution
from bpr.simulate.model import END, Activity, SimulationModel, group_name

CORRECTION_WORDS = ("补正", "补齐", "补充材料", "退回", "退件", "reject", "return")
KEYS = ("name", "description", "remove", "merge", "parallel", "rework", "staffing", "hours", "promised_limit",
        "online", "processing", "tolerance", "waits")


@dataclass
class Scenario:
    """Changes to the as-is model; an empty scenario is the as-is run."""

    name: str = "as-is"
    description: str = ""
    remove: list[str] = field(default_factory=list)
    merge: list[dict] = field(default_factory=list)  # {steps: [...], into: name}
    parallel: list[list[str]] = field(default_factory=list)
    rework: list[dict] = field(default_factory=list)  # {step|to: name (optional), factor|probability}
    staffing: dict[str, object] = field(default_factory=dict)
    hours: dict[str, object] = field(default_factory=dict)
    promised_limit: object = None
    online: list[str] = field(default_factory=list)
    processing: dict[str, float] = field(default_factory=dict)
    waits: dict[str, float] = field(default_factory=dict)  # wait cut: delay factor per step
    tolerance: list[str] | bool = field(default_factory=list)  # 容缺受理: correction steps (True = all)
    source: str = ""
    label: Note | None = None  # how reports name it (plan scenarios), else the description or name

    @classmethod
    def as_is(cls) -> Scenario:
        return cls()

    @property
    def is_as_is(self) -> bool:
        return not any([self.remove, self.merge, self.parallel, self.rework, self.staffing, self.hours,
                        self.promised_limit is not None, self.online, self.processing, self.tolerance,
                        self.waits])

    def to_dict(self) -> dict:
        return {k: copy.deepcopy(getattr(self, k)) for k in (*KEYS, "source")}

    @classmethod
    def from_dict(cls, data: dict, source: str = "") -> Scenario:
        if not isinstance(data, dict):
            raise InputError.of("sim_scenario_not_a_mapping", {"keys": ", ".join(KEYS)}, file=source or None)
        unknown = sorted(set(data) - set(KEYS))
        if unknown:
            raise InputError.of("sim_scenario_unknown_keys", {"keys": ", ".join(KEYS)}, file=source or None,
                                details=unknown)
        merge = []
        for item in data.get("merge") or []:
            steps = item.get("steps") if isinstance(item, dict) else item
            if not isinstance(steps, list) or len(steps) < 2:
                raise InputError.of("sim_merge_item_too_short", {"item": show(item)}, file=source or None,
                                    column="merge", expected="{steps: [A, B], into: NAME}")
            into = item.get("into") if isinstance(item, dict) else None
            merge.append({"steps": [str(s) for s in steps], "into": str(into or "+".join(map(str, steps)))})
        parallel = [[str(s) for s in g] for g in data.get("parallel") or []]
        if any(len(g) < 2 for g in parallel):
            raise InputError.of("sim_parallel_group_too_short", file=source or None, column="parallel")
        rework = data.get("rework") or []
        rework = [rework] if isinstance(rework, dict) else rework
        for item in rework:
            if not isinstance(item, dict) or not ({"factor", "probability"} & set(item)):
                raise InputError.of("sim_rework_item_not_understood", {"item": show(item)}, file=source or None,
                                    column="rework")
        tolerance = data.get("tolerance") or []
        if not isinstance(tolerance, (bool, list)):
            tolerance = [tolerance]
        tolerance = tolerance if isinstance(tolerance, bool) else [str(x) for x in tolerance]
        return cls(name=str(data.get("name") or Path(source).stem or "scenario"),
                   description=str(data.get("description") or ""),
                   remove=[str(s) for s in data.get("remove") or []], merge=merge, parallel=parallel,
                   rework=list(rework), staffing=dict(data.get("staffing") or {}), hours=dict(data.get("hours") or {}),
                   promised_limit=data.get("promised_limit"), online=[str(s) for s in data.get("online") or []],
                   processing={str(k): float(v) for k, v in (data.get("processing") or {}).items()},
                   tolerance=tolerance, waits=_waits(data.get("waits"), source), source=source)


def _waits(value: object, source: str) -> dict[str, float]:
    """`waits:` as {step: factor} or [{step: S, factor: F}, ...]; factors are numbers >= 0."""
    items = value.items() if isinstance(value, dict) else (
        [(i.get("step"), i.get("factor")) if isinstance(i, dict) else (i, None) for i in value]
        if isinstance(value, list) else [(value, None)]) if value else []
    waits = {}
    for step, factor in items:
        try:
            number = float(factor)
        except (TypeError, ValueError):
            number = -1.0
        if not step or not number >= 0:
            raise InputError.of("sim_wait_item_not_understood", {"item": show({"step": step, "factor": factor})},
                                file=source or None, column="waits", expected="{step: 审查, factor: 0.5}")
        waits[str(step)] = number
    return waits


def load_scenarios(path: str | Path) -> list[Scenario]:
    """Read a scenario YAML (one mapping, or `scenarios:` holding a list)."""
    doc = YamlDoc.load(path)
    path, data = doc.file, doc.data
    items = data.get("scenarios") if isinstance(data, dict) and "scenarios" in data else [data]
    if not isinstance(items, list) or not items:
        raise InputError.of("sim_scenario_file_empty", file=path)
    return [Scenario.from_dict(item, str(path)) for item in items]


# -- applying ----------------------------------------------------------------------------------

def _named_steps(s: Scenario) -> list[str]:
    names = [*s.remove, *(x for m in s.merge for x in m["steps"]), *(x for g in s.parallel for x in g),
             *(r.get("step") or r.get("to") for r in s.rework if r.get("step") or r.get("to")), *s.online,
             *s.processing, *s.waits, *(s.tolerance if isinstance(s.tolerance, list) else [])]
    return names


def _check_names(model: SimulationModel, s: Scenario) -> None:
    known = set(model.activities)
    pools = set(model.pools)
    unknown = sorted({n for n in _named_steps(s) if n not in known}
                     | {n for n in [*s.staffing, *s.hours] if n not in known and n not in pools and n != "all"})
    if unknown:
        code = "sim_unknown_steps_or_pools" if s.staffing or s.hours else "sim_unknown_steps"
        raise UsageError.of(code, {"name": s.name, "known": ", ".join(sorted(known)), "pools": ", ".join(sorted(pools))},
                            file=s.source or None, details=unknown)


def _remove(model: SimulationModel, step: str) -> None:
    group = model.group_of(step)
    if group:  # the group runs without it
        model.regroup(group, [x for x in group if x != step])
        model.member_probability.pop(step, None)
        del model.activities[step]
        return
    out = dict(model.transitions.pop(step, {END: 1.0}))
    loop = out.pop(step, 0.0)
    rest = sum(out.values())
    out = {t: p / rest for t, p in out.items()} if rest > 0 else {END: 1.0}
    back = {(a, b) for a, b in model.rework_edges if b == step}

    def redirect(d: dict[str, float]) -> dict[str, float]:
        p_s = d.pop(step, 0.0)
        for t, q in out.items():
            d[t] = d.get(t, 0.0) + p_s * q
        return d

    for a in list(model.transitions):
        if step in model.transitions[a]:
            model.transitions[a] = redirect(dict(model.transitions[a]))
            if (a, step) in back:
                model.rework_edges.extend((a, t) for t in out if t != END)
    model.start = redirect(dict(model.start))
    model.rework_edges = sorted({(a, b) for a, b in model.rework_edges if step not in (a, b)})
    del model.activities[step]
    del loop


def _sum_distribution(dists: list[Distribution], rng: np.random.Generator) -> Distribution:
    if all(d.family == "fixed" and d.zero_share == 0 for d in dists):
        return Distribution.fixed(sum(d.params[0] for d in dists))
    total = sum(d.sample(rng, 4000) for d in dists)
    return fit_distribution(total, rng)


def _set_rework(model: SimulationModel, step: str, edges: set[tuple[str, str]], factor: float | None,
                probability: float | None) -> None:
    d = dict(model.transitions.get(step, {}))
    back = {t: p for t, p in d.items() if (step, t) in edges}
    now = sum(back.values())
    if now <= 0:
        return
    target = now * factor if factor is not None else probability
    target = min(max(float(target), 0.0), 1.0)
    forward = {t: p for t, p in d.items() if t not in back}
    fsum = sum(forward.values())
    scale_back = target / now
    if fsum > 0:
        scale_fwd = (1 - target) / fsum
        model.transitions[step] = {**{t: p * scale_back for t, p in back.items()},
                                   **{t: p * scale_fwd for t, p in forward.items()}}
    else:
        model.transitions[step] = {**{t: p * scale_back for t, p in back.items()}, END: 1 - target}


def _tolerated(model: SimulationModel, tolerance: list[str] | bool) -> list[str]:
    """The correction steps a `tolerance:` entry means (True: every step named like 补正/退回)."""
    if tolerance is True:
        return [a for a in model.activities if any(w in a.lower() for w in CORRECTION_WORDS)]
    return list(tolerance or [])


def _tolerate(model: SimulationModel, step: str) -> None:
    """容缺受理 on correction step `step`: the case no longer waits for it. The step that sends most
    cases into it (the one that asked for the material) becomes, with it, a parallel group: its work
    goes on while the applicant supplies the material, and the case moves on along its other routes
    once both are done. When that step is the acceptance (受理/收件, or the instant arrival step: the
    log's first event marks the arrival), the case is accepted and the correction runs alongside the
    step that follows it (review, with the material following). `step` runs in the share of the
    group's cases that went to it; every route into `step` and out of it (the loop back) is dropped."""
    flows = {a: d[step] * max(model.activities[a].count, 1) for a, d in model.transitions.items()
             if a != step and a in model.activities and d.get(step, 0.0) > 0}
    if not flows:
        return
    asker = max(sorted(flows), key=flows.get)
    for a in list(model.transitions):
        if step in model.transitions[a] and a != step:
            rest = {t: p for t, p in model.transitions[a].items() if t != step}
            total = sum(rest.values())
            model.transitions[a] = {t: p / total for t, p in rest.items()} if total > 0 else {END: 1.0}
    model.transitions[step] = {}
    model.rework_edges = [(a, b) for a, b in model.rework_edges if step not in (a, b)]
    if step in model.start:  # no case starts with a correction it no longer waits for
        start = {a: p for a, p in model.start.items() if a != step} or {asker: 1.0}
        total = sum(start.values())
        model.start = {a: p / total for a, p in start.items()}
    host = asker
    if step_kind(asker) in (StepKind.ACCEPT, StepKind.APPLY) or (model.first_step_instant and asker in model.start):
        onward = {t: p for t, p in model.transitions[asker].items() if t in model.activities}
        if onward:
            host = max(sorted(onward), key=onward.get)
    model.add_parallel_group([host, step], {host: 1.0, step: round(
        min(1.0, flows[asker] / max(model.activities[host].count, 1)), 6)})


def rework_edges_for(model: SimulationModel, target: str | None = None) -> set[tuple[str, str]]:
    """Rework edges (back to an earlier step, or into a correction step such as 补正)."""
    edges = set(model.rework_set)
    for a, d in model.transitions.items():
        for t in d:
            if t != END and any(w in t.lower() for w in CORRECTION_WORDS):
                edges.add((a, t))
    return {e for e in edges if target is None or e[1] == target}


def pools_named(model: SimulationModel, name: str) -> list[str]:
    """The pools a `staffing:` or `hours:` entry means: a step's pool, a pool, or "all"."""
    if name in model.activities:
        return [model.activities[name].pool]
    return list(model.pools) if name == "all" else [name]


def apply_scenario(model: SimulationModel, scenario: Scenario, seed: int = 0) -> SimulationModel:
    """A new model with the scenario's changes; UsageError when they cannot be applied. Routing
    that depends on a case attribute (mechanism "attribute_branching") is changed the same way:
    the scenario is applied to each attribute value's routing, and the nodes whose routing then
    differs from the marginal one keep a routing per value. Routing by the case's history
    (mechanism "history_routing") or by the step before ("previous_routing") is kept at the steps
    whose routing the scenario does not change."""
    m = _apply(model, scenario, seed)
    conditional: dict[str, dict] = {}
    for attribute in sorted({c["attribute"] for c in model.conditional_transitions.values()}):
        steps = {a: c for a, c in model.conditional_transitions.items() if c["attribute"] == attribute}
        for value in sorted({v for c in steps.values() for v in c["by_value"]}):
            view = SimulationModel.from_dict(copy.deepcopy(model.to_dict()))
            view.conditional_transitions = {}
            for a, c in steps.items():
                if value in c["by_value"]:
                    view.transitions[a] = dict(c["by_value"][value])
            routed = _apply(view, scenario, seed, check=False).transitions
            for node, dist in routed.items():
                if node in m.transitions and dist != m.transitions[node]:
                    entry = conditional.setdefault(node, {"attribute": attribute, "by_value": {}})
                    if entry["attribute"] == attribute:
                        entry["by_value"][value] = dist
    m.conditional_transitions = conditional
    # routing by the case's history holds where the scenario left a step's routing and its milestones alone
    m.history_transitions = {a: h for a, h in m.history_transitions.items()
                             if m.transitions.get(a) == model.transitions.get(a) and set(h["milestones"]) <= set(m.activities)}
    # and routing by the step before, where the scenario left the step's routing and its targets alone
    nodes = set(m.activities) | {group_name(g) for g in m.parallel_groups} | {END}
    m.previous_transitions = {a: p for a, p in m.previous_transitions.items()
                              if m.transitions.get(a) == model.transitions.get(a)
                              and all(set(d) <= nodes for d in p["by_previous"].values())}
    return m


def _apply(model: SimulationModel, scenario: Scenario, seed: int = 0, check: bool = True) -> SimulationModel:
    _check_names(model, scenario)
    m = SimulationModel.from_dict(copy.deepcopy(model.to_dict()))
    m.notes = [*m.notes, Note.of("note_scenario", name=scenario.name)]
    rng = np.random.default_rng(seed)
    if scenario.remove and set(scenario.remove) >= set(m.activities):
        raise UsageError.of("sim_scenario_removes_every_step", {"name": scenario.name}, file=scenario.source or None)
    # rework first, on the as-is names
    for item in scenario.rework:
        target, step = item.get("to"), item.get("step")
        edges = rework_edges_for(m, target)
        sources = [step] if step else sorted({a for a, _ in edges})
        for a in sources:
            _set_rework(m, a, edges, item.get("factor"), item.get("probability"))
    tolerated = _tolerated(m, scenario.tolerance)
    plain = [step for step in tolerated if not rework_edges_for(m, step)]
    if plain:
        raise UsageError.of("sim_tolerance_not_a_correction", {"name": scenario.name}, file=scenario.source or None,
                            details=plain)
    for step in tolerated:
        _tolerate(m, step)
    for step in scenario.remove:
        _remove(m, step)
    for item in scenario.merge:
        steps = [s for s in item["steps"] if s in m.activities]
        if len(steps) < 2:
            raise UsageError.of("sim_merge_too_few_left", {"steps": item["steps"]}, file=scenario.source or None)
        acts = [m.activities[s] for s in steps]
        merged = Activity(item["into"], acts[0].pool, _sum_distribution([a.processing for a in acts], rng),
                          acts[0].delay, 1 - float(np.prod([1 - a.visit_probability for a in acts])),
                          max(a.count for a in acts), members=steps)
        group = next((g for s in steps if (g := m.group_of(s))), None)
        if group and not set(steps) <= set(group):
            raise UsageError.of("sim_merge_parallel_mixed", {"steps": steps, "group": group_name(group)},
                                file=scenario.source or None)
        if group:  # merged inside its parallel group: one member in their place
            share = max(m.member_probability.pop(s, 1.0) for s in steps)
            m.regroup(group, [item["into"] if x == steps[0] else x for x in group if x == steps[0] or x not in steps])
            if m.group_of(item["into"]):
                m.member_probability[item["into"]] = share
        else:
            m.contract(steps, item["into"])
        for s in steps:
            del m.activities[s]
        m.activities[item["into"]] = merged
    for group in scenario.parallel:
        missing = [s for s in group if s not in m.activities]
        if missing:
            raise UsageError.of("sim_parallel_steps_gone", {"group": group}, file=scenario.source or None,
                                details=missing)
        taken = [g for g in m.parallel_groups if set(g) & set(group)]
        if taken:  # a step in two groups would be run twice
            raise UsageError.of("sim_parallel_already", {"group": group, "existing": group_name(taken[0])},
                                file=scenario.source or None)
        top = max(max(m.activities[x].count, 1) for x in group)
        m.add_parallel_group(list(group), {x: round(max(m.activities[x].count, 1) / top, 6) for x in group})
    for step, factor in scenario.processing.items():
        name = step if step in m.activities else None
        if name:
            m.activities[name].processing = m.activities[name].processing.scaled(float(factor))
    for step, factor in scenario.waits.items():
        if step in m.activities:  # a merged step keeps its first member's wait; a removed one has none
            act = m.activities[step]
            act.delay = act.delay.scaled(float(factor))
            act.delay_by_previous = {k: d.scaled(float(factor)) for k, d in act.delay_by_previous.items()}
            if act.delay_clock is not None:
                act.delay_clock = act.delay_clock.scaled(float(factor))
            if act.deadlines:  # a deadline step's own term, moved with it (a batched one keeps its release)
                act.deadlines = {k: {**d, "deadline": [q * float(factor) for q in d["deadline"]]}
                                 for k, d in act.deadlines.items()}
            for other in m.activities.values():  # the wait that races a deadline: fewer cases late
                other.deadlines = {k: {**d, "latent": [q * float(factor) for q in d["latent"]]}
                                   if d["awaited"] == step else d for k, d in other.deadlines.items()}
            if act.anchor:  # a start booked from an earlier event: booked that many times as far ahead
                days: dict[str, float] = {}
                for k, share in act.anchor["days"].items():
                    key = str(round(int(k) * float(factor)))
                    days[key] = days.get(key, 0.0) + share
                act.anchor = {**act.anchor, "days": days}
    for step in scenario.online:
        if step in m.activities:
            m.activities[step].visit_probability = 0.0
    for name, value in scenario.staffing.items():
        for p in pools_named(m, name):
            size = m.pools[p].size
            text = str(value).strip()
            try:
                size = size + int(text) if text[:1] in "+-" else int(float(text))
            except ValueError:
                raise UsageError.of("sim_staffing_not_a_number", {"name": name, "value": value},
                                    file=scenario.source or None) from None
            m.pools[p].size = size
    for name, value in scenario.hours.items():
        spec = value if isinstance(value, dict) else {"hours": str(value)}
        for p in pools_named(m, name):
            m.pools[p].schedule = Schedule.parse(str(spec.get("hours", "")), str(spec.get("days", "mon-fri")),
                                                 m.pools[p].schedule.calendar)
            if m.pools[p].schedule.hours_per_week <= 0:
                raise UsageError.of("sim_hours_no_open_time", {"name": name}, file=scenario.source or None)
    if scenario.promised_limit is not None:
        limit = TimeLimit.parse(scenario.promised_limit)
        days = limit.to_working_days()
        if days is None:
            raise UsageError.of("sim_promised_limit_not_understood", {"limit": scenario.promised_limit},
                                file=scenario.source or None)
        m.promised_limit_days = days
    if check:
        check_model(m, scenario)
    return m


def check_model(m: SimulationModel, scenario: Scenario) -> None:
    """After `scenario`: every step reachable, every reachable node can finish, every pool with work
    has staff."""
    where, name = scenario.source or None, {"name": scenario.name}
    if not m.activities:
        raise UsageError.of("sim_scenario_removes_every_step", name, file=where)
    groups = {group_name(g): g for g in m.parallel_groups}
    seen: set[str] = set()
    todo = [n for n, p in m.start.items() if p > 0]
    while todo:
        node = todo.pop()
        if node in seen or node == END:
            continue
        seen.add(node)
        todo.extend(t for t, p in m.transitions.get(node, {}).items() if p > 0)
    reached = {x for n in seen for x in groups.get(n, [n])}
    unreachable = sorted(set(m.activities) - reached)
    if unreachable:
        raise UsageError.of("sim_steps_unreachable", name, file=where, details=unreachable)
    # can every reached node finish?
    reverse: dict[str, set[str]] = {}
    for a, d in m.transitions.items():
        for t, p in d.items():
            if p > 0:
                reverse.setdefault(t, set()).add(a)
    can_end, todo = set(), [END]
    while todo:
        node = todo.pop()
        if node in can_end:
            continue
        can_end.add(node)
        todo.extend(reverse.get(node, ()))
    stuck = sorted(seen - can_end)
    if stuck:
        raise UsageError.of("sim_cases_never_finish", name, file=where, details=stuck)
    busy_pools = {m.activities[a].pool for a in reached}
    empty = sorted(p for p in busy_pools if m.pools[p].size <= 0)
    if empty:
        raise UsageError.of("sim_pools_without_staff", name, file=where, details=empty)


# -- plans ----------------------------------------------------------------------------------------

def scenario_from_plan(path: str | Path, matter: str | None = None, log_matters: Iterable[str] = ()) -> Scenario:
    """Map a plan's accepted proposals to scenario changes: dropped, merged and parallel steps;
    shared or waived materials lower rework into correction steps (补正) in proportion to the
    materials the applicant no longer submits; 容缺受理 lets correction run alongside review
    (`tolerance: true`); the promised limit after the plan; steps made
    off-site. Needs the plan's catalogue (the `catalogue:` line, relative to the plan).

    `matter` (name or 实施编码) says which of the plan's matters the log is about; without it, a
    plan of several matters takes the one whose name or code the log's matter column holds
    (`log_matters`)."""
    from bpr.io import read_catalogue
    from bpr.plan.apply import apply_proposals, resolve_plan
    from bpr.plan.plan import read_plan

    plan = read_plan(path)
    if not plan.catalogue:
        raise InputError.of("sim_plan_no_catalogue", file=path, column="catalogue")
    cat_path = Path(plan.catalogue)
    if not cat_path.is_absolute():
        cat_path = Path(path).parent / cat_path
    catalogue = read_catalogue(cat_path)
    proposals = [p for p in resolve_plan(catalogue, plan) if p.accepted]
    names = sorted({p.matter for p in proposals})
    code_of = {p.matter: p.code for p in proposals}
    if matter is not None:
        found = next((n for n in names if matter in (n, code_of[n])), None)
        if found is None:
            raise UsageError.of("sim_plan_unknown_matter", {"matter": matter}, file=path, details=names)
        matter = found
    elif len(names) > 1:
        in_log = [n for n in names if {n, code_of[n]} & set(log_matters)]
        if len(in_log) != 1:
            raise UsageError.of("sim_plan_several_matters", file=path, details=names)
        matter = in_log[0]
    else:
        matter = names[0] if names else None
    chosen = [p for p in proposals if p.matter == matter]
    s = Scenario(name=f"plan: {matter}" if matter else "plan", source=str(path),
                 label=Note.of("rs_plan_scenario", matter=matter or Path(path).stem, n=len(chosen)))
    before = next((m for m in catalogue if m.name == matter), None)
    for p in chosen:
        c = p.change
        if c.get("kind") == "drop_step":
            s.remove.append(c["step"])
        elif c.get("kind") == "merge_steps":
            s.merge.append({"steps": list(c["steps"]), "into": c.get("into") or "+".join(c["steps"])})
        elif c.get("kind") == "parallel":
            s.parallel.append(list(c["steps"]))
    # 容缺受理 defers materials (the correction no longer blocks, below); a 待共享 share changes nothing
    materials = [p for p in chosen if p.dimension == "materials" and p.kind not in ("tolerate", "pending_share")]
    if any(p.kind == "tolerate" for p in chosen):
        s.tolerance = True
    if materials and before is not None and before.materials:
        cut = min(1.0, len({p.target for p in materials}) / len(before.materials))
        s.rework.append({"factor": round(1 - cut, 4)})
    if before is not None:
        after = next((m for m in apply_proposals(catalogue, chosen) if m.name == matter), None)
        if after is not None:
            days = after.promised_limit.to_working_days() if hasattr(after, "promised_limit") else None
            if days is not None:
                s.promised_limit = f"{days:g}个工作日"
            was_on_site = {st.name for st in before.steps if st.on_site}
            now_on_site = {st.name for st in after.steps if st.on_site}
            s.online = sorted(was_on_site - now_on_site)
        for p in chosen:  # a visit removed for a cause: the steps of that kind no longer need one
            kinds = _VISIT_CAUSE_KINDS.get(str(p.change.get("cause", ""))) if p.dimension == "visits" else None
            if kinds:
                s.online = sorted({*s.online, *(st.name for st in before.steps if st.kind in kinds)}
                                  - set(s.remove))
    return s


_VISIT_CAUSE_KINDS = {"submit": {StepKind.APPLY, StepKind.ACCEPT}, "collect": {StepKind.DELIVER},
                      "result": {StepKind.DELIVER}, "inspect": {StepKind.INSPECT}}
