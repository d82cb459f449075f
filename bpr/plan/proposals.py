"""Four-reduction (四减) proposals for each matter of a catalogue, with evidence and saving.

`propose(catalogue)` looks at every matter and returns concrete, deterministic proposals:

materials (M-…): a material issued by a government body (来源渠道 20 政府部门核发, an 出具机构 that
  is a government body, or a name in the licence list) → 免提交 through data sharing; a certificate
  of a fact (…证明) → 告知承诺制; a catch-all item (其他相关材料) → remove; the same document as
  original and copy → one. Documents the applicant writes (申请书, 章程, 合同 …) are never shared.
steps (S-…): a matter fit for 即审即办 (no on-site check or special procedure, at most
  `immediate_max_materials` materials, a promise of at most `immediate_max_days` working days) →
  merge 受理/审查/决定; successive review levels in one department → one level; a run of review or
  on-site steps of different departments with no stated dependency → parallel (critical path before
  and after on the networkx step graph); 送达 when the result is an e-licence or mailed → remove.
time (T-…): promised/legal above `time_ratio` → the ratio; days freed by the step proposals → a
  new promised limit.
visits (V-…): each visit attributed to a cause (see `bpr.plan.visits`); submit, pay and collect are
  removable by online submission, online payment, e-licence or mail.

Domain constraints (`bpr.analyse.rules.constraints`: physical results, in person by law,
告知承诺 limits) are asked before each proposal is made; a forbidden one is not made but kept as a
`Withheld` item with the constraint's reason and evidence ("未提出的建议及原因"). A matter gets at
most one time proposal: compressing towards the legal ratio and the days freed by step changes are
merged into one, which says which figure it takes and re-balances the step limits when the new
promise is below their critical path.

Ids are "<M|S|T|V>-<matter code>-<nnn>", numbered per matter and dimension in rule order, so the
same catalogue always gives the same ids (a plan can be re-applied). Each proposal carries a
machine-readable `change` that `bpr.plan.apply` executes.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bpr.analyse.rules.constraints import (
    COLLECT_E_LICENCE,
    COMMIT,
    DROP_DELIVERY,
    ONLINE_SUBMIT,
    PARALLEL,
    SHORTEN_STEP,
    ZERO_VISITS,
    ConstraintSet,
)
from bpr.errors import InputError
from bpr.i18n import t
from bpr.model import Catalogue, DataWarning, MaterialKind, Matter, SourceChannel, Step, StepKind
from bpr.model.timelimit import DEFAULT_CONVERSION, Conversion, Unit
from bpr.plan.documents import (
    LicenceCatalogue,
    alternatives,
    document_key,
    is_applicant_written,
    is_catch_all,
    is_fact_certificate,
    is_government_body,
    licence_name,
)
from bpr.plan.step_changes import apply_step_changes, rebalance_steps
from bpr.plan.stepgraph import kind_of, matter_critical_path, ordered_steps, step_days
from bpr.plan.visits import REMOVABLE, VisitCause, stated_visits, visit_causes, visits_after

DIMENSIONS = ("materials", "steps", "time", "visits")
_PREFIX = {"materials": "M", "steps": "S", "time": "T", "visits": "V"}
SPECIAL_PROCEDURE_WORDS = re.compile(r"(现场核查|现场勘验|现场勘查|踏勘|专家评审|专家论证|听证|检验|检测|鉴定|"
                                     r"公示|评估|招标|拍卖|考试|考核|审计)")
# A sign-off level: a plain review named by its level or reviewer ("初审", "科长复审", "分管领导审核").
# Topical reviews ("消防设计审查", "专家评审", "会签") are different work, not levels, and stay.
_LEVEL = re.compile(r"^(科室|科员|科长|副科长|股室|股长|处室|处长|副处长|经办人?|承办人?|业务科室|分管领导|"
                    r"主要领导|领导|局长|副局长|主任|窗口)?(初审|复审|再审|审核|复核|审查|审签|审阅|核审)$")
_DELIVERY_WORDS = ("送达", "领证", "发证", "出证", "制证", "领取", "制卡", "发卡", "领卡")


@dataclass
class Proposal:
    """One concrete change to one matter. `saving` holds negative numbers (materials −1 …)."""

    id: str
    dimension: str
    matter: str  # matter name
    code: str  # matter key (实施编码, else 基本编码, else name)
    target: str  # what it changes: a material, steps, 承诺办结时限, a visit cause
    action: str
    rationale: str
    action_en: str = ""
    rationale_en: str = ""
    kind: str = ""  # share, commit, remove, single_copy, drop_duplicate, immediate, merge_levels, ...
    evidence: dict[str, Any] = field(default_factory=dict)
    saving: dict[str, float] = field(default_factory=dict)
    change: dict[str, Any] = field(default_factory=dict)
    accepted: bool = True

    def text(self, lang: str = "zh") -> tuple[str, str]:
        """(action, rationale) in `lang`."""
        return (self.action_en, self.rationale_en) if lang == "en" else (self.action, self.rationale)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "dimension": self.dimension, "kind": self.kind, "matter": self.matter,
                "code": self.code, "target": self.target, "action": self.action, "action_en": self.action_en,
                "rationale": self.rationale, "rationale_en": self.rationale_en, "evidence": dict(self.evidence),
                "saving": dict(self.saving), "change": dict(self.change), "accepted": self.accepted}


@dataclass
class Withheld:
    """A proposal a domain constraint forbids: not made, listed with the reason ("未提出的建议及原因")."""

    dimension: str
    kind: str
    matter: str
    code: str
    target: str
    action: str  # what would have been proposed
    action_en: str
    constraint: str  # constraint id
    reason: str
    reason_en: str
    source: str = ""
    source_en: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "zh") -> tuple[str, str]:
        """(action, reason) in `lang`."""
        return (self.action_en, self.reason_en) if lang == "en" else (self.action, self.reason)

    def to_dict(self) -> dict[str, Any]:
        return {"dimension": self.dimension, "kind": self.kind, "matter": self.matter, "code": self.code,
                "target": self.target, "action": self.action, "action_en": self.action_en,
                "constraint": self.constraint, "reason": self.reason, "reason_en": self.reason_en,
                "source": self.source, "source_en": self.source_en, "evidence": dict(self.evidence)}


@dataclass
class ProposalOptions:
    time_ratio: float = 0.5  # promised/legal above this → compress to it
    immediate_max_materials: int = 5
    immediate_max_days: float = 5.0
    licences: LicenceCatalogue | None = None
    conversion: Conversion = DEFAULT_CONVERSION
    constraints: ConstraintSet | None = None  # None: the built-in constraints, all on


def _saving(materials: float = 0, steps: float = 0, days: float = 0, visits: float = 0, **extra) -> dict:
    out = {"materials": -abs(materials), "steps": -abs(steps), "days": -round(abs(days), 3), "visits": -abs(visits)}
    out.update({k: -abs(v) for k, v in extra.items()})
    return {k: (0 if v == 0 else v) for k, v in out.items()}


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


class _Builder:
    """Collects one matter's proposals and numbers them."""

    saving = staticmethod(_saving)  # for the proposers in other modules (bpr.plan.tolerance)

    def __init__(self, matter: Matter, code: str, constraints: ConstraintSet | None = None):
        self.matter, self.code = matter, code
        self.items: list[Proposal] = []
        self.withheld: list[Withheld] = []
        self.counters = dict.fromkeys(DIMENSIONS, 0)
        self.cp_before: float | None = None
        self.constraints = constraints if constraints is not None else ConstraintSet()

    def vetoed(self, lever: str, dimension: str, kind: str, target: str, key: str, params: dict,
               basis: str = "") -> bool:
        """True (and the proposal recorded as withheld) when a constraint forbids `lever` here."""
        found = self.constraints.forbidding(lever, self.matter, target, basis)
        if found is None:
            return False
        constraint, evidence = found
        zh, en = _params(params)
        source, source_en = constraint.cited(evidence, self.matter.name)
        self.withheld.append(Withheld(
            dimension=dimension, kind=kind, matter=self.matter.name, code=self.code, target=target,
            action=t(key, "zh").format(**zh), action_en=t(key, "en").format(**en), constraint=constraint.id,
            reason=constraint.reason(evidence, "zh"), reason_en=constraint.reason(evidence, "en"),
            source=source, source_en=source_en, evidence=evidence))
        return True

    def add(self, dimension: str, kind: str, target: str, key: str, why_key: str, params: dict,
            evidence: dict, saving: dict, change: dict, lever: str | None = None, basis: str = "") -> Proposal | None:
        """The proposal, numbered; None (withheld) when a constraint forbids its `lever`."""
        if lever and self.vetoed(lever, dimension, kind, target, key, params, basis):
            return None
        self.counters[dimension] += 1
        pid = f"{_PREFIX[dimension]}-{self.code}-{self.counters[dimension]:03d}"
        zh, en = _params(params)
        proposal = Proposal(
            id=pid, dimension=dimension, matter=self.matter.name, code=self.code, target=target,
            action=t(key, "zh").format(**zh), rationale=t(why_key, "zh").format(**zh),
            action_en=t(key, "en").format(**en), rationale_en=t(why_key, "en").format(**en),
            kind=kind, evidence=evidence, saving=saving, change={"kind": kind, **change})
        if lever:
            _qualify(self, proposal, lever, target, basis)
        self.items.append(proposal)
        return proposal


def _params(params: dict) -> tuple[dict, dict]:
    """Format values for zh and en (a tuple value is (zh, en))."""
    return ({k: v[0] if isinstance(v, tuple) else v for k, v in params.items()},
            {k: v[1] if isinstance(v, tuple) else v for k, v in params.items()})


def _qualify(b: _Builder, proposal: Proposal, lever: str, target: str, basis: str) -> None:
    """A qualifying constraint (告知承诺 on a requirement set by a law) marks the proposal."""
    found = b.constraints.qualifying(lever, b.matter, target, basis)
    if found is None:
        return
    constraint, evidence = found
    proposal.action += t("prop_needs_law", "zh")
    proposal.action_en += t("prop_needs_law", "en")
    proposal.rationale += "；" + constraint.reason(evidence, "zh")
    proposal.rationale_en += "; " + constraint.reason(evidence, "en")
    proposal.evidence["needs_legal_authorisation"] = True
    proposal.evidence["qualified_by"] = evidence


def _id_code(matter: Matter) -> str:
    return re.sub(r"\s+", "", matter.key) or "matter"


def propose(catalogue: Catalogue, options: ProposalOptions | None = None,
            warnings: list[DataWarning] | None = None, withheld: list[Withheld] | None = None,
            **overrides) -> list[Proposal]:
    """All proposals for `catalogue`, matter by matter, in the order materials, steps, time, visits.

    Keyword overrides set `ProposalOptions` fields: propose(cat, time_ratio=0.4). A matter whose
    step dependencies cannot be followed (a cycle, an unknown step) gets no step proposals and a
    `DataWarning` appended to `warnings` (when given); the other matters go on. Proposals a domain
    constraint forbids are appended to `withheld` (when given) with the reason.
    """
    options = options or ProposalOptions()
    if overrides:
        options = ProposalOptions(**{**options.__dict__, **overrides})
    licences = options.licences or LicenceCatalogue.bundled()
    seen: dict[str, int] = {}
    proposals: list[Proposal] = []
    for matter in catalogue:
        code = _id_code(matter)
        seen[code] = seen.get(code, 0) + 1
        if seen[code] > 1:  # duplicate codes: keep ids unique and stable
            code = f"{code}~{seen[code]}"
        proposals.extend(propose_matter(matter, options, licences, code, warnings, withheld))
    return proposals


def propose_matter(matter: Matter, options: ProposalOptions, licences: LicenceCatalogue,
                   code: str | None = None, warnings: list[DataWarning] | None = None,
                   withheld: list[Withheld] | None = None) -> list[Proposal]:
    builder = _Builder(matter, code or _id_code(matter), options.constraints)
    _materials(builder, licences)
    try:
        _steps(builder, options, licences)
    except InputError as exc:
        builder.items = [p for p in builder.items if p.dimension != "steps"]
        builder.counters["steps"] = 0
        if warnings is not None:
            warnings.append(DataWarning.of("step_graph", {"reason": exc},
                                           row=matter.source_row, column=exc.column))
    _time(builder, options)
    _visits(builder, licences)
    for rule in module_rules():
        rule(builder, options, licences)
    if withheld is not None:
        withheld.extend(builder.withheld)
    return builder.items


def module_rules() -> tuple:
    """Proposal rules kept in modules of their own, run after the built-in ones on each matter
    (issue #13: the e-licence library restricts shares, 容缺受理)."""
    from bpr.plan.sharing import restrict_shares
    from bpr.plan.tolerance import propose_tolerance

    return (restrict_shares, propose_tolerance)


# --- materials ------------------------------------------------------------------------------------

def _materials(b: _Builder, licences: LicenceCatalogue) -> None:
    handled: set[str] = set()
    rows = Counter(m.name for m in b.matter.materials if m.submitted)
    for material in b.matter.materials:
        name = material.name
        if not material.submitted or name in handled:
            continue  # a name listed twice gets one proposal; apply changes every row of that name
        evidence = {"material": name, "source": material.source.value if material.source else None,
                    "issuer": material.issuer or None}
        if is_catch_all(name):
            b.add("materials", "remove", name, "prop_remove", "prop_remove_why", {"material": name},
                  evidence, _saving(materials=rows[name]), {"material": name})
            handled.add(name)
            continue
        if all(is_applicant_written(part) for part in alternatives(name)):
            continue
        licence = licence_name(name, licences)
        gov_issuer = is_government_body(material.issuer)
        if material.source is SourceChannel.GOVERNMENT or gov_issuer or licence:
            reasons_zh, reasons_en = [], []
            if material.source is SourceChannel.GOVERNMENT:
                reasons_zh.append("来源渠道：政府部门核发")
                reasons_en.append("source channel: issued by government")
            if gov_issuer:
                reasons_zh.append(f"出具机构：{material.issuer}")
                reasons_en.append(f"issuer: {material.issuer}")
            if licence:
                reasons_zh.append(f"证照目录：{licence}")
                reasons_en.append(f"licence list: {licence}")
                evidence["licence"] = licence
            b.add("materials", "share", name, "prop_share", "prop_share_why",
                  {"material": name, "why": ("；".join(reasons_zh), "; ".join(reasons_en))},
                  evidence, _saving(materials=rows[name]), {"material": name})
            handled.add(name)
        elif is_fact_certificate(name):
            b.add("materials", "commit", name, "prop_commit", "prop_commit_why", {"material": name},
                  evidence, _saving(materials=rows[name]), {"material": name}, lever=COMMIT, basis=material.basis)
            handled.add(name)
    # The same document twice (original and copy listed apart), or one item as original and copy.
    first_by_key: dict[str, str] = {}
    for material in b.matter.materials:
        if not material.submitted or material.name in handled or is_catch_all(material.name):
            continue
        key = document_key(material.name, licences)
        if key in first_by_key:
            keep = first_by_key[key]
            why = "prop_duplicate_why" if material.name != keep else "prop_duplicate_same_why"
            b.add("materials", "drop_duplicate", material.name, "prop_duplicate", why,
                  {"material": material.name, "keep": keep},
                  {"material": material.name, "same_as": keep, "document": key},
                  _saving(materials=1), {"material": material.name, "keep": keep})
            continue
        first_by_key[key] = material.name
        if material.kind is MaterialKind.BOTH:
            b.add("materials", "single_copy", material.name, "prop_single_copy", "prop_single_copy_why",
                  {"material": material.name}, {"material": material.name, "kind": "原件和复印件"},
                  _saving(copies=1), {"material": material.name})


# --- steps ------------------------------------------------------------------------------------------

def _fit_for_immediate(matter: Matter, options: ProposalOptions) -> tuple[bool, int, float | None]:
    materials = sum(1 for m in matter.materials if m.submitted)
    days = matter.promised_limit.to_working_days(options.conversion)
    if days is None:
        days = matter.legal_limit.to_working_days(options.conversion)
    fit = (days is not None and 0 < days <= options.immediate_max_days
           and materials <= options.immediate_max_materials
           and not any(kind_of(s) is StepKind.INSPECT for s in matter.steps)
           and not SPECIAL_PROCEDURE_WORDS.search(matter.special_procedures or "")
           and not any(SPECIAL_PROCEDURE_WORDS.search(s.name) for s in matter.steps))
    return fit, materials, days


def _core(step: Step) -> bool:
    return kind_of(step) in (StepKind.ACCEPT, StepKind.REVIEW, StepKind.DECIDE)


def _result_remote(matter: Matter, licences: LicenceCatalogue) -> tuple[str, str] | None:
    """How the result can reach the applicant without a delivery step, or None."""
    if matter.e_licence or (matter.e_licence is None and matter.result_name
                            and licence_name(matter.result_name, licences)):
        return t("how_e_licence", "zh"), t("how_e_licence", "en")
    if matter.mail:
        return t("how_mail", "zh"), t("how_mail", "en")
    return None


def _steps(b: _Builder, options: ProposalOptions, licences: LicenceCatalogue) -> None:
    matter = b.matter
    steps = ordered_steps(matter)
    if not steps:
        return
    conv = options.conversion
    cp_before = b.cp_before = matter_critical_path(matter, conv).days
    fit, n_materials, days = _fit_for_immediate(matter, options)
    core = [s for s in steps if _core(s)]
    immediate_done = False
    if fit and len(core) >= 2 and {kind_of(s) for s in core} & {StepKind.ACCEPT} and all(s.after is None for s in core):
        names = [s.name for s in core]
        change = {"steps": names, "into": "受理（即审即办）", "days": 0.0}
        saving_days = cp_before - _cp_after(matter, [change | {"kind": "merge_steps"}], conv)
        b.add("steps", "immediate", "、".join(names), "prop_immediate", "prop_immediate_why",
              {"steps": "、".join(names), "materials": n_materials, "days": _num(days or 0)},
              {"steps": names, "materials": n_materials, "promised_days": days,
               "special_procedures": matter.special_procedures or None},
              _saving(steps=len(names) - 1, days=saving_days), change | {"kind": "merge_steps"})
        immediate_done = True
    if not immediate_done:
        _merge_levels(b, steps, cp_before, conv)
        _parallel(b, steps, cp_before, conv)
    remote = _result_remote(matter, licences)
    if remote:
        for step in steps:
            if kind_of(step) is StepKind.DELIVER and any(w in step.name for w in _DELIVERY_WORDS):
                change = {"kind": "drop_step", "step": step.name}
                saving_days = cp_before - _cp_after(matter, [change], conv)
                b.add("steps", "drop_delivery", step.name, "prop_drop_delivery", "prop_drop_delivery_why",
                      {"step": step.name, "how": remote},
                      {"step": step.name, "e_licence": matter.e_licence, "mail": matter.mail,
                       "result_name": matter.result_name or None},
                      _saving(steps=1, days=saving_days), change, lever=DROP_DELIVERY)


def _cp_after(matter: Matter, changes: list[dict], conv: Conversion) -> float:
    """Critical path after `changes`. A purely sequential process stays a chain under merges and
    drops, so its path is the sum of what is left (the general graph route gives the same, tested)."""
    if all(s.after is None for s in matter.steps) and all(c["kind"] != "parallel" for c in changes):
        chain = [(s.name, step_days(s, conv)) for s in ordered_steps(matter)]
        for change in changes:
            if change["kind"] == "drop_step":
                chain = [(n, d) for n, d in chain if n != change["step"]]
            else:
                names = set(change["steps"])
                at = next((i for i, (n, _) in enumerate(chain) if n in names), None)
                if at is not None:
                    rest = [(n, d) for n, d in chain if n not in names]
                    chain = rest[:at] + [(change["into"], float(change["days"]))] + rest[at:]
        return float(sum(d for _, d in chain))
    return matter_critical_path(apply_step_changes(matter, changes), conv).days


def _merge_levels(b: _Builder, steps: list[Step], cp_before: float, conv: Conversion) -> None:
    run: list[Step] = []

    def flush() -> None:
        if len(run) >= 2:
            names = [s.name for s in run]
            limits = [s.limit.to_working_days(conv) or 0.0 for s in run]
            change = {"kind": "merge_steps", "steps": names, "into": run[0].name, "days": max(limits)}
            saving_days = cp_before - _cp_after(b.matter, [change], conv)
            department = run[0].department or b.matter.department
            b.add("steps", "merge_levels", "、".join(names), "prop_merge_levels", "prop_merge_levels_why",
                  {"steps": "、".join(names), "department": department},
                  {"steps": names, "department": department, "roles": [s.role for s in run]},
                  _saving(steps=len(names) - 1, days=saving_days), change)
        run.clear()

    for step in steps:
        same_dept = run and (step.department or b.matter.department) == (run[-1].department or b.matter.department)
        level = kind_of(step) is StepKind.REVIEW and step.after is None and bool(_LEVEL.match(step.name))
        if level and (not run or same_dept):
            run.append(step)
        else:
            flush()
            if level:
                run.append(step)
    flush()


def _parallel(b: _Builder, steps: list[Step], cp_before: float, conv: Conversion) -> None:
    """Maximal runs of consecutive review/on-site steps (implicit order only) spanning ≥2 departments."""
    run: list[Step] = []
    runs: list[list[Step]] = []
    for step in steps:
        if kind_of(step) in (StepKind.REVIEW, StepKind.INSPECT) and step.after is None and step.department:
            run.append(step)
        else:
            if run:
                runs.append(run)
            run = []
    if run:
        runs.append(run)
    for run in runs:
        departments = list(dict.fromkeys(s.department for s in run))
        if len(departments) < 2:
            continue
        names = [s.name for s in run]
        change = {"kind": "parallel", "steps": names}
        after = _cp_after(b.matter, [change], conv)
        if after >= cp_before:
            continue
        b.add("steps", "parallel", "、".join(names), "prop_parallel", "prop_parallel_why",
              {"steps": "、".join(names), "departments": ("、".join(departments), ", ".join(departments)),
               "before": _num(cp_before), "after": _num(after)},
              {"steps": names, "departments": departments, "critical_path_before": cp_before,
               "critical_path_after": after},
              _saving(days=cp_before - after), change, lever=PARALLEL)


# --- time -------------------------------------------------------------------------------------------

def _hold_periods(b: _Builder, periods: dict[str, float]) -> None:
    """List the statutory periods as withheld cuts (statutory_period)."""
    for name, days in periods.items():
        b.vetoed(SHORTEN_STEP, "time", "shorten_step", name, "prop_shorten_step", {"step": name, "days": _num(days)})


def _time(b: _Builder, options: ProposalOptions) -> None:
    """At most one time proposal: compress towards `time_ratio` of the legal limit, or lower the
    promise by the days the step proposals free, or both merged (the lower promise wins). When
    the new promise is below the steps' critical path, the step limits are re-balanced (or the
    promise capped at what they can reach), so the after-state keeps Σ step limits ≤ promise."""
    matter, conv = b.matter, options.conversion
    legal = matter.legal_limit.to_working_days(conv)
    promised = matter.promised_limit.to_working_days(conv)
    if promised is None or promised <= 0:
        return
    # a statutory period (公告期, 冷静期 …: statutory_period) is not compressed: the ratio applies to the rest
    periods = {s.name: step_days(s, conv) for s in matter.steps
               if step_days(s, conv) > 0 and b.constraints.forbidding(SHORTEN_STEP, matter, s.name)}
    kept = sum(periods.values())
    target, held = None, False
    if legal and legal > 0 and promised / legal > options.time_ratio + 1e-9:
        # compressing to 即办 is a step change
        candidate = max(1, math.floor(kept + (legal - kept) * options.time_ratio)) if legal > kept else promised
        target = float(candidate) if candidate < promised else None
        held = bool(periods) and candidate > max(1, math.floor(legal * options.time_ratio))
        if held:  # the plain ratio would have cut into the periods
            _hold_periods(b, periods)
    step_ids = [p.id for p in b.items if p.dimension == "steps"]
    step_changes = [p.change for p in b.items if p.dimension == "steps"]
    freed = 0.0
    try:
        cp_before = b.cp_before if b.cp_before is not None else matter_critical_path(matter, conv).days
    except InputError:  # the step graph cannot be followed (warned in _steps): no step figures
        cp_before = 0.0
    cp_after = cp_before
    if step_changes:
        cp_after = _cp_after(matter, step_changes, conv)
        freed = max(0.0, cp_before - cp_after)
    freed_to = max(0.0, promised - freed) if freed > 1e-9 else None
    if target is None and freed_to is None:
        return
    new = min(x for x in (target, freed_to) if x is not None)
    after_steps = apply_step_changes(matter, step_changes) if step_changes else matter
    fixed = [s.name for s in after_steps.steps if s.name in periods]
    if fixed and new < cp_after - 1e-9 and not held:  # the cut would reach a statutory period: it keeps its days
        _hold_periods(b, periods)
    _, reachable, rebalanced = rebalance_steps(after_steps, new, conv, fixed)
    if reachable > new + 1e-9:  # the steps cannot fit: the promise stops at their critical path
        new = reachable
    if new >= promised - 1e-9:
        return
    evidence = {"legal_days": legal, "promised_days": promised, "critical_path_before": cp_before,
                "critical_path_after": cp_after, "step_proposals": step_ids,
                "rebalanced_steps": {k: list(v) for k, v in rebalanced.items()}}
    change: dict = {}
    if target is not None:
        evidence |= {"ratio": round(promised / legal, 4), "target_ratio": options.time_ratio, "compress_to": target}
        change["days"] = target
    if freed_to is not None:
        evidence |= {"freed_days": freed, "freed_to": freed_to}
        change["free_days"] = True
    if fixed:  # apply keeps the same steps whole
        change["fixed_steps"] = fixed
    if periods:
        evidence["statutory_periods"] = periods
    params = {"before": _num(promised), "after": _num(new), "ratio": _num(options.time_ratio * 100),
              "legal": _num(legal or 0), "actual": _num(round(promised / legal * 100, 1)) if legal else "—",
              "days": _num(freed), "target": _num(target or 0), "freed_to": _num(freed_to or 0),
              "periods": "、".join(f"{name} {_num(days)}" for name, days in periods.items())}
    if target is not None and freed_to is not None:
        kind, key, why = "compress", "prop_time_merged", "prop_time_merged_why"
        evidence["merged"] = ["compress", "free_days"]
    elif target is not None:
        kind, key, why = "compress", "prop_compress_periods" if periods else "prop_compress", "prop_compress_why"
    else:
        kind, key, why = "free_days", "prop_freed", "prop_freed_why"
    proposal = b.add("time", kind, "承诺办结时限", key, why, params, evidence, _saving(days=promised - new), change)
    if proposal is not None and periods and key == "prop_time_merged":
        proposal.action += t("prop_time_periods", "zh").format(periods=params["periods"])
        proposal.action_en += t("prop_time_periods", "en").format(periods=params["periods"])
    if proposal is not None and matter.promised_limit.unit not in (Unit.WORKING_DAY, Unit.IMMEDIATE):
        # "60天" shown as 41.1 working days: say what the sheet wrote and that it was converted
        raw, days = matter.promised_limit.raw.strip(), _num(promised)
        proposal.rationale += t("prop_time_converted", "zh").format(raw=raw, days=days)
        proposal.rationale_en += t("prop_time_converted", "en").format(raw=raw, days=days)
    if proposal is not None and rebalanced:
        shown = "、".join(f"{name} {_num(old)}→{_num(to)}" for name, (old, to) in rebalanced.items())
        proposal.action += t("prop_rebalanced", "zh").format(steps=shown)
        proposal.action_en += t("prop_rebalanced", "en").format(steps=shown)
    if proposal is not None and reachable > min(x for x in (target, freed_to) if x is not None) + 1e-9:
        proposal.rationale += t("prop_time_capped", "zh").format(days=_num(reachable))
        proposal.rationale_en += t("prop_time_capped", "en").format(days=_num(reachable))
        evidence["capped_at_critical_path"] = reachable


# --- visits -----------------------------------------------------------------------------------------

def _visits(b: _Builder, licences: LicenceCatalogue) -> None:
    """One proposal per removable visit cause. Constraints may forbid online submission (in person
    by law), an e-licence result (a physical card: mailed instead) or the last visit (in person)."""
    matter = b.matter
    before = stated_visits(matter)
    if before <= 0:
        return
    causes = visit_causes(matter)
    labels = ("、".join(t(f"cause_{c}", "zh") for c in causes) or "未说明",
              ", ".join(t(f"cause_{c}", "en") for c in causes) or "not stated")
    planned: list[tuple[VisitCause, str, str, int]] = []  # (cause, key, how, visits after it alone)
    allowed: set[VisitCause] = set()
    for cause in causes:
        if cause not in REMOVABLE:
            continue
        after = visits_after(before, causes, {cause})
        params = {"visits": before, "causes": labels, "cause": (t(f"cause_{cause}", "zh"), t(f"cause_{cause}", "en")),
                  "after": after}
        target = t(f"cause_{cause}", "zh")
        if cause is VisitCause.SUBMIT:
            key, how = "prop_visit_submit", "online"
            if b.vetoed(ONLINE_SUBMIT, "visits", f"visit_{cause}", target, key, params):
                continue
        elif cause is VisitCause.PAY:
            key, how = "prop_visit_pay", "online_payment"
        elif (matter.e_licence or (matter.result_name and licence_name(matter.result_name, licences))) and not \
                b.vetoed(COLLECT_E_LICENCE, "visits", f"visit_{cause}", target, "prop_visit_collect_e", params):
            key, how = "prop_visit_collect_e", "e_licence"
        else:
            key, how = "prop_visit_collect_mail", "mail"
        if visits_after(before, causes, allowed | {cause}) == 0 and \
                b.vetoed(ZERO_VISITS, "visits", f"visit_{cause}", target, key, params):
            continue
        allowed.add(cause)
        planned.append((cause, key, how, after))
    if visits_after(before, causes, allowed) >= before:
        return  # the trips stay for causes no allowed lever removes (an on-site check): nothing to gain
    remaining = visits_after(before, causes, allowed)
    for cause, key, how, after in planned:
        if key == "prop_visit_submit" and remaining > 0:
            key = "prop_visit_submit_online"  # online submission, but trips remain: not 全程网办
        b.add("visits", f"visit_{cause}", t(f"cause_{cause}", "zh"), key, "prop_visit_why",
              {"visits": before, "causes": labels, "cause": (t(f"cause_{cause}", "zh"), t(f"cause_{cause}", "en")),
               "after": after},
              {"visits": before, "causes": [c.value for c in causes], "visit_reason": matter.visit_reason or None},
              _saving(visits=before - after), {"cause": cause.value, "by": how})
