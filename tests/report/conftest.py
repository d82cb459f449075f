"""The demo, run once per test session in each language, with what it printed to stderr and the
warnings and matplotlib log records it raised."""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bpr.demo import run_demo

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


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> DemoRun:
    return _run(tmp_path_factory.mktemp("demo"), "zh")


@pytest.fixture(scope="session")
def demo_run_en(tmp_path_factory) -> DemoRun:
    return _run(tmp_path_factory.mktemp("demo_en"), "en")


@pytest.fixture(scope="session")
def demo(demo_run) -> Path:
    return demo_run.out
