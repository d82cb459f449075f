"""Issue 17, root causes 12 and 13: options are checked before any work, in one line."""

from __future__ import annotations

import pytest

from ._cli import CATALOGUE, FOOD_LOG, assert_one_line_error, run


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
