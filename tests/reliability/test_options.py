"""Issue 17, root cause 12: options are checked by click before any work, in one line."""

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
