"""容缺受理 proposals: non-key materials become 容缺后补, never the form, identity, a licence, the
premises or a decisive report; applying marks them; the indicators see the after-state."""

from __future__ import annotations

from bpr.analyse.indicators import compute_indicators
from bpr.model import Catalogue, Material, Matter
from bpr.model.material import Necessity
from bpr.plan import propose
from bpr.plan.apply import apply_proposals
from bpr.plan.documents import LicenceCatalogue
from bpr.plan.tolerance import deferrable_materials, is_key_material


def _restaurant_permit() -> Matter:
    return Matter("食品经营许可", code="T1", result_name="食品经营许可证", materials=[
        Material("食品经营许可申请书"), Material("法定代表人身份证明"), Material("营业执照复印件"),
        Material("经营场所使用证明"), Material("食品安全管理制度文本"), Material("设备布局和工艺流程图"),
        Material("从业人员培训计划"), Material("水质检测报告"), Material("原食品经营许可证"),
        Material("安全评估报告"), Material("其他相关材料"), Material("备注说明", necessity=Necessity.OPTIONAL)])


def test_never_the_form_identity_licence_premises_or_reports():
    licences = LicenceCatalogue.bundled()
    matter = _restaurant_permit()
    key = {m.name for m in matter.materials if is_key_material(m.name, matter, licences)}
    assert key == {"食品经营许可申请书", "法定代表人身份证明", "营业执照复印件", "经营场所使用证明", "水质检测报告",
                   "原食品经营许可证", "安全评估报告"}
    # catch-all and optional items are not deferred either
    assert deferrable_materials(matter, licences) == ["食品安全管理制度文本", "设备布局和工艺流程图", "从业人员培训计划"]


def test_one_proposal_per_matter_and_apply_marks_the_materials():
    cat = Catalogue([_restaurant_permit()])
    proposals = propose(cat)
    tolerate = [p for p in proposals if p.kind == "tolerate"]
    assert len(tolerate) == 1
    p = tolerate[0]
    # the shared 营业执照 and the removed 其他相关材料 are never among them
    assert p.change == {"kind": "tolerate", "materials": ["食品安全管理制度文本", "设备布局和工艺流程图", "从业人员培训计划"]}
    assert p.saving["materials"] == 0 and p.saving["deferred"] == -3
    assert "容缺" in p.action and "while" in p.action_en
    after = apply_proposals(cat, proposals)
    marked = [m.name for m in after.matters[0].materials if m.necessity is Necessity.DEFERRABLE]
    assert marked == p.change["materials"]
    _, before_ind, _, _ = compute_indicators(cat)
    _, after_ind, _, _ = compute_indicators(after)
    assert (before_ind.tolerance_rate, after_ind.tolerance_rate) == (0.0, 1.0)
    assert after_ind.materials_deferrable == 3


def test_no_proposal_when_nothing_key_would_stay_or_nothing_is_left():
    only_minor = Matter("备案", code="T2", materials=[Material("工作计划"), Material("制度文本")])
    assert [p for p in propose(Catalogue([only_minor])) if p.kind == "tolerate"] == []
    already = Matter("许可", code="T3", materials=[Material("申请表"), Material("制度", necessity=Necessity.DEFERRABLE)])
    assert [p for p in propose(Catalogue([already])) if p.kind == "tolerate"] == []
