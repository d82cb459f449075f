"""The web plan editor's state: which proposals are accepted, the values they were proposed with,
and the before/after of the plan as it stands, kept in the job's `edit/` folder.

Every change goes through bpr.runs (`edit_plan`, `run_apply`, `run_propose`), which write sealed,
locked result folders. A page load, a tick and an edited value can arrive at once (a user clicks
fast, htmx polls, a reload races a request), so every read and write of one job's edit state holds
that job's lock: a second request waits for the first instead of meeting the folder lock (an
error) or a folder that is being renamed into place (missing for a moment).
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

from bpr.web.jobs import Job, JobStore

_LOCKS: dict[tuple[str, str], threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


def _job_lock(job: Job) -> threading.RLock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault((job.workspace, job.id), threading.RLock())


def _edit_dir(store: JobStore, job: Job) -> Path:
    folder = store.job_dir(job.workspace, job.id) / "edit"
    folder.mkdir(exist_ok=True)
    return folder


def edited_plan(store: JobStore, job: Job) -> Path | None:
    """The plan as edited in the page, else the job's own plan.yaml; None when there is neither."""
    with _job_lock(job):
        for path in (store.job_dir(job.workspace, job.id) / "edit" / "plan.yaml", store.out_dir(job) / "plan.yaml"):
            if path.is_file():
                return path
    return None


def _base(store: JobStore, job: Job) -> tuple[Path, dict]:
    """The proposals the editor works on: those proposed again with the values edited in the page
    (edit/propose/), else the job's own; their folder (with plan.yaml) and result.json."""
    again = store.job_dir(job.workspace, job.id) / "edit" / "propose"
    if (again / "result.json").is_file():
        return again, json.loads((again / "result.json").read_text(encoding="utf-8"))
    return store.out_dir(job), store.result(job) or {}


def _accepted_in(result: dict) -> set[str]:
    return {p["id"] for p in result.get("proposals", []) if p.get("accepted")}


def accept(store: JobStore, job: Job, accepted: set[str], lang: str) -> dict:
    """Write the plan with these proposals accepted, apply it, and return the editor's state."""
    from bpr.runs import edit_plan, run_apply

    with _job_lock(job):
        folder = _edit_dir(store, job)
        catalogue = store.input_path(job, "file")
        base, _ = _base(store, job)
        edit_plan(catalogue, base / "plan.yaml", accepted, folder / "plan.yaml", lang)
        run_apply(catalogue, folder / "plan.yaml", folder / "apply", lang=lang)
        return plan_state(store, job, lang)


def repropose(store: JobStore, job: Job, time_ratio: float, max_materials: int, max_days: float,
              lang: str) -> dict:
    """Propose again with the values edited in the page (bpr.runs.run_propose, like `bpr propose
    --time-ratio R --max-materials N --max-days D`), every new proposal accepted, and apply."""
    from bpr.runs import proposal_options, run_propose

    with _job_lock(job):
        folder = _edit_dir(store, job)
        options = proposal_options(time_ratio, max_materials, max_days)
        run_propose(store.input_path(job, "file"), folder / "propose.tmp", options, lang=lang)
        shutil.rmtree(folder / "propose", ignore_errors=True)
        (folder / "propose.tmp").rename(folder / "propose")
        _, result = _base(store, job)
        return accept(store, job, _accepted_in(result), lang)


def apply_uploaded(store: JobStore, job: Job, plan_path: Path, lang: str) -> dict:
    """Take an uploaded plan's values (proposing again when they differ) and then its toggles."""
    from bpr.plan.plan import read_plan

    uploaded = read_plan(plan_path)
    keys = ("time_ratio", "immediate_max_materials", "immediate_max_days")
    values = {k: uploaded.options.get(k) for k in keys}
    with _job_lock(job):
        current = plan_state(store, job, lang)["options"]
        if None not in values.values() and values != {k: current.get(k) for k in keys}:
            repropose(store, job, float(values["time_ratio"]), int(values["immediate_max_materials"]),
                      float(values["immediate_max_days"]), lang)
        return accept(store, job, set(uploaded.accepted_ids()), lang)


def plan_state(store: JobStore, job: Job, lang: str) -> dict:
    """The proposals with their accepted flags, the values they were proposed with and the
    before/after of the current plan (applied on first view)."""
    with _job_lock(job):
        _, result = _base(store, job)
        applied_path = store.job_dir(job.workspace, job.id) / "edit" / "apply" / "result.json"
        if not applied_path.is_file():
            return accept(store, job, _accepted_in(result), lang)
        applied = json.loads(applied_path.read_text(encoding="utf-8"))
    return {"accepted": set(applied.get("applied") or []), "before_after": applied["before_after"],
            "proposals": result.get("proposals", []), "options": result.get("options") or {}}
