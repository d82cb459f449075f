"""Source data of the sample catalogue: 40 matters of a fictional city "XX市" (admin code 330100).

Each matter is modelled on a real public service guide (办事指南) of the kind published on the
provincial government-service portals: its name, 事项类型, legal basis limits, steps, materials.
The figures are typical, not copied from one city. Some matters carry planted defects of the
kinds real catalogues have; `PLANTED_DEFECTS` lists them (matter name -> what is wrong), and
samples/README.md explains each.

`build_catalogue()` returns a `bpr.model.Catalogue`; samples/generate_catalogue.py writes it out.
"""

from __future__ import annotations

from bpr.model import (
    Catalogue,
    Channel,
    HandlingType,
    Material,
    MaterialForm,
    MaterialKind,
    Matter,
    Necessity,
    SourceChannel,
    Step,
    TimeLimit,
)

CITY = "XX市"
ADMIN_CODE = "330100"

#: department -> (9-character organisation code, check character) of its 统一社会信用代码
DEPARTMENTS: dict[str, tuple[str, str]] = {
    "市场监督管理局": ("002496213", "X"),
    "卫生健康委员会": ("002495835", "P"),
    "住房和城乡建设局": ("002495237", "G"),
    "公安局": ("002494613", "4"),
    "人力资源和社会保障局": ("002495499", "T"),
    "自然资源和规划局": ("MB1C49628", "Y"),
    "民政局": ("002495050", "K"),
    "交通运输局": ("002495720", "U"),
    "综合行政执法局": ("002496467", "N"),
    "消防救援支队": ("MB1B17843", "8"),
    "医疗保障局": ("MB1C38620", "D"),
}

#: 事项类型 -> two-digit prefix of the 基本编码
TYPE_PREFIX = {"行政许可": "00", "行政给付": "04", "行政确认": "07", "其他行政权力": "10", "公共服务": "20"}


def credit_code(department: str) -> str:
    """统一社会信用代码 of a department: 1 (机关) 1 (机关) + admin code + org code + check."""
    org, check = DEPARTMENTS[department]
    return f"11{ADMIN_CODE}{org}{check}"


def basic_code(matter_type: str, department: str, item: int) -> str:
    """12-character 基本编码: type prefix, department number, item number, 000."""
    dept_no = list(DEPARTMENTS).index(department) + 1
    return f"{TYPE_PREFIX[matter_type]}{dept_no:02d}{item % 100000:05d}000"


def implementation_code(matter_type: str, department: str, item: int) -> str:
    """31-character 实施编码 = department credit code + level digit (4 = 市级) + 基本编码."""
    return f"{credit_code(department)}4{basic_code(matter_type, department, item)}"


_SOURCE = {"自备": SourceChannel.APPLICANT, "核发": SourceChannel.GOVERNMENT, "其他": SourceChannel.OTHER}
_FORM = {"纸": MaterialForm.PAPER, "电": MaterialForm.ELECTRONIC, "纸电": MaterialForm.BOTH}
_KIND = {"原": MaterialKind.ORIGINAL, "复": MaterialKind.COPY, "原复": MaterialKind.BOTH}
_NEED = {"必要": Necessity.REQUIRED, "非必要": Necessity.OPTIONAL, "容缺": Necessity.DEFERRABLE}


def F(name: str, source: str = "自备", form: str = "纸电", kind: str = "原", copies: int = 1,
      need: str = "必要", issuer: str = "", basis: str = "") -> Material:
    """One material: source 自备/核发/其他, form 纸/电/纸电, kind 原/复/原复, need 必要/非必要/容缺."""
    return Material(name=name, source=_SOURCE[source], form=_FORM[form], kind=_KIND[kind],
                    copies=copies, necessity=_NEED[need], issuer=issuer or ("申请人" if source == "自备" else ""),
                    basis=basis)


def S(name: str, role: str, limit: str = "", department: str = "", on_site: bool = False,
      after: list[str] | None = None) -> Step:
    """One step; department defaults to the matter's, order is set by `M`."""
    return Step(name=name, role=role, limit=TimeLimit.parse(limit), department=department,
                on_site=on_site, after=after)


def M(name: str, department: str, matter_type: str, item: int, legal: str, promised: str, *,
      handling: str = "承诺件", depth: int = 3, visits: int = 1, reason: str = "", mail: bool = True,
      fee: bool = False, online_payment: bool | None = None, mobile: bool = True, result: str = "",
      e_licence: bool = True, co: tuple[str, ...] = (), special: str = "", code: str = "",
      steps: tuple[Step, ...] = (), materials: tuple[Material, ...] = ()) -> Matter:
    """One matter of the implementation list."""
    channels = {Channel.WINDOW}
    if depth >= 2:
        channels.add(Channel.ONLINE)
    if mobile:
        channels.add(Channel.MOBILE)
    if mail:
        channels.add(Channel.MAIL)
    step_list = []
    for order, step in enumerate(steps, start=1):
        step.order = order
        step.department = step.department or department
        step_list.append(step)
    return Matter(
        name=name, code=code or implementation_code(matter_type, department, item),
        basic_code=basic_code(matter_type, department, item), matter_type=matter_type,
        department=department, level="市级", legal_limit=TimeLimit.parse(legal),
        promised_limit=TimeLimit.parse(promised),
        handling_type=HandlingType.IMMEDIATE if handling == "即办件" else HandlingType.PROMISED,
        channels=channels, online=depth >= 2, online_depth=depth, mobile=mobile, visits=visits,
        visit_reason=reason, mail=mail, fee=fee, online_payment=(fee and depth >= 3) if online_payment is None
        else online_payment, co_departments=list(co), special_procedures=special, result_name=result,
        e_licence=e_licence, steps=step_list, materials=list(materials))


# Steps shared by many matters -------------------------------------------------------------------

def licence_flow(review: str = "5个工作日", decide: str = "2个工作日", deliver: str = "1个工作日",
                 inspect: str = "", window_pickup: bool = False) -> tuple[Step, ...]:
    """受理 → 审查 (科员) → [现场核查] → 决定 (分管局长) → 送达: the usual 行政许可 flow."""
    steps = [S("受理", "窗口工作人员", "即办", on_site=False), S("审查", "科员", review)]
    if inspect:
        steps.append(S("现场核查", "核查人员", inspect, on_site=True))
    steps += [S("决定", "分管局长", decide), S("送达", "窗口工作人员", deliver, on_site=window_pickup)]
    return tuple(steps)


def counter_flow(reason_on_site: bool = True) -> tuple[Step, ...]:
    """受理 and 办结 at the counter for 即办 matters."""
    return (S("受理", "窗口工作人员", "即办", on_site=reason_on_site), S("办结", "窗口工作人员", "即办"))


LICENCE = "营业执照"
ID_CARD = "申请人身份证明"


def _market() -> list[Matter]:
    d = "市场监督管理局"
    return [
        M("食品经营许可", d, "行政许可", 117062, "20个工作日", "10个工作日", depth=3, visits=1,
          reason="需现场核查经营场所", result="食品经营许可证", steps=(
              S("受理", "窗口工作人员", "即办"),
              S("初审", "科员", "3个工作日"),
              S("现场核查", "核查人员", "3个工作日", on_site=True),
              S("审核", "科长", "1个工作日"),
              S("审批", "分管局长", "1个工作日"),
              S("制证", "窗口工作人员", "1个工作日"),
              S("送达", "窗口工作人员", "1个工作日"),
          ), materials=(
              F("食品经营许可申请书"),
              # planted: 营业执照 is issued by the same bureau; data sharing could supply it
              F("营业执照复印件", "核发", "纸", "复", issuer="市场监督管理局"),
              F("法定代表人（负责人）身份证明", kind="复"),
              F("与食品经营相适应的主要设备设施布局、操作流程等文件"),
              F("食品安全管理制度文本"),
              F("食品安全管理人员健康证明", "核发", "纸", "复", issuer="疾病预防控制机构", need="容缺"),
              F("经营场所使用证明", kind="复"),
          )),
        M("个体工商户设立登记", d, "行政许可", 117003, "15个工作日", "即办", handling="即办件", depth=4,
          visits=0, result="营业执照", steps=(
              S("受理", "登记员", "即办"), S("审核", "登记员", "即办"), S("核准", "登记员", "即办"),
              S("发照", "窗口工作人员", "即办")),
          materials=(F("个体工商户登记（备案）申请书", form="电"), F("经营者身份证明", form="电", kind="复"),
                     F("经营场所使用证明", form="电", kind="复", need="容缺"))),
        M("企业设立登记", d, "行政许可", 117001, "15个工作日", "1个工作日", depth=4, visits=0,
          result="营业执照", steps=(
              S("受理", "登记员", "即办"), S("审核", "登记员", "0.5个工作日"),
              S("核准", "登记科长", "0.5个工作日"), S("发照", "窗口工作人员", "即办")),
          materials=(F("公司登记（备案）申请书", form="电"), F("公司章程", form="电"),
                     F("股东的主体资格文件或自然人身份证明", form="电", kind="复"),
                     F("法定代表人、董事、监事和经理的任职文件", form="电"),
                     F("住所使用相关文件", form="电", kind="复"))),
        # planted: visits 1 without a reason
        M("特种设备使用登记", d, "行政许可", 117105, "15个工作日", "5个工作日", depth=3, visits=1,
          mail=False, result="特种设备使用登记证", steps=licence_flow("2个工作日", "1个工作日", "2个工作日",
                                                                       window_pickup=True),
          materials=(F("特种设备使用登记表", copies=2), F("使用单位统一社会信用代码证明", "核发", "纸", "复",
                                                          issuer="市场监督管理局"),
                     F("特种设备产品合格证", kind="原复"), F("监督检验证明", "其他", issuer="特种设备检验机构"))),
        M("食品生产许可", d, "行政许可", 117061, "20个工作日", "10个工作日", depth=3, visits=1,
          reason="需现场核查生产场所", special="现场核查（不计入时限）", result="食品生产许可证",
          steps=licence_flow("2个工作日", "2个工作日", "1个工作日", inspect="5个工作日"),
          materials=(F("食品生产许可申请书"), F("食品生产设备布局图和食品生产工艺流程图"),
                     F("食品生产主要设备、设施清单"),
                     F("专职或者兼职的食品安全专业技术人员、食品安全管理人员和食品安全管理制度"))),
    ]


def _health() -> list[Matter]:
    d = "卫生健康委员会"
    return [
        # planted: 营业执照复印件 again; step limits 4+5+3+2+1 = 15 > promised 5
        M("公共场所卫生许可", d, "行政许可", 110021, "20个工作日", "5个工作日", depth=3, visits=1,
          reason="需现场审查卫生条件", result="公共场所卫生许可证", steps=(
              S("受理", "窗口工作人员", "即办"), S("审查", "科员", "4个工作日"),
              S("现场审查", "卫生监督员", "5个工作日", on_site=True), S("审核", "科长", "3个工作日"),
              S("决定", "分管主任", "2个工作日"), S("送达", "窗口工作人员", "1个工作日")),
          materials=(F("卫生许可申请表"), F("营业执照复印件", "核发", "纸", "复", issuer="市场监督管理局"),
                     F("法定代表人或负责人身份证明", kind="复"), F("公共场所地址方位示意图、平面图和卫生设施平面布局图"),
                     F("公共场所卫生检测或者评价报告", "其他", issuer="检测机构"),
                     F("公共场所卫生管理制度"))),
        # planted: near-duplicate identity documents
        M("医师执业注册", d, "行政许可", 110003, "20个工作日", "10个工作日", depth=4, visits=0,
          result="医师执业证书", steps=licence_flow("5个工作日", "3个工作日", "2个工作日"),
          materials=(F("医师执业注册申请审核表", form="电"), F("近6个月内的1寸免冠正面半身照片", form="电"),
                     F("医师资格证书", "核发", "电", "原", issuer="卫生健康主管部门"),
                     F("申请人身份证复印件", form="电", kind="复"), F("居民身份证复印件", form="电", kind="复"),
                     F("医疗、预防、保健机构的聘用证明", form="电"))),
        M("护士执业注册", d, "行政许可", 110004, "20个工作日", "10个工作日", depth=4, visits=0,
          result="护士执业证书", steps=licence_flow("5个工作日", "3个工作日", "2个工作日"),
          materials=(F("护士执业注册申请审核表", form="电"), F("申请人身份证明", form="电", kind="复"),
                     F("护士执业资格考试成绩合格证明", "核发", "电", issuer="卫生健康主管部门"),
                     F("健康体检证明", "其他", "电", issuer="二级以上医疗机构"),
                     F("医疗卫生机构拟聘用的相关材料", form="电"))),
        # planted: exact duplicate material; legal limit in natural days
        M("医疗机构执业登记", d, "行政许可", 110010, "45日", "20个工作日", depth=3, visits=1,
          reason="需现场验收", result="医疗机构执业许可证", special="现场验收", steps=licence_flow(
              "8个工作日", "5个工作日", "2个工作日", inspect="5个工作日"),
          materials=(F("医疗机构申请执业登记注册书"), F("医疗机构用房产权证明或者使用证明", kind="复"),
                     F("医疗机构建筑设计平面图"), F("验资证明、资产评估报告", "其他", issuer="会计师事务所"),
                     F("医疗机构规章制度"), F("医疗机构法定代表人或者主要负责人以及各科室负责人名录和有关资格证书、执业证书复印件",
                                           kind="复"),
                     F("医疗机构规章制度"))),
        M("出生医学证明办理", d, "公共服务", 200015, "无", "即办", handling="即办件", depth=2, visits=1,
          reason="新生儿父母须持有效身份证件到助产机构现场核对信息", mail=False, result="出生医学证明",
          steps=counter_flow(), materials=(
              F("新生儿父母有效身份证件", kind="原"), F("出生医学证明首次签发登记表", "其他", issuer="助产机构"),
              F("结婚证", "核发", "纸", "复", issuer="民政局", need="非必要"))),
        M("预防接种证办理", d, "公共服务", 200018, "无", "即办", handling="即办件", depth=2, visits=1,
          reason="首次接种须到接种单位", mail=False, result="预防接种证", steps=counter_flow(),
          materials=(F("出生医学证明", "核发", "纸", "原", issuer="助产机构"), F("监护人身份证明"))),
    ]


def _construction() -> list[Matter]:
    d = "住房和城乡建设局"
    return [
        # planted: critical path 1 + 1 + 1 + 1 = 4 working days (sum of all steps 6) > promised 3
        M("建设工程施工许可证核发", d, "行政许可", 117095, "7日", "3个工作日", depth=4, visits=0,
          result="建筑工程施工许可证", co=("人民防空办公室", "自然资源和规划局"), steps=(
              S("受理", "窗口工作人员", "即办"),
              S("初审", "科员", "1个工作日"),
              S("消防设计审查", "消防审验科科员", "1个工作日", after=["初审"]),
              S("人防审查", "人防工程科科员", "1个工作日", department="人民防空办公室", after=["初审"]),
              S("规划核验", "规划科科员", "1个工作日", department="自然资源和规划局", after=["初审"]),
              S("审核", "科长", "1个工作日", after=["消防设计审查", "人防审查", "规划核验"]),
              S("审批", "分管局长", "1个工作日"),
              S("发证", "窗口工作人员", "即办"),
          ), materials=(
              F("建筑工程施工许可证申请表", form="电"),
              F("建设工程规划许可证", "核发", "电", issuer="自然资源和规划局"),
              F("施工合同", form="电", kind="复"),
              F("施工图设计文件审查合格书", "其他", "电", issuer="施工图审查机构"),
              F("建设资金已经落实承诺书", form="电"),
              F("质量安全监督手续", "核发", "电", issuer="住房和城乡建设局"),
          )),
        M("商品房预售许可", d, "行政许可", 117099, "10日", "5个工作日", depth=3, visits=1,
          reason="需现场核查工程形象进度", result="商品房预售许可证",
          steps=licence_flow("2个工作日", "1个工作日", "1个工作日", inspect="1个工作日"),
          materials=(F("商品房预售许可申请表"), F("开发企业的营业执照和资质证书", "核发", "纸", "复",
                                                   issuer="市场监督管理局、住房和城乡建设局"),
                     F("土地使用权证", "核发", "纸", "复", issuer="自然资源和规划局"),
                     F("建设工程规划许可证", "核发", "纸", "复", issuer="自然资源和规划局"),
                     F("施工许可证", "核发", "纸", "复", issuer="住房和城乡建设局"),
                     F("商品房预售方案"), F("工程施工合同及关于施工进度的说明", kind="复"))),
        M("建筑业企业资质核准", d, "行政许可", 117090, "20个工作日", "15个工作日", depth=4, visits=0,
          result="建筑业企业资质证书", special="专家评审（不计入时限）",
          steps=(S("受理", "窗口工作人员", "即办"), S("审查", "科员", "8个工作日"),
                 S("专家评审", "评审专家", "5个工作日"), S("审核", "科长", "1个工作日"),
                 S("决定", "分管局长", "1个工作日"), S("送达", "窗口工作人员", "即办")),
          materials=(F("建筑业企业资质申请表", form="电"), F("企业法人营业执照", "核发", "电", "复",
                                                              issuer="市场监督管理局"),
                     F("技术负责人身份证明、职称证书", form="电", kind="复"),
                     F("企业主要人员社会保险缴费证明", "核发", "电", issuer="人力资源和社会保障局"))),
        M("房屋建筑和市政基础设施工程竣工验收备案", d, "其他行政权力", 110031, "15日", "5个工作日", depth=4,
          visits=0, result="竣工验收备案表", steps=(
              S("受理", "窗口工作人员", "即办"), S("审查", "科员", "3个工作日"), S("备案", "科长", "2个工作日")),
          materials=(F("工程竣工验收备案表", form="电", copies=2), F("工程竣工验收报告", form="电"),
                     F("施工单位签署的工程质量保修书", form="电"),
                     F("规划、消防等部门出具的认可文件或者准许使用文件", "核发", "电", issuer="相关部门"))),
        M("城镇污水排入排水管网许可", d, "行政许可", 117110, "20个工作日", "8个工作日", depth=3, visits=1,
          reason="需现场核查排水设施", result="城镇污水排入排水管网许可证",
          steps=licence_flow("3个工作日", "2个工作日", "1个工作日", inspect="2个工作日"),
          materials=(F("城镇污水排入排水管网许可申请表"), F("排水户内部排水管网、专用检测井、污水排放口位置和口径的图纸及说明等材料"),
                     F("按规定建设污水预处理设施的有关材料"), F("排水水质符合相关标准的检测报告", "其他", issuer="检测机构"),
                     F("营业执照复印件", "核发", "纸", "复", issuer="市场监督管理局"))),
    ]


def _police() -> list[Matter]:
    d = "公安局"
    return [
        M("居民身份证换领", d, "行政确认", 700010, "60日", "20个工作日", depth=2, visits=1,
          reason="需现场采集人像和指纹信息", fee=True, online_payment=True, result="居民身份证",
          steps=(S("受理", "户籍民警", "即办", on_site=True), S("审核", "户籍民警", "5个工作日"),
                 S("签发", "所长", "2个工作日"), S("制证", "制证中心", "10个工作日"),
                 S("领证", "户籍民警", "即办")),
          materials=(F("原居民身份证", kind="原"), F("居民户口簿", "核发", "纸", "原", issuer="公安机关"))),
        M("出生登记（户口登记）", d, "行政确认", 700001, "无", "即办", handling="即办件", depth=3, visits=1,
          reason="需核验出生医学证明原件", mail=True, result="居民户口簿（户口登记页）", steps=(
              S("受理", "户籍民警", "即办", on_site=True), S("审核", "户籍民警", "即办"),
              S("办结", "户籍民警", "即办")),
          materials=(F("出生医学证明", "核发", "纸", "原", issuer="助产机构"),
                     F("父母居民户口簿", "核发", "纸", "原", issuer="公安机关"),
                     F("父母居民身份证", "核发", "纸", "原", issuer="公安机关"),
                     F("父母结婚证", "核发", "纸", "原复", issuer="民政局", need="非必要"))),
        M("居住证申领", d, "行政确认", 700020, "15日", "10个工作日", depth=3, visits=1,
          reason="需现场采集人像", result="居住证", steps=(
              S("受理", "社区民警", "即办", on_site=True), S("审核", "社区民警", "3个工作日"),
              S("签发", "所长", "2个工作日"), S("制证", "制证中心", "5个工作日")),
          materials=(F("居民身份证", "核发", "纸", "原", issuer="公安机关"),
                     F("居住登记凭证", "核发", "纸", issuer="公安机关"),
                     F("合法稳定就业、合法稳定住所或连续就读证明材料之一", kind="复"))),
        # planted: depth IV (全程网办) but 1 visit
        M("无犯罪记录证明开具", d, "公共服务", 200008, "无", "3个工作日", depth=4, visits=1,
          reason="", result="无犯罪记录证明", steps=(
              S("申请", "申请人", "即办"), S("审核", "派出所民警", "2个工作日"),
              S("出具", "派出所所长", "1个工作日")),
          materials=(F("申请人居民身份证", "核发", "电", issuer="公安机关"), F("用途说明", form="电"))),
    ]


def _hrss() -> list[Matter]:
    d = "人力资源和社会保障局"
    return [
        # planted: promised 即办 but 办件类型 承诺件
        M("社会保障卡申领", d, "公共服务", 200030, "无", "即办", handling="承诺件", depth=4, visits=0,
          result="社会保障卡", steps=(S("申请", "申请人", "即办"), S("制卡", "社保卡服务网点", "即办"),
                                      S("发卡", "社保卡服务网点", "即办")),
          materials=(F("居民身份证", "核发", "电", issuer="公安机关"), F("近期免冠证件照", form="电"))),
        # planted: catch-all "其他相关材料"
        M("失业保险金申领", d, "行政给付", 400012, "无", "5个工作日", depth=4, visits=0,
          result="失业保险金发放", steps=(S("申请", "申请人", "即办"), S("审核", "经办人员", "3个工作日"),
                                          S("复核", "科长", "1个工作日"), S("发放", "经办人员", "1个工作日")),
          materials=(F("居民身份证", "核发", "电", issuer="公安机关"),
                     F("解除或终止劳动关系证明", form="电", kind="复"),
                     F("本人社会保障卡或银行卡", "核发", "电", issuer="人力资源和社会保障局"),
                     F("其他相关材料", form="电", need="非必要"))),
        M("就业登记", d, "公共服务", 200031, "无", "即办", handling="即办件", depth=4, visits=0,
          result="就业登记信息", steps=(S("申请", "用人单位", "即办"), S("办结", "经办人员", "即办")),
          materials=(F("劳动合同", form="电", kind="复"),)),
        # planted: 行政许可 without a 决定 step
        M("人力资源服务许可", d, "行政许可", 117020, "20个工作日", "10个工作日", depth=3, visits=1,
          reason="需现场核查服务场所", result="人力资源服务许可证", steps=(
              S("受理", "窗口工作人员", "即办"), S("审查", "科员", "6个工作日"),
              S("现场核查", "核查人员", "3个工作日", on_site=True), S("送达", "窗口工作人员", "1个工作日")),
          materials=(F("人力资源服务许可申请书"), F("营业执照复印件", "核发", "纸", "复", issuer="市场监督管理局"),
                     F("经营场所使用证明", kind="复"), F("工作规章制度"),
                     F("专职工作人员的学历证明", kind="复", copies=3))),
        M("职工基本养老保险退休待遇申领", d, "行政给付", 400001, "无", "10个工作日", depth=3, visits=1,
          reason="需核验档案原件", result="退休待遇核定表", steps=(
              S("受理", "经办人员", "即办", on_site=True), S("审核", "经办人员", "5个工作日"),
              S("复核", "科长", "3个工作日"), S("审批", "分管局长", "2个工作日")),
          materials=(F("居民身份证", "核发", "纸", "复", issuer="公安机关"),
                     F("职工档案", "其他", "纸", "原", issuer="档案保管单位"))),
    ]


def _land() -> list[Matter]:
    d = "自然资源和规划局"
    return [
        M("建设工程规划许可", d, "行政许可", 117007, "20个工作日", "12个工作日", depth=4, visits=0,
          result="建设工程规划许可证", special="批前公示（不计入时限）",
          steps=licence_flow("6个工作日", "3个工作日", "1个工作日"),
          materials=(F("建设工程规划许可申请表", form="电"), F("使用土地的有关证明文件", "核发", "电", "复",
                                                                 issuer="自然资源和规划局"),
                     F("建设工程设计方案", form="电"), F("规划条件", "核发", "电", issuer="自然资源和规划局"))),
        M("建设用地规划许可", d, "行政许可", 117006, "20个工作日", "10个工作日", depth=4, visits=0,
          result="建设用地规划许可证", steps=licence_flow("5个工作日", "3个工作日", "1个工作日"),
          materials=(F("建设用地规划许可申请表", form="电"), F("建设项目批准、核准或备案文件", "核发", "电",
                                                                 issuer="发展和改革局"),
                     F("国有土地使用权出让合同", form="电", kind="复"))),
        # planted: promised 30 > legal 20
        M("乡村建设规划许可", d, "行政许可", 117008, "20个工作日", "30个工作日", depth=2, visits=2,
          reason="需现场踏勘", mail=False, result="乡村建设规划许可证", steps=licence_flow(
              "10个工作日", "5个工作日", "5个工作日", inspect="10个工作日", window_pickup=True),
          materials=(F("乡村建设规划许可申请表"), F("村民委员会意见", "其他", issuer="村民委员会"),
                     F("宅基地使用证明", "核发", "纸", "复", issuer="自然资源和规划局"),
                     F("建房设计图纸"))),
        M("不动产转移登记", d, "行政确认", 700030, "30个工作日", "5个工作日", depth=3, visits=1,
          reason="需核验身份和权属证书原件", fee=True, result="不动产权证书", steps=(
              S("受理", "窗口工作人员", "即办", on_site=True), S("审核", "登记审核员", "3个工作日"),
              S("登簿", "登簿人员", "1个工作日"), S("缮证", "缮证人员", "1个工作日"),
              S("发证", "窗口工作人员", "即办")),
          materials=(F("不动产登记申请书"), F("申请人身份证明", kind="复"),
                     F("不动产权属证书", "核发", "纸", "原", issuer="自然资源和规划局"),
                     F("不动产买卖合同", kind="原"), F("完税凭证", "核发", "纸", "复", issuer="税务局"))),
    ]


def _civil() -> list[Matter]:
    d = "民政局"
    return [
        M("结婚登记", d, "行政确认", 700040, "即办", "即办", handling="即办件", depth=1, visits=1,
          reason="婚姻登记须双方当事人亲自到场", mail=False, mobile=False, result="结婚证",
          steps=(S("受理", "婚姻登记员", "即办", on_site=True), S("审查", "婚姻登记员", "即办", on_site=True),
                 S("登记", "婚姻登记员", "即办", on_site=True), S("颁证", "颁证员", "即办", on_site=True)),
          materials=(F("本人户口簿", "核发", "纸", "原", issuer="公安机关"),
                     F("本人居民身份证", "核发", "纸", "原", issuer="公安机关"),
                     F("本人无配偶以及与对方当事人没有直系血亲和三代以内旁系血亲关系的签字声明"),
                     F("近期半身免冠合影照片", copies=3))),
        M("社会团体成立登记", d, "行政许可", 117030, "60日", "20个工作日", depth=3, visits=1,
          reason="需核验原件", result="社会团体法人登记证书", steps=licence_flow(
              "10个工作日", "5个工作日", "2个工作日"),
          materials=(F("社会团体成立登记申请书"), F("业务主管单位的批准文件", "核发", issuer="业务主管单位"),
                     F("验资报告", "其他", issuer="会计师事务所"), F("章程草案"),
                     F("其他需要提交的材料", need="非必要"))),
        M("最低生活保障审核确认", d, "行政给付", 400020, "30个工作日", "15个工作日", depth=3, visits=1,
          reason="需入户调查", special="入户调查、公示（不计入时限）", mail=False, result="最低生活保障证",
          steps=(S("受理", "乡镇（街道）经办人员", "即办", department="乡镇人民政府（街道办事处）"),
                 S("入户调查", "调查人员", "5个工作日", department="乡镇人民政府（街道办事处）", on_site=True),
                 S("审核", "民政科员", "5个工作日"), S("审批", "分管局长", "5个工作日")),
          materials=(F("最低生活保障申请书"), F("家庭成员身份证明", kind="复"),
                     F("家庭收入、财产状况授权核查书"))),
    ]


def _transport() -> list[Matter]:
    d = "交通运输局"
    road_code = implementation_code("行政许可", d, 117040)
    return [
        M("道路运输经营许可（道路普通货物运输）", d, "行政许可", 117040, "20日", "5个工作日", depth=4, visits=0,
          result="道路运输经营许可证", steps=licence_flow("2个工作日", "2个工作日", "1个工作日"),
          materials=(F("道路货物运输经营申请表", form="电"),
                     F("营业执照复印件", "核发", "电", "复", issuer="市场监督管理局"),
                     F("负责人身份证明", form="电", kind="复"),
                     F("机动车辆行驶证", "核发", "电", "复", issuer="公安机关"),
                     F("驾驶人员从业资格证", "核发", "电", "复", issuer="交通运输局"),
                     F("安全生产管理制度文本", form="电"))),
        # planted: same 实施编码 as the road-freight licence (copy-paste in the list)
        M("出租汽车驾驶员从业资格证核发", d, "行政许可", 117045, "10个工作日", "5个工作日", depth=3, visits=1,
          reason="需现场考试", code=road_code, result="出租汽车驾驶员从业资格证",
          steps=(S("受理", "窗口工作人员", "即办"), S("考试", "考试员", "3个工作日", on_site=True),
                 S("审核", "科员", "1个工作日"), S("决定", "科长", "1个工作日"), S("发证", "窗口工作人员", "即办")),
          materials=(F("出租汽车驾驶员从业资格证申请表"), F("机动车驾驶证", "核发", "纸", "复", issuer="公安机关"),
                     F("无交通肇事犯罪、危险驾驶犯罪记录证明", "核发", issuer="公安机关"))),
        # planted: 0 visits, not online (depth I) and no mail
        M("道路运输证配发", d, "公共服务", 200040, "无", "即办", handling="即办件", depth=1, visits=0,
          mail=False, mobile=False, result="道路运输证", steps=counter_flow(reason_on_site=False),
          materials=(F("机动车行驶证", "核发", "纸", "复", issuer="公安机关"),
                     F("车辆技术等级评定表", "其他", issuer="机动车检测机构"))),
    ]


def _others() -> list[Matter]:
    return [
        # planted: no fee but online payment flagged
        M("户外广告设施设置审批", "综合行政执法局", "行政许可", 117050, "20个工作日", "5个工作日", depth=3,
          visits=0, fee=False, online_payment=True, result="户外广告设施设置许可决定书",
          steps=licence_flow("2个工作日", "2个工作日", "1个工作日"),
          materials=(F("户外广告设施设置申请表"), F("设置位置实景效果图"), F("设施设计图及安全承诺书"),
                     F("场地使用证明", kind="复"))),
        M("公众聚集场所投入使用、营业前消防安全检查", "消防救援支队", "行政许可", 117060, "10个工作日",
          "即办", handling="即办件", depth=4, visits=0, special="告知承诺后抽查",
          result="公众聚集场所投入使用、营业前消防安全检查合格证", steps=(
              S("受理", "窗口工作人员", "即办"), S("审查", "消防监督员", "即办"), S("决定", "支队领导", "即办")),
          materials=(F("公众聚集场所投入使用、营业消防安全告知承诺书", form="电"),
                     F("营业执照", "核发", "电", "复", issuer="市场监督管理局"),
                     F("消防技术服务机构出具的消防安全评估报告", "其他", "电", issuer="消防技术服务机构",
                       need="非必要"))),
        M("城乡居民基本医疗保险参保登记", "医疗保障局", "公共服务", 200050, "无", "即办", handling="即办件",
          depth=4, visits=0, result="参保登记信息", steps=(S("申请", "申请人", "即办"), S("办结", "经办人员", "即办")),
          materials=(F("居民身份证或户口簿", "核发", "电", issuer="公安机关"),)),
        M("生育医疗费用报销", "医疗保障局", "行政给付", 400030, "3个月", "10个工作日", depth=4, visits=0,
          result="生育医疗费用报销", steps=(S("申请", "申请人", "即办"), S("审核", "经办人员", "5个工作日"),
                                              S("复核", "科长", "3个工作日"), S("支付", "财务人员", "2个工作日")),
          materials=(F("医疗费用票据", "其他", "纸", "原", issuer="医疗机构"),
                     F("出生医学证明", "核发", "电", "复", issuer="助产机构"),
                     F("其他相关材料", need="非必要"))),
    ]


#: matter name -> the defect planted in it (checked by tests/io/test_samples.py)
PLANTED_DEFECTS: dict[str, str] = {
    "乡村建设规划许可": "承诺时限 30 个工作日大于法定时限 20 个工作日",
    "社会保障卡申领": "承诺即办，但办件类型为承诺件",
    "特种设备使用登记": "到现场 1 次，未说明必须现场办理的原因",
    "无犯罪记录证明开具": "网上办理深度 IV 级（全程网办），但到现场 1 次且无原因",
    "失业保险金申领": "兜底材料“其他相关材料”",
    "社会团体成立登记": "兜底材料“其他需要提交的材料”",
    "生育医疗费用报销": "兜底材料“其他相关材料”",
    "建设工程施工许可证核发": "环节时限关键路径 4 个工作日（合计 6）超过承诺时限 3 个工作日",
    "公共场所卫生许可": "环节时限合计 15 个工作日超过承诺时限 5 个工作日；要求营业执照复印件",
    "人力资源服务许可": "行政许可缺少“决定”环节；要求营业执照复印件",
    "食品经营许可": "要求营业执照复印件（政府部门核发，可通过数据共享免提交）",
    "道路运输经营许可（道路普通货物运输）": "要求营业执照复印件（可数据共享）",
    "城镇污水排入排水管网许可": "要求营业执照复印件（可数据共享）",
    "医疗机构执业登记": "重复材料“医疗机构规章制度”",
    "医师执业注册": "近似重复材料“申请人身份证复印件”与“居民身份证复印件”",
    "出租汽车驾驶员从业资格证核发": "实施编码与“道路运输经营许可（道路普通货物运输）”重复",
    "道路运输证配发": "到现场 0 次、非网办且不支持物流快递（无法办理）",
    "户外广告设施设置审批": "不收费却标注支持网上支付",
    "居住证申领": "申请材料未填写设定依据",
}


#: matter name -> the legal basis (依据) its service guide gives for the materials
BASIS: dict[str, str] = {
    "食品经营许可": "《食品经营许可和备案管理办法》第十三条",
    "个体工商户设立登记": "《市场主体登记管理条例》第十六条",
    "企业设立登记": "《市场主体登记管理条例》第十六条",
    "特种设备使用登记": "《特种设备使用管理规则》（TSG 08）第3.3条",
    "食品生产许可": "《食品生产许可管理办法》第十三条",
    "公共场所卫生许可": "《公共场所卫生管理条例实施细则》第二十二条",
    "医师执业注册": "《医师执业注册管理办法》第十条",
    "护士执业注册": "《护士执业注册管理办法》第八条",
    "医疗机构执业登记": "《医疗机构管理条例实施细则》第二十五条",
    "出生医学证明办理": "《关于进一步加强出生医学证明管理的通知》",
    "预防接种证办理": "《预防接种工作规范》",
    "建设工程施工许可证核发": "《建筑工程施工许可管理办法》第四条",
    "商品房预售许可": "《城市商品房预售管理办法》第七条",
    "建筑业企业资质核准": "《建筑业企业资质管理规定》第十三条",
    "房屋建筑和市政基础设施工程竣工验收备案": "《房屋建筑和市政基础设施工程竣工验收备案管理办法》第五条",
    "城镇污水排入排水管网许可": "《城镇污水排入排水管网许可管理办法》第八条",
    "居民身份证换领": "《中华人民共和国居民身份证法》第八条",
    "出生登记（户口登记）": "《中华人民共和国户口登记条例》第七条",
    "无犯罪记录证明开具": "《关于建立完善无犯罪记录证明出具工作机制的意见》",
    "社会保障卡申领": "《社会保障卡管理办法》",
    "失业保险金申领": "《失业保险金申领发放办法》第六条",
    "就业登记": "《就业服务与就业管理规定》第六十二条",
    "人力资源服务许可": "《人力资源市场暂行条例》第十八条",
    "职工基本养老保险退休待遇申领": "《中华人民共和国社会保险法》第十六条",
    "建设工程规划许可": "《中华人民共和国城乡规划法》第四十条",
    "建设用地规划许可": "《中华人民共和国城乡规划法》第三十八条",
    "乡村建设规划许可": "《中华人民共和国城乡规划法》第四十一条",
    "不动产转移登记": "《不动产登记暂行条例实施细则》第三十八条",
    "结婚登记": "《婚姻登记条例》第五条",
    "社会团体成立登记": "《社会团体登记管理条例》第十一条",
    "最低生活保障审核确认": "《最低生活保障审核确认办法》第八条",
    "道路运输经营许可（道路普通货物运输）": "《道路货物运输及站场管理规定》第九条",
    "出租汽车驾驶员从业资格证核发": "《出租汽车驾驶员从业资格管理规定》第十四条",
    "道路运输证配发": "《道路运输车辆技术管理规定》",
    "户外广告设施设置审批": "《城市市容和环境卫生管理条例》第十一条",
    "公众聚集场所投入使用、营业前消防安全检查": "《中华人民共和国消防法》第十五条",
    "城乡居民基本医疗保险参保登记": "《中华人民共和国社会保险法》第二十五条",
    "生育医疗费用报销": "《中华人民共和国社会保险法》第五十四条",
    # 居住证申领: planted, its materials have no basis
}


#: matter name -> its 设定依据: the law or regulation that sets the matter (matter level, GB/T 39046)
MATTER_BASIS: dict[str, str] = {
    "食品经营许可": "《中华人民共和国食品安全法》第三十五条",
    "个体工商户设立登记": "《促进个体工商户发展条例》第八条",
    "企业设立登记": "《中华人民共和国公司法》第二十九条",
    "特种设备使用登记": "《中华人民共和国特种设备安全法》第三十三条",
    "食品生产许可": "《中华人民共和国食品安全法》第三十五条",
    "公共场所卫生许可": "《公共场所卫生管理条例》第八条",
    "医师执业注册": "《中华人民共和国医师法》第十三条",
    "护士执业注册": "《护士条例》第七条",
    "医疗机构执业登记": "《医疗机构管理条例》第十五条",
    "建设工程施工许可证核发": "《中华人民共和国建筑法》第七条",
    "商品房预售许可": "《中华人民共和国城市房地产管理法》第四十五条",
    "建筑业企业资质核准": "《中华人民共和国建筑法》第十三条",
    "城镇污水排入排水管网许可": "《城镇排水与污水处理条例》第二十一条",
    "居民身份证换领": "《中华人民共和国居民身份证法》第十一条",
    "出生登记（户口登记）": "《中华人民共和国户口登记条例》第七条",
    "社会保障卡申领": "《中华人民共和国社会保险法》第五十八条",
    "人力资源服务许可": "《人力资源市场暂行条例》第十八条",
    "建设工程规划许可": "《中华人民共和国城乡规划法》第四十条",
    "建设用地规划许可": "《中华人民共和国城乡规划法》第三十八条",
    "乡村建设规划许可": "《中华人民共和国城乡规划法》第四十一条",
    "不动产转移登记": "《不动产登记暂行条例》第三条",
    "结婚登记": "《中华人民共和国民法典》第一千零四十九条；《婚姻登记条例》第四条",
    "社会团体成立登记": "《社会团体登记管理条例》第三条",
    "道路运输经营许可（道路普通货物运输）": "《中华人民共和国道路运输条例》第二十四条",
    "出租汽车驾驶员从业资格证核发": "《出租汽车驾驶员从业资格管理规定》第十四条",
    "户外广告设施设置审批": "《城市市容和环境卫生管理条例》第十一条",
    "公众聚集场所投入使用、营业前消防安全检查": "《中华人民共和国消防法》第十五条",
}


def build_catalogue() -> Catalogue:
    """The sample catalogue, departments in the order a province list usually has them."""
    matters = [*_market(), *_health(), *_construction(), *_police(), *_hrss(), *_land(), *_civil(),
               *_transport(), *_others()]
    for matter in matters:
        matter.legal_basis = MATTER_BASIS.get(matter.name, "")
        for material in matter.materials:
            if not material.basis and not material.name.startswith("其他"):
                material.basis = BASIS.get(matter.name, "")
    return Catalogue(matters=matters, source="samples/catalogue_data.py")
