"""Every proposal kind fires on a crafted positive and stays silent on a negative."""

from __future__ import annotations

import copy

from bpr.model import Catalogue, Material, MaterialKind, Matter, SourceChannel, Step
from bpr.plan import propose
from tests.plan.handmade import catalogue, food_licence, small_matter, wd


def kinds(proposals, matter=None):
    return {p.id: (p.kind, p.target) for p in proposals if matter is None or p.matter == matter}


def test_food_licence_proposals_hand_checked():
    got = kinds(propose(Catalogue([food_licence()])))
    assert got == {
        "M-F001-001": ("share", "营业执照复印件"),
        "M-F001-002": ("share", "法定代表人居民身份证原件"),
        "M-F001-003": ("share", "法定代表人居民身份证复印件"),
        "M-F001-004": ("commit", "经营场所使用证明"),
        "M-F001-005": ("remove", "其他相关材料"),  # first pass: item by item
        "M-F001-006": ("drop_duplicate", "房屋租赁合同复印件"),  # second pass: duplicates, original+copy
        "M-F001-007": ("single_copy", "食品安全管理制度"),
        # 容缺受理 (bpr/plan/tolerance.py): the only material left that is not key (form, identity,
        # licence, premises, reports) and not taken away by another proposal
        "M-F001-008": ("tolerate", "食品安全管理制度"),
        "S-F001-001": ("merge_levels", "科室初审、科长复审"),
        "S-F001-002": ("parallel", "科室初审、科长复审、现场核查、消防审查"),
        "S-F001-003": ("drop_delivery", "证照送达"),
        "T-F001-001": ("compress", "承诺办结时限"),  # one time proposal: compress and freed days merged
        "V-F001-001": ("visit_submit", "提交纸质材料"),
        "V-F001-002": ("visit_collect", "领取结果"),
    }


def test_savings_and_texts():
    by_id = {p.id: p for p in propose(Catalogue([food_licence()]))}
    assert by_id["S-F001-002"].saving["days"] == -4  # 16 → 12
    assert by_id["S-F001-001"].saving == {"materials": 0, "steps": -1, "days": -2, "visits": 0}
    # merged: 20 × 0.5 = 10, and all step proposals free 7 days: 16 → 9; the lower (9) is taken
    assert by_id["T-F001-001"].change == {"kind": "compress", "days": 10, "free_days": True}
    assert by_id["T-F001-001"].saving["days"] == -7
    assert by_id["T-F001-001"].evidence["merged"] == ["compress", "free_days"]
    assert "取两者中较低者" in by_id["T-F001-001"].rationale and "9个工作日" in by_id["T-F001-001"].action
    assert by_id["V-F001-001"].saving["visits"] == -1  # trips [提交] [核查+领取]: the first goes
    assert by_id["V-F001-002"].saving["visits"] == 0  # 领取 shares its trip with 现场核查
    p = by_id["M-F001-001"]
    assert "数据共享" in p.action and "data sharing" in p.action_en and p.evidence["licence"] == "营业执照"
    assert set(p.to_dict()) >= {"id", "dimension", "matter", "target", "action", "evidence", "saving"}


def test_applicant_written_and_company_certificates_are_not_shared():
    proposals = propose(Catalogue([food_licence()]))
    targets = {p.target for p in proposals if p.kind == "share"}
    assert "食品经营许可申请书" not in targets and "房屋租赁合同原件" not in targets
    assert not any(p.target == "食品经营许可申请书" for p in proposals)
    # issued by a company: a fact certificate → commitment, not sharing
    assert not any(p.kind == "share" and p.target == "经营场所使用证明" for p in proposals)


def test_government_source_or_issuer_alone_means_sharing():
    m = small_matter()
    m.materials = [Material("完税凭证", source=SourceChannel.GOVERNMENT),
                   Material("建设项目批复文件", issuer="杭州市发展和改革委员会"),
                   Material("建设项目批复文件副件", issuer="某设计院有限公司")]
    got = {p.target: p.kind for p in propose(Catalogue([m])) if p.dimension == "materials"}
    assert got == {"完税凭证": "share", "建设项目批复文件": "share"}


def test_already_exempt_materials_are_left_alone():
    m = small_matter()
    m.materials = [Material("营业执照", exempt=True), Material("居住证明", commitment=True)]
    assert not [p for p in propose(Catalogue([m])) if p.dimension == "materials"]


def test_immediate_positive_and_negatives():
    got = kinds(propose(Catalogue([small_matter()])))
    assert got["S-G002-001"] == ("immediate", "受理、审核、决定")
    assert got["T-G002-001"] == ("free_days", "承诺办结时限")
    # the food licence has an on-site check: never 即审即办
    assert not any(p.kind == "immediate" for p in propose(Catalogue([food_licence()])))
    long = small_matter()
    long.promised_limit = wd(6)
    assert not any(p.kind == "immediate" for p in propose(Catalogue([long])))
    expert = small_matter()
    expert.special_procedures = "专家评审"
    assert not any(p.kind == "immediate" for p in propose(Catalogue([expert])))
    many = small_matter()
    many.materials = [Material(f"材料{i}") for i in range(6)]
    assert not any(p.kind == "immediate" for p in propose(Catalogue([many])))


def test_no_parallel_within_one_department_and_no_merge_across():
    m = food_licence()
    for step in m.steps:
        step.department = "市场监督管理局"
    assert not any(p.kind == "parallel" for p in propose(Catalogue([m])))
    m = food_licence()
    m.steps[2].department = "卫生健康委员会"  # 科长复审 in another department: no level merge
    assert not any(p.kind == "merge_levels" for p in propose(Catalogue([m])))


def test_expert_review_is_not_a_sign_off_level():
    m = Matter("资质核准", code="Z1", promised_limit=wd(20), legal_limit=wd(20), steps=[
        Step("受理", 1, "住建局", limit=wd(1)), Step("审查", 2, "住建局", limit=wd(5)),
        Step("专家评审", 3, "住建局", limit=wd(10)), Step("审核", 4, "住建局", limit=wd(2))])
    assert not any(p.kind == "merge_levels" for p in propose(Catalogue([m])))


def test_no_drop_delivery_without_e_licence_or_mail():
    m = food_licence()
    m.result_name = "准予许可决定书"
    assert not any(p.kind == "drop_delivery" for p in propose(Catalogue([m])))
    m.mail = True
    assert any(p.kind == "drop_delivery" for p in propose(Catalogue([m])))


def test_no_compress_at_the_target_ratio():
    m = food_licence()
    m.promised_limit = wd(10)  # exactly 50% of 20
    assert not any(p.kind == "compress" for p in propose(Catalogue([m])))
    assert any(p.kind == "compress" for p in propose(Catalogue([m]), time_ratio=0.4))


def test_no_visit_proposals_without_visits_or_removable_causes():
    m = food_licence()
    m.visits = 0
    assert not any(p.dimension == "visits" for p in propose(Catalogue([m])))
    assert not any(p.dimension == "visits" for p in propose(Catalogue([small_matter()])))


def test_single_copy_only_for_original_and_copy():
    m = small_matter()
    m.materials = [Material("场所布局图", kind=MaterialKind.BOTH), Material("设备清单", kind=MaterialKind.COPY)]
    assert [p.target for p in propose(Catalogue([m])) if p.kind == "single_copy"] == ["场所布局图"]


def test_deterministic_ids_and_duplicate_codes():
    cat = catalogue()
    first, second = propose(cat), propose(copy.deepcopy(cat))
    assert [p.to_dict() for p in first] == [p.to_dict() for p in second]
    twin = Catalogue([small_matter(), small_matter()])
    ids = [p.id for p in propose(twin)]
    assert len(ids) == len(set(ids)) and "S-G002~2-001" in ids


def test_a_cycle_in_one_matter_is_a_warning_not_a_stop():
    bad = small_matter()
    bad.code, bad.source_row = "BAD", 12
    bad.steps = [Step("受理", 1, after=["决定"]), Step("决定", 2, after=["受理"])]
    warnings = []
    proposals = propose(Catalogue([bad, food_licence()]), warnings=warnings)
    assert not any(p.code == "BAD" and p.dimension == "steps" for p in proposals)
    assert any(p.code == "F001" and p.dimension == "steps" for p in proposals)
    assert len(warnings) == 1 and warnings[0].row == 12 and "cycle" in warnings[0].message


def test_compression_never_goes_to_immediate():
    m = small_matter()
    m.legal_limit, m.promised_limit = wd(1), wd(1)
    assert not any(p.kind == "compress" for p in propose(Catalogue([m])))


def test_sequential_shortcut_agrees_with_the_graph():
    from bpr.model.timelimit import DEFAULT_CONVERSION
    from bpr.plan.proposals import _cp_after
    from bpr.plan.step_changes import apply_step_changes
    from bpr.plan.stepgraph import matter_critical_path

    for matter in (food_licence(), small_matter()):
        proposals = [p for p in propose(Catalogue([matter])) if p.dimension == "steps" and p.kind != "parallel"]
        for k in range(1, len(proposals) + 1):
            changes = [p.change for p in proposals[:k]]
            assert _cp_after(matter, changes, DEFAULT_CONVERSION) == matter_critical_path(
                apply_step_changes(matter, changes)).days


def test_topical_reviews_are_not_levels():
    m = Matter("施工许可", code="W1", steps=[
        Step("受理", 1, "住建局", limit=wd(1)), Step("初审", 2, "住建局", limit=wd(2)),
        Step("消防设计审查", 3, "住建局", limit=wd(3)), Step("人防审查", 4, "住建局", limit=wd(3))])
    assert not any(p.kind == "merge_levels" for p in propose(Catalogue([m])))


def test_no_visit_proposal_when_an_on_site_check_keeps_the_trip():
    m = food_licence()
    m.visits, m.e_licence = 1, True  # one trip: hand in + check; removing 提交 leaves the check
    assert not any(p.dimension == "visits" for p in propose(Catalogue([m])))
