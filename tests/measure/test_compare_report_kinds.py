"""Every kind of `bpr compare` result renders to HTML, Excel and Word through `bpr report`, each
carrying the figures of its result.json: one log at a date, at a detected date, two logs, and two
catalogue versions."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest

import bpr.io
from bpr.cli import main
from tests.measure.test_compare_catalogues import new_version, old_version

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "samples" / "logs" / "public_health_reform.csv"


def _run(args: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 0


def _inputs(kind: str, tmp: Path) -> list[str]:
    if kind == "at":
        return [str(LOG), "--at", "2024-07-01"]
    if kind == "detected":
        return [str(LOG)]
    if kind == "logs":
        raw = pd.read_csv(LOG, encoding="utf-8-sig", dtype=str)
        first = raw.groupby("办件编号")["环节结束时间"].min()
        later = set(first[first >= "2024-07-01"].index)
        raw[~raw["办件编号"].isin(later)].to_csv(tmp / "2023.csv", index=False)
        raw[raw["办件编号"].isin(later)].to_csv(tmp / "2024.csv", index=False)
        return [str(tmp / "2023.csv"), str(tmp / "2024.csv")]
    bpr.io.write_template(tmp / "清单2023.xlsx", old_version())
    bpr.io.write_template(tmp / "清单2024.xlsx", new_version())
    return [str(tmp / "清单2023.xlsx"), str(tmp / "清单2024.xlsx")]


def _texts(paths: dict[str, Path]) -> tuple[str, list[str], str]:
    page = paths[".html"].read_text(encoding="utf-8")
    wb = openpyxl.load_workbook(paths[".xlsx"])
    cells = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    document = docx.Document(paths[".docx"])
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(c.text for table in document.tables for row in table.rows for c in row.cells)
    return page, cells, text


@pytest.mark.parametrize("kind", ["at", "detected", "logs", "catalogues"])
def test_every_compare_kind_renders_to_html_excel_and_word(kind, tmp_path):
    out = tmp_path / "cmp"
    extra = [] if kind == "catalogues" else ["--resamples", "200"]
    _run(["compare", *_inputs(kind, tmp_path), "-o", str(out), *extra])
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert data["kind"] == "compare"
    report = tmp_path / "report"
    _run(["report", str(out), "-o", str(report)])
    paths = {p.suffix: p for p in report.iterdir() if p.name != "manifest.json"}  # the sealed folder's manifest
    assert set(paths) == {".html", ".xlsx", ".docx"}
    page, cells, text = _texts(paths)
    if kind == "catalogues":
        assert data["mode"] == "catalogues"
        for where in (page, "\n".join(cells), text):
            assert "营业执照复印件" in where and "个体工商户设立登记" in where
        return
    md = data["change"]["median_days"]
    assert data["mode"] == ("logs" if kind == "logs" else "split")
    assert (data["at_source"] == "detected") == (kind == "detected")
    for where in (page, text):
        assert f"{md['before']:.1f}" in where and f"{md['after']:.1f}" in where, kind
        assert "现场审查" in where and "整改清单" in where
    assert any(c.startswith("现场审查") for c in cells) and "窗口C03 钱伟" in cells
    if kind == "detected":
        assert data["at"] in page and data["at"] in text
