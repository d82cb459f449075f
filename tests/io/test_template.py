"""The template writer: layout, drop-downs, and read(write(c)) == c."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl

from bpr.io import read_catalogue, write_template
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
    Unit,
)


def _catalogue() -> Catalogue:
    food = Matter(
        name="食品经营许可（新办）", code="11440100MB2C9001", basic_code="000120001000", matter_type="行政许可",
        department="市场监督管理局", level="市级", legal_limit=TimeLimit.parse("20个工作日"),
        promised_limit=TimeLimit.parse(10), handling_type=HandlingType.PROMISED,
        channels={Channel.WINDOW, Channel.ONLINE, Channel.MAIL}, online=True, online_depth=4, mobile=True, visits=0,
        mail=True, fee=False, online_payment=False, co_departments=["卫生健康委员会", "消防救援支队"],
        special_procedures="现场核查", result_name="食品经营许可证", e_licence=True,
        steps=[Step("受理", 1, "政务服务中心", "窗口", TimeLimit.parse("即办"), True, []),
               Step("审查", 2, "市场监督管理局", "审核员", TimeLimit.parse("5个工作日")),
               Step("决定", 3, "市场监督管理局", "科长", TimeLimit.parse("2"), False, ["审查"])],
        materials=[Material("食品经营许可申请书", SourceChannel.APPLICANT, MaterialForm.BOTH, MaterialKind.ORIGINAL, 1,
                            Necessity.REQUIRED, "", "《食品经营许可管理办法》第十条"),
                   Material("营业执照", SourceChannel.GOVERNMENT, MaterialForm.ELECTRONIC, MaterialKind.COPY, None,
                            Necessity.DEFERRABLE, "市场监督管理局", exempt=True, note="电子证照共享"),
                   Material("=HYPERLINK(\"http://x\")", commitment=True)])
    odd = Matter(name="-危险名称", code="X-2", legal_limit=TimeLimit.parse("30", Unit.NATURAL_DAY),
                 promised_limit=TimeLimit.parse("另行通知"), online_depth=0, visits=2, visit_reason="核验原件",
                 handling_type=HandlingType.IMMEDIATE)
    bare = Matter(name="最简事项")
    months = Matter(name="采矿权审批", code="K3", legal_limit=TimeLimit.parse("3个月"),
                    promised_limit=TimeLimit.parse("1年"), department="自然资源局")
    return Catalogue(matters=[food, odd, bare, months])


def _comparable(matter: Matter) -> Matter:
    return dataclasses.replace(matter, source_row=None)


def test_round_trip(tmp_path: Path) -> None:
    original = _catalogue()
    path = tmp_path / "filled.xlsx"
    write_template(path, original)
    back = read_catalogue(path)
    assert len(back) == len(original) == 4
    for got, want in zip(back, original, strict=True):
        want = _comparable(want)
        if want.legal_limit.unit is Unit.NATURAL_DAY:  # '30' with a 自然日 header is written as '30个自然日'
            assert (got.legal_limit.value, got.legal_limit.unit) == (30, Unit.NATURAL_DAY)
            want = dataclasses.replace(want, legal_limit=got.legal_limit)
        assert _comparable(got) == want
    # the only warning: the unreadable promised limit, kept as it was
    assert [(w.code, w.value) for w in back.warnings] == [("unparseable_cell", "另行通知")]


def test_layout_and_dropdowns(tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    write_template(path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["事项", "环节", "材料", "填写说明"]
    matters = wb["事项"]
    header = [c.value for c in matters[1]]
    assert header[:2] == ["事项名称", "实施编码"] and "到办事现场次数" in header and "网上办理深度" in header
    assert matters.freeze_panes == "B2" and matters["A1"].font.bold
    assert matters.column_dimensions["A"].width >= 20

    def lists(ws) -> dict[str, str]:
        out = {}
        for dv in ws.data_validations.dataValidation:
            col = str(dv.sqref).split(":")[0].rstrip("0123456789")
            out[ws[f"{col}1"].value] = dv.formula1
        return out

    m = lists(matters)
    assert m["办件类型"] == '"即办件,承诺件"' and "行政许可" in m["事项类型"] and "Ⅳ级" in m["网上办理深度"]
    assert m["是否支持物流快递"] == '"是,否"'
    mat = lists(wb["材料"])
    assert mat["来源渠道"] == '"申请人自备,政府部门核发,其他"' and mat["材料形式"] == '"纸质,电子,纸质和电子"'
    assert mat["材料类型"] == '"原件,复印件,原件和复印件"' and mat["材料必要性"] == '"必要,非必要,容缺后补"'
    assert lists(wb["环节"])["申请人是否到场"] == '"是,否"'
    notes = [row[1] for row in wb["填写说明"].iter_rows(min_row=2, values_only=True)]
    assert "网上办理深度" in notes and "材料必要性" in notes


def test_formula_text_is_escaped(tmp_path: Path) -> None:
    path = tmp_path / "escaped.xlsx"
    write_template(path, _catalogue())
    wb = openpyxl.load_workbook(path)
    values = [c.value for row in wb["材料"].iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert "'=HYPERLINK(\"http://x\")" in values
    assert all(c.data_type != "f" for ws in wb for row in ws.iter_rows() for c in row)
    assert wb["事项"]["A3"].value == "'-危险名称"


def test_blank_template_reads_as_empty_catalogue(tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    write_template(path)
    cat = read_catalogue(path)
    assert len(cat) == 0 and cat.warnings == []


def test_no_partial_file_on_failure(tmp_path: Path, monkeypatch) -> None:
    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", boom)
    target = tmp_path / "out.xlsx"
    try:
        write_template(target)
    except RuntimeError:
        pass
    assert list(tmp_path.iterdir()) == []


def test_duplicate_codes_keep_their_own_materials(tmp_path: Path) -> None:
    a = Matter(name="甲", code="D1", materials=[Material("甲的材料")], steps=[Step("受理", 1)])
    b = Matter(name="乙", code="D1", materials=[Material("乙的材料")], steps=[Step("审查", 1)])
    path = tmp_path / "dup.xlsx"
    write_template(path, Catalogue([a, b]))
    got = read_catalogue(path)
    assert [[x.name for x in m.materials] for m in got] == [["甲的材料"], ["乙的材料"]]
    assert [[s.name for s in m.steps] for m in got] == [["受理"], ["审查"]]
    assert [w.code for w in got.warnings] == ["duplicate_code"]
