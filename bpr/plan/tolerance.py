"""容缺受理 (accept a case while a non-key material is missing, the applicant supplies it later
while review goes on) as a proposal rule, run by `bpr.plan.proposals.propose_matter`.

A matter gets one proposal marking its non-key materials 容缺后补. Never deferred (DOMAIN: 容缺受理):
the application form (申请书/申请表 …), the applicant's identity (身份证, 身份证明, 营业执照, 委托书 …),
a licence or certificate — the core licence document, or any government-issued one —, and the
inspection, testing and assessment reports a decision rests on. Also left alone: materials another
proposal of the matter already takes away (shared, committed, removed, a duplicate), optional ones
(非必要), those already 容缺后补, and catch-all items. The matter must keep at least one key material
(its main materials stay complete at acceptance).
"""

from __future__ import annotations

import re

from bpr.model import Matter
from bpr.model.material import Necessity
from bpr.plan.documents import (
    LicenceCatalogue,
    _strip_paper_words,
    is_application_form,
    is_catch_all,
    licence_name,
)

_IDENTITY = re.compile(r"(身份证|身份证明|护照|通行证|户口|居住证|营业执照|统一社会信用代码|法人证书|登记证书|"
                       r"主体资格|委托书|授权书|任职文件|任命|章程)")
# the premises are a basic condition of most licences: their proof is not deferred either
_BASIC_CONDITION = re.compile(r"(场所|住所|场地|房屋|产权|租赁)(使用)?(证明|合同|协议|证书)")
_DECISIVE_REPORT = re.compile(r"(检验|检测|鉴定|评估|评价|验收|勘察|审计|监测|测绘)(报告|意见|结论|证明|证书)?")
_TAKEN = ("share", "commit", "remove", "drop_duplicate")


def is_key_material(name: str, matter: Matter, licences: LicenceCatalogue) -> bool:
    """May this material never be deferred (form, identity, licence, decisive report)?"""
    cleaned = _strip_paper_words(name)
    if is_application_form(cleaned) or any(p.search(cleaned) for p in (_IDENTITY, _BASIC_CONDITION, _DECISIVE_REPORT)):
        return True
    if licence_name(name, licences):
        return True
    return bool(matter.result_name) and _strip_paper_words(matter.result_name) in cleaned


def deferrable_materials(matter: Matter, licences: LicenceCatalogue, taken: set[str] = frozenset()) -> list[str]:
    """The names of the materials 容缺受理 may defer, in sheet order; [] when the matter would keep
    no key material."""
    candidates, key = [], 0
    for material in matter.materials:
        if not material.submitted or material.name in taken or is_catch_all(material.name):
            continue
        if is_key_material(material.name, matter, licences):
            key += 1
        elif material.necessity not in (Necessity.OPTIONAL, Necessity.DEFERRABLE):
            candidates.append(material.name)
    return list(dict.fromkeys(candidates)) if key else []


def propose_tolerance(builder, options, licences: LicenceCatalogue) -> None:
    """Add the 容缺受理 proposal of one matter (dimension materials, kind "tolerate")."""
    matter = builder.matter
    taken = {p.target for p in builder.items if p.dimension == "materials" and p.kind in _TAKEN}
    names = deferrable_materials(matter, licences, taken)
    if not names:
        return
    from bpr.plan.proposals import _saving

    listed = "、".join(names)
    builder.add("materials", "tolerate", listed, "prop_tolerate", "prop_tolerate_why",
                {"materials": (listed, ", ".join(names)), "n": len(names)},
                {"materials": names, "kept": [m.name for m in matter.materials
                                              if m.submitted and m.name not in names and m.name not in taken]},
                _saving(deferred=len(names)), {"materials": names})


def apply_material_change(matter: Matter, change: dict) -> None:
    """Carry out a "tolerate" change (mark the materials 容缺后补); "pending_share" changes nothing."""
    if change["kind"] == "tolerate":
        names = set(change.get("materials") or [])
        for material in matter.materials:
            if material.name in names:
                material.necessity = Necessity.DEFERRABLE
