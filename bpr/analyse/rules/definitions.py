"""The built-in data-quality rules. Each check returns the evidence (`Hit`s) of a violation.

Sources: the checks reform offices already run (../shared/DOMAIN.md), GB/T 39046-2020 field
definitions, and State Council guidance: 国办发〔2018〕45号 (一网、一门、一次: 最多跑一次, 网上可办),
国发〔2019〕6号 / 国办发〔2019〕51号 (网上办理深度, 全程网办), 国办发〔2020〕42号 (告知承诺制, 清理
兜底条款 "其他材料"), and provincial 双减半 programmes (承诺时限、申请材料较法定压减 50% 以上).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping

from bpr.analyse.rules.base import Hit, Rule, Severity
from bpr.model.catalogue import Catalogue
from bpr.model.material import MaterialForm
from bpr.model.matter import HandlingType, Matter
from bpr.model.step import StepKind
from bpr.model.timelimit import Conversion

_EPS = 1e-9
_Params = Mapping[str, float]


def _online(matter: Matter) -> bool | None:
    if matter.online is not None:
        return matter.online
    if matter.online_depth is not None:
        return matter.online_depth >= 2
    return None


def immediate_type(m: Matter, p: _Params, c: Conversion) -> Iterator[Hit]:
    """即办 (promised limit 0) ⇒ 办件类型 即办件; also catches a 承诺件 with promised limit 0."""
    if m.promised_limit.is_immediate and m.handling_type is not HandlingType.IMMEDIATE:
        yield Hit("handling_type", "承诺件" if m.handling_type is HandlingType.PROMISED else "未填写")


def immediate_type_with_limit(m: Matter, p: _Params, c: Conversion) -> Iterator[Hit]:
    """办件类型 即办件 but a promised limit of some days: the two fields disagree."""
    days = m.promised_limit.to_working_days(c)
    if m.handling_type is HandlingType.IMMEDIATE and days is not None and days > 0:
        yield Hit("promised_limit", m.promised_limit.raw)


def promised_over_legal(m: Matter, p: _Params, c: Conversion) -> Iterator[Hit]:
    """The promised limit may not exceed the legal one."""
    legal, promised = m.legal_limit.to_working_days(c), m.promised_limit.to_working_days(c)
    if legal is not None and promised is not None and promised > legal + _EPS:
        yield Hit("promised_limit", f"{m.promised_limit.raw} > {m.legal_limit.raw}")


def _step_span(m: Matter, c: Conversion) -> float:
    """Working days the steps take: their sum for a sequential process; the longest dependency
    chain when steps name their predecessors (`after`), so parallel (并联) steps count once."""
    days = {s.name: s.limit.to_working_days(c) or 0.0 for s in m.steps}
    if all(s.after is None for s in m.steps) or len(days) != len(m.steps):
        return sum(days.values())
    ordered = sorted(m.steps, key=lambda s: s.order)
    finish: dict[str, float] = {}
    previous = None
    for _ in range(len(ordered)):  # relax until stable: at most n rounds for a DAG
        changed = False
        previous = None
        for s in ordered:
            preds = ([previous] if previous else []) if s.after is None else s.after
            start = max((finish.get(x, 0.0) for x in preds), default=0.0)
            if finish.get(s.name) != start + days[s.name]:
                finish[s.name], changed = start + days[s.name], True
            previous = s.name
        if not changed:
            return max(finish.values(), default=0.0)
    return sum(days.values())  # a cycle in `after`: fall back to the plain sum


def steps_over_promised(m: Matter, p: _Params, c: Conversion) -> Iterator[Hit]:
    """Σ step limits (those given; the longest chain for parallel steps) ≤ the promised limit."""
    promised = m.promised_limit.to_working_days(c)
    if promised is None or not m.steps:
        return
    total = _step_span(m, c)
    if total > promised + _EPS:
        yield Hit("steps", f"{total:g} > {promised:g}")


def visits_without_reason(m: Matter, p: _Params, c: Conversion) -> Iterator[Hit]:
    """At least one visit ⇒ 必须现场办理原因说明 is filled in."""
    if m.visits is not None and m.visits > 0 and not m.visit_reason.strip():
        yield Hit("visit_reason", m.visits)


def zero_visits_no_mail(m: Matter, p: _Params, c: Conversion) -> Iterator[Hit]:
    """0 visits and not handled online ⇒ the result must be able to travel by mail."""
    if m.visits == 0 and _online(m) is False and m.mail is not True:
        yield Hit("mail", m.mail)


def full_online_visits(m: Matter, p: _Params, c: Conversion) -> Iterator[Hit]:
    """Online depth IV (全程网办) ⇒ 0 visits."""
    if m.online_depth is not None and m.online_depth >= 4 and m.visits:
        yield Hit("visits", m.visits)


_LICENCE_KINDS = {StepKind.ACCEPT: "受理", StepKind.REVIEW: "审查", StepKind.DECIDE: "决定"}


def licence_steps(m: Matter, p: _Params, c: Conversion) -> Iterator[Hit]:
    """A 行政许可 goes through 受理, 审查 and 决定 (行政许可法 ch. 4); the steps list must show them."""
    if "许可" not in m.matter_type or not m.steps:
        return
    kinds = {s.kind for s in m.steps}
    missing = [zh for kind, zh in _LICENCE_KINDS.items() if kind not in kinds]
    if missing:
        yield Hit("steps", "、".join(missing))


_CATCH_ALL = re.compile(
    r"(其他|其它).{0,10}(材料|文件|资料|证明)"
    r"|^(相关|有关)的?(证明|申请)?(材料|文件|资料)$"
    r"|^相关证明"
    r"|等(相关|有关|其他)?的?(证明)?材料$"  # "…等文件" after named items is usually specific enough
    r"|(法律|法规|规章).{0,6}规定的.{0,10}(材料|文件)"
    r"|(认为|视情况)?需要(提交|提供)的.{0,6}(材料|文件)")


def is_catch_all(name: str) -> bool:
    """A 兜底 item that does not name a document: "其他相关材料", "…等材料", "相关证明材料"."""
    return bool(_CATCH_ALL.search(name.replace(" ", "")))


def catch_all_material(m: Matter, p: _Params, c: Conversion) -> Iterator[Hit]:
    for i, x in enumerate(m.materials):
        if is_catch_all(x.name):
            yield Hit(f"materials[{i}].name", x.name)


def fee_online_payment(m: Matter, p: _Params, c: Conversion) -> Iterator[Hit]:
    """No fee ⇒ nothing to pay online."""
    if m.fee is False and m.online_payment is True:
        yield Hit("online_payment", True)


def compression_target(m: Matter, p: _Params, c: Conversion) -> Iterator[Hit]:
    """承诺/法定 above the target ratio (双减半: promised at most 50% of legal)."""
    legal, promised = m.legal_limit.to_working_days(c), m.promised_limit.to_working_days(c)
    if legal and promised is not None and promised / legal > p["max_ratio"] + _EPS:
        yield Hit("promised_limit", f"{promised / legal:.0%}")


def material_no_basis(m: Matter, p: _Params, c: Conversion) -> Iterator[Hit]:
    """Every required material has a legal basis (依据), GB/T 39046; one finding per matter."""
    names = [x.name for x in m.materials if not x.basis.strip() and not is_catch_all(x.name)]
    if names:
        shown = "、".join(names[:5]) + ("…" if len(names) > 5 else "")
        yield Hit("materials.basis", f"{len(names)}: {shown}")


def paper_copies(m: Matter, p: _Params, c: Conversion) -> Iterator[Hit]:
    """More paper copies of one material than the threshold (default 2)."""
    for i, x in enumerate(m.materials):
        if x.copies is not None and x.copies > p["max_copies"] and x.form is not MaterialForm.ELECTRONIC:
            yield Hit(f"materials[{i}].copies", f"{x.name} ×{x.copies}")


def online_depth_low(m: Matter, p: _Params, c: Conversion) -> Iterator[Hit]:
    """网上可办 needs depth II or more (I is information only)."""
    if m.online is True and m.online_depth is not None and m.online_depth < p["min_depth"]:
        yield Hit("online_depth", m.online_depth)


def missing_result_name(m: Matter, p: _Params, c: Conversion) -> Iterator[Hit]:
    if not m.result_name.strip():
        yield Hit("result_name", "")


def visits_over_target(m: Matter, p: _Params, c: Conversion) -> Iterator[Hit]:
    """最多跑一次: more visits than the target (default 1)."""
    if m.visits is not None and m.visits > p["max_visits"]:
        yield Hit("visits", m.visits)


def unknown_promised_limit(m: Matter, p: _Params, c: Conversion) -> Iterator[Hit]:
    """A promised limit that is blank or cannot be read (无期限 is a valid answer)."""
    if not m.promised_limit.is_known:
        yield Hit("promised_limit", m.promised_limit.raw)


def promised_unlimited(m: Matter, p: _Params, c: Conversion) -> Iterator[Hit]:
    """A legal limit in days but a promised limit of 无期限: the promise is looser than the law."""
    if m.promised_limit.is_unlimited and m.legal_limit.to_working_days(c) is not None:
        yield Hit("promised_limit", m.promised_limit.raw)


def duplicate_code(cat: Catalogue, p: _Params, c: Conversion) -> Iterator[Hit]:
    """Each 实施编码 appears once; every matter sharing a code gets a finding (with its sheet row)."""
    seen: dict[str, list[Matter]] = defaultdict(list)
    for m in cat.matters:
        if m.code:
            seen[m.code].append(m)
    for code, group in seen.items():
        if len(group) > 1:  # the value is the code alone (each finding carries its own sheet row)
            for m in group:
                yield Hit("code", code, m)


RULES: list[Rule] = [
    Rule("immediate_type", Severity.ERROR, "承诺时限为即办，但办件类型不是即办件（{value}）",
         "promised limit is immediate but the handling type is not 即办件 ({value})", immediate_type,
         source="DOMAIN: 即办 ⇒ 即办件"),
    Rule("immediate_type_with_limit", Severity.ERROR, "办件类型为即办件，但承诺时限为 {value}",
         "handling type is 即办件 but the promised limit is {value}", immediate_type_with_limit,
         source="GB/T 39046 办件类型"),
    Rule("promised_over_legal", Severity.ERROR, "承诺办结时限超过法定办结时限：{value}",
         "promised limit exceeds the legal limit: {value}", promised_over_legal, source="DOMAIN"),
    Rule("steps_over_promised", Severity.ERROR, "各环节时限之和超过承诺办结时限（工作日）：{value}",
         "step limits add up to more than the promised limit (working days): {value}", steps_over_promised,
         source="DOMAIN"),
    Rule("visits_without_reason", Severity.WARNING, "到办事现场 {value} 次，但未填写必须现场办理原因说明",
         "{value} on-site visit(s) but no reason given", visits_without_reason, source="DOMAIN"),
    Rule("zero_visits_no_mail", Severity.WARNING, "零跑动且不能网办，但未支持物流快递（{value}）",
         "zero visits and not online, but mail delivery is not supported ({value})", zero_visits_no_mail,
         source="DOMAIN"),
    Rule("full_online_visits", Severity.ERROR, "网上办理深度为四级（全程网办），但到办事现场 {value} 次",
         "online depth IV (fully online) but {value} on-site visit(s)", full_online_visits, source="DOMAIN"),
    Rule("licence_steps", Severity.WARNING, "行政许可事项缺少环节：{value}",
         "administrative licence lacks the step(s): {value}", licence_steps,
         source="DOMAIN; 行政许可法 第四章 (受理、审查、决定)"),
    Rule("catch_all_material", Severity.WARNING, "兜底性材料：{value}",
         "catch-all material item: {value}", catch_all_material, source="DOMAIN; 国办发〔2020〕42号"),
    Rule("fee_online_payment", Severity.WARNING, "不收费事项却标注支持网上支付",
         "no fee but online payment is flagged", fee_online_payment, source="DOMAIN"),
    Rule("compression_target", Severity.INFO, "承诺时限为法定时限的 {value}，高于目标 {max_ratio:.0%}（双减半，较法定时限）",
         "promised limit is {value} of the legal limit, above the target {max_ratio:.0%} (double halving, vs the legal limit)",
         compression_target,
         params={"max_ratio": 0.5}, source="双减半 reform targets"),
    Rule("material_no_basis", Severity.INFO, "材料未填写设定依据（{value}）",
         "materials without a legal basis ({value})", material_no_basis, source="GB/T 39046 材料依据"),
    Rule("paper_copies", Severity.INFO, "纸质材料份数超过 {max_copies:g} 份：{value}",
         "more than {max_copies:g} paper copies: {value}", paper_copies, params={"max_copies": 2},
         source="减材料: one copy is enough"),
    Rule("online_depth_low", Severity.WARNING, "标注网上可办，但网上办理深度仅为 {value} 级（应不低于 {min_depth:g} 级）",
         "marked online but online depth is only {value} (at least {min_depth:g} expected)", online_depth_low,
         params={"min_depth": 2}, source="国办发〔2018〕45号 网上可办"),
    Rule("missing_result_name", Severity.INFO, "未填写结果名称", "no result name (结果名称)",
         missing_result_name, source="GB/T 39046 结果名称"),
    Rule("visits_over_target", Severity.WARNING, "到办事现场 {value} 次，超过“最多跑{max_visits:g}次”目标",
         "{value} on-site visits, more than the target of {max_visits:g}", visits_over_target,
         params={"max_visits": 1}, source="最多跑一次 (国办发〔2018〕45号)"),
    Rule("unknown_promised_limit", Severity.WARNING, "承诺办结时限缺失或无法识别：“{value}”",
         "promised limit missing or unreadable: '{value}'", unknown_promised_limit, source="GB/T 39046"),
    Rule("promised_unlimited", Severity.WARNING, "法定时限有明确天数，承诺时限却为无期限（{value}）",
         "the legal limit is a number of days but the promise has no limit ({value})", promised_unlimited,
         source="承诺时限 ≤ 法定时限"),
    Rule("duplicate_code", Severity.ERROR, "实施编码重复：{value}", "duplicate implementation code: {value}",
         duplicate_code, scope="catalogue", source="GB/T 39046 编码唯一"),
]
