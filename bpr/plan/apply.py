"""Catalogue + accepted proposals → the after-state catalogue.

Pure: the input catalogue is deep-copied, never changed. Every change is idempotent (a material
already exempt stays exempt, steps already merged stay merged, a promise is only ever lowered), so
applying the same proposals to the after-state gives the after-state again.

Within a matter the changes run in the order materials, steps, time, visits: the time change
`free_days` lowers the promise by what the accepted step changes shorten the critical path, so a
rejected step proposal frees no days; a promise cut below the steps' critical path re-balances the
step limits (or stops at the path), and online submission makes a matter 全程网办 (depth IV) only
when no visit is left, so the after-state passes the audit rules the before-state passed.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable

from bpr.errors import UsageError
from bpr.model import (
    Catalogue,
    Channel,
    MaterialForm,
    MaterialKind,
    Matter,
    StepKind,
    TimeLimit,
)
from bpr.model.matter import HandlingType
from bpr.model.timelimit import DEFAULT_CONVERSION, Conversion
from bpr.plan.proposals import Proposal, ProposalOptions, propose
from bpr.plan.step_changes import apply_step_changes, rebalance_steps
from bpr.plan.stepgraph import kind_of, matter_critical_path
from bpr.plan.visits import VisitCause, stated_visits, visit_causes, visits_after

MAX_LISTED = 30  # ids or matters named in one error line


def apply(catalogue: Catalogue, plan, options: ProposalOptions | None = None) -> Catalogue:
    """The after-state of `catalogue` under the accepted items of `plan` (a `bpr.plan.plan.Plan`).

    The plan's ids are checked against the proposals this catalogue gives (same options as when
    the plan was written): unknown ids or matters are a UsageError listing them.
    """
    proposals = resolve_plan(catalogue, plan, options)
    return apply_proposals(catalogue, [p for p in proposals if p.accepted])


def resolve_plan(catalogue: Catalogue, plan, options: ProposalOptions | None = None) -> list[Proposal]:
    """The catalogue's proposals with the plan's accepted flags; UsageError for what does not fit."""
    options = options or plan.proposal_options()
    fresh = {p.id: p for p in propose(catalogue, options)}
    known = {ref for m in catalogue for ref in (m.name, m.code, m.basic_code) if ref}
    unknown_matters = sorted({item.matter for item in plan.items if item.matter not in known})
    if unknown_matters:
        raise UsageError.of("plan_unknown_matters", {"n": len(unknown_matters)}, file=plan.source or None,
                            details=_listed(unknown_matters))
    unknown_ids = [item.id for item in plan.items if item.id not in fresh]
    if unknown_ids:
        raise UsageError.of("plan_unknown_ids", {"n": len(unknown_ids)}, file=plan.source or None,
                            details=_listed(unknown_ids))
    wrong = [f"{item.id} ({item.matter} ≠ {fresh[item.id].matter})" for item in plan.items
             if fresh[item.id].matter != item.matter and fresh[item.id].code != item.matter]
    if wrong:
        raise UsageError.of("plan_matter_mismatch", file=plan.source or None, details=wrong)
    accepted = {item.id: item.accepted for item in plan.items}
    out = []
    for proposal in fresh.values():
        proposal = copy.copy(proposal)
        proposal.accepted = accepted.get(proposal.id, False)  # not in the plan: not accepted
        out.append(proposal)
    return out


def _listed(names: list[str]) -> list[str]:
    """The first MAX_LISTED names, then "…" for the rest (the message gives the count)."""
    return names[:MAX_LISTED] + (["…"] if len(names) > MAX_LISTED else [])


def apply_proposals(catalogue: Catalogue, proposals: Iterable[Proposal],
                    conversion: Conversion = DEFAULT_CONVERSION) -> Catalogue:
    """The after-state under `proposals` (all taken as accepted), matched to matters by name/code."""
    by_matter: dict[str, list[Proposal]] = {}
    for p in proposals:
        by_matter.setdefault(p.code, []).append(p)
    after = copy.deepcopy(catalogue)
    for index, (matter, key) in enumerate(zip(after.matters, _keys(after), strict=True)):
        mine = by_matter.get(key, [])
        if mine:
            after.matters[index] = apply_matter(matter, mine, conversion)
    return after


def _keys(catalogue: Catalogue) -> list[str]:
    """The id code `propose` gives each matter (duplicates numbered ~2, ~3 in order)."""
    seen: dict[str, int] = {}
    out = []
    for matter in catalogue.matters:
        code = re.sub(r"\s+", "", matter.key) or "matter"
        seen[code] = seen.get(code, 0) + 1
        out.append(code if seen[code] == 1 else f"{code}~{seen[code]}")
    return out


def apply_matter(matter: Matter, proposals: list[Proposal], conversion: Conversion = DEFAULT_CONVERSION) -> Matter:
    """One matter's after-state (a new object)."""
    original = matter
    matter = copy.deepcopy(matter)
    changes = {d: [p.change for p in proposals if p.dimension == d] for d in ("materials", "steps", "time", "visits")}
    for change in changes["materials"]:
        _material_change(matter, change)
    if changes["steps"]:
        matter.steps = apply_step_changes(matter, changes["steps"]).steps
    _time_changes(original, matter, changes["time"], changes["steps"], conversion)
    _visit_changes(original, matter, changes["visits"])
    return matter


# --- materials ---------------------------------------------------------------------------------------

def _material_change(matter: Matter, change: dict) -> None:
    kind, name = change["kind"], change.get("material")
    if kind in ("tolerate", "pending_share"):  # issue #13: 容缺受理, 待共享 (bpr/plan/tolerance.py)
        from bpr.plan.tolerance import apply_material_change

        apply_material_change(matter, change)
        return
    if kind == "remove":
        matter.materials = [m for m in matter.materials if m.name != name]
    elif kind == "drop_duplicate":
        keep = change["keep"]
        named = [i for i, m in enumerate(matter.materials) if m.name == name]
        keeps = [i for i, m in enumerate(matter.materials) if m.name == keep]
        if named and keeps and (name != keep or len(named) >= 2):
            del matter.materials[named[-1]]
    else:
        for m in matter.materials:
            if m.name != name:
                continue
            if kind == "share":
                m.exempt = True
            elif kind == "commit":
                m.commitment = True
            elif kind == "single_copy" and m.kind is MaterialKind.BOTH:
                m.kind = MaterialKind.ORIGINAL
            elif kind not in ("share", "commit", "single_copy"):
                raise UsageError.of("plan_unknown_material_change", {"kind": kind})


# --- time --------------------------------------------------------------------------------------------

def _time_changes(original: Matter, matter: Matter, changes: list[dict], step_changes: list[dict],
                  conversion: Conversion) -> None:
    """The new promise: the lowest of a compress target and the promise less the days the accepted
    step changes free. When it is below the after-state's critical path, the step limits are
    re-balanced to fit, or the promise stops at what they can reach (never Σ steps > promise)."""
    promised = original.promised_limit.to_working_days(conversion)
    if not changes or promised is None:
        return
    new = promised
    fixed = [name for change in changes for name in change.get("fixed_steps") or ()]
    for change in changes:
        kind = change["kind"]
        if kind not in ("compress", "free_days"):
            raise UsageError.of("plan_unknown_time_change", {"kind": kind})
        if change.get("days") is not None:
            new = min(new, float(change["days"]))
        if kind == "free_days" or change.get("free_days"):
            freed = (matter_critical_path(original, conversion).days
                     - matter_critical_path(apply_step_changes(original, step_changes), conversion).days)
            new = min(new, max(0.0, promised - max(0.0, freed)))
    if new >= promised - 1e-9:
        return
    fitted, reachable, changed = rebalance_steps(matter, new, conversion, fixed)
    new = max(new, reachable)
    if new >= promised - 1e-9:
        return
    if changed:
        matter.steps = fitted.steps
    matter.promised_limit = TimeLimit.working_days(round(new, 3))
    if new == 0:
        matter.handling_type = HandlingType.IMMEDIATE


# --- visits ------------------------------------------------------------------------------------------

def _visit_changes(original: Matter, matter: Matter, changes: list[dict]) -> None:
    if not changes:
        return
    causes = visit_causes(original)
    before = stated_visits(original)
    removed = {VisitCause(c["cause"]) for c in changes}
    for change in changes:
        by = change["by"]
        if by == "online":
            matter.online = True
            matter.online_depth = max(matter.online_depth or 0, 3)  # IV only once no visit is left (below)
            matter.channels = set(matter.channels) | {Channel.ONLINE}
            for m in matter.materials:
                if m.submitted and m.needs_paper_original:
                    m.form = MaterialForm.ELECTRONIC
            _off_site(matter, (StepKind.ACCEPT, StepKind.APPLY))
            matter.visit_reason = ""
        elif by == "online_payment":
            matter.online_payment = True
            _off_site(matter, (StepKind.PAY,))
        elif by == "e_licence":
            matter.e_licence = True
            _off_site(matter, (StepKind.DELIVER,))
        elif by == "mail":
            matter.mail = True
            _off_site(matter, (StepKind.DELIVER,))
        else:
            raise UsageError.of("plan_unknown_visit_change", {"by": by})
    matter.visits = visits_after(before, causes, removed)
    if any(c["by"] == "online" for c in changes) and matter.visits == 0:
        matter.online_depth = 4  # 全程网办: online and no trip left


def _off_site(matter: Matter, kinds: tuple[StepKind, ...]) -> None:
    matter.steps = [copy.copy(s) for s in matter.steps]
    for step in matter.steps:
        if kind_of(step) in kinds:
            step.on_site = False
