"""Runs inside the Prosimos virtual environment (benchmarks/out/prosimos-venv): no bpr imports.

    python prosimos_runner.py simulate MODEL.bpmn PARAMS.json CASES START_ISO LOG_OUT.csv SEED
        -> prints {"seconds": ..., "cases": ...}   (time of run_simulation only)
    python prosimos_runner.py ldm REAL.csv SIM.csv
        -> prints log-distance-measures' cycle_time_distribution_distance (bin 1 hour), in hours
"""

from __future__ import annotations

import json
import sys
import time


def simulate(bpmn: str, params: str, cases: str, start: str, log_out: str, seed: str) -> None:
    import random

    import numpy as np
    from prosimos.simulation_engine import run_simulation

    np.random.seed(int(seed))
    random.seed(int(seed))
    t0 = time.perf_counter()
    run_simulation(bpmn, params, int(cases), stat_out_path=None, log_out_path=log_out, starting_at=start)
    print(json.dumps({"seconds": time.perf_counter() - t0, "cases": int(cases)}))


def ldm(real: str, sim: str) -> None:
    import datetime

    import pandas as pd
    from log_distance_measures.config import EventLogIDs
    from log_distance_measures.cycle_time_distribution import cycle_time_distribution_distance

    ids = EventLogIDs(case="case", activity="activity", start_time="start", end_time="end")
    frames = []
    for path in (real, sim):
        f = pd.read_csv(path)
        f["start"] = pd.to_datetime(f["start"], utc=True)
        f["end"] = pd.to_datetime(f["end"], utc=True)
        f["activity"] = "case"
        frames.append(f)
    print(json.dumps({"emd_hours": cycle_time_distribution_distance(frames[0], ids, frames[1], ids,
                                                                      datetime.timedelta(hours=1))}))


if __name__ == "__main__":
    {"simulate": simulate, "ldm": ldm}[sys.argv[1]](*sys.argv[2:])
