"""E-licence coverage that is real: the local 电子证照 library and the 共享需求清单.

- `restrict_shares` (a proposal rule, run by `bpr.plan.proposals.propose_matter`): with a library
  file (`--licences`), a share proposal whose document type the library does not hold becomes
  "待共享：电子证照库暂无" with its issuing department: it changes nothing when applied and is not
  accepted by default, so the plan shows what the library must add before the material can go.
- `sharing_needs`: the 共享需求清单: for every government-issued document the applicant still
  submits, the issuing department, the matters that ask for it, the materials it would save, whether
  the library holds it, and (with annual case counts from a log) the materials saved a year.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bpr.i18n import t
from bpr.model import Matter
from bpr.plan.documents import LicenceCatalogue, government_issued, issuing_department


def restrict_shares(builder, options, licences: LicenceCatalogue) -> None:
    """Turn the share proposals of one matter whose type the library lacks into pending ones."""
    if licences.held is None:
        return
    materials = {m.name: m for m in builder.matter.materials}
    for p in builder.items:
        if p.kind != "share":
            continue
        material = materials.get(p.target)
        found = government_issued(material, licences) if material is not None else None
        document = (found[0] if found else None) or p.evidence.get("licence") or p.target
        if licences.holds(document):
            continue
        department = issuing_department(document, material, licences) or t("bundle_department_unknown", "zh")
        department_en = issuing_department(document, material, licences) or t("bundle_department_unknown", "en")
        p.kind = "pending_share"
        p.action = t("prop_pending_share", "zh").format(material=p.target, document=document, department=department)
        p.action_en = t("prop_pending_share", "en").format(material=p.target, document=document,
                                                          department=department_en)
        p.rationale = t("prop_pending_share_why", "zh").format(document=document, department=department)
        p.rationale_en = t("prop_pending_share_why", "en").format(document=document, department=department_en)
        p.evidence = {**p.evidence, "document": document, "department": department, "in_library": False}
        p.saving = {k: 0 for k in p.saving}
        p.change = {"kind": "pending_share", "material": p.target}
        p.accepted = False


@dataclass
class ShareNeed:
    """One row of the 共享需求清单."""

    document: str
    department: str
    matters: list[str] = field(default_factory=list)  # matter names, in catalogue order
    materials: list[tuple[str, str]] = field(default_factory=list)  # (matter, material) it would save
    in_library: bool = True
    annual_cases: float | None = None  # cases a year of the matters that ask for it (with a log)
    annual_materials: float | None = None  # Σ cases a year × materials it saves in that matter

    @property
    def status_key(self) -> str:
        return "share_status_ready" if self.in_library else "share_status_pending"

    def to_dict(self, lang: str = "zh") -> dict:
        return {"document": self.document, "department": self.department, "matters": self.matters,
                "matter_count": len(self.matters), "materials_saved": len(self.materials),
                "in_library": self.in_library, "status": t(self.status_key, lang),
                "annual_cases": self.annual_cases, "annual_materials_saved": self.annual_materials,
                "materials": [{"matter": m, "material": n} for m, n in self.materials]}


CSV_HEADER = ("share_document", "share_department", "share_matters", "share_matter_count", "share_materials_saved",
              "share_status", "share_annual_cases", "share_annual_materials")


def csv_rows(needs: Iterable[ShareNeed], lang: str = "zh") -> tuple[list[str], list[list]]:
    """(header, rows) of the 共享需求清单 CSV in `lang`."""
    sep = "、" if lang == "zh" else "; "
    rows = [[n.document, n.department, sep.join(n.matters), len(n.matters), len(n.materials), t(n.status_key, lang),
             n.annual_cases, n.annual_materials] for n in needs]
    return [t(h, lang) for h in CSV_HEADER], rows


def sharing_needs(matters: Iterable[Matter], licences: LicenceCatalogue | None = None,
                  annual_cases: dict[str, float] | None = None,
                  skip: Iterable[tuple[str, str]] = ()) -> list[ShareNeed]:
    """The 共享需求清单 of `matters`: government-issued documents (the share test of `bpr propose`)
    the applicant still submits, most-saved first. `annual_cases` maps a matter's code or name to
    its cases a year (see `bpr.analyse.volumes.annual_cases`); a matter not in it adds nothing to
    the annual figures, which stay None when no matter has a count. `skip` holds (matter, material)
    pairs that need no library (in a 一件事: the documents another member issues, passed on inside)."""
    licences = licences or LicenceCatalogue.bundled()
    matters, skip = list(matters), set(skip)
    needs: dict[str, ShareNeed] = {}
    for matter in matters:
        for material in matter.materials:
            if not material.submitted or (matter.name, material.name) in skip:
                continue
            found = government_issued(material, licences)
            if not found:
                continue
            document = found[0]
            need = needs.get(document)
            if need is None:
                need = needs[document] = ShareNeed(document, issuing_department(document, material, licences),
                                                   in_library=licences.holds(document))
            need.department = need.department or issuing_department(document, material, licences)
            if matter.name not in need.matters:
                need.matters.append(matter.name)
            need.materials.append((matter.name, material.name))
            cases = _cases(matter, annual_cases)
            if cases is not None:
                need.annual_materials = (need.annual_materials or 0.0) + cases
    if annual_cases:
        by_name = {matter.name: _cases(matter, annual_cases) for matter in matters}
        for need in needs.values():
            counted = [by_name.get(m) for m in need.matters if by_name.get(m) is not None]
            need.annual_cases = round(sum(counted), 1) if counted else None
            if need.annual_materials is not None:
                need.annual_materials = round(need.annual_materials, 1)
    return sorted(needs.values(), key=lambda n: (-len(n.materials), -len(n.matters), n.document))


def _cases(matter: Matter, annual_cases: dict[str, float] | None) -> float | None:
    if not annual_cases:
        return None
    for ref in (matter.key, matter.code, matter.basic_code, matter.name):
        if ref and ref in annual_cases:
            return annual_cases[ref]
    return None
