"""The full `bpr discover` output of two sample logs, pinned: result.json and every CSV must stay
as they were written before the speed work of issue 15 (numbers to 1e-9 relative, since DuckDB's
parallel sums may differ in the last bits between machines). After a deliberate change of the
output, write the files anew with `BPR_UPDATE_GOLDEN=1 python -m pytest -n 0 tests/analyse/test_discover_golden.py`
and say why in the commit."""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpr.cli import cli

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
GOLDEN = Path(__file__).parent / "golden"
RUNS = {
    "food_licence": ["samples/logs/food_licence.csv", "--catalogue", "samples/catalogue_template.xlsx"],
    "public_health_reform": ["samples/logs/public_health_reform.csv"],
}
UNSTABLE = {"source", "manifest"}  # where the run was made, and file sizes that follow the path


def _same(a, b, where: str = "") -> list[str]:
    """Where two JSON values differ (numbers compared to 1e-9 relative)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b), key=str)
                for d in ([f"{where}/{k}: only on one side"] if (k in a) != (k in b) else _same(a[k], b[k], f"{where}/{k}"))]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items, pinned {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _same(x, y, f"{where}[{i}]")]
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return [] if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) else [f"{where}: {a} != pinned {b}"]
    return [] if a == b else [f"{where}: {str(a)[:80]!r} != pinned {str(b)[:80]!r}"]


def _cell(value: str):
    try:
        return float(value)
    except ValueError:
        return value


def _rows(path: Path) -> list[list]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [[_cell(v) for v in row] for row in csv.reader(fh)]


@pytest.mark.parametrize("name", sorted(RUNS))
def test_full_discover_output_is_pinned(name, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / name
    result = CliRunner().invoke(cli, ["discover", *RUNS[name], "-o", str(out)])
    assert result.exit_code == 0, result.output
    pinned = GOLDEN / name
    if os.environ.get("BPR_UPDATE_GOLDEN"):
        shutil.rmtree(pinned, ignore_errors=True)
        pinned.mkdir(parents=True)
        for path in [out / "result.json", *out.glob("*.csv")]:
            shutil.copyfile(path, pinned / path.name)
    made = json.loads((out / "result.json").read_text(encoding="utf-8"))
    kept = json.loads((pinned / "result.json").read_text(encoding="utf-8"))
    assert not _same({k: v for k, v in made.items() if k not in UNSTABLE},
                     {k: v for k, v in kept.items() if k not in UNSTABLE})
    files = sorted(p.name for p in out.iterdir() if p.suffix == ".csv")
    assert files == sorted(p.name for p in pinned.iterdir() if p.suffix == ".csv")
    for file in files:
        assert not _same(_rows(out / file), _rows(pinned / file), file)


def test_the_comparison_sees_a_changed_figure():
    pinned = json.loads((GOLDEN / "food_licence" / "result.json").read_text(encoding="utf-8"))
    changed = json.loads(json.dumps(pinned))
    changed["performance"]["steps"][0]["waiting_mean_s"] *= 1 + 1e-6
    assert _same(changed, pinned) and not _same(pinned, json.loads(json.dumps(pinned)))
