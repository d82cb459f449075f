"""Build a large CSV event log by replicating a real log with new case ids.

    python benchmarks/make_big_log.py --events 10000000 -o /tmp/big10m.csv
    python benchmarks/make_big_log.py --source ../shared/data/logs/receipt.xes.gz --events 1e8 -o /tmp/big100m.csv.gz

Copy k of the source (k = 0, 1, ...) gets case ids "<k>-<original id>" and its timestamps moved
k mod 104 weeks later (so no copy lands in the future), so variants, DFG edges and per-case
durations are those of the source, repeated.
The file has pm4py's column names (case:concept:name, concept:name, time:timestamp,
org:resource) and naive local times "YYYY-MM-DD HH:MM:SS" (the way Chinese exports write them),
so both `bpr` and `pandas.read_csv` + `pm4py.format_dataframe` read it. Rows are in source order
within each copy. Written by DuckDB in batches of copies (bounded memory at any size).
"""

from __future__ import annotations

import argparse
import gzip
import math
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "logs" / "DomesticDeclarations.xes.gz"
COLUMNS = {"case": "case:concept:name", "activity": "concept:name", "timestamp": "time:timestamp",
           "resource": "org:resource"}


def make_big_log(source: Path, out: Path, events: int, timezone: str = "Asia/Shanghai") -> tuple[int, int]:
    """Write at least `events` events to `out` (.csv or .csv.gz); return (events, copies)."""
    import bpr
    from bpr.io.safety import atomic_path
    from bpr.io.timestamps import connect

    log = bpr.read_log(source, timezone=timezone)
    copies = max(1, math.ceil(events / log.events))
    base = log.table.select(["case", "activity", "timestamp", "resource", "row"]).sort_by("row")
    con = connect(timezone, memory_limit="1GB")
    con.register("base", base)
    batch = max(1, 2_000_000 // log.events)  # copies per query: bounded memory for any size
    out.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if out.name.endswith(".gz") else open
    with atomic_path(out) as tmp, opener(tmp, "wb") as sink:
        sink.write(b"case:concept:name,concept:name,time:timestamp,org:resource\n")
        part = tmp.with_name(tmp.name + ".part.csv")
        for first in range(0, copies, batch):
            con.execute(f"""
                COPY (
                  SELECT k || '-' || b."case" AS "case:concept:name",
                         b.activity AS "concept:name",
                         strftime(b.timestamp + to_days(CAST(7 * (k % 104) AS INTEGER)), '%Y-%m-%d %H:%M:%S')
                             AS "time:timestamp",
                         b.resource AS "org:resource"
                  FROM range({first}, {min(first + batch, copies)}) AS r(k), base AS b
                  ORDER BY k, b."row"
                ) TO '{str(part).replace("'", "''")}' (FORMAT csv, HEADER false)
            """)
            with open(part, "rb") as fh:
                shutil.copyfileobj(fh, sink, 8 << 20)
        part.unlink()
    con.close()
    return log.events * copies, copies


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="log to replicate (any bpr log)")
    parser.add_argument("--events", type=float, default=10_000_000, help="at least this many events")
    parser.add_argument("-o", "--out", type=Path, required=True, help="output .csv or .csv.gz")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    n, copies = make_big_log(args.source, args.out, int(args.events))
    print(f"{args.out}: {n:,} events ({copies} copies of {args.source.name}), "
          f"{args.out.stat().st_size / 1e6:,.0f} MB in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
