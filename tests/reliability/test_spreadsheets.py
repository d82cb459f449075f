"""Issue 17, root causes 7-8: workbooks as people and scripts save them — password-protected,
and formulas without cached values."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._cli import CATALOGUE, assert_one_line_error, run

DATA = Path(__file__).parent / "data"
#: made with msoffcrypto-tool 6.1 (OOXMLFile.encrypt, password "secret") from a two-row workbook:
#: an OLE2 compound file holding EncryptionInfo and EncryptedPackage streams, as Excel writes it
ENCRYPTED = DATA / "encrypted.xlsx"


@pytest.mark.parametrize("command", ["audit", "discover"])
def test_an_encrypted_workbook_is_named_as_such(tmp_path, command):
    args = [command, ENCRYPTED, "-o", tmp_path / "o"]
    line = assert_one_line_error(run(*args, "--lang", "en"), "encrypted.xlsx", "password-protected",
                                 "without a password")
    assert ".xls file" not in line
    zh = assert_one_line_error(run(*args), "密码")
    assert "旧版" not in zh


def test_an_old_xls_is_still_called_an_old_xls(tmp_path):
    old = tmp_path / "old.xlsx"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096 + "Workbook".encode("utf-16-le"))
    assert_one_line_error(run("audit", old, "-o", tmp_path / "o", "--lang", "en"), "old binary .xls")


def _catalogue_with_formulas(path: Path, extra: int = 0) -> Path:
    """The sample catalogue as a script edits it with openpyxl: formulas are written without a
    cached value (openpyxl never computes them), as a workbook never opened in Excel."""
    import openpyxl

    wb = openpyxl.load_workbook(CATALOGUE)
    ws = wb["事项"]
    ws["A2"] = '=HYPERLINK("https://zwfw.example/1","食品经营许可")'
    ws["H3"] = "=G3/2"
    for r in range(4, 4 + extra):
        ws[f"H{r}"] = f"=G{r}/2"
    wb.save(path)
    return path


def test_formulas_without_cached_values_warn_per_cell(tmp_path):
    import json

    path = _catalogue_with_formulas(tmp_path / "formulas.xlsx")
    proc = run("audit", path, "-o", tmp_path / "a")
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "a" / "result.json").read_text())
    names = [m["name"] for m in result["matters"]]
    assert len(names) == 39 and "食品经营许可" in names  # the HYPERLINK row is kept under its shown text
    warned = {w["cell"]: w for w in result["warnings"] if w["code"].startswith("formula_")}
    assert warned["A2"]["code"] == "formula_shown_text" and "食品经营许可" in warned["A2"]["zh"]
    assert warned["H3"]["code"] == "formula_no_cached_value" and warned["H3"]["value"] == "=G3/2"
    assert "承诺办结时限" in warned["H3"]["zh"] and "Excel" in warned["H3"]["en"]


def test_many_formula_cells_are_capped(tmp_path):
    import json

    from bpr.io.matter_sheet import MAX_FORMULA_WARNINGS

    path = _catalogue_with_formulas(tmp_path / "many.xlsx", extra=MAX_FORMULA_WARNINGS + 10)
    proc = run("audit", path, "-o", tmp_path / "a")
    assert proc.returncode == 0, proc.stderr
    codes = [w["code"] for w in json.loads((tmp_path / "a" / "result.json").read_text())["warnings"]]
    assert codes.count("formula_no_cached_value") + codes.count("formula_shown_text") == MAX_FORMULA_WARNINGS
    assert codes.count("formula_no_cached_value_more") == 1


def test_hyperlink_display_text():
    from bpr.io.cells import formula_display

    assert formula_display('HYPERLINK("http://a","食品经营许可")') == "食品经营许可"
    assert formula_display('=HYPERLINK("http://a")') == "http://a"
    assert formula_display('HYPERLINK(B2;"say ""hi""")') == 'say "hi"'
    assert formula_display("HYPERLINK(B2)") is None and formula_display("SUM(A1:A3)") is None


def test_a_log_workbook_with_uncached_formulas(tmp_path):
    import openpyxl

    import bpr

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["case", "activity", "timestamp"])
    for c in range(20):
        for i, a in enumerate(["受理", "审查", "决定"]):
            ws.append([f"c{c}", a, f"2024-03-{4 + i:02d} 10:00:00"])
    ws["B2"] = '=HYPERLINK("https://oa.example/1","受理")'
    ws["C3"] = "=C2+1"
    wb.save(tmp_path / "log.xlsx")
    log = bpr.read_log(tmp_path / "log.xlsx")
    by_code = {w.code: w for w in log.warnings}
    assert by_code["formula_shown_text"].cell == "B2"
    assert by_code["formula_no_cached_value"].cell == "C3" and by_code["formula_no_cached_value"].value == "=C2+1"
    assert log.events == 59 and set(log.to_pandas()["activity"]) == {"受理", "审查", "决定"}
