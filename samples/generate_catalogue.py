"""Write the sample catalogue (samples/catalogue_data.py) in its three published forms.

    python samples/generate_catalogue.py [--out DIR] [--models DIR]

- samples/catalogue_template.xlsx: the tool's own template (`bpr.io.write_template`);
- samples/catalogue_province_export.xlsx: the layout a provincial platform exports: a title row
  and a subtitle row above the header, province header synonyms, department cells merged down the
  column, materials packed in one numbered-list cell, steps as "受理→审查→决定→送达", limits as
  text, yes/no written as 是/否, √/× or 支持/不支持, online depth as "全程网办（Ⅳ级）", "三级", "Ⅱ级";
- process_models/*.yaml: the specified process of every matter (see process_models/README.md).

Nothing here is random: the variety of spellings follows the row number, so the output is the
same on every run (the .xlsx zip headers carry write times, so compare cell contents, not bytes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from catalogue_data import CITY, build_catalogue  # noqa: E402

from bpr.io.safety import atomic_path, escape_cell, safe_filename  # noqa: E402
from bpr.model import (  # noqa: E402
    Catalogue,
    Material,
    MaterialForm,
    MaterialKind,
    Matter,
    TimeLimit,
    Unit,
)

FIXED_TIME = dt.datetime(2024, 3, 1, 9, 0, 0)  # workbook properties: keep runs identical

PROVINCE_HEADER = [
    "序号", "实施主体", "事项名称", "事项类型", "基本编码", "实施编码", "行使层级", "法定办结时限（工作日）",
    "承诺办理时限", "办件类型", "是否网办", "网上办理深度", "到现场窗口次数", "必须现场办理原因说明",
    "是否支持物流快递", "是否收费", "是否支持网上支付", "办理结果名称", "办理流程", "申请材料", "共同实施部门",
    "特别程序", "法律依据",
]
_ROMAN = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ"}
_CN = {1: "一", 2: "二", 3: "三", 4: "四"}


def depth_text(depth: int | None, row: int) -> str:
    """Online depth the way different counties typed it into the same list."""
    if depth is None:
        return ""
    if depth == 4:
        return ("全程网办（Ⅳ级）", "Ⅳ级", "四级")[row % 3]
    return (f"{_CN[depth]}级", f"{_ROMAN[depth]}级", str(depth))[row % 3]


def yes_no(value: bool | None, row: int, style: int = 0) -> str:
    if value is None:
        return ""
    pairs = (("是", "否"), ("√", "×"), ("支持", "不支持"))
    yes, no = pairs[(row + style) % 3]
    return yes if value else no


def visits_text(visits: int | None, row: int) -> str:
    if visits is None:
        return ""
    if visits == 1 and row % 4 == 0:
        return "最多跑一次"
    return f"{visits}次" if row % 2 else str(visits)


def legal_text(limit: TimeLimit) -> str:
    """The header says （工作日）, so working days are often a bare number."""
    if limit.unit is Unit.WORKING_DAY and limit.value is not None:
        return f"{limit.value:g}"
    return limit.raw


def material_line(i: int, material: Material) -> str:
    """'2、营业执照复印件1份（纸质）' as province lists write it: 原件/复印件 and 份数 after the name,
    the form in a bracket. Necessity is not stated (province cells rarely do)."""
    kind = {MaterialKind.ORIGINAL: "原件", MaterialKind.COPY: "复印件", MaterialKind.BOTH: "原件及复印件"}
    form = {MaterialForm.PAPER: "纸质", MaterialForm.ELECTRONIC: "电子", MaterialForm.BOTH: "纸质和电子"}
    text = f"{i}、{material.name}"
    if material.kind is not None and not material.name.endswith(("原件", "复印件")):
        text += kind[material.kind]
    if material.copies:
        text += f"{'各' if material.kind is MaterialKind.BOTH else ''}{material.copies}份"
    if material.form is not None:
        text += f"（{form[material.form]}）"
    return text


def province_row(no: int, m: Matter) -> list[object]:
    return [
        no, m.department, m.name, m.matter_type, m.basic_code, m.code, m.level, legal_text(m.legal_limit),
        m.promised_limit.raw, "即办件" if m.handling_type == "1" else "承诺件", yes_no(m.online, no),
        depth_text(m.online_depth, no), visits_text(m.visits, no), m.visit_reason, yes_no(m.mail, no, 1),
        yes_no(m.fee, no, 2), yes_no(m.online_payment, no), m.result_name,
        "→".join(f"{s.name}（{s.limit.raw}）" if s.limit.raw else s.name for s in m.steps),
        "；".join(material_line(i, mat) for i, mat in enumerate(m.materials, start=1)) + "。",
        "、".join(m.co_departments), m.special_procedures, m.legal_basis,
    ]


def write_province_export(catalogue: Catalogue, path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "实施清单"
    width = len(PROVINCE_HEADER)
    ws.append([f"{CITY}政务服务事项实施清单（2024年版）"])
    ws.append([f"填报单位：{CITY}政务服务管理办公室　　　　　　　　更新日期：2024年3月1日"])
    ws.append(PROVINCE_HEADER)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    thin = Side(style="thin")
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(thin, thin, thin, thin)
    first_row = 4
    runs: list[tuple[int, int]] = []  # department blocks to merge
    for no, matter in enumerate(catalogue, start=1):
        row = first_row + no - 1
        ws.append([escape_cell(v) for v in province_row(no, matter)])
        if runs and catalogue.matters[no - 2].department == matter.department:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
        for cell in ws[row]:
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            cell.border = Border(thin, thin, thin, thin)
    for start, end in runs:
        if end > start:
            ws.merge_cells(start_row=start, start_column=2, end_row=end, end_column=2)
    ws.append([])
    ws.append(["注：1. 法定办结时限未注明单位的为工作日；2. “最多跑一次”指申请材料齐全、符合法定形式的情况下到现场不超过一次。"])
    for col, w in zip(range(1, width + 1), (6, 16, 28, 10, 15, 34, 8, 12, 12, 8, 8, 14, 10, 22, 10, 8, 10,
                                              20, 36, 80, 16, 16, 30), strict=True):
        ws.column_dimensions[get_column_letter(col)].width = w
    ws.freeze_panes = "C4"
    _fix_properties(wb)
    with atomic_path(path) as tmp:
        wb.save(tmp)


def _fix_properties(wb: Workbook) -> None:
    wb.properties.creator = f"{CITY}政务服务管理办公室"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.lastModifiedBy = wb.properties.creator


# Process models ---------------------------------------------------------------------------------

_PLAIN = re.compile(r"^[\w\u3000-\u303f\u4e00-\u9fff\uff00-\uffef·]+$")


def _q(text: str) -> str:
    """A YAML scalar: plain when it cannot be misread, else a JSON (= YAML) quoted string."""
    if _PLAIN.match(text) and not re.fullmatch(r"[\d.]+|true|false|yes|no|on|off|null|~", text, re.I):
        return text
    return json.dumps(text, ensure_ascii=False)


def process_model_yaml(m: Matter) -> str:
    lines = [
        f"# {m.name}：规定办理流程（由 samples/generate_catalogue.py 根据 samples/catalogue_data.py 生成）",
        f"name: {_q(m.name)}",
        f"code: {_q(m.code)}",
        f"department: {_q(m.department)}",
    ]
    if m.legal_limit.raw:
        lines.append(f"legal_limit: {_q(m.legal_limit.raw)}")
    if m.promised_limit.raw:
        lines.append(f"promised_limit: {_q(m.promised_limit.raw)}")
    lines.append("steps:")
    for step in m.steps:
        lines.append(f"  - name: {_q(step.name)}")
        if step.department and step.department != m.department:
            lines.append(f"    department: {_q(step.department)}")
        if step.role:
            lines.append(f"    role: {_q(step.role)}")
        if step.limit.raw:
            lines.append(f"    limit: {_q(step.limit.raw)}")
        if step.on_site:
            lines.append("    on_site: true")
        if step.after is not None:
            lines.append(f"    after: [{', '.join(_q(a) for a in step.after)}]")
    return "\n".join(lines) + "\n"


def write_process_models(catalogue: Catalogue, folder: Path) -> list[Path]:
    from bpr.io.process_model import read_process_model

    written = []
    for matter in catalogue:
        if not matter.steps:
            continue
        path = folder / f"{safe_filename(matter.name)}.yaml"
        with atomic_path(path) as tmp:
            tmp.write_text(process_model_yaml(matter), encoding="utf-8")
        model = read_process_model(path)  # the file must read back to the same steps
        assert [s.name for s in model.steps] == [s.name for s in matter.steps], path
        written.append(path)
    return written


def write_template_copy(catalogue: Catalogue, path: Path) -> bool:
    """The tool's own template, when bpr.io.template is installed (False if not yet)."""
    try:
        import bpr.io.template  # noqa: F401
        from bpr.io import write_template
    except ImportError:
        return False
    write_template(path, catalogue)
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the two .xlsx files")
    parser.add_argument("--models", type=Path, default=HERE.parent / "process_models",
                        help="folder for the process-model YAML files")
    args = parser.parse_args(argv)
    catalogue = build_catalogue()
    write_province_export(catalogue, args.out / "catalogue_province_export.xlsx")
    if not write_template_copy(catalogue, args.out / "catalogue_template.xlsx"):
        print("bpr.io.template not available: catalogue_template.xlsx not written", file=sys.stderr)
    models = write_process_models(catalogue, args.models)
    print(f"{len(catalogue)} matters, {len(catalogue.departments())} departments, "
          f"{len(models)} process models")


if __name__ == "__main__":
    main()
