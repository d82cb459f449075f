"""Data flows one way: measure depends on analyse, never the reverse (no import circle)."""

from __future__ import annotations

import ast
from pathlib import Path

ANALYSE = Path(__file__).resolve().parents[2] / "bpr" / "analyse"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return out


def test_analyse_never_imports_measure():
    offenders = {p.name: sorted(m for m in _imports(p) if m == "bpr.measure" or m.startswith("bpr.measure."))
                 for p in ANALYSE.rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_bundle_and_before_after_import_in_either_order():
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    for first in ("bpr.measure.before_after", "bpr.measure.bundle"):
        subprocess.run([sys.executable, "-c", f"import {first}"], check=True, cwd=root)
