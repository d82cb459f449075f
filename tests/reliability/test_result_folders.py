"""Issue 17, root causes 9-10: unwritable outputs are refused before the work starts, in one line;
result folders appear whole or not at all, one run at a time, never mixed with another kind."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bpr.errors import InputError
from bpr.io.result_folder import OutputError, check_complete, result_folder

from ._cli import CATALOGUE, FOOD_LOG, ROOT, assert_one_line_error, run

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="POSIX signals, permissions and flock")


def _complete_looking(folder: Path) -> bool:
    """What `bpr report` would accept: a result.json whose manifest matches the files."""
    try:
        data = json.loads((folder / "result.json").read_text(encoding="utf-8"))
        check_complete(folder, data)
    except (OSError, ValueError, InputError):
        return False
    return True


# --- root cause 9: unwritable outputs ---------------------------------------------------------

def test_out_under_a_regular_file(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    start = time.monotonic()
    proc = run("discover", FOOD_LOG, "-o", blocker / "out")
    assert_one_line_error(proc, "file.txt")
    assert blocker.read_text() == "x"
    assert time.monotonic() - start < 60  # refused up front (generous bound; not a timing test)


def test_out_is_a_regular_file(tmp_path):
    target = tmp_path / "out"
    target.write_text("keep me")
    assert_one_line_error(run("audit", CATALOGUE, "-o", target), "out")
    assert target.read_text() == "keep me"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        assert_one_line_error(run("simulate", FOOD_LOG, "-o", ro / "sim", "--cases", 10, "--replications", 1), "ro")
    finally:
        ro.chmod(0o755)


def test_read_only_folder_as_the_library_sees_it(tmp_path, monkeypatch):
    """The same check without relying on permissions (the tests may run as root)."""
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    with pytest.raises(OutputError, match="cannot be written"), result_folder(tmp_path / "x", "audit"):
        pass
    assert not (tmp_path / "x").exists()


def test_full_disk_is_one_line_and_leaves_nothing(tmp_path):
    """ENOSPC at write time (simulated: the writes of the command fail as on a full disk)."""
    code = ("import errno, sys, bpr.io.results as r\n"
            "def full(*a, **k):\n    raise OSError(errno.ENOSPC, 'No space left on device', str(a[0]))\n"
            "r.write_csv = full\nimport bpr.cli.matters_plan as m\nm.write_csv = full\n"
            "from bpr.cli import main\nmain(sys.argv[1:])\n")
    out = tmp_path / "plan"
    proc = subprocess.run([sys.executable, "-c", code, "propose", str(CATALOGUE), "-o", str(out)],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert_one_line_error(proc, "磁盘已满")
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no temporary folder or lock left


# --- root cause 10: atomic, locked, one kind per folder ---------------------------------------

def test_failed_run_keeps_the_previous_result(tmp_path):
    out = tmp_path / "a"
    assert run("audit", CATALOGUE, "-o", out).returncode == 0
    before = sorted(p.name for p in out.iterdir())
    bad = tmp_path / "rules.yaml"
    bad.write_text("rules: [")
    assert_one_line_error(run("audit", CATALOGUE, "-o", out, "--rules", bad), "rules.yaml")
    assert sorted(p.name for p in out.iterdir()) == before and _complete_looking(out)


def test_another_kind_is_refused_unless_forced_and_no_stale_files(tmp_path):
    out = tmp_path / "o"
    assert run("audit", CATALOGUE, "-o", out).returncode == 0
    assert_one_line_error(run("propose", CATALOGUE, "-o", out), "audit", "--force")
    assert (out / "findings.csv").is_file()
    proc = run("propose", CATALOGUE, "-o", out, "--force")
    assert proc.returncode == 0, proc.stderr
    names = {p.name for p in out.iterdir()}
    assert names == {"plan.yaml", "result.json", "proposals.csv", "sharing_needs.csv"}  # nothing left from the audit
    assert json.loads((out / "result.json").read_text())["kind"] == "propose"


def test_a_folder_bpr_did_not_write_is_never_replaced(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx.txt").write_text("years of work")
    for force in ([], ["--force"]):
        assert_one_line_error(run("audit", CATALOGUE, "-o", out, *force), "mine")
    assert (out / "thesis.docx.txt").read_text() == "years of work"


def test_report_refuses_an_incomplete_folder(tmp_path):
    out = tmp_path / "a"
    assert run("audit", CATALOGUE, "-o", out).returncode == 0
    (out / "findings.csv").unlink()
    assert_one_line_error(run("report", out, "-o", tmp_path / "r"), "findings.csv")
    (out / "result.json").write_text(json.dumps({"kind": "audit", "indicators": {}}))
    assert_one_line_error(run("report", out, "-o", tmp_path / "r"), "不完整")
    assert not (tmp_path / "r").exists()


def test_second_concurrent_run_is_refused(tmp_path):
    """While one run holds the folder, a second into the same -o stops with a clear error."""
    out = tmp_path / "o"
    with result_folder(out, "audit") as tmp:
        (tmp / "x.csv").write_text("1")
        assert_one_line_error(run("audit", CATALOGUE, "-o", out), "另一个 bpr")
        assert not out.exists()
    assert (out / "x.csv").is_file()


def test_two_runs_into_one_folder_never_mix(tmp_path):
    """Start discover and simulate into one folder at once, several times: the folder always
    holds exactly one complete result, never files of both."""
    discover_files = {"result.json", "dfg.csv", "variants.csv"}
    for trial in range(4):
        out = tmp_path / f"o{trial}"
        procs: list = []

        def go(args: list, procs: list = procs) -> None:
            procs.append(run(*args))

        threads = [threading.Thread(target=go, args=(a,)) for a in (
            ["discover", FOOD_LOG, "-o", out, "--core", "--force"],
            ["simulate", FOOD_LOG, "-o", out, "--cases", 20, "--replications", 1, "--force"])]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert any(p.returncode == 0 for p in procs), [p.stderr for p in procs]
        for p in procs:
            assert p.returncode in (0, 2) and "Traceback" not in p.stderr, p.stderr
        kind = json.loads((out / "result.json").read_text())["kind"]
        names = {p.name for p in out.iterdir()}
        if kind == "discover":
            assert discover_files <= names and "model.bpmn" not in names
        else:
            assert names == {"result.json", "model.bpmn", "prosimos.json"}
        assert _complete_looking(out)


TRIALS = 5


def _has_files(folders) -> bool:
    try:
        return any(any(f.iterdir()) for f in folders)
    except OSError:  # removed meanwhile
        return False


@pytest.mark.parametrize("command", ["discover", "simulate"])
def test_sigkill_at_random_points_never_leaves_a_complete_looking_partial_folder(tmp_path, command):
    rng = random.Random(17)
    args = {"discover": ["discover", str(FOOD_LOG), "--core"],
            "simulate": ["simulate", str(FOOD_LOG), "--cases", "50", "--replications", "2"]}[command]
    code = "import sys; from bpr.cli import main; main(sys.argv[1:])"
    # the killed runs' own scratch folders (DuckDB's spill, the log's conversion) stay in tmp_path,
    # not in the machine's /tmp: a SIGKILL leaves them behind by design
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(scratch)}
    # a whole run first, timed: the kills fall at random points within a run's length on this
    # machine at this load, one in each fifth of it (start-up, reading, analysis, writing the
    # files, the rename), not after the run has ended
    start = time.monotonic()
    whole = subprocess.run([sys.executable, "-c", code, *args, "-o", str(tmp_path / "whole")], env=env,
                           capture_output=True, text=True, timeout=300)
    length = time.monotonic() - start
    assert whole.returncode == 0 and _complete_looking(tmp_path / "whole"), whole.stderr
    for trial in range(TRIALS):
        out = tmp_path / f"k{trial}"
        proc = subprocess.Popen([sys.executable, "-c", code, *args, "-o", str(out)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=rng.uniform(0.1 + trial, 0.1 + trial + 1) / TRIALS * length)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
        if out.exists():  # finished before the kill: then it must be whole
            assert _complete_looking(out), sorted(p.name for p in out.iterdir())
    # and once as soon as the first file is in the temporary folder: killed while writing
    out = tmp_path / f"k{TRIALS}"
    proc = subprocess.Popen([sys.executable, "-c", code, *args, "-o", str(out)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    writing = False
    while not writing and proc.poll() is None:
        writing = _has_files(tmp_path.glob(f".{out.name}.tmp-*"))
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert writing, "the run ended before a kill while it wrote its files"
    assert not out.exists() or _complete_looking(out)
    # a later run cleans up what the killed ones left
    last = tmp_path / "k0"
    proc = subprocess.run([sys.executable, "-c", code, *args, "-o", str(last), "--force"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert not list(tmp_path.glob(".k0.tmp-*")) and _complete_looking(last)
