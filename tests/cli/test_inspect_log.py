"""`bpr inspect` on event logs: the documented JSON, a Chinese summary, and exit code 2 on bad input."""

from __future__ import annotations

import gzip
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from bpr.cli import main

GBK_ROWS = [["SP001", "受理", "张三", "2021/3/5 9:30", "2021/3/5 10:00"],
            ["SP001", "审查", "李四", "2021/3/5 10:30", "2021/3/8 16:00"],
            ["SP002", "受理", "王五", "2021/3/5 14:00", "2021/3/5 14:20"]]
GBK_HEADER = ["办件编号", "环节名称", "环节处理人", "环节开始时间", "环节结束时间"]


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    out, err = capsys.readouterr()
    return exit_.value.code, out, err


@pytest.fixture
def gbk_csv(tmp_path: Path) -> Path:
    path = tmp_path / "办件明细.csv"
    pd.DataFrame(GBK_ROWS, columns=GBK_HEADER).to_csv(path, index=False, encoding="gbk")
    return path


def test_inspect_json(gbk_csv: Path, capsys) -> None:
    code, out, _ = run(["inspect", str(gbk_csv), "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["kind"] == "log"
    assert (data["cases"], data["events"], data["activities"]) == (2, 3, 2)
    assert data["start"] == "2021-03-05T02:00:00+00:00" and data["end"] == "2021-03-08T08:00:00+00:00"
    assert data["columns"] == {"case": "办件编号", "activity": "环节名称", "timestamp": "环节结束时间",
                               "start": "环节开始时间", "resource": "环节处理人"}
    assert data["warnings"] == []


def test_inspect_summary_is_chinese(gbk_csv: Path, capsys) -> None:
    code, out, _ = run(["inspect", str(gbk_csv)], capsys)
    assert code == 0
    assert "事件日志" in out and "办件数：2" in out and "办件编号←办件编号" in out


def test_inspect_map_option(tmp_path: Path, capsys) -> None:
    path = tmp_path / "x.csv"
    pd.DataFrame([["1", "a", "2021-01-01 08:00"]], columns=["编号", "名称", "日期"]).to_csv(path, index=False)
    code, _, err = run(["inspect", str(path), "--json"], capsys)
    assert code == 2 and "--map case=" in err and "编号, 名称, 日期" in err
    code, out, _ = run(["inspect", str(path), "--json", "--map", "case=编号,activity=名称,timestamp=日期"], capsys)
    assert code == 0 and json.loads(out)["events"] == 1


def test_inspect_warnings_listed(tmp_path: Path, capsys) -> None:
    path = tmp_path / "w.csv"
    rows = [["A", "受理", "2021-03-05 09:00"], ["A", "受理", "2021-03-05 09:00"], ["A", "审查", "明天"],
            ["B", "受理", "2021-03-06 09:00"]]
    pd.DataFrame(rows, columns=["办件编号", "环节名称", "办理时间"]).to_csv(path, index=False)
    code, out, _ = run(["inspect", str(path), "--json", "--max-bad-rows", "50%"], capsys)  # 1 of 4 unreadable
    codes = {w["code"]: w for w in json.loads(out)["warnings"]}
    assert code == 0 and codes["duplicate_event"]["count"] == 1
    assert codes["unparseable_timestamp"]["value"] == "明天" and codes["unparseable_timestamp"]["column"] == "办理时间"


def _bad_inputs(tmp: Path) -> dict[str, Path]:
    files = {}
    files["missing"] = tmp / "missing.csv"
    (tmp / "empty.csv").write_bytes(b"")
    files["empty"] = tmp / "empty.csv"
    (tmp / "nocols.csv").write_text("编号,名称\n1,2\n", encoding="utf-8")
    files["no recognisable columns"] = tmp / "nocols.csv"
    (tmp / "text.xlsx").write_text("just text", encoding="utf-8")
    files["text named .xlsx"] = tmp / "text.xlsx"
    good = tmp / "good.xlsx"
    pd.DataFrame(GBK_ROWS, columns=GBK_HEADER).to_excel(good, index=False)
    (tmp / "cut.xlsx").write_bytes(good.read_bytes()[:700])
    files["truncated xlsx"] = tmp / "cut.xlsx"
    (tmp / "xxe.xes").write_text('<?xml version="1.0"?><!DOCTYPE log [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                 '<log><trace><event><string key="concept:name" value="&x;"/></event></trace></log>')
    files["external entity"] = tmp / "xxe.xes"
    bomb = ('<?xml version="1.0"?><!DOCTYPE log [<!ENTITY a "aaaaaaaaaa">'
            + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
            + ']><log><trace><event><string key="concept:name" value="&j;"/></event></trace></log>')
    (tmp / "bomb.xes.gz").write_bytes(gzip.compress(bomb.encode()))
    files["entity bomb"] = tmp / "bomb.xes.gz"
    lines = ["办件编号,环节名称,环节结束时间"] + [f"A{i},受理,第{i}天" for i in range(100)]
    (tmp / "dates.csv").write_text("\n".join(lines), encoding="utf-8")
    files["unreadable timestamps"] = tmp / "dates.csv"
    return files


def test_bad_inputs_exit_2_with_one_line(tmp_path: Path, capsys) -> None:
    # `inspect` on an .xlsx first asks the matter-sheet reader whether it is a catalogue
    has_sheet_reader = importlib.util.find_spec("bpr.io.matter_sheet") is not None
    for what, path in _bad_inputs(tmp_path).items():
        if path.suffix == ".xlsx" and not has_sheet_reader:
            continue
        code, out, err = run(["inspect", str(path)], capsys)
        assert code == 2, (what, err)
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("错误：") and str(path) in lines[0], (what, err)
        assert out == "", what


def test_errors_speak_the_language_of_the_command(tmp_path: Path, capsys) -> None:
    path = _bad_inputs(tmp_path)["unreadable timestamps"]
    code, _, zh = run(["inspect", str(path)], capsys)
    assert code == 2 and zh.startswith("错误：") and "大部分值无法识别为时间" in zh and "--map timestamp=列名" in zh
    code, _, en = run(["inspect", str(path), "--lang", "en"], capsys)
    assert code == 2 and en.startswith("Error: ") and "most timestamp values cannot be read as times" in en
    assert "--map timestamp=COLUMN" in en and "无法识别" not in en


def test_bad_input_in_a_fresh_process_has_no_traceback(tmp_path: Path) -> None:
    path = _bad_inputs(tmp_path)["entity bomb"]
    proc = subprocess.run([sys.executable, "-c", "from bpr.cli import main; main()", "inspect", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and str(path) in proc.stderr


def test_matter_sheet_without_names_gets_the_matter_sheet_message(tmp_path: Path, capsys) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "事项"
    wb.active.append(["实施编码", "办理部门", "法定办结时限"])
    wb.active.append(["X1", "市场监管局", "20个工作日"])
    path = tmp_path / "清单.xlsx"
    wb.save(path)
    code, _, err = run(["inspect", str(path)], capsys)
    assert code == 2 and "找不到可识别的事项名称列" in err and "事项名称" in err and "--map" not in err


def test_map_hint_names_each_column_once(tmp_path: Path, capsys) -> None:
    path = tmp_path / "log.csv"
    path.write_text("办件编号,x\n1,a\n", encoding="utf-8")
    code, _, err = run(["inspect", str(path)], capsys)
    assert code == 2 and "--map case=办件编号,activity=x,timestamp=环节结束时间" in err
