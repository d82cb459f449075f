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


# pytest-xdist hands whole files to the workers (--dist loadfile) in the order of the collection
# (3.7+ first re-sorts them by number of tests): the files that take a minute or more go first,
# so that the last files to run are short ones and neither worker idles long at the end. The two
# demo runs (tests/report/conftest.py) are built by test_deliverables, first; test_demo reads
# them later. Only the order changes: every test still runs.
SLOW_FILES = ("report/test_deliverables.py", "simulate/test_mechanisms.py", "analyse/test_engines.py",
              "web/test_browser.py", "reliability/test_result_folders.py", "measure/test_compare.py",
              "analyse/test_performance.py", "web/test_api.py", "simulate/test_batch_slots.py",
              "analyse/test_conformance.py", "report/test_demo.py")


def pytest_configure(config):
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:
        path = item.path.as_posix()
        return next((i for i, name in enumerate(SLOW_FILES) if path.endswith("tests/" + name)), len(SLOW_FILES))

    items.sort(key=rank)  # stable: the tests of a file, and the other files, keep their order
