"""Runs inside the Prosimos virtual environment (benchmarks/out/prosimos-venv): no bpr imports.

    python prosimos_runner.py simulate MODEL.bpmn PARAMS.json CASES START_ISO LOG_PREFIX SEED[,SEED...]
        -> writes LOG_PREFIX_<seed>.csv per seed and prints {"seconds": [...], "cases": ...}
           (time of run_simulation only, one figure per seed)
    python prosimos_runner.py ldm REAL.csv SIM.csv [SIM.csv ...]
        -> prints {"emd_hours": [...]}: log-distance-measures' cycle_time_distribution_distance
           (bin 1 hour), in hours, of REAL against each SIM

All replications (or all distances) of one call share one interpreter: importing Prosimos and
pandas costs seconds, more than a small log's simulation.
"""

from __future__ import annotations

import json
import sys
import time


def simulate(bpmn: str, params: str, cases: str, start: str, log_prefix: str, seeds: str) -> None:
    import random

    import numpy as np
    from prosimos.simulation_engine import run_simulation

    seconds = []
    for seed in seeds.split(","):
        np.random.seed(int(seed))
        random.seed(int(seed))
        t0 = time.perf_counter()
        run_simulation(bpmn, params, int(cases), stat_out_path=None, log_out_path=f"{log_prefix}_{seed}.csv",
                       starting_at=start)
        seconds.append(time.perf_counter() - t0)
    print(json.dumps({"seconds": seconds, "cases": int(cases)}))


def ldm(real: str, *sims: str) -> None:
    import datetime

    import pandas as pd
    from log_distance_measures.config import EventLogIDs
    from log_distance_measures.cycle_time_distribution import cycle_time_distribution_distance

    ids = EventLogIDs(case="case", activity="activity", start_time="start", end_time="end")

    def read(path: str) -> pd.DataFrame:
        f = pd.read_csv(path)
        f["start"] = pd.to_datetime(f["start"], utc=True)
        f["end"] = pd.to_datetime(f["end"], utc=True)
        f["activity"] = "case"
        return f

    original = read(real)
    print(json.dumps({"emd_hours": [cycle_time_distribution_distance(original, ids, read(s), ids,
                                                                      datetime.timedelta(hours=1)) for s in sims]}))


if __name__ == "__main__":
    {"simulate": simulate, "ldm": ldm}[sys.argv[1]](*sys.argv[2:])
