"""Why an applicant has to come to the counter: each visit attributed to a cause.

Causes, in the order a case meets them: submit paper originals (`submit`), an on-site check
(`inspect`), paying at the counter (`pay`), collecting the result (`collect`), anything else an
on-site step needs (`other`). Online submission removes `submit`, online payment `pay`, an
e-licence or mailed result `collect`; `inspect` and `other` stay.

Counting: a matter's stated visits V are matched to its n causes in case order. When V > n, the
V − n visits no cause explains are kept as they are ("unexplained"). When V <= n, the first V − 1
causes each take a trip of their own and the remaining causes share the last trip (hand in and
collect on the same day for a 即办件; check and collect at the end). A trip disappears when all its
causes are removed.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bpr.model import Channel, Matter, StepKind
from bpr.plan.stepgraph import kind_of


class VisitCause(StrEnum):
    SUBMIT = "submit"  # 提交纸质材料原件
    INSPECT = "inspect"  # 现场核查/勘验
    PAY = "pay"  # 窗口缴费
    COLLECT = "collect"  # 领取办理结果
    OTHER = "other"  # 其他必须到场的环节 (面签、考试 …)


REMOVABLE = (VisitCause.SUBMIT, VisitCause.PAY, VisitCause.COLLECT)

_SUBMIT_WORDS = re.compile(r"(原件|核验|递交|提交|签字|面签|签名|窗口受理)")
_INSPECT_WORDS = re.compile(r"(现场核查|现场勘验|现场勘查|现场检查|踏勘|实地核查|现场审查|勘验)")


def can_submit_remotely(matter: Matter) -> bool:
    """Online, mobile or mail application without a paper original to show."""
    if matter.full_online:
        return True
    remote = bool(matter.online) or bool(matter.mobile) or bool(
        matter.channels & {Channel.ONLINE, Channel.MOBILE, Channel.MAIL})
    return remote and not any(m.submitted and m.needs_paper_original for m in matter.materials)


def visit_causes(matter: Matter) -> list[VisitCause]:
    """The causes that make the applicant come, each once, in case order."""
    causes: set[VisitCause] = set()
    on_site_kinds = {kind_of(s) for s in matter.steps if s.on_site}
    if not can_submit_remotely(matter) or StepKind.ACCEPT in on_site_kinds or StepKind.APPLY in on_site_kinds \
            or _SUBMIT_WORDS.search(matter.visit_reason or ""):
        causes.add(VisitCause.SUBMIT)
    if any(kind_of(s) is StepKind.INSPECT for s in matter.steps) or _INSPECT_WORDS.search(
            (matter.special_procedures or "") + (matter.visit_reason or "")):
        causes.add(VisitCause.INSPECT)
    if (matter.fee and not matter.online_payment) or StepKind.PAY in on_site_kinds:
        causes.add(VisitCause.PAY)
    has_result = bool(matter.result_name) or any(kind_of(s) is StepKind.DELIVER for s in matter.steps)
    if (has_result and not matter.mail and not matter.e_licence) or StepKind.DELIVER in on_site_kinds:
        causes.add(VisitCause.COLLECT)
    if on_site_kinds & {StepKind.REVIEW, StepKind.DECIDE, StepKind.OTHER}:
        causes.add(VisitCause.OTHER)
    return [c for c in VisitCause if c in causes]


def visits_after(before: int, causes: list[VisitCause], removed: set[VisitCause]) -> int:
    """Visits left once `removed` causes are gone (see the module docstring for the rule)."""
    if before <= 0:
        return 0
    unexplained = max(0, before - len(causes))
    explained = before - unexplained
    trips = [[c] for c in causes[:explained - 1]] + [list(causes[explained - 1:])] if explained else []
    return sum(1 for trip in trips if any(c not in removed for c in trip)) + unexplained


def stated_visits(matter: Matter) -> int:
    """The matter's 到办事现场次数, or the number of causes when the sheet does not say."""
    return matter.visits if matter.visits is not None else len(visit_causes(matter))
