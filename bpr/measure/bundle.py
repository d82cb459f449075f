"""一件事 bundles: several matters handled as one (一次告知、一表申请、一套材料、一窗受理).

Before = separate handling: the applicant goes through every member on its own, so materials,
steps and visits add up and the time limits run in sequence (Σ promised, Σ critical paths).

After = one thing. Each material a member asks for ends in exactly one place, with its reason:
- one application form: every member's 申请书/申请表 becomes one joint form;
- issued within: a document another member issues is passed on inside the bundle, not asked of
  the applicant. What a member issues is its 结果名称, or, where the sheet has none, what a matter
  of that name commonly issues (`IssuedVocabulary`: 企业设立登记 → 营业执照, 食品经营许可 →
  食品经营许可证 …, bpr/data/issued_documents.txt);
- e-licence: a document a government body issues (身份证, 不动产权证书 …, the same test as the
  share proposal of `bpr propose`) comes from the 电子证照 library, when the library holds that
  type (all types when no library file is given); otherwise it stays in the after list as
  "待共享：电子证照库暂无" with its issuing department;
- one set of materials: the rest is grouped by document (`document_key`: 原件/复印件/份数 dropped,
  licence aliases and the synonym table applied, so 房屋租赁合同 / 住所使用证明 / 经营场所使用证明 are
  one document); every group is one item of the after list, its reason saying what was merged;
  exempt materials stay exempt.
Steps: one acceptance at a joint window and one delivery of results; each member keeps its own
review, inspection and decision steps, and the departments work in parallel. A member that needs
another member's result reviews alongside it and waits only with its decision: it finishes at
max(its own days, the issuer's finish + its days from the decision on). The bundle's time is the
latest finish (promised limits and critical paths each).
Visits: one, or none when no member needs one any more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bpr.i18n import t, tf
from bpr.measure.figures import Figures, _round, figures
from bpr.model import Bundle, Catalogue, Matter, StepKind
from bpr.model.timelimit import DEFAULT_CONVERSION, Conversion
from bpr.plan.documents import (
    DocumentSynonyms,
    IssuedVocabulary,
    LicenceCatalogue,
    _strip_paper_words,
    document_key,
    government_issued,
    is_application_form,
    issuing_department,
    licence_name,
)
from bpr.plan.sharing import ShareNeed, sharing_needs
from bpr.plan.stepgraph import kind_of, ordered_steps, step_days

#: why an item of the after list is what it is (vocabulary `bundle_reason_<code>`)
REASONS = ("form", "single", "same_name", "alias", "synonym", "pending_share")


@dataclass
class SharedDocument:
    """One document several materials (of one or more members) ask for."""

    document: str
    materials: list[tuple[str, str]] = field(default_factory=list)  # (matter name, material name)
    issued_by: str = ""  # the member whose result it is, when it is issued inside the bundle
    source: str = ""  # how the issuer is known: result_name | vocabulary (issued within)
    department: str = ""  # issuing department (e-licence, pending share)
    reasons: list[tuple[str, str]] = field(default_factory=list)  # why it is government-issued (zh, en)

    def to_dict(self) -> dict:
        out = {"document": self.document, "issued_by": self.issued_by,
               "materials": [{"matter": m, "material": n} for m, n in self.materials]}
        if self.source:
            out["source"] = self.source
        if self.department or self.reasons:
            out["department"] = self.department
            out["reasons"] = {"zh": "；".join(r[0] for r in self.reasons), "en": "; ".join(r[1] for r in self.reasons)}
        return out


@dataclass
class AfterItem:
    """One material of the after list and the member materials merged into it, with the reason."""

    document: str
    materials: list[tuple[str, str]]
    reason: str  # one of REASONS
    department: str = ""  # pending_share: who issues it

    def names(self) -> list[str]:
        return list(dict.fromkeys(n for _, n in self.materials))

    def text(self, lang: str = "zh") -> str:
        names = self.names()
        return tf(f"bundle_reason_{self.reason}", lang, n=len(self.materials),
                  members=len({m for m, _ in self.materials}), names="、".join(names) if lang == "zh" else ", ".join(names),
                  department=self.department or t("bundle_department_unknown", lang))

    def to_dict(self, lang: str = "zh") -> dict:
        return {"document": self.document, "reason": self.reason, "text": self.text(lang),
                "department": self.department,
                "materials": [{"matter": m, "material": n} for m, n in self.materials]}


@dataclass
class BundleResult:
    name: str
    members: list[dict]
    departments: list[str]
    before: Figures
    after: Figures
    forms: list[tuple[str, str]]  # the member forms merged into one
    shared: list[SharedDocument]  # documents several members ask for, submitted once
    after_materials: list[str]
    lead_department: str = ""
    issued_within: list[SharedDocument] = field(default_factory=list)  # passed on between members
    e_licence: list[SharedDocument] = field(default_factory=list)  # from the 电子证照 library
    after_items: list[AfterItem] = field(default_factory=list)  # the after list with reasons
    sharing_needs: list[ShareNeed] = field(default_factory=list)  # 共享需求清单 of the members (issued within left out)

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
                "e_licence": [s.to_dict() for s in self.e_licence],
                "after_materials": self.after_materials,
                "after_items": [i.to_dict(lang) for i in self.after_items],
                "sharing_needs": [n.to_dict(lang) for n in self.sharing_needs]}


def issued_documents(members: list[Matter], licences: LicenceCatalogue,
                     vocabulary: IssuedVocabulary) -> dict[str, tuple[str, str]]:
    """document -> (member that issues it, "result_name" | "vocabulary")."""
    out: dict[str, tuple[str, str]] = {}
    for m in members:
        if m.result_name:
            for part in re.split(r"[、；;，,/]|和|及", m.result_name):
                if part.strip():
                    out.setdefault(document_key(part, licences), (m.name, "result_name"))
        else:
            found = vocabulary.issued_by(m.name)
            if found:
                out.setdefault(document_key(found, licences), (m.name, "vocabulary"))
    return out


def _issuer_of(name: str, issued: dict[str, tuple[str, str]], licences: LicenceCatalogue) -> tuple[str, str] | None:
    key = document_key(name, licences)
    if key in issued:
        return issued[key]
    licence = licence_name(name, licences)
    return issued.get(licence) if licence else None


def _reason(group: list[tuple[str, str]], synonyms: DocumentSynonyms) -> str:
    if len(group) == 1:
        return "single"
    cleaned = {_strip_paper_words(n) for _, n in group}
    if len(cleaned) == 1:
        return "same_name"
    return "synonym" if any(synonyms.shown(n) for _, n in group) else "alias"


def analyse_bundle(bundle: Bundle, catalogue: Catalogue, licences: LicenceCatalogue | None = None,
                   conversion: Conversion = DEFAULT_CONVERSION, synonyms: DocumentSynonyms | None = None,
                   vocabulary: IssuedVocabulary | None = None,
                   annual_cases: dict[str, float] | None = None) -> BundleResult:
    """Before (separate) and after (one thing) of `bundle`; a member not in the catalogue is a
    UsageError listing every missing member. The 共享需求清单 of the members comes with it (annual
    figures when `annual_cases` maps member codes or names to cases a year)."""
    licences = licences or LicenceCatalogue.bundled()
    synonyms = synonyms or DocumentSynonyms.bundled()
    vocabulary = vocabulary or IssuedVocabulary.bundled()
    members: list[Matter] = bundle.resolve(catalogue)
    per = [figures(m, conversion) for m in members]

    def total(key: str) -> float | None:
        values = [getattr(f, key) for f in per if getattr(f, key) is not None]
        return sum(values) if values else None

    before = Figures(steps=total("steps"), materials=total("materials"), promised_days=total("promised_days"),
                     critical_path_days=total("critical_path_days"), visits=total("visits"))

    issued = issued_documents(members, licences, vocabulary)
    forms: list[tuple[str, str]] = []
    groups: dict[str, list[tuple[str, str]]] = {}
    pending: dict[str, SharedDocument] = {}
    inside: dict[str, SharedDocument] = {}
    shared_e: dict[str, SharedDocument] = {}
    needs: dict[str, set[str]] = {m.name: set() for m in members}  # member -> members whose result it needs
    for matter in members:
        for material in matter.materials:
            if not material.submitted:
                continue
            pair = (matter.name, material.name)
            if is_application_form(material.name):
                forms.append(pair)
                continue
            source = _issuer_of(material.name, issued, licences)
            if source and source[0] != matter.name:
                key = document_key(material.name, licences)
                key = key if key in issued else licence_name(material.name, licences) or key
                inside.setdefault(key, SharedDocument(key, issued_by=source[0], source=source[1])).materials.append(pair)
                needs[matter.name].add(source[0])
                continue
            government = government_issued(material, licences)
            if government:
                document, reasons = government
                department = issuing_department(document, material, licences)
                target = shared_e if licences.holds(document) else pending
                entry = target.setdefault(document, SharedDocument(document, department=department, reasons=reasons))
                entry.materials.append(pair)
                entry.department = entry.department or department
                continue
            groups.setdefault(document_key(material.name, licences, synonyms), []).append(pair)
    after_items = [AfterItem(t("bundle_form", "zh"), forms, "form")] if forms else []
    after_items += [AfterItem(doc, pairs, _reason(pairs, synonyms)) for doc, pairs in groups.items()]
    after_items += [AfterItem(doc, s.materials, "pending_share", s.department) for doc, s in pending.items()]
    shared = [SharedDocument(i.document, i.materials) for i in after_items
              if i.reason != "form" and len(i.materials) > 1]

    middle = sum(1 for m in members for s in m.steps
                 if kind_of(s) not in (StepKind.ACCEPT, StepKind.APPLY, StepKind.DELIVER))
    accepts = any(kind_of(s) in (StepKind.ACCEPT, StepKind.APPLY) for m in members for s in m.steps)
    delivers = any(kind_of(s) is StepKind.DELIVER for m in members for s in m.steps)
    visits = [f.visits for f in per if f.visits is not None]
    tails = {m.name: _decision_tail(m, conversion) for m in members}
    after = Figures(steps=middle + int(accepts) + int(delivers), materials=len(after_items),
                    promised_days=_latest_finish(members, per, needs, tails, "promised_days"),
                    critical_path_days=_latest_finish(members, per, needs, tails, "critical_path_days"),
                    visits=(1 if any(v > 0 for v in visits) else 0) if visits else None)
    departments = list(dict.fromkeys(d for m in members for d in [m.department, *m.co_departments,
                                                                   *(s.department for s in m.steps)] if d))
    return BundleResult(
        name=bundle.name, lead_department=bundle.lead_department,
        members=[{"name": m.name, "code": m.key, "department": m.department} for m in members],
        departments=departments, before=before, after=after, forms=forms, shared=shared,
        after_materials=[i.document for i in after_items], issued_within=list(inside.values()),
        e_licence=list(shared_e.values()), after_items=after_items,
        sharing_needs=sharing_needs(members, licences, annual_cases,
                                    skip=[pair for s in inside.values() for pair in s.materials]))


def _decision_tail(matter: Matter, conversion: Conversion) -> float | None:
    """Working days from the decision on (the first 决定/审批 step, else the first delivery step, to
    the end); None when the steps do not say (then a waiting member waits its whole limit)."""
    steps = ordered_steps(matter)
    first = next((i for i, s in enumerate(steps) if kind_of(s) is StepKind.DECIDE), None)
    if first is None:
        first = next((i for i, s in enumerate(steps) if kind_of(s) is StepKind.DELIVER), None)
    if first is None:
        return None
    return sum(step_days(s, conversion) for s in steps[first:])


def _latest_finish(members: list[Matter], per: list[Figures], needs: dict[str, set[str]],
                   tails: dict[str, float | None], key: str) -> float | None:
    """The latest finish of a member: max(own days, finish of the members whose result it needs +
    its own days from the decision on, capped at its own days); None when no member has a figure."""
    days = {m.name: getattr(f, key) for m, f in zip(members, per, strict=True)}
    if all(v is None for v in days.values()):
        return None
    done: dict[str, float] = {}

    def finish(name: str, seen: frozenset = frozenset()) -> float:
        if name not in done:  # `seen` guards against two members needing each other's results
            own = days[name] or 0.0
            tail = own if tails[name] is None else min(tails[name], own)
            before = [finish(n, seen | {name}) for n in needs[name] if n not in seen | {name}]
            done[name] = max(own, max(before, default=0.0) + tail) if before else own
        return done[name]

    return _round(max(finish(m.name) for m in members))
