"""`bpr discover` against pm4py on a big log: wall time and peak memory of whole processes.

    python benchmarks/discover_benchmark.py                    # 10M events: bpr vs pm4py
    python benchmarks/discover_benchmark.py --events 2e6       # smaller, quicker
    python benchmarks/discover_benchmark.py --big 1e8          # 100M events through DuckDB only

The 10M mode builds (once) benchmarks/out/big10m.csv by replicating a real log with new case ids
(benchmarks/make_big_log.py) and the same log as big10m.parquet. On each file it runs, each as a
separate process including its own file reading, `bpr discover LOG -o OUT --core` (the analyses
pm4py also computes) and a pm4py script (`pandas.read_csv` or `read_parquet`,
`pm4py.format_dataframe`, `discover_performance_dfg`, `get_all_case_durations`, `get_variants`,
`get_rework_cases_per_activity`). Wall time and peak RSS come from os.wait4 on each child. It
prints both, the speed ratio, and checks the two processes found the same figures.

The 100M mode writes a canonical Parquet log in chunks of copies (never whole in memory) and times
`bpr discover` on it with DuckDB under its memory limit.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "logs" / "DomesticDeclarations.xes.gz"

PM4PY_SCRIPT = r"""
import json, sys
import numpy as np
import pandas as pd
import pm4py
path, out = sys.argv[1], sys.argv[2]
df = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
df = pm4py.format_dataframe(df, case_id="case:concept:name", activity_key="concept:name",
                            timestamp_key="time:timestamp")
perf, starts, ends = pm4py.discover_performance_dfg(df)
durations = pm4py.get_all_case_durations(df)
variants = pm4py.get_variants(df)
rework = pm4py.get_rework_cases_per_activity(df)
summary = {
    "cases": len(durations), "events": len(df), "variant_count": len(variants),
    "edges": {f"{a}\t{b}": [v["mean"], v["median"]] for (a, b), v in perf.items()},
    "start_activities": dict(starts), "end_activities": dict(ends),
    "case_duration_s": {"mean": float(np.mean(durations)), "median": float(np.median(durations)),
                        "p90": float(np.percentile(durations, 90))},
    "rework_cases": {k: int(v) for k, v in rework.items()},
}
with open(out, "w") as fh:
    json.dump(summary, fh)
"""


def run(cmd: list[str], label: str) -> tuple[float, float]:
    """Run `cmd` as a child; return (wall seconds, peak RSS in MB) of that process alone."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{label} failed ({proc.returncode}):\n{err[-3000:]}")
    return wall, usage.ru_maxrss / 1024  # ru_maxrss is KiB on Linux


def compare(bpr_result: dict, pm: dict) -> list[str]:
    """Differences between bpr's result.json and the pm4py summary (empty when they agree)."""
    problems = []
    for key in ("cases", "events", "variant_count", "start_activities", "end_activities", "rework_cases"):
        if bpr_result[key] != pm[key]:
            problems.append(f"{key}: bpr {str(bpr_result[key])[:200]} != pm4py {str(pm[key])[:200]}")
    edges = {f"{e['source']}\t{e['target']}": [e["mean_s"], e["median_s"]] for e in bpr_result["dfg"]}
    if set(edges) != set(pm["edges"]):
        problems.append("DFG edges differ")
    else:
        for k, (mean, median) in pm["edges"].items():
            if not (math.isclose(edges[k][0], mean, rel_tol=1e-9, abs_tol=1e-6)
                    and math.isclose(edges[k][1], median, rel_tol=1e-9, abs_tol=1e-6)):
                problems.append(f"edge {k!r}: bpr {edges[k]} != pm4py {[mean, median]}")
    for k in ("mean", "median", "p90"):
        if not math.isclose(bpr_result["case_duration_s"][k], pm["case_duration_s"][k], rel_tol=1e-9):
            problems.append(f"case_duration_s.{k}: bpr {bpr_result['case_duration_s'][k]} != "
                            f"pm4py {pm['case_duration_s'][k]}")
    return problems


def bpr_command(log: Path, out: Path, memory_limit: str) -> list[str]:
    return [sys.executable, "-c", "from bpr.cli import main; main()", "discover", str(log), "-o", str(out),
            "--memory-limit", memory_limit, "--core"]


def compare_with_pm4py(events: int, source: Path, memory_limit: str, skip_pm4py: bool,
                       formats: list[str]) -> None:
    from benchmarks.make_big_log import make_big_log

    csv = OUT / ("big10m.csv" if events == 10_000_000 else f"big{events}.csv")
    if not csv.exists():
        n, copies = make_big_log(source, csv, events)
        print(f"built {csv.name}: {n:,} events ({copies} copies of {source.name})")
    for fmt in formats:
        log = csv if fmt == "csv" else csv_to_parquet(csv)
        print(f"\nlog: {log} ({log.stat().st_size / 1e6:,.0f} MB)")
        bpr_out = OUT / "bpr_result"
        bpr_wall, bpr_peak = run(bpr_command(log, bpr_out, memory_limit), "bpr discover")
        print(f"bpr discover (duckdb)  {bpr_wall:8.1f} s   peak {bpr_peak:7.0f} MB")
        if skip_pm4py:
            continue
        script = OUT / "pm4py_discover.py"
        script.write_text(PM4PY_SCRIPT)
        pm_out = OUT / "pm4py_summary.json"
        pm_wall, pm_peak = run([sys.executable, str(script), str(log), str(pm_out)], "pm4py")
        print(f"pm4py                  {pm_wall:8.1f} s   peak {pm_peak:7.0f} MB")
        print(f"speed ratio pm4py/bpr  {pm_wall / bpr_wall:8.1f}x   (goal >= 10x; bpr peak goal <= 1536 MB)")
        problems = compare(json.loads((bpr_out / "result.json").read_text()), json.loads(pm_out.read_text()))
        print("results agree with pm4py" if not problems else "RESULTS DIFFER:\n  " + "\n  ".join(problems[:20]))


def csv_to_parquet(csv: Path) -> Path:
    """The same log as Parquet (same columns, same row order), as an export from a data warehouse
    would come; written once."""
    import duckdb

    target = csv.with_suffix(".parquet")
    if not target.exists():
        tmp = target.with_suffix(".part")
        duckdb.connect(config={"preserve_insertion_order": True}).execute(
            f"COPY (SELECT * FROM read_csv('{csv}', header = true)) TO '{tmp}' "
            "(FORMAT parquet, ROW_GROUP_SIZE 1000000)")
        os.replace(tmp, target)
    return target


def write_big_parquet(source: Path, out: Path, events: int, chunk_copies: int = 200) -> int:
    """A canonical Parquet log of >= `events` events: copies of `source`, written in chunks of
    `chunk_copies` copies (each chunk one file in folder `out`). Returns the event count."""
    import duckdb
    import pyarrow as pa

    import bpr

    log = bpr.read_log(source)
    copies = max(1, math.ceil(events / log.events))
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"memory_limit": "2GB"})
    con.execute("SET TimeZone = 'UTC'")
    base = log.table.sort_by("row")
    con.register("base", pa.table({c: base[c] for c in base.column_names}))
    n = base.num_rows
    for first in range(0, copies, chunk_copies):
        last = min(copies, first + chunk_copies)
        target = out / f"part-{first:06d}.parquet"
        if target.exists():
            continue
        tmp = target.with_suffix(".part")
        con.execute(f"""
            COPY (SELECT k || '-' || "case" AS "case", activity,
                         "timestamp" + to_days(CAST(7 * k AS INTEGER)) AS "timestamp",
                         "start", resource, department, channel, action, matter,
                         k * {n} + "row" AS "row"
                  FROM range({first}, {last}) AS r(k), base)
            TO '{tmp}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)""")
        os.replace(tmp, target)
    con.close()
    return n * copies


def big_run(events: int, source: Path, memory_limit: str) -> None:
    folder = OUT / f"big{events}_parquet"
    started = time.perf_counter()
    n = write_big_parquet(source, folder, events)
    print(f"log: {folder} ({n:,} events, written/checked in {time.perf_counter() - started:.0f} s)")
    bpr_out = OUT / "bpr_result_big"
    code = ("import sys; from bpr.analyse.discover import discover, write_discover;"
            "from bpr.analyse.engine import DuckDBEngine;"
            f"e = DuckDBEngine(memory_limit={memory_limit!r}); e.register({str(folder / '*.parquet')!r});"
            f"r = discover(None, engine=e, analyses=[]); write_discover(r, {str(bpr_out)!r})")
    wall, peak = run([sys.executable, "-c", code], "bpr discover (100M)")
    result = json.loads((bpr_out / "result.json").read_text())
    print(f"bpr discover (duckdb, {result['events']:,} events, {result['cases']:,} cases)  "
          f"{wall:.0f} s   peak {peak:.0f} MB   (memory limit {memory_limit})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=float, default=10_000_000, help="events in the comparison log")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="real log to replicate")
    parser.add_argument("--memory-limit", default="1GB", help="DuckDB memory limit for bpr")
    parser.add_argument("--skip-pm4py", action="store_true", help="time bpr only")
    parser.add_argument("--formats", default="csv,parquet",
                        help="the 10M log as these files, each timed for both tools (csv, parquet)")
    parser.add_argument("--big", type=float, default=None, help="run this many events through DuckDB only (e.g. 1e8)")
    args = parser.parse_args(argv)
    if args.big:
        big_run(int(args.big), args.source, args.memory_limit)
    else:
        compare_with_pm4py(int(args.events), args.source, args.memory_limit, args.skip_pm4py,
                           [f.strip() for f in args.formats.split(",")])


if __name__ == "__main__":
    main()
