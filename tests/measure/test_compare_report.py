"""`bpr report` renders a compare result in HTML, Excel and Word with the figures of result.json."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import openpyxl
import pytest

from bpr.cli import main
from bpr.report.render import render

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "samples" / "logs" / "public_health_reform.csv"
CATALOGUE = ROOT / "samples" / "catalogue_template.xlsx"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("compare")
    with pytest.raises(SystemExit) as info:
        main(["compare", str(LOG), "--at", "2024-07-01", "--catalogue", str(CATALOGUE), "-o", str(out),
              "--resamples", "300"])
    assert info.value.code == 0
    return out


def test_reports_carry_the_measured_figures(folder, tmp_path):
    result = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    paths = {p.suffix: p for p in render(folder, tmp_path, "zh")}
    page = paths[".html"].read_text(encoding="utf-8")
    md = result["change"]["median_days"]
    assert f"{md['before']:.1f}" in page and f"{md['after']:.1f}" in page
    assert "现场审查" in page and "已取消" in page and "data:image/svg+xml" in page
    assert "控制图" in page  # the monthly control chart with the reform marked
    wb = openpyxl.load_workbook(paths[".xlsx"])
    cells = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert "2024-07" in cells and "现场审查" in cells
    months = result["trends"]["months"]
    assert sum(m["cases"] for m in months) == result["before"]["cases"] + result["after"]["cases"]
    document = docx.Document(paths[".docx"])
    assert len(document.inline_shapes) >= 2  # the change chart and the control chart
    text = "\n".join(p.text for p in document.paragraphs)
    assert "变化显著" in text


def test_english_report(folder, tmp_path):
    paths = render(folder, tmp_path, "en", ("html",))
    page = paths[0].read_text(encoding="utf-8")
    assert "control chart" in page and "significant" in page
