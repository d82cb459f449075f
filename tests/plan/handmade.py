"""Hand-built catalogues for the plan, measure and bundle tests (figures worked out by hand)."""

from __future__ import annotations

from bpr.model import (
    Catalogue,
    Channel,
    Material,
    MaterialForm,
    MaterialKind,
    Matter,
    SourceChannel,
    Step,
    TimeLimit,
)


def wd(days: float) -> TimeLimit:
    return TimeLimit.parse(f"{days}个工作日") if days else TimeLimit.parse("即办")


def food_licence() -> Matter:
    """食品经营许可: 20/10 working days, 9 materials, 5 steps in 2 departments, 2 visits.

    Steps (working days): 窗口受理 1 → 科室初审 3 → 科长复审 2 (same department: two review levels)
    → 现场核查 4 (市场监管局) and 消防审查 4 (消防救援大队) could run side by side → 审批决定 1 → 证照送达 1.
    """
    return Matter(
        name="食品经营许可", code="F001", department="市场监督管理局", matter_type="行政许可",
        legal_limit=wd(20), promised_limit=wd(16), visits=2, mail=False, fee=False, e_licence=None,
        result_name="食品经营许可证", channels={Channel.WINDOW},
        materials=[
            Material("食品经营许可申请书", source=SourceChannel.APPLICANT, form=MaterialForm.PAPER,
                     kind=MaterialKind.ORIGINAL),
            Material("营业执照复印件", source=SourceChannel.APPLICANT, form=MaterialForm.PAPER,
                     kind=MaterialKind.COPY),
            Material("法定代表人居民身份证原件", form=MaterialForm.PAPER, kind=MaterialKind.ORIGINAL),
            Material("法定代表人居民身份证复印件", form=MaterialForm.PAPER, kind=MaterialKind.COPY),
            Material("经营场所使用证明", issuer="XX物业管理有限公司", form=MaterialForm.PAPER,
                     kind=MaterialKind.ORIGINAL),
            Material("房屋租赁合同原件", form=MaterialForm.PAPER, kind=MaterialKind.ORIGINAL),
            Material("房屋租赁合同复印件", form=MaterialForm.PAPER, kind=MaterialKind.COPY),
            Material("食品安全管理制度", form=MaterialForm.PAPER, kind=MaterialKind.BOTH),
            Material("其他相关材料"),
        ],
        steps=[
            Step("窗口受理", 1, "市场监督管理局", "窗口人员", wd(1), on_site=True),
            Step("科室初审", 2, "市场监督管理局", "科员", wd(3)),
            Step("科长复审", 3, "市场监督管理局", "科长", wd(2)),
            Step("现场核查", 4, "市场监督管理局", "核查员", wd(4)),
            Step("消防审查", 5, "消防救援大队", "审查员", wd(4)),
            Step("审批决定", 6, "市场监督管理局", "局长", wd(1)),
            Step("证照送达", 7, "市场监督管理局", "窗口人员", wd(1)),
        ],
    )


def small_matter() -> Matter:
    """个体工商户名称变更登记: short promise, 2 materials, no on-site check: fit for 即审即办."""
    return Matter(
        name="个体工商户变更登记", code="G002", department="市场监督管理局", matter_type="行政确认",
        legal_limit=wd(15), promised_limit=wd(3), visits=1, mail=True, fee=False, online=True,
        channels={Channel.WINDOW, Channel.ONLINE}, result_name="营业执照",
        materials=[
            Material("变更登记申请书", form=MaterialForm.ELECTRONIC, kind=MaterialKind.ORIGINAL),
            Material("居住证明", form=MaterialForm.ELECTRONIC, kind=MaterialKind.ORIGINAL),
        ],
        steps=[
            Step("受理", 1, "市场监督管理局", "窗口", wd(1)),
            Step("审核", 2, "市场监督管理局", "科员", wd(1)),
            Step("决定", 3, "市场监督管理局", "科长", wd(1)),
        ],
    )


def catalogue() -> Catalogue:
    return Catalogue(matters=[food_licence(), small_matter()], source="handmade")
