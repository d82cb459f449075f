"""Run `bpr` as a user does (a subprocess), and check the reliability bar: exit 2 with one line on
stderr and no traceback, or exit 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
CATALOGUE = SAMPLES / "catalogue_template.xlsx"
FOOD_LOG = SAMPLES / "logs" / "food_licence.csv"


def run(*args: object, cwd: Path | None = None, timeout: float = 300, env: dict | None = None,
        memory_mb: int | None = 1536) -> subprocess.CompletedProcess:
    """`bpr ARGS` in a fresh interpreter, its address space capped at `memory_mb` (the issue's
    1.5 GB ceiling: a run that needs more dies instead of passing)."""
    code = "import sys; from bpr.cli import main; sys.argv[0] = 'bpr'; main(sys.argv[1:])"
    preexec = None
    if memory_mb:
        def preexec() -> None:
            import resource

            resource.setrlimit(resource.RLIMIT_DATA, (memory_mb << 20, memory_mb << 20))
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout, env=full_env, preexec_fn=preexec)


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    """Exit 2, one line on stderr, no traceback, and each needle in that line."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-3000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, proc.stderr[-3000:]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]
