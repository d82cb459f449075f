"""一件事 bundles: before = separate handling, after = one thing; figures hand-computed."""

from __future__ import annotations

import pytest

from bpr.errors import UsageError
from bpr.measure.bundle import analyse_bundle
from bpr.model import Bundle, Catalogue, Material, MaterialKind, Matter, Step
from bpr.plan.documents import LibraryEntry, LicenceCatalogue
from tests.plan.handmade import catalogue, wd


def test_bundle_hand_computed():
    result = analyse_bundle(Bundle("开店一件事", ["F001", "个体工商户变更登记"]), catalogue())
    d = result.to_dict()
    # before: sums (steps 7 + 3, materials 9 + 2, promised 16 + 3, critical path 16 + 3, visits 2 + 1)
    assert d["before"] == {"steps": 10, "materials": 11, "promised_days": 19, "critical_path_days": 19, "visits": 3}
    # after: one form for the two 申请书; 营业执照 is the result of 个体工商户变更登记, passed on inside
    # the bundle; 居民身份证 (original and copy) comes from the e-licence library; 经营场所使用证明 and
    # 房屋租赁合同 (original, copy) are one document by the synonym table; 制度, 其他, 居住证明 stay:
    # the form + 4 = 5.
    # steps: one joint 受理 + the middle steps (5 + 2) + one joint 送达 = 9. Days: 食品经营许可 reviews
    # alongside 变更登记 and waits for its 营业执照 only from 审批决定 on (决定 1 + 送达 1):
    # max(16, 3 + 2) = 16 (promised; the critical path is 16 too).
    assert d["after"] == {"steps": 9, "materials": 5, "promised_days": 16, "critical_path_days": 16, "visits": 1}
    assert d["issued_within"] == [{"document": "营业执照", "issued_by": "个体工商户变更登记", "source": "result_name",
                                   "materials": [{"matter": "食品经营许可", "material": "营业执照复印件"}]}]
    assert [(e["document"], len(e["materials"]), e["department"]) for e in d["e_licence"]] == [
        ("居民身份证", 2, "公安机关")]
    assert d["cut"]["materials"] == 6 and d["cut_pct"]["visits"] == round(2 / 3 * 100, 2)
    assert [r["material"] for r in d["one_form"]["replaces"]] == ["食品经营许可申请书", "变更登记申请书"]
    assert d["after_materials"] == ["一表申请", "经营场所使用证明", "食品安全管理制度", "其他相关材料", "居住证明"]
    reasons = {i["document"]: i["reason"] for i in d["after_items"]}
    assert reasons == {"一表申请": "form", "经营场所使用证明": "synonym", "食品安全管理制度": "single",
                       "其他相关材料": "single", "居住证明": "single"}
    merged = next(i for i in d["after_items"] if i["document"] == "经营场所使用证明")
    assert "房屋租赁合同原件" in merged["text"] and "同义" in merged["text"]
    shared = {s["document"]: len(s["materials"]) for s in d["shared_documents"]}
    assert shared == {"经营场所使用证明": 3}
    assert d["departments"] == ["市场监督管理局", "消防救援大队"]


def _two_members() -> tuple[Matter, Matter]:
    a = Matter("甲", code="A", promised_limit=wd(5), visits=1, materials=[
        Material("营业执照复印件", kind=MaterialKind.COPY), Material("居民身份证原件及复印件")],
        steps=[Step("受理", 1, "甲局", limit=wd(1)), Step("审查", 2, "甲局", limit=wd(4))])
    b = Matter("乙", code="B", promised_limit=wd(8), visits=2, materials=[
        Material("营业执照"), Material("身份证"), Material("排水设施图纸")],
        steps=[Step("受理", 1, "乙局", limit=wd(1)), Step("现场核查", 2, "乙局", limit=wd(5)),
               Step("送达", 3, "乙局", limit=wd(2))])
    return a, b


def test_government_issued_documents_come_from_the_e_licence_library():
    a, b = _two_members()
    result = analyse_bundle(Bundle("b", ["A", "B"]), Catalogue([a, b]))
    assert result.after_materials == ["排水设施图纸"]
    assert {e.document: len(e.materials) for e in result.e_licence} == {"营业执照": 2, "居民身份证": 2}
    assert result.before.materials == 5 and result.after.materials == 1
    # steps: 受理 (joint) + 审查 + 现场核查 + 送达 (joint) = 4; time max(5, 8); critical path max(5, 8)
    assert (result.after.steps, result.after.promised_days, result.after.critical_path_days) == (4, 8, 8)
    assert result.after.visits == 1


def test_same_document_named_differently_across_members_when_the_library_lacks_it():
    """A library that holds neither: the two names of each document are still one item, marked
    待共享 with the issuing department."""
    a, b = _two_members()
    library = LicenceCatalogue.bundled()
    library.hold([LibraryEntry("结婚证")])
    result = analyse_bundle(Bundle("b", ["A", "B"]), Catalogue([a, b]), library)
    assert result.after_materials == ["排水设施图纸", "营业执照", "居民身份证"]
    assert result.e_licence == []
    pending = {i.document: (i.reason, len(i.materials), i.department) for i in result.after_items}
    assert pending["营业执照"] == ("pending_share", 2, "市场监督管理部门")
    assert pending["居民身份证"] == ("pending_share", 2, "公安机关")
    assert "电子证照库暂无" in result.after_items[1].text("zh")


def test_no_visit_when_no_member_needs_one():
    a = Matter("甲", code="A", visits=0)
    b = Matter("乙", code="B", visits=0)
    assert analyse_bundle(Bundle("b", ["A", "B"]), Catalogue([a, b])).after.visits == 0


def test_exempt_materials_stay_out():
    a = Matter("甲", code="A", materials=[Material("营业执照", exempt=True), Material("章程")])
    result = analyse_bundle(Bundle("b", ["A"]), Catalogue([a]))
    assert result.before.materials == 1 and result.after_materials == ["章程"]


def test_member_not_in_catalogue_lists_all_missing():
    with pytest.raises(UsageError) as info:
        analyse_bundle(Bundle("b", ["F001", "无此事项", "X9"]), catalogue())
    assert info.value.details == ["无此事项", "X9"]


def test_a_member_waits_for_the_member_whose_result_it_needs():
    a = Matter("设立登记", code="A", promised_limit=wd(2), result_name="营业执照")
    b = Matter("许可", code="B", promised_limit=wd(5), materials=[Material("营业执照复印件"), Material("场地证明")])
    c = Matter("备案", code="C", promised_limit=wd(6))
    result = analyse_bundle(Bundle("b", ["A", "B", "C"]), Catalogue([a, b, c]))
    assert result.after.promised_days == 7  # max(2 + 5, 6): the licence waits for the 营业执照
    assert result.after_materials == ["场地证明"] and result.issued_within[0].issued_by == "设立登记"
    # two members each needing the other's result (a data error) do not loop forever
    a.materials, b.result_name = [Material("许可证")], "许可证"
    assert analyse_bundle(Bundle("b", ["A", "B"]), Catalogue([a, b])).after.promised_days == 7
