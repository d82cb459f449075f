"""`bpr template` and `bpr inspect` on matter sheets, and exit code 2 on bad .xlsx files."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from bpr.cli import main
from bpr.io import write_template
from tests.io.test_matter_sheet import _export, make_zip_bomb
from tests.io.test_template import _catalogue


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    out, err = capsys.readouterr()
    return exit_.value.code, out, err


def test_template_command_writes_the_template(tmp_path: Path, capsys) -> None:
    target = tmp_path / "sub" / "我的事项清单.xlsx"
    code, out, _ = run(["template", str(target)], capsys)
    assert code == 0 and out.strip() == str(target)
    assert openpyxl.load_workbook(target).sheetnames == ["事项", "环节", "材料", "填写说明"]
    code, out, _ = run(["inspect", str(target), "--json"], capsys)
    assert code == 0
    assert json.loads(out) | {"source": None} == {"kind": "catalogue", "source": None, "matters": 0, "materials": 0,
                                                  "steps": 0, "departments": {}, "warnings": []}


def test_inspect_filled_template(tmp_path: Path, capsys) -> None:
    path = tmp_path / "filled.xlsx"
    write_template(path, _catalogue())
    code, out, _ = run(["inspect", str(path), "--json"], capsys)
    data = json.loads(out)
    assert code == 0 and (data["matters"], data["materials"], data["steps"]) == (4, 3, 3)
    assert data["departments"] == {"市场监督管理局": 1, "": 2, "自然资源局": 1}
    assert [(w["sheet"], w["cell"], w["value"]) for w in data["warnings"]] == [("事项", "H3", "另行通知")]


def test_inspect_province_export_in_chinese(tmp_path: Path, capsys) -> None:
    path = _export(tmp_path / "province.xlsx")
    code, out, _ = run(["inspect", str(path)], capsys)
    assert code == 0
    assert "事项清单" in out and "事项数：5" in out and "市场监督管理局 3" in out and "G7" in out


def _no_name(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.append(["编号", "部门", "时限"])
    wb.save(path)
    return path


def _truncated(path: Path) -> Path:
    full = _export(path.with_name("full.xlsx"))
    path.write_bytes(full.read_bytes()[:3000])
    return path


def _text(path: Path) -> Path:
    path.write_text("事项名称\n食品经营许可\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("make", "pattern"), [
    (_no_name, "编号, 部门, 时限"),  # neither a matter sheet nor a log: the columns found are listed
    (_truncated, "不完整|不是有效的 .xlsx"),  # the CLI speaks Chinese unless --lang en
    (_text, "不是有效的 .xlsx"),
    (make_zip_bomb, "压缩炸弹"),
])
def test_bad_xlsx_exit_2_one_line(tmp_path: Path, capsys, make, pattern) -> None:
    path = make(tmp_path / "bad.xlsx")
    code, out, err = run(["inspect", str(path), "--json"], capsys)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err and str(path) in lines[0]
    assert re.search(pattern, lines[0])


def test_subprocess_no_traceback(tmp_path: Path) -> None:
    path = _no_name(tmp_path / "noname.xlsx")
    proc = subprocess.run([sys.executable, "-c", "from bpr.cli import main; main()", "inspect", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
