"""Shared fixtures: where the real logs and the samples live."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED_LOGS = ROOT.parent / "shared" / "data" / "logs"


def real_log_paths() -> list[Path]:
    return sorted(SHARED_LOGS.glob("*.xes*")) if SHARED_LOGS.is_dir() else []


@pytest.fixture(params=real_log_paths() or [None], ids=lambda p: p.name if p else "no-real-logs")
def real_log(request) -> Path:
    """Each real public-administration log in ../shared/data/logs (skipped when absent)."""
    if request.param is None:
        pytest.skip(f"real logs not found in {SHARED_LOGS} (clone the project beside ../shared)")
    return request.param


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES
