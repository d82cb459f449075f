"""Issue 17, root causes 4-5 (and 14): control characters in names, extreme years, raw input in
messages. Each log goes through discover, simulate and report as a user runs them, under the
1.5 GB ceiling of `_cli.run`."""

from __future__ import annotations

import csv
import json
import random

import lxml.etree as etree
import pytest

import bpr
from bpr.io.cells import text as cell_text

from ._cli import FOOD_LOG, assert_one_line_error, run


def _write(path, rows, header=("case", "activity", "timestamp", "resource")):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _normal_rows(cases: int = 350) -> list[list[str]]:
    rows = []
    for c in range(cases):
        for i, a in enumerate(["受理", "审查", "决定", "送达"]):
            rows.append([f"c{c}", a, f"2024-{1 + c % 12:02d}-{1 + i:02d} {9 + i}:00:00", f"u{c % 3}"])
    return rows


def test_control_characters_in_names_are_removed_with_a_warning(tmp_path):
    rows = [[f"c{c}", a, f"2024-03-{4 + i:02d} 10:00:00", "张\t三"]
            for c in range(40) for i, a in enumerate(["受理\x00", "审查\x0b", "发证\x1f\x1b]0;x\x07"])]
    log = _write(tmp_path / "ctrl.csv", rows)
    events = bpr.read_log(log)
    names = set(events.to_pandas()["activity"])
    assert names == {"受理", "审查", "发证]0;x"}  # ESC and BEL removed, the printable rest kept
    assert set(events.to_pandas()["resource"]) == {"张 三"}
    assert [w.code for w in events.warnings] == ["control_characters"] and events.warnings[0].count == 120

    out, sim, rep = tmp_path / "d", tmp_path / "s", tmp_path / "r"
    proc = run("discover", log, "-o", out, "--bpmn")
    assert proc.returncode == 0, proc.stderr
    assert "control_characters" in [w["code"] for w in json.loads((out / "result.json").read_text())["warnings"]]
    etree.parse(str(out / "process.graphml"))
    proc = run("simulate", log, "-o", sim, "--cases", 30, "--replications", 2)
    assert proc.returncode == 0, proc.stderr
    etree.parse(str(sim / "model.bpmn"))  # well-formed
    proc = run("report", out, "-o", rep)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.suffix for p in rep.iterdir()) == [".docx", ".html", ".json", ".xlsx"]


def test_catalogue_cells_lose_xml_illegal_characters():
    assert cell_text("食品\x00经营\x0b许可 ") == "食品经营许可"
    assert cell_text("第一行\n第二行") == "第一行\n第二行"


@pytest.mark.parametrize("years", [("0001", "9999"), ("1000", "3000")])
def test_extreme_years_are_unreadable_with_a_warning(tmp_path, years):
    rows = [[f"c{c}", a, f"{y}-03-0{i + 1} 10:00:00", "u"] for c, y in enumerate([*years, *["2024"] * 40])
            for i, a in enumerate("ABC")]
    log = _write(tmp_path / "years.csv", rows)
    events = bpr.read_log(log)
    assert len(events.table) == 120
    assert [w.code for w in events.warnings] == ["implausible_timestamp"] and events.warnings[0].count == 6
    proc = run("discover", log, "-o", tmp_path / "d")
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "d" / "result.json").read_text())
    assert result["cases"] == 40 and result["first_timestamp"].startswith("2024")


def test_mostly_extreme_years_is_refused_in_one_line(tmp_path):
    rng = random.Random(5)
    rows = [[f"c{c}", a, f"{rng.randint(1000, 1900)}-03-0{i + 1} 10:00:00", "u"] for c in range(7)
            for i, a in enumerate("ABC")][:20]
    proc = run("discover", _write(tmp_path / "y.csv", rows), "-o", tmp_path / "d")
    assert_one_line_error(proc, "y.csv")


def test_one_end_time_typed_as_3024(tmp_path):
    rows = _normal_rows()
    rows[-1][2] = "3024-12-04 10:00:00"
    log = _write(tmp_path / "typo.csv", rows)
    for args in (["discover", log, "-o", tmp_path / "d"],
                 ["simulate", log, "-o", tmp_path / "s", "--cases", 100, "--replications", 2]):
        proc = run(*args, memory_mb=1536)
        assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "d" / "result.json").read_text())
    assert result["events"] == len(rows) - 1 and result["last_timestamp"] < "2025"
    assert "implausible_timestamp" in [w["code"] for w in result["warnings"]]


def test_time_window_is_configurable(tmp_path, monkeypatch):
    rows = _normal_rows(40)
    rows[0][2] = "1985-01-02 10:00:00"
    log = _write(tmp_path / "old.csv", rows)
    assert bpr.read_log(log).warnings[0].code == "implausible_timestamp"
    monkeypatch.setenv("BPR_TIME_WINDOW", "1980..2040")
    assert not bpr.read_log(log).warnings


# --- root cause 14: raw input echoed ----------------------------------------------------------

def test_escape_sequence_in_a_header_does_not_reach_the_terminal(tmp_path):
    log = tmp_path / "esc.csv"
    log.write_bytes(b"a\x1b]0;pwned\x07,b\n1,2\n")
    proc = run("inspect", log)
    line = assert_one_line_error(proc, "esc.csv")
    assert "\x1b" not in proc.stderr and "\x07" not in proc.stderr and "\\x1b" in line


def test_a_200kb_value_of_nuls_gives_a_short_line(tmp_path):
    log = tmp_path / "nul.csv"
    log.write_bytes(b"case,activity,timestamp\nc1,A," + b"\x00" * 200_000 + b"\n")
    proc = run("discover", log, "-o", tmp_path / "d")
    line = assert_one_line_error(proc, "nul.csv")
    assert "\x00" not in proc.stderr and len(line) < 1500


def test_a_malformed_time_window_is_one_line(tmp_path):
    log = _write(tmp_path / "w.csv", _normal_rows(5))
    proc = run("discover", log, "-o", tmp_path / "d", env={"BPR_TIME_WINDOW": "2040..1980"})
    assert_one_line_error(proc, "BPR_TIME_WINDOW=2040..1980")


# --- newcomer list: --max-bad-rows ---------------------------------------------------------------

def _half_unreadable(tmp_path, bad_share: float):
    rows = _normal_rows(50)
    for i in range(int(len(rows) * bad_share)):
        rows[i * int(1 / bad_share) % len(rows)][2] = f"第{i}天"
    return _write(tmp_path / "bad.csv", rows)


def test_above_5_percent_unreadable_times_stops(tmp_path):
    log = _half_unreadable(tmp_path, 0.1)  # 10%: went on with a warning before
    line = assert_one_line_error(run("discover", log, "-o", tmp_path / "d", "--lang", "en"),
                                 "bad.csv", "20 of 200 events (10.0%)", "--max-bad-rows 5%", "'第0天'")
    assert "\n" not in line and not (tmp_path / "d").exists()
    proc = run("discover", log, "-o", tmp_path / "d", "--max-bad-rows", "15%")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "d" / "result.json").read_text())["events"] == 180
    proc = run("simulate", log, "-o", tmp_path / "s", "--max-bad-rows", "19", "--cases", 20, "--replications", 2)
    assert_one_line_error(proc, "--max-bad-rows 19")


def test_max_bad_rows_is_validated(tmp_path):
    assert_one_line_error(run("inspect", FOOD_LOG, "--max-bad-rows", "lots"), "--max-bad-rows")
    with pytest.raises(bpr.errors.UsageError):
        bpr.read_log(FOOD_LOG, max_bad_rows="150%")
