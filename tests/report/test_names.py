"""A validation run is reported as 仿真模型验证 under its own file name, so that its report and a
what-if report rendered into one folder do not overwrite each other."""

from __future__ import annotations

from pathlib import Path

import pytest

from bpr.cli import main
from bpr.report.render import render

ROOT = Path(__file__).resolve().parents[2]
FOOD = ROOT / "samples" / "logs" / "food_licence.csv"


def _bpr(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0


def test_validation_and_what_if_reports_have_their_own_titles_and_files(tmp_path):
    _bpr(["simulate", str(FOOD), "--validate", "--cases", "50", "--replications", "1", "-o", str(tmp_path / "v")])
    _bpr(["simulate", str(FOOD), "--scenario", str(ROOT / "samples" / "scenarios" / "食品经营许可改革.yaml"),
          "--cases", "50", "--replications", "1", "-o", str(tmp_path / "w")])
    # a report folder holds one report (it is replaced as a whole, issue 17); the names differ all the same,
    # so the two can be copied side by side
    validation = render(tmp_path / "v", tmp_path / "rv", formats=("html", "docx"))
    what_if = render(tmp_path / "w", tmp_path / "rw", formats=("html", "docx"))
    assert [p.name for p in validation] == ["仿真模型验证.html", "仿真模型验证.docx"]
    assert [p.name for p in what_if] == ["改革方案仿真推演.html", "改革方案仿真推演.docx"]
    assert len({p.name for p in [*validation, *what_if]}) == 4
    html = validation[0].read_text(encoding="utf-8")
    assert "<title>仿真模型验证" in html and "改革方案仿真推演" not in html
    assert render(tmp_path / "v", tmp_path / "en", lang="en", formats=("html",))[0].name == \
        "Validation of the simulation model.html"
