"""A government service matter (政务服务事项), fields after GB/T 39046-2020."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bpr.model.material import Material
from bpr.model.step import Step
from bpr.model.timelimit import TimeLimit


class HandlingType(StrEnum):
    """办件类型."""

    IMMEDIATE = "1"  # 即办件
    PROMISED = "2"  # 承诺件


class Channel(StrEnum):
    """办理形式."""

    WINDOW = "1"  # 窗口办理
    ONLINE = "2"  # 网上办理
    MOBILE = "3"  # 移动端 (掌上办)
    MAIL = "4"  # 快递申请


@dataclass
class Matter:
    """One matter of the implementation list. None means unknown (not given or unparseable)."""

    name: str
    code: str = ""  # 实施编码 (falls back to 基本编码 or the name when absent)
    basic_code: str = ""  # 基本编码
    matter_type: str = ""  # 事项类型: 行政许可, 行政给付, 行政确认, 公共服务 ...
    department: str = ""  # 实施主体
    level: str = ""  # 行使层级
    legal_limit: TimeLimit = field(default_factory=TimeLimit)  # 法定办结时限
    promised_limit: TimeLimit = field(default_factory=TimeLimit)  # 承诺办结时限
    handling_type: HandlingType | None = None
    channels: set[Channel] = field(default_factory=set)
    online: bool | None = None  # 是否网办
    online_depth: int | None = None  # 网上办理深度 1..4 (IV = 全程网办)
    mobile: bool | None = None  # 掌上可办
    visits: int | None = None  # 到办事现场次数
    visit_reason: str = ""  # 必须现场办理原因说明
    mail: bool | None = None  # 是否支持物流快递
    fee: bool | None = None  # 是否收费
    online_payment: bool | None = None  # 是否支持网上支付
    co_departments: list[str] = field(default_factory=list)  # 共同实施部门
    special_procedures: str = ""  # 特别程序
    result_name: str = ""  # 结果名称
    legal_basis: str = ""  # 设定依据 (the law, regulation or rule that sets the matter)
    e_licence: bool | None = None  # 结果可为电子证照
    steps: list[Step] = field(default_factory=list)
    materials: list[Material] = field(default_factory=list)
    source_row: int | None = None  # row in the sheet it came from, for evidence

    @property
    def key(self) -> str:
        return self.code or self.basic_code or self.name

    @property
    def full_online(self) -> bool | None:
        return None if self.online_depth is None else self.online_depth >= 4
