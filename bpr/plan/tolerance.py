"""容缺受理 (accept a case while a non-key material is missing, the applicant supplies it later
while review goes on) as a proposal rule, run by `bpr.plan.proposals.propose_matter`.

A matter gets one proposal marking its non-key materials 容缺后补. Never deferred (DOMAIN: 容缺受理):
the application form (申请书/申请表/注册书 …) and what the applicant signs (承诺书, 声明), the
applicant's identity (身份证, 身份证明, 营业执照, 委托书, 授权书, 照片 …), a licence or certificate — the
core licence document, any government-issued one, any 证/证书/合格书 —, another body's approval
(批准/核准/备案文件, 规划条件, 委员会意见), the inspection, testing, assessment and audit reports a
decision rests on, a doctor's finding (体检, 身体条件, 医学证明) or a pass (合格证明), the proof of
premises or land. Also left alone: materials another proposal of the matter already takes away
(shared, committed, removed, a duplicate), optional ones (非必要), those already 容缺后补, and
catch-all items. The matter must keep at least one key material
(its main materials stay complete at acceptance).
"""

from __future__ import annotations

import re

from bpr.model import Material, Matter
from bpr.model.material import Necessity
from bpr.plan.documents import (
    LicenceCatalogue,
    _strip_paper_words,
    government_issued,
    is_application_form,
    is_catch_all,
    licence_name,
)

_IDENTITY = re.compile(r"(身份证|身份证明|护照|通行证|户口|居住证|营业执照|统一社会信用代码|法人证书|登记证书|"
                       r"主体资格|委托书|授权|任职文件|任命|章程|照片|相片)")
# forms under other names, and what the applicant signs in place of proofs (告知承诺书, 声明)
_SIGNED = re.compile(r"((申请|申报|登记|注册)[^，、]{0,4}(书|表)|承诺书|承诺函|声明)")
# the premises and the land are a basic condition of most licences: their proof is not deferred either
_BASIC_CONDITION = re.compile(r"(场所|住所|场地|房屋|产权|租赁|土地|不动产)[^，、；]{0,6}(证明|合同|协议|证书|证|文件|材料)")
_DECISIVE_REPORT = re.compile(r"(检验|检测|鉴定|评估|评价|验收|勘察|审计|监测|测绘|验资|体检|身体条件|健康检查|医学|合格)"
                              r"(报告|意见|结论|证明|证书)?")
# a certificate of any kind (合格证, 健康证, 审查合格书, 完税凭证 …) and approvals by other bodies
# (批准/核准/备案文件, 规划条件, 监督手续, 村民委员会意见): another authority's word the decision rests on
_CERTIFICATE = re.compile(r"(证|证书|合格书|批准书|决定书|(完税|缴款|缴费)凭证)$")
_PRIOR_APPROVAL = re.compile(r"((批准|核准|批复|备案|认可|准许|许可|同意|审查|监督)(文件|书|函|手续|意见|决定)|"
                             r"规划(条件|许可)|(委员会|部门|单位|机关|政府|机构)(出具)?的?[^，、；]{0,6}意见)")
_TAKEN = ("share", "commit", "remove", "drop_duplicate")


def is_key_material(name: str, matter: Matter, licences: LicenceCatalogue, material: Material | None = None) -> bool:
    """May this material never be deferred? The application form and what the applicant signs,
    identity, a licence or certificate (the core licence document, any government-issued one),
    another body's approval, a decisive report, the premises or land."""
    cleaned = _strip_paper_words(name)
    if is_application_form(cleaned) or any(p.search(cleaned) for p in (
            _IDENTITY, _SIGNED, _BASIC_CONDITION, _DECISIVE_REPORT, _CERTIFICATE, _PRIOR_APPROVAL)):
        return True
    if licence_name(name, licences) or (material is not None and government_issued(material, licences)):
        return True
    return bool(matter.result_name) and _strip_paper_words(matter.result_name) in cleaned


def deferrable_materials(matter: Matter, licences: LicenceCatalogue, taken: set[str] = frozenset()) -> list[str]:
    """The names of the materials 容缺受理 may defer, in sheet order; [] when the matter would keep
    no key material."""
    candidates, key = [], 0
    for material in matter.materials:
        if not material.submitted or material.name in taken or is_catch_all(material.name):
            continue
        if is_key_material(material.name, matter, licences, material):
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
    listed = "、".join(names)
    builder.add("materials", "tolerate", listed, "prop_tolerate", "prop_tolerate_why",
                {"materials": (listed, ", ".join(names)), "n": len(names)},
                {"materials": names, "kept": [m.name for m in matter.materials
                                              if m.submitted and m.name not in names and m.name not in taken]},
                builder.saving(deferred=len(names)), {"materials": names})


def apply_material_change(matter: Matter, change: dict) -> None:
    """Carry out a "tolerate" change (mark the materials 容缺后补); "pending_share" changes nothing."""
    if change["kind"] == "tolerate":
        names = set(change.get("materials") or [])
        for material in matter.materials:
            if material.name in names:
                material.necessity = Necessity.DEFERRABLE
