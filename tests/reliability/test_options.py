"""Issue 17, root causes 12 and 13: options are checked before any work, in one line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ._cli import CATALOGUE, FOOD_LOG, ROOT, assert_one_line_error, run


@pytest.mark.parametrize("args, needle", [
    (["--memory-limit", "lots"], "--memory-limit"),
    (["--memory-limit", "1KB"], "--memory-limit"),
    (["--top", "-5"], "--top"),
    (["--max-nodes", "0"], "--max-nodes"),
])
def test_discover_options_are_validated(tmp_path, args, needle):
    proc = run("discover", FOOD_LOG, "-o", tmp_path / "out", *args)
    assert_one_line_error(proc, needle, "bpr discover --help")
    assert not (tmp_path / "out").exists()


def test_audit_and_propose_ranges(tmp_path):
    assert_one_line_error(run("audit", CATALOGUE, "-o", tmp_path / "a", "--month-days", "0"), "--month-days")
    assert_one_line_error(run("propose", CATALOGUE, "-o", tmp_path / "p", "--immediate-max-materials", "-1"),
                          "--immediate-max-materials")


def test_a_valid_memory_limit_runs(tmp_path):
    proc = run("discover", FOOD_LOG, "-o", tmp_path / "out", "--memory-limit", "512MiB", "--top", "3")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "result.json").is_file()


def test_unknown_option_is_one_line(tmp_path):
    assert_one_line_error(run("discover", FOOD_LOG, "-o", tmp_path / "out", "--no-such"), "--no-such")


def test_simulate_cases_beyond_the_horizon_is_refused_before_running(tmp_path):
    # --cases 1000000 ran 140 s, then said "a schedule has no working time left"
    proc = run("simulate", FOOD_LOG, "-o", tmp_path / "s", "--cases", 1_000_000, "--lang", "en")
    line = assert_one_line_error(proc, "--cases 1,000,000", "years", "Use --cases")
    assert not (tmp_path / "s").exists()
    most = int(line.rsplit("Use --cases ", 1)[1].split()[0].replace(",", ""))
    assert 20_000 < most < 40_000  # the sample log receives about 50 cases a week: ~26,000 in 10 years


def test_the_horizon_check_allows_its_own_suggestion():
    from types import SimpleNamespace

    from bpr.errors import UsageError
    from bpr.simulate.run import MAX_ARRIVAL_YEARS, check_horizon

    model = SimpleNamespace(arrivals=SimpleNamespace(per_week=50.0))
    check_horizon(model, int(50 * 52.18 * MAX_ARRIVAL_YEARS))
    with pytest.raises(UsageError, match="--cases"):
        check_horizon(model, int(50 * 52.18 * MAX_ARRIVAL_YEARS) + 100)


@pytest.mark.parametrize("what", ["missing", "folder"])
def test_spark_is_not_started_for_a_bad_input(tmp_path, what):
    """`--engine spark` started the JVM (12 s) before it found that the file does not exist."""
    log = tmp_path / ("nothing.csv" if what == "missing" else "a-folder")
    if what == "folder":
        log.mkdir()
    probe = tmp_path / "modules.txt"
    code = (f"import atexit, sys; atexit.register(lambda: open({str(probe)!r}, 'w').write(' '.join(sys.modules)));"
            " from bpr.cli import main; sys.argv[0] = 'bpr'; main(sys.argv[1:])")
    proc = subprocess.run([sys.executable, "-c", code, "discover", str(log), "-o", str(tmp_path / "o"),
                           "--engine", "spark"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert_one_line_error(proc, log.name)
    loaded = probe.read_text().split()
    assert "bpr.cli" in loaded and "pyspark" not in loaded
