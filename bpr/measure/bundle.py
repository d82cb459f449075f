"""一件事 bundles: several matters handled as one (一次告知、一表申请、一套材料、一窗受理).

Before = separate handling: the applicant goes through every member on its own, so materials,
steps and visits add up and the time limits run in sequence (Σ promised, Σ critical paths).

After = one thing:
- one application form: every member's 申请书/申请表 becomes one joint form;
- one set of materials: the other materials are deduplicated by document (`document_key`: "营业执照复印件"
  and "营业执照", "居民身份证原件及复印件" and "身份证" are one document); exempt ones stay exempt;
  a document that another member issues (its 结果名称, e.g. 个体工商户设立登记's 营业执照 for 食品经营许可)
  is passed on inside the bundle, not asked of the applicant;
- one acceptance at a joint window and one delivery of results; each member keeps its own review,
  inspection and decision steps, and the departments work in parallel, except that a member waits
  for the members whose results it needs: the time is the longest chain of such members (promised
  limits and critical paths added along it, the longest chain taken);
- visits: one, or none when no member needs one any more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bpr.i18n import t
from bpr.measure.figures import Figures, _round, figures
from bpr.model import Bundle, Catalogue, Matter, StepKind
from bpr.model.timelimit import DEFAULT_CONVERSION, Conversion
from bpr.plan.documents import LicenceCatalogue, document_key
from bpr.plan.stepgraph import kind_of

_FORM = re.compile(r"(申请书|申请表|申报表|登记表|审批表)")


@dataclass
class SharedDocument:
    """One document several materials (of one or more members) ask for."""

    document: str
    materials: list[tuple[str, str]] = field(default_factory=list)  # (matter name, material name)
    issued_by: str = ""  # the member whose result it is, when it is issued inside the bundle

    def to_dict(self) -> dict:
        return {"document": self.document, "issued_by": self.issued_by,
                "materials": [{"matter": m, "material": n} for m, n in self.materials]}


@dataclass
class BundleResult:
    name: str
    members: list[dict]
    departments: list[str]
    before: Figures
    after: Figures
    forms: list[tuple[str, str]]  # the member forms merged into one
    shared: list[SharedDocument]
    after_materials: list[str]
    lead_department: str = ""
    issued_within: list[SharedDocument] = field(default_factory=list)  # passed on between members

    def cut(self) -> dict:
        b, a = self.before.to_dict(), self.after.to_dict()
        return {k: _round(b[k] - a[k]) if b[k] is not None and a[k] is not None else None for k in b}

    def cut_pct(self) -> dict:
        b, a = self.before.to_dict(), self.after.to_dict()
        return {k: round((b[k] - a[k]) / b[k] * 100, 2) if b[k] and a[k] is not None else None for k in b}

    def to_dict(self, lang: str = "zh") -> dict:
        return {"name": self.name, "lead_department": self.lead_department, "members": self.members,
                "departments": self.departments, "before": self.before.to_dict(), "after": self.after.to_dict(),
                "cut": self.cut(), "cut_pct": self.cut_pct(),
                "one_form": {"label": t("bundle_form", lang),
                             "replaces": [{"matter": m, "material": n} for m, n in self.forms]},
                "shared_documents": [s.to_dict() for s in self.shared],
                "issued_within": [s.to_dict() for s in self.issued_within],
                "after_materials": self.after_materials}


def _is_form(name: str) -> bool:
    return bool(_FORM.search(name))


def analyse_bundle(bundle: Bundle, catalogue: Catalogue, licences: LicenceCatalogue | None = None,
                   conversion: Conversion = DEFAULT_CONVERSION) -> BundleResult:
    """Before (separate) and after (one thing) of `bundle`; a member not in the catalogue is a
    UsageError listing every missing member."""
    licences = licences or LicenceCatalogue.bundled()
    members: list[Matter] = bundle.resolve(catalogue)
    per = [figures(m, conversion) for m in members]

    def total(key: str) -> float | None:
        values = [getattr(f, key) for f in per if getattr(f, key) is not None]
        return sum(values) if values else None

    before = Figures(steps=total("steps"), materials=total("materials"), promised_days=total("promised_days"),
                     critical_path_days=total("critical_path_days"), visits=total("visits"))

    issuer = {document_key(m.result_name, licences): m.name for m in members if m.result_name}
    forms: list[tuple[str, str]] = []
    groups: dict[str, SharedDocument] = {}
    inside: dict[str, SharedDocument] = {}
    needs: dict[str, set[str]] = {m.name: set() for m in members}  # member -> members whose result it needs
    for matter in members:
        for material in matter.materials:
            if not material.submitted:
                continue
            if _is_form(material.name):
                forms.append((matter.name, material.name))
                continue
            key = document_key(material.name, licences)
            source = issuer.get(key)
            if source and source != matter.name:
                inside.setdefault(key, SharedDocument(key, issued_by=source)).materials.append((matter.name, material.name))
                needs[matter.name].add(source)
                continue
            groups.setdefault(key, SharedDocument(key)).materials.append((matter.name, material.name))
    after_materials = ([t("bundle_form", "zh")] if forms else []) + list(groups)
    shared = [g for g in groups.values() if len(g.materials) > 1]

    middle = sum(1 for m in members for s in m.steps
                 if kind_of(s) not in (StepKind.ACCEPT, StepKind.APPLY, StepKind.DELIVER))
    accepts = any(kind_of(s) in (StepKind.ACCEPT, StepKind.APPLY) for m in members for s in m.steps)
    delivers = any(kind_of(s) is StepKind.DELIVER for m in members for s in m.steps)
    visits = [f.visits for f in per if f.visits is not None]
    after = Figures(steps=middle + int(accepts) + int(delivers), materials=len(after_materials),
                    promised_days=_longest_chain(members, per, needs, "promised_days"),
                    critical_path_days=_longest_chain(members, per, needs, "critical_path_days"),
                    visits=(1 if any(v > 0 for v in visits) else 0) if visits else None)
    departments = list(dict.fromkeys(d for m in members for d in [m.department, *m.co_departments,
                                                                   *(s.department for s in m.steps)] if d))
    return BundleResult(
        name=bundle.name, lead_department=bundle.lead_department,
        members=[{"name": m.name, "code": m.key, "department": m.department} for m in members],
        departments=departments, before=before, after=after, forms=forms, shared=shared,
        after_materials=after_materials, issued_within=list(inside.values()))


def _longest_chain(members: list[Matter], per: list[Figures], needs: dict[str, set[str]], key: str) -> float | None:
    """The longest sum of `key` along a chain of members each needing the result of the one before
    (a member without a figure counts 0 in a chain); None when no member has one."""
    days = {m.name: getattr(f, key) for m, f in zip(members, per, strict=True)}
    if all(v is None for v in days.values()):
        return None
    done: dict[str, float] = {}

    def finish(name: str, seen: frozenset = frozenset()) -> float:
        if name not in done:  # `seen` guards against two members needing each other's results
            before = [finish(n, seen | {name}) for n in needs[name] if n not in seen | {name}]
            done[name] = max(before, default=0.0) + (days[name] or 0.0)
        return done[name]

    return _round(max(finish(m.name) for m in members))
