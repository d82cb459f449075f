"""Reading a big CSV event log: bpr's reader against pandas.read_csv + pm4py.format_dataframe.

    python benchmarks/read_log.py                       # builds /tmp/bpr_bench/big10m.csv if absent
    python benchmarks/read_log.py --csv FILE --skip-pm4py

Each contender runs as its own process (wall time and peak RSS from wait4), one after the other
on the same file:

- pm4py:        pandas.read_csv + pm4py.format_dataframe (the reference: sorted pm4py frame)
- read_log:     bpr.read_log -> EventLog (sorted Arrow table in memory)
- convert_sorted: convert_log(sort=True) -> canonical Parquet in pm4py's order (bounded memory)
- convert_fast: convert_log(duplicates=False) -> canonical Parquet, file order
- duckdb:       load_into_duckdb -> a view in a DuckDB database (what SQL analytics need)

Every contender prints its event count; the script checks they agree and prints ratios.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CODE = {
    "pm4py": """
import pandas as pd, pm4py
df = pd.read_csv(CSV)
df = pm4py.format_dataframe(df, case_id='case:concept:name', activity_key='concept:name',
                            timestamp_key='time:timestamp')
print(len(df))
""",
    "read_log": """
import bpr
print(bpr.read_log(CSV).events)
""",
    "convert_sorted": """
from bpr.io.eventlog_reader import convert_log
print(convert_log(CSV, OUT, sort=True).events)
""",
    "convert_fast": """
from bpr.io.eventlog_reader import convert_log
print(convert_log(CSV, OUT, duplicates=False).events)
""",
    "duckdb": """
import duckdb
from bpr.io.eventlog_reader import load_into_duckdb
con = duckdb.connect(); con.execute("SET memory_limit = '1GB'")
print(load_into_duckdb(con, CSV, duplicates=False).events)
""",
}


def run(name: str, csv: Path, workdir: Path) -> tuple[float, float, str, float]:
    """(wall seconds, peak RSS in MB, stdout, CPU seconds) of one contender in a fresh process.

    CPU seconds (user + system) are printed too: on a shared machine wall time mostly measures
    the neighbours."""
    code = f"CSV = {str(csv)!r}\nOUT = {str(workdir / (name + '.parquet'))!r}\n" + CODE[name]
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{name} failed (exit {os.waitstatus_to_exitcode(status)})")
    return seconds, usage.ru_maxrss / 1024, out.strip().splitlines()[-1], usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=Path("/tmp/bpr_bench/big10m.csv"))
    parser.add_argument("--events", type=float, default=1e7, help="events to generate if --csv is missing")
    parser.add_argument("--skip-pm4py", action="store_true")
    parser.add_argument("--only", nargs="*", choices=list(CODE), help="run only these contenders")
    args = parser.parse_args(argv)
    if not args.csv.exists():
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from make_big_log import DEFAULT_SOURCE, make_big_log

        n, _ = make_big_log(DEFAULT_SOURCE, args.csv, int(args.events))
        print(f"built {args.csv} ({n:,} events)")
    names = args.only or [n for n in CODE if not (args.skip_pm4py and n == "pm4py")]
    results = {}
    with tempfile.TemporaryDirectory(prefix="bpr-bench-") as tmp:
        for name in names:
            results[name] = run(name, args.csv, Path(tmp))
            s, mb, out, cpu = results[name]
            print(f"{name:14s} {s:7.1f} s wall  {cpu:7.1f} s CPU  peak {mb:7.0f} MB  events {out}", flush=True)
    counts = {out for _, _, out, _ in results.values()}
    print("event counts agree" if len(counts) == 1 else f"EVENT COUNTS DIFFER: {counts}")
    if "pm4py" in results:
        ref_s, ref_mb, _, ref_cpu = results["pm4py"]
        for name, (s, mb, _, cpu) in results.items():
            if name != "pm4py":
                print(f"{name:14s} {ref_s / s:5.1f}x faster than pm4py (wall), {ref_cpu / cpu:5.1f}x (CPU), "
                      f"memory {mb / ref_mb:4.2f}x of pm4py's")


if __name__ == "__main__":
    main()
