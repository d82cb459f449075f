"""A six-matter 开饭店一件事 like the published 2019 Shanghai reform: 41 materials, 8 visits and
60 working days handled separately. Materials and steps follow ordinary service guides of the
six matters; the sheet written from it has NO 结果名称, so the bundle must infer that
企业设立登记 issues the 营业执照 and 食品经营许可 the 食品经营许可证.

Expected after (worked out by hand, see tests/measure/test_restaurant_bundle.py): 16 materials,
1 visit, 17 working days.
"""

from __future__ import annotations

from bpr.model import Bundle, Catalogue, Material, Matter, Step, TimeLimit


def wd(days: int) -> TimeLimit:
    return TimeLimit.parse(f"{days}个工作日")


def _steps(department: str, *items: tuple[str, int]) -> list[Step]:
    return [Step(name, i + 1, department, limit=wd(days), on_site=name == "受理")
            for i, (name, days) in enumerate(items)]


def _matter(name: str, code: str, department: str, legal: int, promised: int, visits: int,
            materials: list[str], steps: list[Step]) -> Matter:
    return Matter(name=name, code=code, department=department, matter_type="行政许可", legal_limit=wd(legal),
                  promised_limit=wd(promised), visits=visits, mail=False,
                  materials=[Material(m) for m in materials], steps=steps)


def restaurant_catalogue() -> Catalogue:
    market = "市场监督管理局"
    return Catalogue(source="restaurant", matters=[
        _matter("企业设立登记", "R01", market, 15, 3, 1, [
            "公司登记（备案）申请书", "公司章程", "全体股东身份证复印件",
            "法定代表人、董事、监事和经理的任职文件", "法定代表人身份证复印件", "住所使用证明",
            "指定代表或者共同委托代理人授权委托书"],
            _steps(market, ("受理", 1), ("审核", 1), ("核准", 1))),
        _matter("食品经营许可", "R02", market, 20, 15, 2, [
            "食品经营许可申请书", "营业执照复印件", "法定代表人身份证复印件", "房屋租赁合同",
            "与食品经营相适应的主要设备设施布局、操作流程等文件", "经营场所平面布局图", "食品安全管理制度文本",
            "食品安全管理人员健康证明", "授权委托书"],
            _steps(market, ("受理", 1), ("审查", 5), ("现场核查", 6), ("审批决定", 2), ("证照送达", 1))),
        _matter("公众聚集场所投入使用、营业前消防安全检查", "R03", "消防救援大队", 10, 10, 2, [
            "公众聚集场所投入使用、营业前消防安全检查申报表", "营业执照复印件", "法定代表人身份证复印件",
            "场所平面布置图", "消防安全制度", "房屋租赁合同复印件", "特殊建设工程消防验收意见书",
            "消防安全评估报告"],
            _steps("消防救援大队", ("受理", 1), ("审查", 3), ("现场检查", 4), ("决定", 2))),
        _matter("户外招牌设置审批", "R04", "城市管理局", 20, 10, 1, [
            "户外招牌设置申请表", "营业执照复印件", "经营者身份证复印件", "设置位置实景效果图", "招牌设计图",
            "不动产权证书复印件", "安全承诺书"],
            _steps("城市管理局", ("受理", 1), ("审查", 6), ("决定", 2), ("送达", 1))),
        _matter("城镇污水排入排水管网许可", "R05", "水务局", 20, 12, 1, [
            "城镇污水排入排水管网许可申请表", "营业执照复印件",
            "排水户内部排水管网、专用检测井、污水排放口位置和口径的图纸及说明",
            "按规定建设污水预处理设施的有关材料", "排水水质符合相关标准的检测报告", "法定代表人身份证复印件"],
            _steps("水务局", ("受理", 1), ("审查", 5), ("现场核查", 4), ("决定", 2))),
        _matter("酒类商品零售许可", "R06", "商务局", 20, 10, 1, [
            "酒类商品零售许可申请表", "营业执照复印件", "食品经营许可证复印件", "经营场所使用证明"],
            _steps("商务局", ("受理", 1), ("审查", 7), ("决定", 2))),
    ])


def restaurant_bundle() -> Bundle:
    return Bundle("开饭店一件事", ["R01", "R02", "R03", "R04", "R05", "R06"], lead_department="市场监督管理局")
