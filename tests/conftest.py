"""Shared fixtures: where the real logs and the samples live."""

from __future__ import annotations

import importlib.util
import shutil
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


# Tests give Spark tiny logs: its JVM spends more time compiling than running, so the quick
# C1 compiler alone and the serial collector (about a third less time per test). On such logs
# adaptive execution only re-plans each query to coalesce its shuffles into about one partition
# per core: two shuffle partitions (local[2]) planned once give the same split and the same
# physical operators (small tables are broadcast either way) in about a quarter less time.
SPARK_TEST_CONF = {"spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
                   "spark.sql.adaptive.enabled": "false", "spark.sql.shuffle.partitions": "2"}


@pytest.fixture(scope="session")
def spark_engine():
    """One SparkEngine (and JVM) per test process, skipped without pyspark or Java."""
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("pyspark is not installed (pip install 'bpr[spark]')")
    if shutil.which("java") is None:
        pytest.skip("Java is not installed (Spark needs Java 17)")
    from bpr.analyse.engine import SparkEngine

    engine = SparkEngine(master="local[2]", spark_conf=SPARK_TEST_CONF)
    yield engine
    engine.close()
    SparkEngine.stop()
