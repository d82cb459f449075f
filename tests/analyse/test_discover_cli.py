"""`bpr discover`: the result folder, and the issue's bad input (missing file, formula-looking
names, end before start, one-event cases, 100,000 distinct activities, no resource column)."""

from __future__ import annotations

import csv
import json

import networkx as nx
import pytest

from bpr.cli import main

HEADER = "办件编号,环节名称,环节开始时间,环节结束时间\n"


def run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    return exit_info.value.code


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_result_folder_on_a_real_log(real_log, tmp_path):
    out = tmp_path / "out"
    assert run(["discover", str(real_log), "-o", str(out), "--core"]) == 0
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert result["kind"] == "discover"
    assert len(read_csv(out / "dfg.csv")) == len(result["dfg"])
    assert sum(int(r["办件数"]) for r in read_csv(out / "variants.csv")) == result["cases"]  # headers in Chinese
    graph = nx.read_graphml(out / "process.graphml")
    edge_counts = {(u, v): int(a["count"]) for u, v, a in graph.edges(data=True)
                   if u != "__start__" and v != "__end__"}
    if result["activities"] <= 60:
        assert edge_counts == {(e["source"], e["target"]): e["count"] for e in result["dfg"]}
    assert json.loads((out / "process.json").read_text(encoding="utf-8"))["nodes"]
    assert not list(out.glob("*.part")) and not list(out.glob(".*"))


def test_missing_file_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(["discover", str(tmp_path / "nope.csv"), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "nope.csv" in err and "Traceback" not in err
    assert not out.exists()


def test_bad_input_is_counted_not_fatal(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text(HEADER +
                   "C1,=HYPERLINK(\"x\"),2024-03-01 09:00:00,2024-03-01 10:00:00\n"
                   "C1,审查,2024-03-01 12:00:00,2024-03-01 11:00:00\n"  # ends before it starts
                   "C1,办结,2024-03-04 09:00:00,2024-03-04 09:30:00\n"
                   "C2,受理,2024-03-05 09:00:00,2024-03-05 09:10:00\n",  # a one-event case
                   encoding="utf-8")
    out = tmp_path / "out"
    assert run(["discover", str(log), "-o", str(out)]) == 0
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert result["data_quality"]["end_before_start"] == 1
    assert result["data_quality"]["one_event_cases"] == 1
    assert any("end before they start" in n["en"] and "结束时间早于开始时间" in n["zh"] for n in result["notes"])
    assert any(n["id"] == "note_no_resource" for n in result["notes"])  # no resource column: said, not failed
    # C1: 10:00 -> 2024-03-04 09:30 completion to completion; C2: 0
    assert result["case_duration_s"]["max"] == pytest.approx(3 * 86400 - 30 * 60)
    assert result["case_duration_s"]["min"] == 0
    sources = [r["来源环节"] for r in read_csv(out / "dfg.csv")]
    assert "'=HYPERLINK(\"x\")" in sources  # escaped, never a live formula


def test_100k_distinct_activities_summarise_the_graph_only(tmp_path):
    n = 100_000
    log = tmp_path / "many.csv"
    with open(log, "w", encoding="utf-8") as fh:
        fh.write("case,activity,timestamp\n")
        for i in range(n):
            fh.write(f"c{i},受理,2024-01-01 08:00:00\nc{i},step {i},2024-01-01 09:{i % 60:02d}:00\n")
    out = tmp_path / "out"
    assert run(["discover", str(log), "-o", str(out), "--max-nodes", "20", "--top", "5", "--core"]) == 0
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert result["activities"] == n + 1
    assert len(result["dfg"]) == n and len(read_csv(out / "dfg.csv")) == n
    assert result["variant_count"] == n
    assert len(result["variants"]) == 6 and result["variants"][-1]["other"]
    graph = nx.read_graphml(out / "process.graphml")
    assert graph.number_of_nodes() == 20 + 3  # top 20, start, end, other
    other = graph.nodes["__other__"]
    assert int(other["members"]) == n + 1 - 20
    assert sum(int(a["count"]) for _, _, a in graph.in_edges("__end__", data=True)) == n


def test_cli_since_is_passed_to_the_analysis(tmp_path):
    from pathlib import Path

    food = Path(__file__).resolve().parents[2] / "samples" / "logs" / "food_licence.csv"
    with pytest.raises(SystemExit) as info:
        main(["discover", str(food), "--since", "2024-10-01", "--core", "-o", str(tmp_path)])
    assert info.value.code == 0
    result = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert result["cases"] == 572  # counted with pandas in test_engines
    assert any(n["id"] == "note_since_cases" for n in result["notes"])
