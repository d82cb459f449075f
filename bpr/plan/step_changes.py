"""Step changes a plan can make: merge steps, drop a step, run steps in parallel; and fitting
the step limits under a lower promised limit (`rebalance_steps`).

`apply_step_changes(matter, changes)` is used by both `bpr.plan.proposals` (to price a step
proposal: the critical path after it) and `bpr.plan.apply` (the after-state), so neither of
those two modules imports the other's internals: proposals → step_changes ← apply.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable

from bpr.errors import InputError, UsageError
from bpr.model import Matter, Step, TimeLimit
from bpr.model.timelimit import DEFAULT_CONVERSION, Conversion
from bpr.plan.stepgraph import matter_critical_path, ordered_steps, step_days


def _materialise(steps: list[Step]) -> list[Step]:
    """Copies in order with every implicit "after the previous step" written out."""
    out = []
    for i, step in enumerate(ordered_steps_list(steps)):
        step = copy.copy(step)
        step.after = ([out[i - 1].name] if i else []) if step.after is None else list(step.after)
        out.append(step)
    return out


def ordered_steps_list(steps: list[Step]) -> list[Step]:
    return sorted(steps, key=lambda s: s.order)


def _dedup(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


def apply_step_changes(matter: Matter, changes: list[dict]) -> Matter:
    """A copy of `matter` with the step changes (merge_steps, drop_step, parallel) applied."""
    result = copy.copy(matter)
    steps = _materialise(ordered_steps(matter))
    for change in changes:
        kind = change["kind"]
        if kind == "merge_steps":
            steps = _merge(steps, change["steps"], change["into"], float(change["days"]))
        elif kind == "drop_step":
            steps = _drop(steps, change["step"])
        elif kind == "parallel":
            steps = _parallelise(steps, change["steps"])
        else:
            raise UsageError.of("plan_unknown_step_change", {"kind": kind})
    result.steps = steps
    return result


def _merge(steps: list[Step], names: list[str], into: str, days: float) -> list[Step]:
    present = [s for s in steps if s.name in names]
    if not present or (len(present) == 1 and present[0].name == into):
        return steps
    merged_names = {s.name for s in present}
    merged = Step(name=into, order=min(s.order for s in present), department=present[0].department,
                  role=present[0].role, limit=TimeLimit.working_days(days), on_site=any(s.on_site for s in present),
                  after=_dedup(p for s in present for p in s.after if p not in merged_names))
    out = []
    for step in steps:
        if step.name in merged_names:
            if step is present[0]:
                out.append(merged)
            continue
        step = copy.copy(step)
        step.after = _dedup(into if p in merged_names else p for p in step.after)
        out.append(step)
    return out


def _drop(steps: list[Step], name: str) -> list[Step]:
    gone = next((s for s in steps if s.name == name), None)
    if gone is None:
        return steps
    out = []
    for step in steps:
        if step is gone:
            continue
        step = copy.copy(step)
        step.after = _dedup(q for p in step.after for q in (gone.after if p == name else [p]))
        out.append(step)
    return out


def _parallelise(steps: list[Step], names: list[str]) -> list[Step]:
    run = [s for s in steps if s.name in names]
    if len(run) < 2:
        return steps
    start = list(run[0].after)
    last_of_department: dict[str, str] = {}
    new_after: dict[str, list[str]] = {}
    for step in run:
        previous = last_of_department.get(step.department)
        new_after[step.name] = [previous] if previous else list(start)
        last_of_department[step.department] = step.name
    tails = list(last_of_department.values())
    run_names = {s.name for s in run}
    out = []
    for step in steps:
        step = copy.copy(step)
        if step.name in run_names:
            step.after = new_after[step.name]
        else:
            step.after = _dedup(q for p in step.after for q in (tails if p in run_names else [p]))
        out.append(step)
    return out


GRAIN = 0.5  # step limits are re-balanced in half working days


def rebalance_steps(matter: Matter, days: float, conversion: Conversion = DEFAULT_CONVERSION,
                    fixed: Iterable[str] = ()) -> tuple[Matter, float, dict[str, tuple[float, float]]]:
    """Fit the step limits under a new promise of `days` working days.

    Returns (a copy of `matter` with new step limits, its critical path, {step: (before, after)}).
    When the critical path already fits, nothing changes. Otherwise every step with time is
    scaled and rounded down to half a day, keeping at least half a day (a step with work cannot
    take no time), so the path may still exceed `days` when there are many steps: the caller then
    caps the promise at the returned path. Steps named in `fixed` (a statutory period: 公告期,
    冷静期 …) keep their limit; the others share what is left, (days − fixed) / (path − fixed).
    """
    try:
        before = matter_critical_path(matter, conversion).days
    except InputError:  # a cycle or an unknown step (propose has warned): the steps are left alone, and
        # the promise can go no lower than their plain sum, which bounds any path the audit finds
        return matter, sum(step_days(s, conversion) for s in matter.steps), {}
    if before <= days + 1e-9:
        return matter, before, {}
    fixed = set(fixed)
    kept = sum(step_days(s, conversion) for s in matter.steps if s.name in fixed)
    factor = max(0.0, days - kept) / (before - kept) if before - kept > 1e-9 else 0.0
    result = copy.copy(matter)
    result.steps = []
    changed: dict[str, tuple[float, float]] = {}
    for step in matter.steps:
        old = step_days(step, conversion)
        if old > 0 and step.name not in fixed:
            new = max(GRAIN, math.floor(old * factor / GRAIN + 1e-9) * GRAIN)
            if new < old:
                step = copy.copy(step)
                step.limit = TimeLimit.working_days(new)
                changed[step.name] = (old, new)
        result.steps.append(step)
    return result, matter_critical_path(result, conversion).days, changed
