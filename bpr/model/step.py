"""Handling steps (办理环节) of a matter's specified process."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bpr.model.timelimit import TimeLimit


class StepKind(StrEnum):
    """The standard phases of handling an application, recognised from a step name."""

    APPLY = "apply"  # 申请
    ACCEPT = "accept"  # 受理
    REVIEW = "review"  # 审查 / 审核 / 初审 / 复审
    INSPECT = "inspect"  # 现场核查 / 勘验
    DECIDE = "decide"  # 决定 / 审批 / 审定
    PAY = "pay"  # 缴费
    DELIVER = "deliver"  # 送达 / 发证 / 办结 / 领证
    OTHER = "other"


_KIND_WORDS: list[tuple[StepKind, tuple[str, ...]]] = [
    (StepKind.INSPECT, ("核查", "勘验", "勘察", "踏勘", "现场检查", "现场审查", "查验")),
    (StepKind.PAY, ("缴费", "收费", "缴纳")),
    (StepKind.DELIVER, ("送达", "发证", "领证", "办结", "出证", "制证", "寄送", "归档", "制卡", "发卡", "领卡")),
    (StepKind.DECIDE, ("决定", "审批", "审定", "批准", "签发", "核准")),
    (StepKind.ACCEPT, ("受理", "收件", "接件")),
    (StepKind.REVIEW, ("审查", "审核", "初审", "复审", "复核", "审签", "会签", "评审", "审验")),
    (StepKind.APPLY, ("申请", "申报", "提交", "预约")),
]


def step_kind(name: str) -> StepKind:
    """Classify a step by its name ('窗口受理' -> ACCEPT, '科室初审' -> REVIEW)."""
    for kind, words in _KIND_WORDS:
        if any(w in name for w in words):
            return kind
    return StepKind.OTHER


@dataclass
class Step:
    """One step: who handles it, its time limit, whether the applicant must be there.

    `after` names the steps it depends on; None means "the previous step in order", which is how
    sheets write a sequential process. An empty list means it can start at once.
    """

    name: str
    order: int = 0
    department: str = ""
    role: str = ""  # 办理人/岗位
    limit: TimeLimit = field(default_factory=TimeLimit)
    on_site: bool = False  # the applicant has to come (submit originals, on-site check, collect)
    after: list[str] | None = None

    @property
    def kind(self) -> StepKind:
        return step_kind(self.name)
