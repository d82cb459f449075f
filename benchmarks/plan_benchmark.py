"""`bpr propose` + `bpr apply` (all accepted) on a big catalogue against pandas.read_excel merely reading it.

    python benchmarks/plan_benchmark.py [CATALOGUE.xlsx]     # default: the audit benchmark's 20k file

The catalogue comes from benchmarks/audit_benchmark.py (run it once with --matters 20000 --materials
120000 to generate benchmarks/out/audit_20000_120000.xlsx). Each side runs in its own child process
started in this run, on the same file; wall time is measured here (imports included), peak memory
is the child's ru_maxrss from os.wait4. Prints both times, the ratio, the phase split and memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "benchmarks" / "out" / "audit_20000_120000.xlsx"

REFERENCE = """
import pandas as pd, sys
pd.read_excel(sys.argv[1], sheet_name=None, engine="openpyxl")
"""

BPR = """
import json, sys, time
from pathlib import Path
phases = {}
t = time.perf_counter()
from bpr.io import read_catalogue
from bpr.measure import compare
from bpr.plan import apply_proposals, propose, write_plan
phases["import"] = time.perf_counter() - t; t = time.perf_counter()
cat = read_catalogue(sys.argv[1])
phases["read_catalogue"] = time.perf_counter() - t; t = time.perf_counter()
proposals = propose(cat)
phases["propose"] = time.perf_counter() - t; t = time.perf_counter()
write_plan(Path(sys.argv[2]) / "plan.yaml", proposals)
phases["write_plan"] = time.perf_counter() - t; t = time.perf_counter()
after = apply_proposals(cat, proposals)
phases["apply"] = time.perf_counter() - t; t = time.perf_counter()
result = compare(cat, after)
phases["compare"] = time.perf_counter() - t
print(json.dumps({"phases": phases, "matters": len(cat), "proposals": len(proposals),
                  "cut_pct": result.catalogue.cut_pct()}))
"""


def run(code: str, *args: str) -> tuple[float, int, str]:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read().decode() if proc.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child failed: {code[:40]}")
    return wall, usage.ru_maxrss, out  # ru_maxrss in KiB on Linux


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not path.exists():
        raise SystemExit(f"{path} not found: run benchmarks/audit_benchmark.py --matters 20000 --materials 120000")
    ref_wall, ref_mem, _ = run(REFERENCE, str(path))
    with tempfile.TemporaryDirectory() as tmp:
        bpr_wall, bpr_mem, out = run(BPR, str(path), tmp)
    info = json.loads(out.strip().splitlines()[-1])
    print(f"file: {path.name}  matters: {info['matters']}  proposals: {info['proposals']}")
    print(f"pandas.read_excel (openpyxl, all sheets): {ref_wall:8.1f} s   peak {ref_mem / 1024:7.0f} MiB")
    print(f"bpr read+propose+plan+apply+compare:      {bpr_wall:8.1f} s   peak {bpr_mem / 1024:7.0f} MiB")
    print(f"ratio bpr / read_excel: {bpr_wall / ref_wall:.2f}")
    print("phases (s): " + ", ".join(f"{k} {v:.2f}" for k, v in info["phases"].items()))
    print(f"catalogue cut %: {info['cut_pct']}")


if __name__ == "__main__":
    main()
