"""The matter-sheet reader on hand-built workbooks: messy province exports and bad files."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from bpr.errors import InputError
from bpr.io import file_kind, read_catalogue
from bpr.io.matter_sheet import looks_like_catalogue, merged_ranges
from bpr.model import (
    Channel,
    HandlingType,
    MaterialForm,
    MaterialKind,
    Necessity,
    SourceChannel,
    Unit,
)

EXPORT_HEADER = ["序号", "实施主体", "事项名称", "实施编码", "事项类型", "法定办结时限（工作日）", "承诺办理时限",
                 "办件类型", "办理形式", "网办深度", "到现场窗口次数", "是否支持物流快递", "申请材料", "办理流程",
                 "收费标准说明书"]
EXPORT_ROWS = [
    [1, "市场监督管理局", "食品经营许可（新办）", "MA001", "行政许可", 20, "10个工作日", "承诺件", "窗口办理、网上办理",
     "全程网办（Ⅳ级）", "0次", "是",
     "1、营业执照复印件1份；2、法定代表人身份证原件及复印件各1份（纸质）；3、食品安全管理制度（电子）",
     "受理→审查→决定→送达"],
    [2, None, "食品经营许可（变更）", "MA002", "行政许可", "20", "即办", "即办件", "1,2", "四级", "最多跑一次", "√",
     "1.变更申请书\n2.食品经营许可证正本", "受理-审查-决定"],
    [3, None, "食品经营许可（注销）", "MA003", "行政许可", "3个月", "1年", 1, "窗口办理", 4, "零跑动", "不支持",
     None, "1.受理 2.审核"],
    [4, "卫生健康委员会", "医疗机构执业登记", "WJ001", "行政许可", "无", "另行通知", "承诺件", "窗口办理", "Ⅲ级", "1",
     "×", "申请书；医疗机构执业许可证复印件", "受理\n审查\n决定"],
    [5, None, "护士执业注册", "WJ002", "行政许可", "20", "20", "2", "网上办理", "Ⅳ级", 0, "否", None, None],
]


def _export(path: Path, rows=EXPORT_ROWS, header=EXPORT_HEADER, extra=None, merges=("B4:B6", "B7:B8")) -> Path:
    """A province export: two title rows, merged department cells (B4:B6, B7:B8), a blank row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "实施清单"
    ws.append(["XX市政务服务事项实施清单（2024年版）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(["填报单位：XX市审改办", None, None, "导出时间：2024-05-01"])
    ws.append(header)
    for row in rows:
        ws.append(row)
    for ref in merges:
        ws.merge_cells(ref)
    ws.append([])
    if extra:
        extra(wb)
    wb.save(path)
    return path


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return _export(tmp_path / "province.xlsx")


def test_merged_ranges_read_from_xml(export: Path) -> None:
    assert sorted(merged_ranges(export, "xl/worksheets/sheet1.xml")) == [(1, 1, 15, 1), (2, 4, 2, 6), (2, 7, 2, 8)]


def test_title_rows_merged_departments_synonyms(export: Path) -> None:
    cat = read_catalogue(export)
    assert [m.name for m in cat] == ["食品经营许可（新办）", "食品经营许可（变更）", "食品经营许可（注销）",
                                     "医疗机构执业登记", "护士执业注册"]
    assert cat.departments() == {"市场监督管理局": 3, "卫生健康委员会": 2}
    assert [m.source_row for m in cat] == [4, 5, 6, 7, 8]
    assert [m.code for m in cat] == ["MA001", "MA002", "MA003", "WJ001", "WJ002"]
    assert cat.source == str(export)


def test_limits_visits_flags_depth(export: Path) -> None:
    new, change, cancel, clinic, nurse = read_catalogue(export)
    assert (new.legal_limit.value, new.legal_limit.unit) == (20, Unit.WORKING_DAY)
    assert (new.promised_limit.value, new.promised_limit.unit) == (10, Unit.WORKING_DAY)
    assert change.promised_limit.is_immediate and change.legal_limit.to_working_days() == 20
    assert cancel.legal_limit.to_working_days() == 66 and cancel.promised_limit.to_working_days() == 250
    assert clinic.legal_limit.is_unlimited
    assert [m.visits for m in (new, change, cancel, clinic, nurse)] == [0, 1, 0, 1, 0]
    assert [m.mail for m in (new, change, cancel, clinic, nurse)] == [True, True, False, False, False]
    assert [m.online_depth for m in (new, change, cancel, clinic, nurse)] == [4, 4, 4, 3, 4]
    assert [m.handling_type for m in (new, change, cancel)] == [HandlingType.PROMISED, HandlingType.IMMEDIATE,
                                                                HandlingType.IMMEDIATE]
    assert new.channels == {Channel.WINDOW, Channel.ONLINE} and change.channels == {Channel.WINDOW, Channel.ONLINE}
    assert new.matter_type == "行政许可"


def test_packed_material_and_step_cells(export: Path) -> None:
    new, change, cancel, clinic, nurse = read_catalogue(export)
    assert [(x.name, x.kind, x.copies, x.form) for x in new.materials] == [
        ("营业执照", MaterialKind.COPY, 1, None),
        ("法定代表人身份证", MaterialKind.BOTH, 1, MaterialForm.PAPER),
        ("食品安全管理制度", None, None, MaterialForm.ELECTRONIC)]
    assert [x.name for x in change.materials] == ["变更申请书", "食品经营许可证正本"]
    assert [x.name for x in clinic.materials] == ["申请书", "医疗机构执业许可证"]
    assert cancel.materials == [] and nurse.materials == []
    assert [s.name for s in new.steps] == ["受理", "审查", "决定", "送达"]
    assert [s.name for s in change.steps] == ["受理", "审查", "决定"]
    assert [(s.name, s.order) for s in cancel.steps] == [("受理", 1), ("审核", 2)]
    assert [s.name for s in clinic.steps] == ["受理", "审查", "决定"]
    # materials parsed once from a cached cell are still separate objects per matter
    assert new.materials[0] is not read_catalogue(export).matters[0].materials[0]


def test_unparseable_cell_is_a_warning_with_its_reference(export: Path) -> None:
    cat = read_catalogue(export)
    bad = [w for w in cat.warnings if w.code == "unparseable_cell"]
    assert len(bad) == 1
    w = bad[0]
    assert (w.sheet, w.cell, w.row, w.value, w.column) == ("实施清单", "G7", 7, "另行通知", "承诺办理时限")
    assert "即办" in w.expected and w.file == str(export)
    clinic = cat.matters[3]
    assert not clinic.promised_limit.is_known and clinic.promised_limit.raw == "另行通知"


def test_unknown_header_warns_once(export: Path) -> None:
    unknown = [w for w in read_catalogue(export).warnings if w.code == "unknown_header"]
    assert [(w.cell, w.value) for w in unknown] == [("O3", "收费标准说明书")]


def test_every_bad_cell_kind(tmp_path: Path) -> None:
    header = ["事项名称", "网上办理深度", "到办事现场次数", "是否收费", "办件类型", "办理形式", "法定办结时限"]
    rows = [["甲", "很深", "若干", "也许", "特别件", "飞鸽传书", "待定"], ["乙", "Ⅳ级", "1", "否", "即办件", "窗口", "5"]]
    path = _export(tmp_path / "bad.xlsx", rows=rows, header=header, merges=())
    cat = read_catalogue(path)
    cells = sorted(w.cell for w in cat.warnings if w.code == "unparseable_cell")
    assert cells == ["B4", "C4", "D4", "E4", "F4", "G4"]
    first, second = cat
    assert (first.online_depth, first.visits, first.fee, first.handling_type, first.channels) == (None, None, None,
                                                                                                   None, set())
    assert (second.online_depth, second.visits, second.fee) == (4, 1, False)


def _materials_and_steps(wb: Workbook) -> None:
    ms = wb.create_sheet("申请材料")
    ms.append(["实施编码", "事项名称", "材料名称", "材料来源", "材料形式", "原件/复印件", "份数", "必要性"])
    ms.append(["MA001", None, "食品经营许可申请书", "申请人自备", "纸质和电子", "原件", "1份", "必要"])
    ms.append(["MA001", None, "营业执照", "20", "电子", "复印件", 1, "容缺后补"])
    ms.append([None, "医疗机构执业登记", "设置医疗机构批准书", "政府部门核发", "纸质", "原件", 2, "非必要"])
    ms.append(["ZZ999", None, "孤儿材料", "10", "纸质", "原件", 1, "必要"])
    ms.append(["MA002", None, "变更申请书", "火星", "纸质", "原件", 1, "必要"])
    ss = wb.create_sheet("环节")
    ss.append(["事项编码", "环节名称", "顺序", "办理部门", "岗位", "时限", "是否需要申请人到场", "前置环节"])
    ss.append(["MA001", "审查", 2, "市场监管局", "审核员", "5个工作日", "否", None])
    ss.append(["MA001", "受理", 1, "政务服务中心", "窗口", "即办", "是", "无"])
    ss.append(["MA001", "现场核查", 3, "市场监管局", "核查员", "5", "是", "受理"])
    ss.append(["MA001", "决定", 4, "市场监管局", "科长", "2个工作日", "否", "审查、现场核查"])


def test_materials_and_steps_sheets(tmp_path: Path) -> None:
    path = _export(tmp_path / "sheets.xlsx", extra=_materials_and_steps)
    cat = read_catalogue(path)
    new, change, _, clinic, _ = cat
    assert [(x.name, x.source, x.form, x.kind, x.copies, x.necessity) for x in new.materials] == [
        ("食品经营许可申请书", SourceChannel.APPLICANT, MaterialForm.BOTH, MaterialKind.ORIGINAL, 1, Necessity.REQUIRED),
        ("营业执照", SourceChannel.GOVERNMENT, MaterialForm.ELECTRONIC, MaterialKind.COPY, 1, Necessity.DEFERRABLE)]
    assert [x.name for x in clinic.materials] == ["设置医疗机构批准书"]  # keyed by name; the sheet wins
    assert change.materials[0].name == "变更申请书" and change.materials[0].source is None
    assert [(s.order, s.name, s.department, s.role, s.on_site) for s in new.steps] == [
        (1, "受理", "政务服务中心", "窗口", True), (2, "审查", "市场监管局", "审核员", False),
        (3, "现场核查", "市场监管局", "核查员", True), (4, "决定", "市场监管局", "科长", False)]
    assert [s.after for s in new.steps] == [[], None, ["受理"], ["审查", "现场核查"]]
    assert [s.limit.to_working_days() for s in new.steps] == [0, 5, 5, 2]
    codes = {(w.code, w.sheet, w.cell) for w in cat.warnings}
    assert ("unknown_matter", "申请材料", "A5") in codes
    assert ("unparseable_cell", "申请材料", "D6") in codes



def test_predecessors_given_as_step_numbers(tmp_path: Path) -> None:
    """Exports often write 前置环节 as the 环节顺序 of the steps before ('1', '2、3', '第2步', a number
    cell): read as those steps' names, so the step graph, the audit and the proposals follow them.
    A step named like a number keeps its name; a number no step has is left for the graph to report."""
    def steps(wb: Workbook) -> None:
        ss = wb.create_sheet("环节")
        ss.append(["实施编码", "环节名称", "环节顺序", "环节时限", "前置环节"])
        for row in (["MA001", "受理", 1, "1个工作日", None], ["MA001", "现场核查", 2, "8个工作日", 1],
                    ["MA001", "审查", 3, "3个工作日", "１"], ["MA001", "决定", 4, "3个工作日", "第2步、3"],
                    ["MA002", "受理", 1, "1", None], ["MA002", "7", 2, "1", "1"], ["MA002", "决定", 3, "1", "7、9"]):
            ss.append(row)

    cat = read_catalogue(_export(tmp_path / "numbered.xlsx", extra=steps))
    first, second = cat.find("MA001"), cat.find("MA002")
    assert [s.after for s in first.steps] == [None, ["受理"], ["受理"], ["现场核查", "审查"]]
    assert [s.after for s in second.steps] == [None, ["受理"], ["7", "9"]]

    from bpr.plan.stepgraph import matter_critical_path

    assert matter_critical_path(first).days == 1 + 8 + 3  # 受理 → 现场核查 → 决定, 审查 beside it


def test_duplicate_codes_name_both_rows(tmp_path: Path) -> None:
    rows = [["市场监督管理局", "甲事项", "X1"], [None, "乙事项", "X2"], [None, "丙事项", "X1"]]
    path = _export(tmp_path / "dup.xlsx", rows=[[i, *r] for i, r in enumerate(rows)],
                   header=["序号", "实施主体", "事项名称", "实施编码"])
    cat = read_catalogue(path)
    dup = [w for w in cat.warnings if w.code == "duplicate_code"]
    assert len(dup) == 1 and "row 4" in dup[0].message and "row 6" in dup[0].message
    assert len(cat) == 3


def test_no_name_column_lists_headers(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.append(["编号", "部门", "时限"])
    wb.active.append(["1", "民政局", "5"])
    wb.save(tmp_path / "noname.xlsx")
    with pytest.raises(InputError) as err:
        read_catalogue(tmp_path / "noname.xlsx")
    text = str(err.value)
    assert "noname.xlsx" in text and "编号, 部门, 时限" in text and "事项名称" in text and "sheet Sheet" in text


def test_application_records_given_as_a_catalogue_say_so(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.append(["办件编号", "事项名称", "环节名称", "环节结束时间"])  # has 事项名称, but is a log
    wb.active.append(["SP001", "食品经营许可", "受理", "2024-03-05 09:31"])
    wb.save(tmp_path / "办件.xlsx")
    with pytest.raises(InputError) as err:
        read_catalogue(tmp_path / "办件.xlsx")
    assert err.value.key == "err_catalogue_is_a_log"
    assert str(err.value).endswith(". For application records use bpr discover or bpr simulate")
    assert err.value.text("zh").endswith("。分析办件记录请用 bpr discover 或 bpr simulate")


def test_truncated_xlsx(export: Path, tmp_path: Path) -> None:
    data = export.read_bytes()
    bad = tmp_path / "cut.xlsx"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="cut.xlsx"):
        read_catalogue(bad)


def test_text_file_named_xlsx(tmp_path: Path) -> None:
    bad = tmp_path / "fake.xlsx"
    bad.write_text("事项名称,实施编码\n食品经营许可,MA001\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a valid .xlsx"):
        read_catalogue(bad)


def make_zip_bomb(path: Path, megabytes: int = 520) -> Path:
    """An .xlsx whose sheet inflates to `megabytes` MiB of zeros (past the 512 MiB member limit);
    streamed through zlib level 1 (fast, ~230:1), never held in memory or written out inflated."""
    chunk = b"0" * (1 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for _ in range(megabytes):
                fh.write(chunk)
    return path


def test_zip_bomb(tmp_path: Path) -> None:
    bomb = make_zip_bomb(tmp_path / "bomb.xlsx")
    assert bomb.stat().st_size < 5 << 20
    with pytest.raises(InputError, match="zip bomb|decompress"):
        read_catalogue(bomb)


def test_file_kind_tells_catalogue_from_log(export: Path, tmp_path: Path) -> None:
    assert looks_like_catalogue(export) and file_kind(export) == "catalogue"
    wb = Workbook()
    wb.active.append(["办件编号", "事项名称", "环节名称", "环节结束时间"])
    wb.active.append(["B1", "食品经营许可", "受理", "2024-01-02 09:00"])
    wb.save(tmp_path / "log.xlsx")
    assert not looks_like_catalogue(tmp_path / "log.xlsx") and file_kind(tmp_path / "log.xlsx") == "log"


def test_named_sheet_and_unknown_sheet(tmp_path: Path) -> None:
    path = _export(tmp_path / "named.xlsx")
    assert len(read_catalogue(path, sheet="实施清单")) == 5
    with pytest.raises(InputError, match="no sheet named"):
        read_catalogue(path, sheet="不存在")


def test_unit_column_and_wrong_dimension(tmp_path: Path) -> None:
    header = ["事项名称", "法定办结时限", "法定时限单位", "承诺时限（自然日）"]
    path = _export(tmp_path / "units.xlsx", rows=[["甲", 2, "月", 30], ["乙", 10, "工作日", "即办"]], header=header,
                   merges=())
    first, second = read_catalogue(path)
    assert (first.legal_limit.value, first.legal_limit.unit) == (2, Unit.MONTH)
    assert (first.promised_limit.value, first.promised_limit.unit) == (30, Unit.NATURAL_DAY)
    assert second.legal_limit.unit == Unit.WORKING_DAY and second.promised_limit.is_immediate


def test_fast_rows_agree_with_openpyxl(tmp_path: Path) -> None:
    import datetime as dt

    import openpyxl

    from bpr.io.matter_sheet import fast_rows

    wb = Workbook()
    ws = wb.active
    ws.append(["事项名称", "日期", "数", "真假", None, "公式"])
    ws.append(["甲", dt.datetime(2024, 3, 5, 9, 30), 20, True, None, "=1+1"])
    ws.append([])
    ws.append([None, None, 2.5, False])
    ws.cell(row=7, column=8, value="远处")
    path = tmp_path / "types.xlsx"
    wb.save(path)
    ro = openpyxl.load_workbook(path, read_only=True, data_only=True)  # as the reader opens it
    sheet = ro.active
    sheet.reset_dimensions()
    expected = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    got = list(fast_rows(path, sheet._worksheet_path, sheet._shared_strings, ro._date_formats, ro.epoch))
    assert got == expected
    assert got[1][1] == dt.datetime(2024, 3, 5, 9, 30) and got[6][7] == "远处"


def test_wrong_dimension_element(tmp_path: Path) -> None:
    """Some exporters declare <dimension ref="A1"/> for a full sheet; the reader does not trust it."""
    path = _export(tmp_path / "dim.xlsx", merges=())
    patched = tmp_path / "dim_a1.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1"', data)
            dst.writestr(info, data)
    cat = read_catalogue(patched)
    assert len(cat) == 5 and cat.matters[0].visits == 0 and cat.matters[0].promised_limit.value == 10


def test_entity_bomb_in_sheet_xml(tmp_path: Path) -> None:
    """A billion-laughs DOCTYPE in a sheet: never expanded; the file is refused as unreadable."""
    path = _export(tmp_path / "src.xlsx", merges=())
    entities = "".join(f'<!ENTITY {b} "{("&" + a + ";") * 10}">' for a, b in zip("abcdefg", "bcdefgh", strict=True))
    doctype = f'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">{entities}]>'.encode()
    bomb = tmp_path / "laughs.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"^<\?xml[^>]*\?>", doctype, data)
                data = data.replace(b"<sheetData>", b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&h;</t>'
                                    b"</is></c></row>", 1)
            dst.writestr(info, data)
    with pytest.raises(InputError, match="laughs.xlsx"):
        read_catalogue(bomb)


def test_two_level_header(tmp_path: Path) -> None:
    """事项名称 merged over two header rows; 办结时限 a group header over 法定 / 承诺 (时限 in 工作日)."""
    wb = Workbook()
    ws = wb.active
    ws.append(["某区政务服务事项清单"])
    ws.append(["事项名称", "办结时限（工作日）", None, "到现场次数"])
    ws.append([None, "法定", "承诺", None])
    ws.append(["甲事项", 20, 5, "0次"])
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:C2")
    ws.merge_cells("D2:D3")
    path = tmp_path / "two_level.xlsx"
    wb.save(path)
    cat = read_catalogue(path)
    (m,) = cat
    assert (m.name, m.legal_limit.value, m.promised_limit.value, m.visits) == ("甲事项", 20, 5, 0)
    assert m.legal_limit.unit == Unit.WORKING_DAY and cat.warnings == []


def test_service_guides_written_one_field_a_row(tmp_path: Path) -> None:
    """办事指南 written one field a row ("事项名称 | 食品经营许可"), one matter a sheet, a title row
    above: each sheet is one matter, the value the first filled cell right of its label, packed
    materials and steps read as in a list, and a bad value warned at its own cell. Two columns
    of matter rows (one named like a field) are still a matter sheet."""
    wb = Workbook()
    guides = {"食品经营许可": [["事项名称", "食品经营许可"], ["实施编码", "MA001"], ["实施主体", None, "XX市市场监督管理局"],
                             ["法定办结时限", "20个工作日"], ["承诺办结时限", "很快"], ["到办事现场次数", 1],
                             ["申请材料", "1、申请书；2、营业执照复印件1份"], ["办理流程", "受理→审查→决定→送达"]],
              "卫生许可": [["事项名称", "公共场所卫生许可"], ["实施编码", "WS001"], ["承诺办结时限", "10个工作日"]]}
    for i, (title, rows) in enumerate(guides.items()):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = title
        ws.append([f"{title}办事指南"])
        for row in rows:
            ws.append(row)
    wb.save(tmp_path / "guide.xlsx")
    cat = read_catalogue(tmp_path / "guide.xlsx")
    assert [(m.name, m.code, m.promised_limit.to_working_days(), m.visits, m.source_row) for m in cat] == [
        ("食品经营许可", "MA001", None, 1, 2), ("公共场所卫生许可", "WS001", 10, None, 2)]
    food = cat.find("MA001")
    assert food.department == "XX市市场监督管理局" and food.legal_limit.to_working_days() == 20
    assert [x.name for x in food.materials] == ["申请书", "营业执照"]
    assert [s.name for s in food.steps] == ["受理", "审查", "决定", "送达"]
    assert [(w.code, w.sheet, w.cell, w.value) for w in cat.warnings] == [("unparseable_cell", "食品经营许可", "B6", "很快")]
    small = Workbook()
    for row in (["事项名称", "实施编码"], ["食品经营许可", "A1"], ["公共场所卫生许可", "A2"], ["法定办结时限", "A3"]):
        small.active.append(row)
    small.save(tmp_path / "small.xlsx")
    assert [m.name for m in read_catalogue(tmp_path / "small.xlsx")] == ["食品经营许可", "公共场所卫生许可", "法定办结时限"]


@pytest.mark.parametrize("encoding, sep", [("gb18030", ","), ("utf-8-sig", ";"), ("utf-8", "\t")])
def test_a_matter_sheet_saved_as_csv(tmp_path: Path, encoding: str, sep: str, capsys) -> None:
    """Excel's 另存为 CSV on a Chinese Windows (GBK), or UTF-8 with a BOM and semicolons, or tabs: the
    same reader as for .xlsx (title row above the header, packed materials, a bad cell warned with
    its column letter and row); `file_kind` calls it a catalogue, and the log commands point to
    bpr audit."""
    from bpr.cli import main
    from bpr.io import file_kind

    rows = [["XX市政务服务事项实施清单"], ["事项名称", "实施编码", "法定办结时限", "承诺办结时限", "到办事现场次数", "申请材料"],
            ["食品经营许可", "A1", "20个工作日", "10个工作日", "1", "1、申请书；2、营业执照复印件1份"],
            ["公共场所卫生许可", "A2", "20个工作日", "很快", "0", "申请书"]]
    path = tmp_path / "清单.csv"
    path.write_bytes("\r\n".join(sep.join(r) for r in rows).encode(encoding))
    cat = read_catalogue(path)
    assert [(m.name, m.code, m.promised_limit.to_working_days(), m.visits) for m in cat] == [
        ("食品经营许可", "A1", 10, 1), ("公共场所卫生许可", "A2", None, 0)]
    assert [x.name for x in cat.find("A1").materials] == ["申请书", "营业执照"]
    bad = next(w for w in cat.warnings if w.code == "unparseable_cell")
    assert (bad.cell, bad.value) == ("D4", "很快")
    assert file_kind(path) == "catalogue"
    with pytest.raises(SystemExit) as exited:
        main(["discover", str(path), "-o", str(tmp_path / "out")])
    assert exited.value.code == 2 and "bpr audit" in capsys.readouterr().err


def test_a_csv_log_is_still_a_log(tmp_path: Path) -> None:
    from bpr.io import file_kind

    path = tmp_path / "log.csv"
    path.write_text("办件编号,环节名称,环节结束时间\nC1,受理,2024-01-02 09:00\n", encoding="utf-8")
    assert file_kind(path) == "log"


def test_an_old_xls_export_is_read_like_an_xlsx(tmp_path: Path) -> None:
    """tests/io/data/province_export.xls (BIFF8, written by xlwt 1.3.0, the .xls many provincial
    systems still export): a merged title row above the header, a department merged down two rows
    (its second cell empty in the file), numbers as numbers, a materials sheet keyed by 实施编码.
    A damaged compound file says it is an .xls that cannot be read, and how to fix it."""
    cat = read_catalogue(Path(__file__).parent / "data" / "province_export.xls")
    assert [(m.name, m.code, m.department, m.legal_limit.to_working_days(), m.visits) for m in cat] == [
        ("食品经营许可", "MA001", "市场监督管理局", 20, 1), ("食品经营许可变更", "MA002", "市场监督管理局", 10, 0),
        ("公共场所卫生许可", "WS001", "卫生健康委员会", 20, 2)]
    assert [(x.name, x.source) for x in cat.find("MA001").materials] == [
        ("营业执照", SourceChannel.GOVERNMENT), ("食品经营许可申请书", SourceChannel.APPLICANT)]
    assert cat.warnings == []
    broken = tmp_path / "broken.xls"
    broken.write_bytes((Path(__file__).parent / "data" / "province_export.xls").read_bytes()[:1500])
    with pytest.raises(InputError) as err:
        read_catalogue(broken)
    assert err.value.key == "err_xls_unreadable" and "另存为 .xlsx" in err.value.text("zh")


def test_a_csv_sheet_that_csv_cannot_parse_names_its_row(tmp_path: Path) -> None:
    """A cell past the csv module's field limit is one line naming the file and the row, not a
    traceback; `file_kind` leaves such a file to the log reader, which gives its own error."""
    from bpr.io import file_kind

    path = tmp_path / "long.csv"
    path.write_text("事项名称,实施编码\n" + "x" * 200_000 + ",A1\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_catalogue(path)
    assert err.value.key == "err_csv_unreadable" and err.value.row == 2 and "long.csv" in err.value.text("en")
    assert file_kind(path) == "log"
