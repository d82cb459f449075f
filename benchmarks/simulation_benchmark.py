"""Simulation accuracy and speed, bpr vs Prosimos, in the same run on the same data.

    python benchmarks/simulation_benchmark.py [LOG ...] [--replications 3] [--speed-cases 3000]
        [--shares 0.5,0.6,0.7,0.8] [--no-prosimos] [--mechanisms] [--since-drift]
    python benchmarks/simulation_benchmark.py --timing [LOG ...]

Accuracy: each log (default: ../shared/data/logs and samples/logs) is split by case start at each
share of a rolling origin (default 50, 60, 70 and 80 % of the cases; `validate_log` per split);
the model discovered on the first part is simulated over the test window by bpr's engine and, after
export (BPMN + JSON parameters), by Prosimos; both go through the same observation window (same
start and cut-off) and are compared with the real test cases: median and p90 relative errors of
cycle time (quantiles of all replications pooled) and the cycle-time EMD in hours
(log-distance-measures, 1-hour bins); beside them the per-step median-wait error and the 3-gram
control-flow distance (`step_wait_errors`, `ngram_distance`), computed the same way from each
tool's simulated events (Prosimos' artificial arrival task named as the model's start activity
when there is one). Replications are raised on small test windows (as `validate_log` does) and
Prosimos runs as many. Per log, the worst split of each figure closes the table.

With --since-drift, a log with a split flagged as drifted (the training period's own cycle times
miss the test period's by more than twice the goal) is validated again on the cases since its
detected change (`drift_start`), as `bpr simulate LOG --since DATE` does; the issue counts drifting
logs only there.

With --mechanisms, the generated logs of tests/simulate/mechanism_logs.py (one known mechanism each:
a fixed-term 公示, a weekly batch, channel-driven branching, a long-tailed wait, an inspection booked
at 审查 (anchored wait), none; 3000 cases,
seed 0) are validated too, beside the given or default logs. Prosimos gets the exported model, which
carries none of the mechanisms (the export knows queues, routing and durations only).

A third table puts, per split, the forecast's case count in the test window beside the real one
and the errors given the real arrivals (the real case starts replayed: the process model alone,
`given_arrivals`), as SIMOD and AgentSimulator simulate as many cases as the test log has; and the
errors of the training period's own cycle times against the test period's (drawn and cut as the
test window's, `train_median_h`): what a model that reproduced the training period exactly would
score. Where that misses the bar too, the test period ran differently from the training period.
Last, the model on the period it learnt from (`past_period`: the training cases replayed): where it
meets the bar and the test window does not, the miss is the process's change after the split, not
the model.

Speed: a 10-step, 5-pool model (office hours, lognormal work, exponential delays) simulated for the
same number of cases by both; cases per second (Prosimos timed around run_simulation only).

With --timing, `bpr simulate LOG --validate` is timed as a user runs it (a child process: wall
time and peak resident memory from os.wait4) on the two stand-ins of benchmarks/make_sim_logs.py
for the held-out logs of issue 19 (a 400-activity municipal log, bar 5 minutes; a travel-permit
log of 6,400 cases and 49 activities, bar 2 minutes), or on the given logs; nothing else runs.

Prosimos pins pandas < 3, so it lives in its own virtual environment, created on first use under
benchmarks/out/prosimos-venv with `python -m venv` and `pip install prosimos log-distance-measures`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bpr  # noqa: E402
from bpr.errors import BprError  # noqa: E402
from bpr.simulate.clock import Schedule  # noqa: E402
from bpr.simulate.distributions import Distribution  # noqa: E402
from bpr.simulate.engine import generate_arrivals, run_replication  # noqa: E402
from bpr.simulate.export import ARRIVAL_TASK, write_bpmn, write_prosimos  # noqa: E402
from bpr.simulate.model import END, Activity, Arrivals, Pool, SimulationModel  # noqa: E402
from bpr.simulate.validate import (  # noqa: E402
    ROLLING_SHARES,
    bootstrap_interval,
    cycle_time_errors,
    log_traces,
    ngram_distance,
    step_wait_errors,
    validate_log,
    validation_setup,
    verdict,
)

OUT = ROOT / "benchmarks" / "out"
VENV = OUT / "prosimos-venv"
RUNNER = ROOT / "benchmarks" / "prosimos_runner.py"
WARMUP_DAYS = 30.0
#: issue 19's bar ("done when"): median error at most 5 %, p90 error at most 10 % on every split
ISSUE_BAR = {"median": 0.05, "p90": 0.10}


def venv_python() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "prosimos", "log-distance-measures"], check=True)
    return python


def run_prosimos(model: SimulationModel, folder: Path, cases: int, start: pd.Timestamp,
                 seeds: list[int]) -> list[tuple[pd.DataFrame, float]]:
    """Prosimos on the exported model, one log per seed (one interpreter for all): (log, seconds of
    run_simulation) per seed."""
    folder.mkdir(parents=True, exist_ok=True)
    write_bpmn(model, folder / "model.bpmn")
    write_prosimos(model, folder / "prosimos.json")
    prefix = folder / "prosimos_log"
    proc = subprocess.run([str(venv_python()), str(RUNNER), "simulate", str(folder / "model.bpmn"),
                           str(folder / "prosimos.json"), str(cases), start.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                           str(prefix), ",".join(str(s) for s in seeds)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"Prosimos failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}")
    seconds = json.loads(proc.stdout.strip().splitlines()[-1])["seconds"]
    return [(pd.read_csv(f"{prefix}_{seed}.csv"), secs) for seed, secs in zip(seeds, seconds, strict=True)]


def prosimos_traces(frame: pd.DataFrame, origin: pd.Timestamp, window_start: float, cutoff: float,
                    policy: str, start_activity: str | None) -> list[list[tuple[str, float]]]:
    """Events (activity, end hour) of the Prosimos cases kept as in `prosimos_cycle_hours`, up to
    the cut-off; the arrival task becomes `start_activity` (the step it stands for), if given."""
    frame = frame.copy()
    for col in ("enable_time", "end_time"):
        frame[col] = (pd.to_datetime(frame[col], utc=True, format="ISO8601").dt.tz_localize(None) - origin
                      ).dt.total_seconds() / 3600
    arrival = frame.groupby("case_id")["enable_time"].min()
    last_all = frame.groupby("case_id")["end_time"].max()
    cases = [c for c in arrival[arrival >= window_start].index if policy != "complete-only" or last_all[c] <= cutoff]
    kept = frame[frame["case_id"].isin(cases) & (frame["end_time"] <= cutoff)]
    if start_activity:
        kept = kept.assign(activity=kept["activity"].replace(ARRIVAL_TASK, start_activity))
    return [list(zip(g["activity"].astype(str), g["end_time"].astype(float), strict=True))
            for _, g in kept.sort_values(["case_id", "end_time"], kind="stable").groupby("case_id")]


def prosimos_cycle_hours(frame: pd.DataFrame, origin: pd.Timestamp, window_start: float, cutoff: float,
                         policy: str) -> np.ndarray:
    """Cycle times (hours) of Prosimos cases arriving in the window, cut off like the real log."""
    frame = frame.copy()
    for col in ("enable_time", "end_time"):
        frame[col] = (pd.to_datetime(frame[col], utc=True, format="ISO8601").dt.tz_localize(None) - origin
                      ).dt.total_seconds() / 3600
    arrival_rows = frame[frame["activity"] == ARRIVAL_TASK]
    arrival = (arrival_rows.groupby("case_id")["enable_time"].min() if len(arrival_rows)
               else frame.groupby("case_id")["enable_time"].min())
    last_all = frame.groupby("case_id")["end_time"].max()
    kept = frame[frame["end_time"] <= cutoff].groupby("case_id")["end_time"].max()
    cases = arrival[arrival >= window_start].index
    if policy == "complete-only":
        cases = [c for c in cases if last_all[c] <= cutoff]
    return np.array([kept.get(c, arrival[c]) - arrival[c] for c in cases], dtype=float)


def ldm_emd(real: np.ndarray, sims: list[np.ndarray]) -> list[float]:
    """log-distance-measures' cycle-time distance of `real` to each of `sims` (cycle times, hours)."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, hours in (("real", real), *((f"sim{i}", s) for i, s in enumerate(sims))):
            t0 = pd.Timestamp("2020-01-01", tz="UTC")
            f = pd.DataFrame({"case": range(len(hours)), "start": t0,
                              "end": t0 + pd.to_timedelta(np.asarray(hours) * 3600, unit="s")})
            path = Path(tmp) / f"{name}.csv"
            f.to_csv(path, index=False)
            paths.append(str(path))
        proc = subprocess.run([str(venv_python()), str(RUNNER), "ldm", *paths], capture_output=True, text=True,
                              check=True)
        return json.loads(proc.stdout.strip().splitlines()[-1])["emd_hours"]


def drift_since(path: Path, timezone: str = "Asia/Shanghai") -> pd.Timestamp | None:
    """Where `bpr.simulate.discovery.drift_start` puts the log's change for good (time-zone aware),
    or None: the --since a user is told to set when validation says the process drifted."""
    from bpr.simulate.discovery import drift_start, local_frame

    log = bpr.read_log(path, timezone=timezone)
    start = drift_start(local_frame(log))
    return None if start is None else start.tz_localize(log.timezone)


def accuracy(path: Path, replications: int, seed: int, share: float = 0.7, prosimos: bool = True,
             since: pd.Timestamp | None = None, timezone: str = "Asia/Shanghai") -> dict:
    log = bpr.read_log(path, timezone=timezone)
    if since is not None:  # as `bpr simulate LOG --since DATE`: the cases started since
        log = log.cases_since(since.to_pydatetime())
    setup = validation_setup(log, seed=seed, train_share=share, source=str(path))
    ours = validate_log(log, replications=replications, seed=seed, train_share=share, warmup_days=WARMUP_DAYS,
                        source=str(path))
    replications = ours.replications  # raised on small test windows; Prosimos gets as many
    real = np.asarray(ours.real_hours)
    row = {
        "log": path.name if since is None else f"{path.name} since {since:%Y-%m-%d}", "train_share": share, "test_cases": int(len(real)), "policy": setup.policy,
        "replications": replications, "drift": bool(ours.drift),
        "real_median_h": float(np.median(real)), "real_p90_h": float(np.percentile(real, 90)),
        "real_median_ci_h": bootstrap_interval(real, 50, seed), "real_p90_ci_h": bootstrap_interval(real, 90, seed),
        "ours": {"median_rel_error": ours.median_rel_error, "p90_rel_error": ours.p90_rel_error,
                 "emd_hours_scipy": ours.emd_hours, "sim_median_h": ours.sim_median_h, "sim_p90_h": ours.sim_p90_h,
                 "step_wait_error": ours.step_wait_error, "control_flow_distance": ours.control_flow_distance,
                 "given_arrivals": ours.given_arrivals, "arrival_check": ours.arrival_check,
                 "past_period": ours.past_period, "train_median_h": ours.train_median_h, "train_p90_h": ours.train_p90_h},
    }
    if not prosimos:
        return row
    model = setup.model
    origin = pd.Timestamp(model.origin)
    start_h = max(setup.window_start - WARMUP_DAYS * 24, 0.0)
    expected = len(generate_arrivals(model, np.random.default_rng(seed), start_h, setup.window_end + 1e-6))
    sims, traces = [], []
    seconds = 0.0
    start_activity = next(iter(model.start)) if model.first_step_instant and len(model.start) == 1 else None
    runs = run_prosimos(model, OUT / "simulation" / path.name.split(".")[0], max(expected, 1),
                        origin + pd.Timedelta(hours=start_h), [seed * 1000 + r for r in range(replications)])
    for frame, secs in runs:
        seconds += secs
        sims.append(prosimos_cycle_hours(frame, origin, setup.window_start, setup.cutoff, setup.policy))
        traces += prosimos_traces(frame, origin, setup.window_start, setup.cutoff, setup.policy, start_activity)
    theirs = cycle_time_errors(setup.real_hours, sims)
    theirs["emd_hours_scipy"] = theirs.pop("emd_hours")
    real_traces = log_traces(setup.test)
    row["ours"]["emd_hours_ldm"] = float(np.mean(ldm_emd(real, [np.asarray(s) for s in ours.sim_hours if len(s)])))
    row["prosimos"] = {**theirs, "emd_hours_ldm": float(np.mean(ldm_emd(real, [s for s in sims if len(s)]))),
                       "step_wait_error": round(step_wait_errors(real_traces, traces)[1], 4),
                       "control_flow_distance": round(ngram_distance(real_traces, traces), 4), "seconds": seconds}
    return row


def speed_model() -> SimulationModel:
    """10 steps in sequence with a rework edge, 5 pools of 2–4 people on office hours."""
    office = Schedule.parse("09:00-12:00,13:30-17:30", "mon-fri", calendar="weekly")
    pools = {f"pool{i}": Pool(f"pool{i}", 2 + i % 3, office) for i in range(5)}
    steps = [f"step{i}" for i in range(10)]
    acts = {s: Activity(s, f"pool{i % 5}", Distribution("lognorm", [0.6, 0.0, 0.5], mean=0.6),
                        Distribution("expon", [0.0, 1.0], mean=1.0)) for i, s in enumerate(steps)}
    transitions = {s: {(steps[i + 1] if i + 1 < 10 else END): 1.0} for i, s in enumerate(steps)}
    transitions["step5"] = {"step6": 0.9, "step3": 0.1}
    rates = [[1.0 if 9 <= h < 17 else 0.0 for h in range(24)] if d < 5 else [0.0] * 24 for d in range(7)]
    return SimulationModel(acts, {"step0": 1.0}, transitions, pools, Arrivals([*rates, [0.0] * 24], "weekly"),
                           first_step_instant=False, rework_edges=[("step5", "step3")], log_end="2024-01-01 00:00:00")


def speed(cases: int, seed: int) -> dict:
    model = speed_model()
    t0 = time.perf_counter()
    out = run_replication(model, seed, cases=cases)
    ours_s = time.perf_counter() - t0
    [(frame, theirs_s)] = run_prosimos(model, OUT / "simulation" / "speed", cases, pd.Timestamp("2024-01-01"), [seed])
    return {"cases": cases, "ours_cases_per_s": cases / ours_s, "prosimos_cases_per_s": cases / theirs_s,
            "ratio": (cases / ours_s) / (cases / theirs_s),
            "ours_mean_cycle_h": float(out.cycle_hours.mean()),
            "prosimos_mean_cycle_h": float((pd.to_datetime(frame.groupby("case_id")["end_time"].max(), format="ISO8601")
                                            - pd.to_datetime(frame.groupby("case_id")["enable_time"].min(), format="ISO8601")
                                            ).dt.total_seconds().mean() / 3600)}


#: issue 19, point 4: wall-time bars (seconds) of `bpr simulate --validate` on the stand-ins
TIMING_BARS = {"municipal_400": 300.0, "travel_permit": 120.0}


def time_validate(path: Path, seed: int = 0) -> dict:
    """`bpr simulate PATH --validate` in a child process, as a user runs it: wall seconds, CPU
    seconds and peak resident memory (MB) of the child."""
    import os
    import shutil

    out = Path(tempfile.mkdtemp(prefix="bpr_timing_"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-c", "from bpr.cli import main; main()", "simulate", str(path), "--validate",
           "--seed", str(seed), "-o", str(out / "sim")]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    result = json.loads((out / "sim" / "result.json").read_text()) if proc.returncode == 0 else {}
    shutil.rmtree(out, ignore_errors=True)
    log = bpr.read_log(path)
    v = result.get("validation") or {}
    return {"log": path.name, "exit": proc.returncode, "error": stderr.strip().splitlines()[-1:] if proc.returncode else [],
            "cases": log.cases, "activities": int(log.to_pandas()["activity"].nunique()),
            "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024,
            "median_rel_error": v.get("median_rel_error"), "p90_rel_error": v.get("p90_rel_error")}


def timing(logs: list[Path], seed: int) -> list[dict]:
    """Time `bpr simulate --validate` on `logs` (default: the stand-ins of make_sim_logs) and print
    each against its bar."""
    if not logs:
        from benchmarks.make_sim_logs import write_logs

        logs = write_logs(OUT / "sim_logs", seed)
    rows = []
    for path in logs:
        r = time_validate(path, seed)
        bar = next((b for name, b in TIMING_BARS.items() if path.name.startswith(name)), None)
        r["bar_s"] = bar
        rows.append(r)
        bar_text = "" if bar is None else f" (bar {bar:.0f} s: {'met' if r['wall_s'] <= bar else 'MISSED'})"
        print(f"{path.name}: {r['cases']} cases, {r['activities']} activities: bpr simulate --validate "
              f"{r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU, peak RSS {r['peak_rss_mb']:.0f} MB{bar_text}; "
              f"median error {r['median_rel_error']}, P90 error {r['p90_rel_error']}"
              + (f"; exit {r['exit']}: {r['error']}" if r["exit"] else ""))
    return rows


def _cell(value: float | None, spec: str, width: int) -> str:
    return f"{'—':>{width}}" if value is None or not np.isfinite(value) else f"{format(value, spec):>{width}}"


FIGURES = (("median_rel_error", ".1%"), ("p90_rel_error", ".1%"), ("emd", ".1f"), ("step_wait_error", ".1%"),
           ("control_flow_distance", ".3f"))


def _rel(value: float, real: float) -> float:
    return abs(value - real) / real if real else float("nan")


def _figure(tool: dict, key: str) -> float | None:
    if key == "emd":
        return tool.get("emd_hours_ldm", tool.get("emd_hours_scipy"))
    return tool.get(key)


def print_table(rows: list[dict]) -> None:
    """One line per log and split (ours / Prosimos), then per log the worst split of each figure."""
    print(f"{'log':30} {'split':>5} {'cases':>6} {'reps':>4}  " + "  ".join(
        f"{name:>21}" for name in ("median err", "p90 err", "EMD h", "step-wait err", "3-gram dist")))
    tools = ("ours", "prosimos")
    for log in dict.fromkeys(r["log"] for r in rows):
        mine = [r for r in rows if r["log"] == log]
        for r in mine:
            if "skipped" in r:
                print(f"{log:30} {r.get('train_share', 0):>5.0%} skipped: {r['skipped']}")
                continue
            cells = ["/".join(_cell(_figure(r[t], k), spec, 10) if t in r else f"{'—':>10}" for t in tools)
                     for k, spec in FIGURES]
            flag = "d" if r.get("drift") else " "
            print(f"{log:30} {r['train_share']:>4.0%}{flag} {r['test_cases']:>6} {r['replications']:>4}  " + "  ".join(cells))
        ran = [r for r in mine if "skipped" not in r]
        if ran:
            cells = []
            for k, spec in FIGURES:
                worst = []
                for t in tools:
                    values = [v for r in ran if t in r and (v := _figure(r[t], k)) is not None and np.isfinite(v)]
                    worst.append(_cell(max(values) if values else None, spec, 10))
                cells.append("/".join(worst))
            print(f"{log:30} {'worst':>5} {'':>6} {'':>4}  " + "  ".join(cells))
    print("(ours/Prosimos; d: the split drifted, the training period's own cycle times miss the test period's "
          "by more than twice the goal: it counts only with --since, see bpr.simulate.validate)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logs", nargs="*")
    parser.add_argument("--replications", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--speed-cases", type=int, default=3000)
    parser.add_argument("--shares", default=",".join(str(x) for x in ROLLING_SHARES),
                        help="Rolling-origin splits: shares of the cases to train on.")
    parser.add_argument("--no-prosimos", action="store_true", help="Only bpr (no Prosimos environment needed).")
    parser.add_argument("--mechanisms", action="store_true",
                        help="Also validate on the generated logs with one known mechanism each (issue 19).")
    parser.add_argument("--since-drift", action="store_true",
                        help="For a log with a drifting split, also validate the cases since its detected change "
                             "(as bpr simulate --since, the date from bpr.simulate.discovery.drift_start).")
    parser.add_argument("--timing", action="store_true",
                        help="Only time `bpr simulate --validate` on the given logs, or on make_sim_logs' stand-ins.")
    parser.add_argument("--timezone", default="Asia/Shanghai",
                        help="Time zone of the given logs' times written without one (as bpr simulate --timezone; "
                             "Europe/Amsterdam for the BPI 2020 logs).")
    args = parser.parse_args()
    if args.timing:
        rows = timing([Path(p) for p in args.logs], args.seed)
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "simulation_timing.json").write_text(json.dumps(rows, indent=1, default=str))
        return
    shares = [float(x) for x in args.shares.split(",") if x.strip()]
    with_prosimos = not args.no_prosimos
    logs = [Path(p) for p in args.logs] or [
        *sorted((ROOT.parent / "shared" / "data" / "logs").glob("*.xes*")),
        *sorted(p for p in (ROOT / "samples" / "logs").glob("*") if p.suffix in (".csv", ".xes", ".gz", ".parquet", ".xlsx"))]
    if args.mechanisms:
        from tests.simulate.mechanism_logs import MECHANISMS, write_mechanism_log

        folder = OUT / "mechanism_logs"
        folder.mkdir(parents=True, exist_ok=True)
        logs += [write_mechanism_log(folder / f"mechanism_{m}.csv", m) for m in MECHANISMS]
    rows = []
    for path in logs:
        for share in shares:
            try:
                rows.append(accuracy(path, args.replications, args.seed, share, with_prosimos, timezone=args.timezone))
            except (BprError, RuntimeError) as exc:
                rows.append({"log": path.name, "train_share": share, "skipped": str(exc)})
        if args.since_drift and any(r.get("drift") for r in rows if r["log"] == path.name):
            since = drift_since(path, args.timezone)
            for share in shares if since is not None else []:
                try:
                    rows.append(accuracy(path, args.replications, args.seed, share, with_prosimos, since, args.timezone))
                except (BprError, RuntimeError) as exc:
                    rows.append({"log": f"{path.name} since {since:%Y-%m-%d}", "train_share": share,
                                 "skipped": str(exc)})
    print_table(rows)
    print(f"\n{'log':30} {'split':>5} {'real median h [95% CI]':>26} {'ours':>8} {'Prosimos':>9}   "
          f"{'real p90 h [95% CI]':>26} {'ours':>8} {'Prosimos':>9}   ours vs the issue's bar\n"
          "(* inside the real figure's CI; verdict per figure (bpr.simulate.validate.verdict): met, sampling "
          "= missed but inside the real figure's CI, model = missed and outside it)")
    for r in rows:
        if "skipped" in r:
            continue
        cells = []
        for key in ("median", "p90"):
            lo, hi = r[f"real_{key}_ci_h"]
            sims = [r[tool][f"sim_{key}_h"] for tool in ("ours", "prosimos") if tool in r]
            cells.append(f"{r[f'real_{key}_h']:9.1f} [{lo:7.1f}, {hi:7.1f}] "
                         + " ".join(f"{v:8.1f}{'*' if lo <= v <= hi else ' '}" for v in sims))
        verdicts = [verdict(r["ours"][f"{key}_rel_error"], ISSUE_BAR[key], r["ours"][f"sim_{key}_h"],
                            r[f"real_{key}_ci_h"]) for key in ("median", "p90")]
        print(f"{r['log']:30} {r['train_share']:>5.0%} {cells[0]}  {cells[1]}   {'/'.join(verdicts)}")
    print(f"\n{'log':30} {'split':>5} {'real cases':>10} {'forecast':>9}   given the real arrivals (the process model "
          "alone): median err, p90 err, EMD h   the training period's own cases: median err, p90 err   the model on its "
          "training period: median err, p90 err")
    for r in rows:
        if "skipped" in r or not r["ours"].get("given_arrivals"):
            continue
        a, g = r["ours"]["arrival_check"], r["ours"]["given_arrivals"]
        print(f"{r['log']:30} {r['train_share']:>5.0%} {a['real_cases']:>10} {a['simulated_cases']:>9.0f}"
              f"{'!' if a['missed'] else ' '}  {100 * g['median_rel_error']:>8.1f}% {100 * g['p90_rel_error']:>8.1f}% "
              f"{g['emd_hours']:>8.1f}   {100 * _rel(r['ours']['train_median_h'], r['real_median_h']):>8.1f}% "
              f"{100 * _rel(r['ours']['train_p90_h'], r['real_p90_h']):>8.1f}%   "
              + (f"{100 * p['median_rel_error']:>8.1f}% {100 * p['p90_rel_error']:>8.1f}%"
                 if (p := r["ours"].get("past_period")) else f"{'—':>9} {'—':>9}"))
    print("(! the forecast's case count misses the real one by more than 25 %: bpr.simulate.validate.arrival_check;\n"
          " the training period's own cases, cut and compared as the test window's: what a model reproducing the\n"
          " training period exactly would score; over the bar, the test period ran differently from it; the model on its\n"
          " training period: its training cases replayed (bpr.simulate.validate.past_period): small errors there and\n"
          " large ones on the test period mean a change)")
    s = speed(args.speed_cases, args.seed) if with_prosimos else None
    if s:
        print(f"speed, 10 steps / 5 pools, {s['cases']} cases: bpr {s['ours_cases_per_s']:.0f} cases/s, "
              f"Prosimos {s['prosimos_cases_per_s']:.0f} cases/s, ratio {s['ratio']:.1f}x "
              f"(mean cycle {s['ours_mean_cycle_h']:.1f} h vs {s['prosimos_mean_cycle_h']:.1f} h)")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "simulation_benchmark.json").write_text(json.dumps({"accuracy": rows, "speed": s}, indent=1, default=str))


if __name__ == "__main__":
    main()
