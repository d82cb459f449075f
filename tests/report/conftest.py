"""The demo, run once per test session in each language, with what it printed to stderr and the
warnings and matplotlib log records it raised."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bpr.demo import run_demo

try:
    import fcntl
except ImportError:  # not on Windows: each worker runs its own demo
    fcntl = None

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class DemoRun:
    out: Path
    stderr: str
    warnings: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)


class _Keep(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record):
        self.records.append(record.getMessage())


def _run(out: Path, lang: str) -> DemoRun:
    keep, err = _Keep(), io.StringIO()
    logger = logging.getLogger("matplotlib")
    logger.addHandler(keep)
    try:
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(err):
            warnings.simplefilter("always")
            index = run_demo(out, ROOT / "samples", lang=lang)
    finally:
        logger.removeHandler(keep)
    assert Path(index).name == "index.html"
    return DemoRun(out, err.getvalue(), [str(w.message) for w in caught], keep.records)


def _shared_run(tmp_path_factory, lang: str) -> DemoRun:
    """The demo in `lang`, run once per test session even when pytest-xdist spreads the tests over
    several processes: the first to get the lock runs it, the others read what it printed."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers of this session
    out, record = root / f"demo-{lang}", root / f"demo-{lang}.json"
    with open(root / f"demo-{lang}.lock", "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        if record.is_file():
            return DemoRun(out=out, **json.loads(record.read_text(encoding="utf-8")))
        run = _run(out, lang)
        record.write_text(json.dumps({"stderr": run.stderr, "warnings": run.warnings, "logs": run.logs}),
                          encoding="utf-8")
        return run


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> DemoRun:
    return _shared_run(tmp_path_factory, "zh")


@pytest.fixture(scope="session")
def demo_run_en(tmp_path_factory) -> DemoRun:
    return _shared_run(tmp_path_factory, "en")


@pytest.fixture(scope="session")
def demo(demo_run) -> Path:
    return demo_run.out
