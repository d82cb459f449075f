"""Time bpr's matter-sheet reader against pandas.read_excel (openpyxl engine) on the same file.

    python benchmarks/make_big_catalogue.py            # 100,000 matters, 600,000 materials
    python benchmarks/read_catalogue_benchmark.py benchmarks/out/big_catalogue.xlsx

Each contender runs in a fresh subprocess (so peak RSS is its own), alternating, `--repeat` times;
the ratio is bpr / pandas of the median wall times, and of CPU times (steadier on a shared machine). pandas reads every sheet (sheet_name=None),
which is the data bpr reads.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_PANDAS = """
import json, resource, sys, time
import pandas as pd
t, cpu = time.perf_counter(), time.process_time()
frames = pd.read_excel(sys.argv[1], engine="openpyxl", sheet_name=None)
rows = sum(len(f) for f in frames.values())
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - cpu, "rows": rows,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
_BPR = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
import bpr
t, cpu = time.perf_counter(), time.process_time()
c = bpr.read_catalogue(sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - cpu, "matters": len(c),
                  "materials": sum(len(m.materials) for m in c), "warnings": len(c.warnings),
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(code: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", code, str(path), str(ROOT)], check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, nargs="?", default=ROOT / "benchmarks" / "out" / "big_catalogue.xlsx")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    pandas_runs, bpr_runs = [], []
    for _ in range(args.repeat):
        pandas_runs.append(run(_PANDAS, args.path))
        bpr_runs.append(run(_BPR, args.path))
        print("pandas", pandas_runs[-1], "\nbpr   ", bpr_runs[-1], flush=True)
    p = statistics.median(r["seconds"] for r in pandas_runs)
    b = statistics.median(r["seconds"] for r in bpr_runs)
    pc = statistics.median(r["cpu"] for r in pandas_runs)
    bc = statistics.median(r["cpu"] for r in bpr_runs)
    print(f"pandas.read_excel {p:.1f}s wall / {pc:.1f}s CPU (peak {max(r['peak_mib'] for r in pandas_runs):.0f} MiB); "
          f"bpr.read_catalogue {b:.1f}s wall / {bc:.1f}s CPU (peak {max(r['peak_mib'] for r in bpr_runs):.0f} MiB); "
          f"ratio {b / p:.2f} wall, {bc / pc:.2f} CPU")


if __name__ == "__main__":
    main()
