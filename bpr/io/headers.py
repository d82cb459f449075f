"""Matter-sheet headers: normalise the text of a header cell and say which field it names.

Province exports spell the same field many ways (承诺办结时限 / 承诺办理时限 / 承诺时限 / 承诺期限),
add units and notes in brackets ("法定办结时限（工作日）", "办件类型(1即办件 2承诺件)"), mark required
columns with "*" and break long headers over lines. `match_header` compares after
`normalise_header` (NFKC, so full-width brackets, digits and spaces become half-width; no
whitespace; no "*"; bracketed text dropped) and returns the field plus the time unit a bracket
named, which becomes the default unit of bare numbers in that column. A variant no table
lists is still recognised by its core (yes/no question words dropped: 支持快递 = 是否支持物流快递's
快递) or by the longest known name it ends with (办理结果名称 → 结果名称, 行政许可设定依据 → 设定依据);
anything else stays unknown and becomes a warning.

There is one table per sheet kind, because the same words mean different things: 事项名称 is the
matter's name on the matters sheet but the key of the owning matter on the materials sheet.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from bpr.model.timelimit import Unit, unit_word

MATTERS, STEPS, MATERIALS = "matters", "steps", "materials"

#: field -> header spellings. Field names are Matter attributes, plus `legal_limit_unit` /
#: `promised_limit_unit` (a separate unit column) ; `steps` / `materials` here mean one cell
#: holding the whole list.
MATTER_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("事项名称", "政务服务事项名称", "服务事项名称", "实施事项名称", "实施清单名称", "事项全称",
             "业务办理项名称", "办理项名称", "matter name", "matter"),
    "code": ("实施编码", "事项实施编码", "实施清单编码", "事项编码", "业务办理项编码", "办理项编码",
             "matter code", "code"),
    "basic_code": ("基本编码", "事项基本编码", "基本目录编码", "目录编码", "basic code"),
    "matter_type": ("事项类型", "权力类型", "事项类别", "职权类型", "权力事项类型", "matter type"),
    "department": ("实施主体", "实施主体名称", "实施机构", "实施部门", "办理部门", "责任部门", "主管部门",
                   "受理部门", "受理机构", "承办机构", "部门", "部门名称", "department"),
    "level": ("行使层级", "层级", "level"),
    "legal_limit": ("法定办结时限", "法定时限", "法定期限", "法定办理时限", "法定办结期限", "法定办理期限",
                    "legal limit", "legal time limit"),
    "legal_limit_unit": ("法定办结时限单位", "法定时限单位", "法定期限单位", "法定办理时限单位"),
    "promised_limit": ("承诺办结时限", "承诺办理时限", "承诺时限", "承诺期限", "承诺办结期限", "承诺办理期限",
                       "promised limit", "promised time limit"),
    "promised_limit_unit": ("承诺办结时限单位", "承诺时限单位", "承诺期限单位", "承诺办理时限单位"),
    "handling_type": ("办件类型", "办件类别", "handling type"),
    "channels": ("办理形式", "办理方式", "申办方式", "申请方式", "受理方式", "channels"),
    "online": ("是否网办", "是否网上办理", "是否可网办", "是否支持网上办理", "网上办理", "是否网上可办", "online"),
    "online_depth": ("网上办理深度", "网办深度", "网上办理程度", "网上服务深度", "网上可办深度", "online depth"),
    "mobile": ("是否掌上可办", "掌上可办", "是否掌上办", "是否支持掌上办", "是否支持掌上办理", "是否移动端办理",
               "移动端办理", "是否支持移动端办理", "mobile"),
    "visits": ("到办事现场次数", "到现场次数", "到现场窗口次数", "办事者到办事地点最少次数", "到办事现场最少次数",
               "申请人到现场次数", "到窗口次数", "跑动次数", "最多跑动次数", "现场次数", "visits", "on-site visits"),
    "visit_reason": ("必须现场办理原因说明", "必须现场办理原因", "现场办理原因说明", "到现场原因",
                     "到现场办理原因", "到办事现场原因说明", "reason for on-site visits"),
    "mail": ("是否支持物流快递", "支持物流快递", "物流快递", "是否支持快递", "是否支持快递送达", "是否快递送达",
             "是否支持邮寄", "是否邮寄", "mail delivery", "mail"),
    "fee": ("是否收费", "收费", "fee"),
    "online_payment": ("是否支持网上支付", "是否网上支付", "网上支付", "是否支持网上缴费", "online payment"),
    "co_departments": ("共同实施部门", "联办机构", "联办部门", "会同部门", "协办部门", "co-implementing departments"),
    "special_procedures": ("特别程序", "特殊环节", "特别程序及时限", "special procedures"),
    "result_name": ("结果名称", "审批结果名称", "审批结果", "办理结果", "办理结果名称", "结果证照名称", "结果文书名称",
                    "审批结果文书名称", "结果证件名称", "证照名称", "result name", "result"),
    "legal_basis": ("设定依据", "法律依据", "设立依据", "实施依据", "法定依据", "办理依据", "审批依据", "许可依据",
                    "法律法规依据", "政策依据", "依据", "legal basis", "basis"),
    "e_licence": ("是否电子证照", "结果是否电子证照", "是否有电子证照", "电子证照", "e-licence result"),
    "steps": ("办理流程", "办理环节", "审批流程", "办理程序", "流程", "环节", "steps"),
    "materials": ("申请材料", "申请材料目录", "申请材料清单", "材料清单", "所需材料", "申报材料", "提交材料",
                  "材料目录", "materials"),
}

_MATTER_REF: dict[str, tuple[str, ...]] = {
    "matter_code": ("实施编码", "事项实施编码", "事项编码", "实施清单编码", "业务办理项编码", "基本编码",
                    "事项基本编码", "matter code", "implementation code", "code"),
    "matter_name": ("事项名称", "政务服务事项名称", "实施事项名称", "matter name", "matter"),
}

STEP_HEADERS: dict[str, tuple[str, ...]] = {
    **_MATTER_REF,
    "name": ("环节名称", "办理环节", "步骤名称", "节点名称", "环节", "步骤", "step name", "step"),
    "order": ("环节顺序", "顺序", "序号", "步骤序号", "环节序号", "order"),
    "department": ("办理部门", "承办部门", "部门", "处室", "科室", "实施主体", "department"),
    "role": ("办理人/岗位", "办理岗位", "岗位", "办理人", "办理人员", "环节办理人", "承办人", "审批人", "role"),
    "limit": ("环节时限", "时限", "办理时限", "环节办理时限", "承诺时限", "办理时长", "step time limit", "limit"),
    "on_site": ("申请人是否到场", "是否需要申请人到场", "申请人是否到现场", "是否需申请人到场", "是否到场",
                "是否需到现场", "是否到现场", "applicant on site", "on site"),
    "after": ("前置环节", "前序环节", "依赖环节", "上一环节", "depends on", "after"),
}

MATERIAL_HEADERS: dict[str, tuple[str, ...]] = {
    **_MATTER_REF,
    "name": ("材料名称", "申请材料名称", "材料", "申请材料", "material name", "material"),
    "source": ("来源渠道", "材料来源渠道", "材料来源", "来源", "source channel", "source"),
    "form": ("材料形式", "提交形式", "材料提交形式", "形式", "form"),
    "kind": ("材料类型", "原件/复印件", "原件或复印件", "材料种类", "kind"),
    "copies": ("份数", "材料份数", "纸质材料份数", "数量", "copies"),
    "necessity": ("材料必要性", "必要性", "是否必要", "是否必须", "是否必需", "必要程度", "necessity"),
    "issuer": ("出具机构", "出具单位", "材料出具单位", "来源部门", "发证机关", "issuer"),
    "basis": ("依据", "设定依据", "材料依据", "legal basis", "basis"),
    "exempt": ("是否免提交", "免提交", "是否免交", "exempt"),
    "commitment": ("是否告知承诺", "告知承诺", "是否可告知承诺", "是否实行告知承诺", "commitment"),
    "note": ("备注", "说明", "填报须知", "note"),
}

TABLES = {MATTERS: MATTER_HEADERS, STEPS: STEP_HEADERS, MATERIALS: MATERIAL_HEADERS}
#: the field a sheet of each kind cannot do without
KEY_FIELD = {MATTERS: "name", STEPS: "name", MATERIALS: "name"}
#: headers that carry nothing bpr uses and are too common to warn about
IGNORED = {"序号", "no", "编号序号"}

_BRACKETED = re.compile(r"[(\[{【〔《<]([^)\]}】〕》>]*)[)\]}】〕》>]")
_DROP = re.compile(r"[\s*★※_:：]+")


@dataclass(frozen=True)
class HeaderMatch:
    """What a header names: a field of the sheet kind, and a time unit stated in it."""

    field: str
    unit: Unit | None = None


def _unit(text: str) -> Unit | None:
    return unit_word(text.removeprefix("单位"))


@lru_cache(maxsize=4096)
def normalise_header(text: object) -> tuple[str, Unit | None]:
    """'法定办结时限（工作日）' -> ('法定办结时限', WORKING_DAY); '* 事项\\n名称' -> ('事项名称', None)."""
    if text is None:
        return "", None
    norm = _DROP.sub("", unicodedata.normalize("NFKC", str(text))).lower()
    unit = None
    for inner in _BRACKETED.findall(norm):
        unit = unit or _unit(inner)
    base = _BRACKETED.sub("", norm)
    if unit is None:  # "时限/工作日", "时限-天"
        parts = re.split(r"[/\\-]", base)
        if len(parts) == 2 and (suffix_unit := _unit(parts[1])):
            base, unit = parts[0], suffix_unit
    return base, unit


# Yes/no questions are asked many ways: 是否支持快递, 支持快递, 可否快递 all ask about 快递.
_QUESTION = re.compile(r"^(是否|可否|能否|有无)?(支持|提供|可以|可|需要)?")
#: a header longer than this is a sentence, not a column name (no suffix matching)
MAX_SUFFIX_HEADER = 20
#: shortest synonym a longer header may end with ("办理结果名称" ends with "结果名称")
MIN_SUFFIX = 3


def header_core(base: str) -> str:
    """A normalised header without its yes/no question words: '是否支持物流快递' -> '物流快递'."""
    core = _QUESTION.sub("", base)
    return core or base


def _index(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for field_name, names in table.items():
        for name in names:
            index.setdefault(normalise_header(name)[0], field_name)
    return index


def _core_index(table: dict[str, tuple[str, ...]]) -> dict[str, set[str]]:
    index: dict[str, set[str]] = {}
    for field_name, names in table.items():
        for name in names:
            index.setdefault(header_core(normalise_header(name)[0]), set()).add(field_name)
    return index


_INDEX = {kind: _index(table) for kind, table in TABLES.items()}
_CORES = {kind: _core_index(table) for kind, table in TABLES.items()}


def _by_core(base: str, kind: str) -> str | None:
    """The field a header variant names, by its core and then by the longest known core it ends
    with (Chinese column names put the head noun last: 行政许可设定依据 is a 设定依据). None when
    the variant is ambiguous (two fields end the same way) or too long to be a column name."""
    cores = _CORES[kind]
    core = header_core(base)
    exact = cores.get(core)
    if exact and len(exact) == 1:
        return next(iter(exact))
    if len(core) > MAX_SUFFIX_HEADER:
        return None
    for size in range(len(core) - 1, MIN_SUFFIX - 1, -1):
        fields = cores.get(core[-size:])
        if fields:
            return next(iter(fields)) if len(fields) == 1 else None
    return None


def match_header(text: object, kind: str = MATTERS) -> HeaderMatch | None:
    """The field `text` names on a sheet of `kind` (matters, steps, materials), or None."""
    base, unit = normalise_header(text)
    if not base:
        return None
    index = _INDEX[kind]
    field_name = index.get(base)
    if field_name is None:
        # keep a bracket that is part of the name, e.g. "办理人(岗位)"
        whole = _DROP.sub("", unicodedata.normalize("NFKC", str(text))).lower().replace("(", "/").rstrip(")")
        field_name = index.get(whole)
    if field_name is None:
        field_name = _by_core(base, kind)
    return HeaderMatch(field_name, unit) if field_name else None


def is_ignored(text: object) -> bool:
    """A header that is known and deliberately not read (序号)."""
    return normalise_header(text)[0] in IGNORED


def header_label(text: object) -> str:
    """The header as shown in messages: one line, no surrounding space."""
    return " ".join(str(text).split()) if text is not None else ""
