"""Write bpr's matter-sheet template: sheets 事项, 环节, 材料 and 填写说明, blank or filled.

Headers come from `bpr.i18n.VOCAB` (the same words the reader's synonym table knows), coded
fields get drop-down lists, the header row is styled and frozen. Filled from a `Catalogue`, the
file reads back (`read_catalogue`) to the same matters, steps and materials; a time limit is
written as its raw text when that text reads back to the same value and unit, else in canonical
form ("20个自然日"). Text that a spreadsheet would run as a formula is escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from bpr.i18n import t
from bpr.io import cells
from bpr.io.safety import atomic_path, escape_cell
from bpr.model.catalogue import Catalogue
from bpr.model.material import Material
from bpr.model.matter import Matter
from bpr.model.step import Step

SHEET_MATTERS, SHEET_STEPS, SHEET_MATERIALS = "事项", "环节", "材料"
VALIDATION_ROWS = 5000  # drop-downs cover at least this many data rows

MATTER_TYPES = ["行政许可", "行政处罚", "行政强制", "行政征收", "行政给付", "行政检查", "行政确认", "行政奖励",
                "行政裁决", "其他行政权力", "公共服务"]
LEVELS = ["国家级", "省级", "市级", "县级", "乡级", "村级"]
DEPTHS = ["Ⅰ级", "Ⅱ级", "Ⅲ级", "Ⅳ级", "不可网办"]
YES_NO = [t("yes"), t("no")]


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else t("yes" if value else "no")


def _depth(value: int | None) -> str | None:
    if value is None:
        return None
    return DEPTHS[value - 1] if 1 <= value <= 4 else DEPTHS[4]


def _code(prefix: str) -> Callable[[object], str | None]:
    return lambda value: None if value is None else t(f"{prefix}_{value}")


# (VOCAB key, width, value getter, drop-down list or None, help text)
Spec = tuple[str, int, Callable, list[str] | None, str]

MATTER_COLUMNS: list[Spec] = [
    ("matter_name", 30, lambda m: m.name, None, "必填。事项（或业务办理项）名称"),
    ("matter_code", 24, lambda m: m.code, None, "实施编码；环节、材料两表用它（或事项名称）对应到事项"),
    ("basic_code", 16, lambda m: m.basic_code, None, "基本编码"),
    ("matter_type", 12, lambda m: m.matter_type, MATTER_TYPES, "行政许可、行政确认、公共服务等"),
    ("department", 20, lambda m: m.department, None, "实施主体（部门）"),
    ("level", 10, lambda m: m.level, LEVELS, "行使层级"),
    ("legal_limit", 14, lambda m: cells.limit_text(m.legal_limit), None,
     "如 20个工作日、20（默认工作日）、30天、3个月、1年、即办、无"),
    ("promised_limit", 14, lambda m: cells.limit_text(m.promised_limit), None, "写法同法定办结时限"),
    ("handling_type", 10, lambda m: _code("handling")(m.handling_type), [t("handling_1"), t("handling_2")],
     "即办件或承诺件"),
    ("channels", 22, lambda m: cells.channels_text(m.channels) or None, None,
     "窗口办理、网上办理、移动端、快递申请，多个用顿号分隔"),
    ("online", 8, lambda m: _yes_no(m.online), YES_NO, "是/否"),
    ("online_depth", 12, lambda m: _depth(m.online_depth), DEPTHS, "Ⅰ级至Ⅳ级，Ⅳ级即全程网办"),
    ("mobile", 8, lambda m: _yes_no(m.mobile), YES_NO, "是/否"),
    ("visits", 10, lambda m: m.visits, None, "0、1、2 …（最多跑一次填 1，零跑动填 0）"),
    ("visit_reason", 24, lambda m: m.visit_reason, None, "到现场次数大于 0 时必填"),
    ("mail", 8, lambda m: _yes_no(m.mail), YES_NO, "是/否"),
    ("fee", 8, lambda m: _yes_no(m.fee), YES_NO, "是/否"),
    ("online_payment", 8, lambda m: _yes_no(m.online_payment), YES_NO, "是/否"),
    ("co_departments", 18, lambda m: "、".join(m.co_departments), None, "多个部门用顿号分隔"),
    ("special_procedures", 18, lambda m: m.special_procedures, None, "听证、检验检测、专家评审等"),
    ("result_name", 18, lambda m: m.result_name, None, "办理结果（证照、批文）名称"),
    ("e_licence", 8, lambda m: _yes_no(m.e_licence), YES_NO, "办理结果是否为电子证照"),
    ("legal_basis", 30, lambda m: m.legal_basis, None, "设定依据：法律、行政法规、地方性法规或规章的名称及条款"),
]
STEP_COLUMNS: list[Spec] = [
    ("matter_code", 24, lambda m, s: m.code, None, "所属事项的实施编码（无编码时填事项名称）"),
    ("matter_name", 26, lambda m, s: m.name, None, "所属事项名称"),
    ("step_order", 8, lambda m, s: s.order, None, "1、2、3 …"),
    ("step_name", 16, lambda m, s: s.name, None, "必填。受理、审查、决定、送达等"),
    ("step_department", 18, lambda m, s: s.department, None, "办理部门"),
    ("step_role", 14, lambda m, s: s.role, None, "办理人或岗位"),
    ("step_limit", 12, lambda m, s: cells.limit_text(s.limit), None, "写法同法定办结时限"),
    ("step_on_site", 10, lambda m, s: _yes_no(s.on_site), YES_NO, "申请人是否须到场"),
    ("step_after", 16, lambda m, s: None if s.after is None else ("、".join(s.after) or t("none")), None,
     "依赖的环节名称，多个用顿号分隔；空白表示上一环节；填“无”表示可最先开始"),
]
MATERIAL_COLUMNS: list[Spec] = [
    ("matter_code", 24, lambda m, x: m.code, None, "所属事项的实施编码（无编码时填事项名称）"),
    ("matter_name", 26, lambda m, x: m.name, None, "所属事项名称"),
    ("material_name", 30, lambda m, x: x.name, None, "必填"),
    ("material_source", 14, lambda m, x: _code("source")(x.source),
     [t("source_10"), t("source_20"), t("source_99")], "申请人自备、政府部门核发、其他"),
    ("material_form", 12, lambda m, x: _code("form")(x.form),
     [t("form_paper"), t("form_electronic"), t("form_both")], "纸质、电子、纸质和电子"),
    ("material_kind", 14, lambda m, x: _code("kind")(x.kind),
     [t("kind_original"), t("kind_copy"), t("kind_both")], "原件、复印件、原件和复印件"),
    ("material_copies", 8, lambda m, x: x.copies, None, "份数"),
    ("material_necessity", 12, lambda m, x: _code("necessity")(x.necessity),
     [t("necessity_required"), t("necessity_optional"), t("necessity_deferrable")], "必要、非必要、容缺后补"),
    ("material_issuer", 18, lambda m, x: x.issuer, None, "出具机构"),
    ("material_basis", 18, lambda m, x: x.basis, None, "设定依据"),
    ("material_exempt", 10, lambda m, x: _yes_no(x.exempt), YES_NO, "已通过数据共享或电子证照免提交"),
    ("material_commitment", 10, lambda m, x: _yes_no(x.commitment), YES_NO, "以告知承诺替代"),
    ("material_note", 20, lambda m, x: x.note, None, "备注"),
]

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_REQUIRED_FILL = PatternFill("solid", fgColor="C00000")
_BORDER = Border(bottom=Side(style="thin", color="808080"))
_REQUIRED = {"matter_name", "step_name", "material_name"}


def _sheet(wb: Workbook, title: str, columns: list[Spec], rows: list[list], first: bool = False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append([t(key) for key, *_ in columns])
    for j, (key, width, _, options, note) in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=j)
        cell.font = _HEADER_FONT
        cell.fill = _REQUIRED_FILL if key in _REQUIRED else _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
        ws.column_dimensions[get_column_letter(j)].width = width
        if options:
            last = max(VALIDATION_ROWS, len(rows) + 1000)
            dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True,
                                showDropDown=False, showErrorMessage=True, errorStyle="warning",
                                errorTitle=t(key), error="请从下拉列表中选择：" + "、".join(options),
                                promptTitle=t(key), prompt=note, showInputMessage=True)
            dv.add(f"{get_column_letter(j)}2:{get_column_letter(j)}{last}")
            ws.add_data_validation(dv)
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = "B2" if title == SHEET_MATTERS else "A2"
    for row in rows:
        ws.append([escape_cell(v) if v != "" else None for v in row])
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 1)}"
    return ws


def _instructions(wb: Workbook) -> None:
    ws = wb.create_sheet(t("sheet_instructions"))
    ws.append(["工作表", "字段", "填写说明", "可选值"])
    for cell in ws[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for sheet, columns in ((SHEET_MATTERS, MATTER_COLUMNS), (SHEET_STEPS, STEP_COLUMNS),
                           (SHEET_MATERIALS, MATERIAL_COLUMNS)):
        for key, _, _, options, note in columns:
            ws.append([sheet, t(key), note, "、".join(options) if options else None])
    ws.append([])
    for line in ("每个事项在“事项”表占一行；环节、材料各占一行，用实施编码（或事项名称）对应到事项。",
                 "时限不写单位时按工作日计；1个月按22个工作日、1年按250个工作日折算（可配置）。",
                 "以 = + - @ 开头的文字会按文本保存，不会被当作公式。"):
        ws.append([None, None, line])
    for letter, width in zip("ABCD", (10, 18, 60, 36), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"


def write_template(path: str | Path, catalogue: Catalogue | None = None) -> None:
    """Write the template to `path` (atomically), filled with `catalogue`'s matters if given."""
    matters: list[Matter] = list(catalogue) if catalogue is not None else []
    wb = Workbook()
    _sheet(wb, SHEET_MATTERS, MATTER_COLUMNS, [[get(m) for _, _, get, _, _ in MATTER_COLUMNS] for m in matters],
           first=True)
    step_rows = [[get(m, s) for _, _, get, _, _ in STEP_COLUMNS] for m in matters for s in _steps(m)]
    _sheet(wb, SHEET_STEPS, STEP_COLUMNS, step_rows)
    material_rows = [[get(m, x) for _, _, get, _, _ in MATERIAL_COLUMNS] for m in matters for x in _materials(m)]
    _sheet(wb, SHEET_MATERIALS, MATERIAL_COLUMNS, material_rows)
    _instructions(wb)
    with atomic_path(path) as tmp:
        wb.save(tmp)


def _steps(matter: Matter) -> list[Step]:
    return matter.steps


def _materials(matter: Matter) -> list[Material]:
    return matter.materials
