"""Seeded stand-ins for the two held-out logs of issue 19 (point 4, speed), written as CSV:

    python benchmarks/make_sim_logs.py [--out benchmarks/out/sim_logs] [--seed 0]

- `municipal_400.csv`, shaped like BPIC 2015 municipality 1 (1,199 cases, 398 activities): about
  1,200 cases arriving over three years, 400 activities in 40 phases of 10, each case passing most
  phases and one to three activities of each (about 40 events a case, nearly every case its own
  variant); waits in working hours with a long tail (a share of each activity's waits 20–60 times its
  usual one); 25 staff in five departments, two or three on each activity; completion times only.
- `travel_permit.csv`, shaped like the BPI Challenge 2020 PermitLog (about 6,400 cases, 49
  activities): permit → trip → declaration → payment over two years; the permit, declaration and
  pre-trip payment request (Request For Payment) pass an approval chain (administration, budget
  owner, pre-approver, supervisor or director) with rejections and resubmissions; the trip starts
  on a date fixed weeks ahead at the permit's submission (a scheduled wait, not a queue) and lasts
  days; completion times only, as the original.

The working-hour arithmetic is tests/simulate/mechanism_logs.py's `Office` (Monday–Friday,
09:00–17:00). Columns in Chinese as a government system writes them (办件编号, 环节名称,
环节结束时间, 环节处理人, 办理部门), so that `bpr simulate` reads them without a mapping.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.simulate.mechanism_logs import ORIGIN, Office, _arrivals  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "sim_logs"


def _stamp(h: float) -> str:
    return (pd.Timestamp(ORIGIN) + pd.Timedelta(hours=h)).strftime("%Y-%m-%d %H:%M:%S")


def municipal_log(n: int = 1200, seed: int = 0, phases: int = 40, per_phase: int = 10) -> pd.DataFrame:
    """About `n` cases over `phases` × `per_phase` activities (see the module docstring)."""
    rng = np.random.default_rng(seed)
    office = Office("weekly")
    depts = [f"科室{d + 1}" for d in range(5)]
    staff = {d: [f"{d}-{s + 1:02d}" for s in range(5)] for d in depts}
    acts = [[f"阶段{p + 1:02d}-环节{a + 1:02d}" for a in range(per_phase)] for p in range(phases)]
    phase_p = rng.uniform(0.55, 1.0, phases)
    weights = [rng.dirichlet(np.full(per_phase, 1.0)) for _ in range(phases)]
    act_dept = {a: depts[p % 5] for p in range(phases) for a in acts[p]}
    act_staff = {a: list(rng.choice(staff[act_dept[a]], int(rng.integers(2, 4)), replace=False))
                 for row in acts for a in row}
    median = {a: float(rng.lognormal(np.log(2.0), 0.7)) for row in acts for a in row}
    tail_p = {a: float(rng.uniform(0.03, 0.12)) for row in acts for a in row}
    tail_x = {a: float(rng.uniform(20, 60)) for row in acts for a in row}
    rows = []
    for c, t in enumerate(_arrivals(office, n, rng, per_hour=0.19)):
        case = f"GM{c:05d}"
        for p in range(phases):
            if rng.random() > phase_p[p]:
                continue
            k = min(1 + int(rng.poisson(0.4)), per_phase)
            for i in sorted(rng.choice(per_phase, k, replace=False, p=weights[p])):
                a = acts[p][i]
                wait = median[a] * (tail_x[a] if rng.random() < tail_p[a] else 1.0) * float(rng.lognormal(0, 0.6))
                t = office.advance(t, wait + float(rng.uniform(0.05, 0.3)))
                rows.append({"办件编号": case, "环节名称": a, "环节结束时间": _stamp(t),
                             "环节处理人": str(rng.choice(act_staff[a])), "办理部门": act_dept[a]})
    return pd.DataFrame(rows)


ROLES = ("ADMINISTRATION", "BUDGET OWNER", "PRE_APPROVER", "SUPERVISOR", "DIRECTOR")
#: the activities a document (Permit, Declaration, Request For Payment) can go through: 15 each
ACTIONS = ("SUBMITTED by EMPLOYEE", "SAVED by EMPLOYEE", "APPROVED by ADMINISTRATION", "APPROVED by BUDGET OWNER",
           "APPROVED by PRE_APPROVER", "APPROVED by SUPERVISOR", "FINAL_APPROVED by SUPERVISOR",
           "FINAL_APPROVED by DIRECTOR", "REJECTED by ADMINISTRATION", "REJECTED by BUDGET OWNER",
           "REJECTED by PRE_APPROVER", "REJECTED by SUPERVISOR", "REJECTED by DIRECTOR", "REJECTED by EMPLOYEE",
           "REJECTED by MISSING")
DOCUMENTS = ("Permit", "Declaration", "Request For Payment")
TRIP_AND_PAYMENT = ("Start trip", "End trip", "Request Payment", "Payment Handled")


def travel_log(n: int = 6400, seed: int = 0) -> pd.DataFrame:
    """About `n` travel cases over 49 activities (see the module docstring)."""
    rng = np.random.default_rng(seed)
    office = Office("weekly")
    staff = {r: [f"{r} {s + 1:02d}" for s in range(n_)] for r, n_ in
             zip(ROLES, (8, 5, 3, 12, 2), strict=True)}
    approve_h = dict(zip(ROLES, (6.0, 10.0, 8.0, 14.0, 30.0), strict=True))
    rows: list[dict] = []

    def event(case: str, activity: str, t: float, who: str) -> None:
        rows.append({"办件编号": case, "环节名称": activity, "环节结束时间": _stamp(t), "环节处理人": who,
                     "办理部门": who.rsplit(" ", 1)[0]})

    def document(case: str, doc: str, t: float, employee: str) -> tuple[float, bool]:
        """The document's submission and approval chain from `t`: (time it ends, approved?)."""
        for _ in range(4):  # resubmissions
            if rng.random() < 0.05:
                t = office.advance(t, float(rng.lognormal(np.log(3), 0.8)))
                event(case, f"{doc} SAVED by EMPLOYEE", t, employee)
            t = office.advance(t, float(rng.lognormal(np.log(1.5), 0.8)))
            event(case, f"{doc} SUBMITTED by EMPLOYEE", t, employee)
            chain = ["ADMINISTRATION"]
            chain += ["BUDGET OWNER"] if rng.random() < 0.3 else []
            chain += ["PRE_APPROVER"] if rng.random() < 0.1 else []
            final = "DIRECTOR" if rng.random() < 0.15 else "SUPERVISOR"
            if final == "DIRECTOR":
                chain.append("SUPERVISOR")
            chain.append(final)
            rejected = False
            for i, role in enumerate(chain):
                t = office.advance(t, float(rng.lognormal(np.log(approve_h[role]), 0.9)))
                who = str(rng.choice(staff[role]))
                if rng.random() < 0.04:
                    event(case, f"{doc} REJECTED by {'MISSING' if rng.random() < 0.1 else role}", t, who)
                    t = office.advance(t, float(rng.lognormal(np.log(4), 0.8)))
                    event(case, f"{doc} REJECTED by EMPLOYEE", t, employee)
                    rejected = True
                    break
                kind = "FINAL_APPROVED" if i == len(chain) - 1 else "APPROVED"
                event(case, f"{doc} {kind} by {role}", t, who)
            if not rejected:
                return t, True
            if rng.random() < 0.25:  # given up
                return t, False
        return t, False

    for c, t in enumerate(_arrivals(office, n, rng, per_hour=1.6)):
        case, employee = f"TP{c:05d}", f"EMPLOYEE {int(rng.integers(1500)):04d}"
        submitted = t
        t, ok = document(case, "Permit", t, employee)
        if not ok:
            continue
        if rng.random() < 0.12:  # an advance: a payment request before the trip
            t, ok = document(case, "Request For Payment", t, employee)
            if ok:
                t = office.advance(t, float(rng.lognormal(np.log(10), 0.6)))
                event(case, "Payment Handled", t, "ADMINISTRATION 01")
        # the trip date was fixed at submission, weeks ahead: a scheduled wait, not a queue
        trip = max(np.floor(submitted / 24) + float(rng.integers(7, 70)), np.ceil(t / 24)) * 24
        event(case, "Start trip", trip, employee)
        back = trip + 24 * float(rng.integers(1, 10))
        event(case, "End trip", back, employee)
        t, ok = document(case, "Declaration", back + 24 * float(rng.lognormal(np.log(4), 0.9)), employee)
        if not ok:
            continue
        t = office.advance(t, float(rng.lognormal(np.log(6), 0.7)))
        event(case, "Request Payment", t, "ADMINISTRATION 01")
        t = office.advance(t, float(rng.lognormal(np.log(16), 0.6)))
        event(case, "Payment Handled", t, "ADMINISTRATION 01")
    return pd.DataFrame(rows)


LOGS = {"municipal_400": municipal_log, "travel_permit": travel_log}


def write_logs(out: Path = OUT, seed: int = 0) -> list[Path]:
    """Both logs as UTF-8 CSV in `out` (written only when missing or of another seed)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, make in LOGS.items():
        path = out / f"{name}_seed{seed}.csv"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            make(seed=seed).to_csv(tmp, index=False)
            tmp.rename(path)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for path in write_logs(args.out, args.seed):
        frame = pd.read_csv(path)
        print(f"{path}: {frame['办件编号'].nunique()} cases, {frame['环节名称'].nunique()} activities, "
              f"{len(frame)} events, {frame['环节结束时间'].min()} – {frame['环节结束时间'].max()}")


if __name__ == "__main__":
    main()
