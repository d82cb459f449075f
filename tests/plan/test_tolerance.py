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


# Trap materials: each is the form, an identity document, the core licence or another body's word.
# Every one was written by hand, many from the sample catalogues' own names.
_TRAPS = {
    "forms": ["医疗机构申请执业登记注册书", "开业申请表（原件）", "设立登记申报书", "公众聚集场所投入使用、营业消防安全告知承诺书",
              "建设资金已经落实承诺书", "申请人声明"],
    "identity": ["申请人身份证明复印件", "法定代表人护照", "户口簿", "近6个月内的1寸免冠正面半身照片", "授权委托书",
                 "家庭收入、财产状况授权核查书", "统一社会信用代码证"],
    "licences": ["营业执照副本", "原《药品经营许可证》正本", "药品经营许可证", "特种设备产品合格证", "土地使用权证",
                 "不动产权属证书", "施工图设计文件审查合格书", "完税凭证", "健康证"],
    "approvals": ["建设项目批准、核准或备案文件", "业务主管单位的批准文件", "规划条件", "村民委员会意见", "质量安全监督手续",
                  "规划、消防等部门出具的认可文件或者准许使用文件"],
    "reports": ["验资报告", "水质检测报告", "环境影响评价报告表", "消防验收意见书"],
    "premises": ["住所使用相关文件", "国有土地使用权出让合同", "房屋租赁合同复印件", "不动产买卖合同"],
}
_PLAIN = ["食品安全管理制度文本", "设备布局图", "从业人员培训计划", "施工单位签署的工程质量保修书"]


def test_trap_matters_never_defer_the_form_identity_or_the_licence():
    from bpr.model import SourceChannel

    matters = []
    for i, (group, names) in enumerate(_TRAPS.items()):
        materials = [Material(n) for n in [*names, *_PLAIN]]
        materials.append(Material("原件核验的证照", source=SourceChannel.GOVERNMENT))  # government-issued by its source
        matters.append(Matter(f"{group}许可", code=f"X{i}", result_name="药品经营许可证", materials=materials))
    proposals = propose(Catalogue(matters))
    deferred = {n for p in proposals if p.kind == "tolerate" for n in p.change["materials"]}
    traps = {n for names in _TRAPS.values() for n in names} | {"原件核验的证照"}
    assert not deferred & traps, sorted(deferred & traps)
    # the obvious ones still are, in every matter
    assert {p.matter for p in proposals if p.kind == "tolerate" and set(p.change["materials"]) == set(_PLAIN)} \
        == {m.name for m in matters}


def test_sample_catalogues_keep_their_key_materials():
    from pathlib import Path

    import pytest

    from bpr.io import read_catalogue

    path = Path(__file__).resolve().parents[2] / "samples" / "catalogue_province_export.xlsx"
    if not path.exists():
        pytest.skip("sample catalogue not generated")
    proposals = propose(read_catalogue(path))
    deferred = {n for p in proposals if p.kind == "tolerate" for n in p.change["materials"]}
    for name in ("医疗机构申请执业登记注册书", "特种设备产品合格证", "土地使用权证", "不动产权属证书", "验资报告",
                 "近6个月内的1寸免冠正面半身照片", "住所使用相关文件", "其他需要提交的材料"):
        assert name not in deferred
    assert "食品安全管理制度文本" in deferred and len([p for p in proposals if p.kind == "tolerate"]) >= 10
