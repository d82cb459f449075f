"""Small catalogues built in code for the audit tests."""

from __future__ import annotations

from bpr.model import Catalogue, Channel, HandlingType, Material, Matter, Step, TimeLimit


def matter(name: str = "测试事项", **kw) -> Matter:
    for key in ("legal_limit", "promised_limit"):
        if isinstance(kw.get(key), str):
            kw[key] = TimeLimit.parse(kw[key])
    kw.setdefault("code", name)
    return Matter(name=name, **kw)


def steps(*names_and_days) -> list[Step]:
    out = []
    for i, item in enumerate(names_and_days):
        name, days = item if isinstance(item, tuple) else (item, None)
        out.append(Step(name, order=i + 1, limit=TimeLimit.parse(days) if days is not None else TimeLimit()))
    return out


def hand_catalogue() -> Catalogue:
    """Six matters covering 即办, 无期限, months, years, natural days and missing values.

    The expected figures are worked out by hand in tests/analyse/test_indicators.py.
    """
    return Catalogue(source="hand", matters=[
        matter("M1 即办事项", code="C1", department="甲局", matter_type="行政确认", legal_limit="5个工作日",
               promised_limit="即办", handling_type=HandlingType.IMMEDIATE, visits=0, online=True, online_depth=4,
               mobile=True, mail=True, steps=steps("受理", "决定"),
               materials=[Material("身份证"), Material("营业执照", exempt=True)]),
        matter("M2 月时限许可", code="C2", department="甲局", matter_type="行政许可", legal_limit="3个月",
               promised_limit="20个工作日", handling_type=HandlingType.PROMISED, visits=1, online=True,
               online_depth=3, mobile=False, mail=True, steps=steps("受理", "审查", "决定"),
               materials=[Material("申请书"), Material("场所证明"), Material("无犯罪证明", commitment=True)]),
        matter("M3 年时限许可", code="C3", department="乙局", matter_type="行政许可", legal_limit="1年",
               promised_limit="2个月", visits=2, online=False, mail=False,
               materials=[Material("a"), Material("b"), Material("c"), Material("d")]),
        matter("M4 无期限服务", code="C4", department="乙局", matter_type="公共服务", legal_limit="无期限",
               promised_limit="10个工作日", handling_type=HandlingType.PROMISED,
               channels={Channel.ONLINE, Channel.MOBILE}, steps=steps("受理")),
        matter("M5 缺时限服务", code="C5", department="乙局", matter_type="公共服务",
               handling_type=HandlingType.IMMEDIATE, visits=0),
        matter("M6 自然日许可", code="C6", department="丙局", matter_type="行政许可", legal_limit="30天",
               promised_limit="15天", handling_type=HandlingType.PROMISED, visits=0, online=False, online_depth=1,
               mobile=False, mail=True, steps=steps("受理", "审查", "决定", "送达"),
               materials=[Material("户口簿", exempt=True)]),
    ])
