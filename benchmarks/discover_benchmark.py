"""`bpr discover` (full, and `--core`) against pm4py's core on big logs: wall time, peak memory,
and where bpr's time goes per analysis.

    python benchmarks/discover_benchmark.py                           # both log shapes, 10M events each
    python benchmarks/discover_benchmark.py --events 2e6 --logs road  # smaller, one shape
    python benchmarks/discover_benchmark.py --repeat 3                # medians of 3 interleaved rounds
    python benchmarks/discover_benchmark.py --big 1e8                 # 100M events through DuckDB only

Two log shapes, each built once under benchmarks/out by replicating a real log with new case ids
(benchmarks/make_big_log.py), as CSV and as the same log in Parquet:
- `road`: ../shared/data/logs/roadtraffic100traces.xes: many short cases (3-4 events each), the
  shape of a high-volume counter service;
- `domestic`: DomesticDeclarations.xes.gz: fewer, longer cases.
On each file it runs, each as a separate process including its own file reading:
- `bpr discover LOG -o OUT` (what a user runs: every analysis), timed per analysis: each query the
  engine runs is charged to the bpr.analyse function that asked for it;
- `bpr discover LOG -o OUT --core` (what pm4py also computes);
- a pm4py script (`pandas.read_csv` or `read_parquet`, `pm4py.format_dataframe`,
  `discover_performance_dfg`, `get_all_case_durations`, `get_variants`,
  `get_rework_cases_per_activity`).
Wall time and peak RSS come from os.wait4 on each child. It prints both, the speed ratios (goals:
full >= 5x, --core >= 10x, bpr peak <= 1.5 GB), the time per analysis, and checks that bpr and
pm4py found the same figures.

The children import bpr from the current directory first (`python -c` puts it on sys.path before
PYTHONPATH): to time another checkout (e.g. main, for before/after), cd into it and run this file
by its path, with PYTHONPATH pointing there too.

The 100M mode writes a canonical Parquet log in chunks of copies (never whole in memory) and times
`bpr discover` on it with DuckDB under its memory limit, core and full.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))
LOGS = ROOT.parent / "shared" / "data" / "logs"
DEFAULT_SOURCE = LOGS / "DomesticDeclarations.xes.gz"
#: the log shapes: name -> real log replicated
SHAPES = {"road": LOGS / "roadtraffic100traces.xes", "domestic": DEFAULT_SOURCE}

#: the full command, run as the CLI runs it, with every engine query charged to the bpr.analyse
#: function that asked for it (module:function), written as JSON to argv[1]
PROFILED_CLI = r"""
import json, sys, time, traceback
from collections import Counter
import bpr.analyse.engine as E
spent = Counter()

def owner():
    for frame in reversed(traceback.extract_stack()[:-2]):
        if "/bpr/analyse/" in frame.filename and not frame.filename.endswith("engine.py"):
            module = frame.filename.split("/bpr/analyse/")[1].removesuffix(".py").replace("/", ".")
            return f"{module}:{frame.name}"
    return "other"

def timed(method):
    def run(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return method(self, *args, **kwargs)
        finally:
            spent[owner()] += time.perf_counter() - started
    return run

for cls in (E.DuckDBEngine, E.SparkEngine):
    for name in ("sql", "materialize", "register"):
        setattr(cls, name, timed(getattr(cls, name)))
started = time.perf_counter()
from bpr.cli import main
try:
    main(sys.argv[2:])
except SystemExit as stop:
    if stop.code not in (0, None):
        raise
spent["(total)"] = time.perf_counter() - started
with open(sys.argv[1], "w") as fh:
    json.dump(dict(spent), fh)
"""

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


#: CPU seconds (user + system) of the last child `run` waited for: on a shared machine wall time
#: moves with the other jobs, CPU time much less, so before/after comparisons read both
last_cpu = 0.0


def run(cmd: list[str], label: str) -> tuple[float, float]:
    """Run `cmd` as a child; return (wall seconds, peak RSS in MB) of that process alone (its CPU
    seconds go to `last_cpu`)."""
    global last_cpu
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    last_cpu = usage.ru_utime + usage.ru_stime
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


def bpr_command(log: Path, out: Path, memory_limit: str, core: bool = True, profile: Path | None = None) -> list[str]:
    args = ["discover", str(log), "-o", str(out), "--memory-limit", memory_limit, *(["--core"] if core else [])]
    if profile is not None:
        return [sys.executable, "-c", PROFILED_CLI, str(profile), *args]
    return [sys.executable, "-c", "from bpr.cli import main; main()", *args]


def print_profile(profile: Path, wall: float) -> None:
    """Where the full run's time went: engine time per analysis function, largest first."""
    spent = json.loads(profile.read_text())
    total = spent.pop("(total)", wall)
    print(f"    where the time goes (engine queries, of {total:.1f} s in the command):")
    for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1])[:14]:
        print(f"      {seconds:7.2f} s  {name}")
    print(f"      {total - sum(spent.values()):7.2f} s  the rest (Python, writing results, imports)")


def build(shape: str, source: Path, events: int) -> Path:
    """The CSV log of `shape`, built once."""
    from benchmarks.make_big_log import make_big_log

    label = f"{events // 1_000_000}m" if events % 1_000_000 == 0 else str(events)
    csv = OUT / f"{shape}{label}.csv"
    if not csv.exists():
        n, copies = make_big_log(source, csv, events)
        print(f"built {csv.name}: {n:,} events ({copies} copies of {source.name})")
    return csv


def compare_with_pm4py(events: int, shapes: dict[str, Path], memory_limit: str, skip_pm4py: bool,
                       formats: list[str], repeat: int = 1) -> None:
    """Time each tool on each log file; with `repeat` > 1, in that many rounds (core, full, pm4py,
    then again), reporting the median wall time and the largest peak: this VM's speed moves by
    30-40% between runs of the same command, and a ratio of medians over interleaved rounds moves
    much less than one of single runs."""
    rows = []
    for shape, source in shapes.items():
        if not source.exists():
            print(f"skip {shape}: {source} absent")
            continue
        csv = build(shape, source, events)
        for fmt in formats:
            log = csv if fmt == "csv" else csv_to_parquet(csv)
            print(f"\n{shape}: {log.name} ({log.stat().st_size / 1e6:,.0f} MB)")
            core_out, full_out, profile = OUT / "bpr_core", OUT / "bpr_full", OUT / "bpr_profile.json"
            script, pm_out = OUT / "pm4py_discover.py", OUT / "pm4py_summary.json"
            script.write_text(PM4PY_SCRIPT)
            runs: dict[str, list[tuple[float, float]]] = {"core": [], "full": [], "pm": []}
            for round_ in range(repeat):
                suffix = f" (round {round_ + 1})" if repeat > 1 else ""
                runs["core"].append(run(bpr_command(log, core_out, memory_limit), "bpr discover --core"))
                print(f"  bpr discover --core    {runs['core'][-1][0]:8.1f} s   peak {runs['core'][-1][1]:7.0f} MB"
                      f"   cpu {last_cpu:6.1f} s   load {os.getloadavg()[0]:.1f}{suffix}")
                runs["full"].append(run(bpr_command(log, full_out, memory_limit, core=False, profile=profile),
                                        "bpr discover"))
                print(f"  bpr discover (full)    {runs['full'][-1][0]:8.1f} s   peak {runs['full'][-1][1]:7.0f} MB"
                      f"   cpu {last_cpu:6.1f} s   load {os.getloadavg()[0]:.1f}{suffix}")
                if round_ == 0:
                    print_profile(profile, runs["full"][-1][0])
                if not skip_pm4py:
                    runs["pm"].append(run([sys.executable, str(script), str(log), str(pm_out)], "pm4py"))
                    print(f"  pm4py (core)           {runs['pm'][-1][0]:8.1f} s   peak {runs['pm'][-1][1]:7.0f} MB"
                          f"   cpu {last_cpu:6.1f} s   load {os.getloadavg()[0]:.1f}{suffix}")
            row = {"shape": shape, "format": fmt}
            for kind, timed in runs.items():
                if timed:
                    row[f"{kind}_s"] = statistics.median(w for w, _ in timed)
                    row[f"{kind}_mb"] = max(m for _, m in timed)
            if runs["pm"]:
                print(f"  ratio pm4py/bpr{' (medians)' if repeat > 1 else ''}: --core {row['pm_s'] / row['core_s']:5.1f}x "
                      f"(goal >= 10x), full {row['pm_s'] / row['full_s']:5.1f}x (goal >= 5x); bpr peak goal <= 1536 MB")
                if repeat > 1:
                    pairs = list(zip(runs["pm"], runs["core"], runs["full"], strict=True))
                    print("  per round: --core " + ", ".join(f"{p[0] / c[0]:.1f}x" for p, c, _ in pairs)
                          + "; full " + ", ".join(f"{p[0] / f[0]:.1f}x" for p, _, f in pairs))
                pm = json.loads(pm_out.read_text())
                for label, folder in (("--core", core_out), ("full", full_out)):
                    problems = compare(json.loads((folder / "result.json").read_text()), pm)
                    print(f"  {label}: results agree with pm4py" if not problems
                          else f"  {label}: RESULTS DIFFER:\n    " + "\n    ".join(problems[:20]))
            rows.append(row)
    if rows:
        print("\nshape     format   --core s  (MB)   full s  (MB)   pm4py s  (MB)   core x  full x")
        for r in rows:
            pm = (f"{r['pm_s']:8.1f} {r['pm_mb']:6.0f}   {r['pm_s'] / r['core_s']:5.1f}x  {r['pm_s'] / r['full_s']:5.1f}x"
                  if "pm_s" in r else "")
            print(f"{r['shape']:9} {r['format']:8} {r['core_s']:7.1f} {r['core_mb']:6.0f}  {r['full_s']:7.1f} "
                  f"{r['full_mb']:6.0f}  {pm}")


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
    for label, analyses in (("--core", "[]"), ("full", "None")):
        code = ("import sys; from bpr.analyse.discover import discover, write_discover;"
                "from bpr.analyse.engine import DuckDBEngine;"
                f"e = DuckDBEngine(memory_limit={memory_limit!r}); e.register({str(folder / '*.parquet')!r});"
                f"r = discover(None, engine=e, analyses={analyses}); write_discover(r, {str(bpr_out)!r})")
        wall, peak = run([sys.executable, "-c", code], f"bpr discover {label} (big)")
        result = json.loads((bpr_out / "result.json").read_text())
        print(f"bpr discover {label} (duckdb, {result['events']:,} events, {result['cases']:,} cases)  "
              f"{wall:.0f} s   peak {peak:.0f} MB   (memory limit {memory_limit})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=float, default=10_000_000, help="events in the comparison log")
    parser.add_argument("--logs", default="road,domestic", help="log shapes to compare: " + ", ".join(SHAPES))
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="real log to replicate (--big)")
    parser.add_argument("--memory-limit", default="1GB", help="DuckDB memory limit for bpr")
    parser.add_argument("--skip-pm4py", action="store_true", help="time bpr only")
    parser.add_argument("--formats", default="csv,parquet",
                        help="each log as these files, each timed for both tools (csv, parquet)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds per log file (median wall time reported; 3 steadies the ratios)")
    parser.add_argument("--big", type=float, default=None, help="run this many events through DuckDB only (e.g. 1e8)")
    args = parser.parse_args(argv)
    if args.big:
        big_run(int(args.big), args.source, args.memory_limit)
    else:
        shapes = {name.strip(): SHAPES[name.strip()] for name in args.logs.split(",")}
        compare_with_pm4py(int(args.events), shapes, args.memory_limit, args.skip_pm4py,
                           [f.strip() for f in args.formats.split(",")], max(1, args.repeat))


if __name__ == "__main__":
    main()
