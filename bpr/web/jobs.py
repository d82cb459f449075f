"""Background jobs of the web app, persisted on disk so a reload or a restart loses nothing.

A job is a folder DATA/<workspace>/jobs/<id>/ holding `job.json` (kind, status, progress, options,
error), `in/` (the uploaded files) and `out/` (the result folder the command wrote, with its
result.json). Jobs run on a small pool of threads; each calls one `bpr.runs` function, the same
the CLI calls. A job still queued or running when the server stopped is run again at the next start.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import shutil
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bpr.errors import BprError
from bpr.i18n import LANGS
from bpr.io.safety import atomic_output
from bpr.web.security import UploadTooLarge, save_upload

log = logging.getLogger("bpr.web")

KINDS = ("inspect", "audit", "propose", "apply", "bundle", "discover", "simulate", "compare")
STATUSES = ("queued", "running", "done", "failed")
_WORKSPACE = re.compile(r"^[\w\-]{1,64}$")  # letters (CJK too), digits, _ and -: never a path
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")

# matplotlib's pyplot (the report charts) is not thread-safe: one report is drawn at a time
REPORT_LOCK = threading.Lock()


def valid_workspace(name: str) -> bool:
    return bool(_WORKSPACE.match(name or "")) and name not in {".", ".."}


def valid_job_id(job_id: str) -> bool:
    return bool(_JOB_ID.match(job_id or ""))


@dataclass
class Job:
    """One background run of a bpr command."""

    id: str
    workspace: str
    kind: str
    status: str = "queued"
    progress: float = 0.0
    message: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # form field -> stored file name under in/
    created: float = 0.0
    started: float | None = None
    finished: float | None = None
    error: dict[str, Any] | None = None
    label: str = ""  # what the user called it (the uploaded file's name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class JobStore:
    """Jobs on disk under DATA/<workspace>/jobs and a thread pool that runs them."""

    def __init__(self, data: str | Path, workers: int = 2,
                 runners: dict[str, Callable[[Job, Path, Path], None]] | None = None) -> None:
        self.data = Path(data).resolve()
        self.data.mkdir(parents=True, exist_ok=True)
        self.runners = runners if runners is not None else default_runners()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="bpr-job")
        self._resume()

    # -- paths -------------------------------------------------------------------------------
    def workspace_dir(self, workspace: str) -> Path:
        if not valid_workspace(workspace):
            raise ValueError(f"bad workspace name {workspace!r}")
        return self.data / workspace

    def job_dir(self, workspace: str, job_id: str) -> Path:
        if not valid_job_id(job_id):
            raise ValueError(f"bad job id {job_id!r}")
        return self.workspace_dir(workspace) / "jobs" / job_id

    def workspaces(self) -> list[str]:
        return sorted(p.name for p in self.data.iterdir() if p.is_dir() and valid_workspace(p.name))

    # -- jobs --------------------------------------------------------------------------------
    def create(self, workspace: str, kind: str, options: dict[str, Any], label: str = "") -> tuple[Job, Path]:
        """A new job folder (not started yet): returns the job and its in/ folder for the uploads."""
        if kind not in self.runners:
            raise ValueError(f"unknown job kind {kind!r}")
        job = Job(id=secrets.token_hex(16), workspace=workspace, kind=kind, options=dict(options),
                  created=time.time(), label=label)
        folder = self.job_dir(workspace, job.id)
        (folder / "in").mkdir(parents=True)
        return job, folder / "in"

    async def create_with_uploads(self, workspace: str, kind: str, options: dict[str, Any],
                                  uploads: dict[str, Any], limit: int) -> Job:
        """A new job with each upload (field -> starlette UploadFile or None) stored in its own
        folder `in/<field>/` (two uploads never share a name), labelled with the name of the
        "file" upload. On an upload over `limit` bytes the job's folder is removed and
        UploadTooLarge raised (the app answers 413)."""
        main = uploads.get("file")
        label = Path(str(main.filename or "")).name[:120] if main is not None else ""
        job, in_dir = self.create(workspace, kind, {k: v for k, v in options.items() if v is not None}, label)
        try:
            for name, upload in uploads.items():
                if upload is not None and upload.filename:
                    (in_dir / name).mkdir()
                    job.files[name] = f"{name}/" + await save_upload(upload, in_dir / name, limit)
        except UploadTooLarge:
            shutil.rmtree(in_dir.parent, ignore_errors=True)
            raise
        return job

    def submit(self, job: Job) -> Job:
        """Save the job as queued and hand it to the pool."""
        self.save(job)
        self._pool.submit(self._run, job.workspace, job.id)
        return job

    def save(self, job: Job) -> None:
        folder = self.job_dir(job.workspace, job.id)
        with atomic_output(folder / "job.json", "w", encoding="utf-8") as fh:
            json.dump(job.to_dict(), fh, ensure_ascii=False)

    def load(self, workspace: str, job_id: str) -> Job | None:
        try:
            path = self.job_dir(workspace, job_id) / "job.json"
        except ValueError:
            return None
        try:
            return Job(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def find(self, job_id: str, workspace: str | None = None) -> Job | None:
        """The job with this id (in `workspace` when given, else in any: the id is unguessable)."""
        if not valid_job_id(job_id):
            return None
        spaces = [workspace] if workspace else self.workspaces()
        for ws in spaces:
            if valid_workspace(ws):
                job = self.load(ws, job_id)
                if job is not None:
                    return job
        return None

    def jobs(self, workspace: str) -> list[Job]:
        """The workspace's jobs, newest first."""
        folder = self.workspace_dir(workspace) / "jobs"
        found = [self.load(workspace, p.name) for p in folder.iterdir() if valid_job_id(p.name)] \
            if folder.is_dir() else []
        return sorted((j for j in found if j is not None), key=lambda j: j.created, reverse=True)

    def out_dir(self, job: Job) -> Path:
        return self.job_dir(job.workspace, job.id) / "out"

    def in_dir(self, job: Job) -> Path:
        return self.job_dir(job.workspace, job.id) / "in"

    def input_path(self, job: Job, name: str) -> Path | None:
        stored = job.files.get(name)
        return self.in_dir(job) / stored if stored else None

    def result(self, job: Job) -> dict | None:
        path = self.out_dir(job) / "result.json"
        if job.status != "done" or not path.is_file():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    def report(self, job: Job, fmt: str, lang: str) -> Path:
        """The job's report in `fmt` (html, xlsx, docx) and `lang`, rendered on first request."""
        from bpr.runs import run_report

        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}")
        folder = self.job_dir(job.workspace, job.id) / "reports" / lang / fmt  # one sealed folder per format
        existing = sorted(folder.glob(f"*.{fmt}")) if folder.is_dir() else []
        if existing:
            return existing[0]
        with REPORT_LOCK:
            return run_report(self.out_dir(job), folder, lang, (fmt,))[0]

    # -- running -----------------------------------------------------------------------------
    def _resume(self) -> None:
        """Run again the jobs a stopped server left queued or running (their inputs are on disk)."""
        for ws in self.workspaces():
            for job in reversed(self.jobs(ws)):
                if job.status in ("queued", "running"):
                    job.status, job.progress, job.message = "queued", 0.0, ""
                    self.submit(job)

    def _update(self, job: Job, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(job, key, value)
            self.save(job)

    def _run(self, workspace: str, job_id: str) -> None:
        from bpr.progress import reporting

        job = self.load(workspace, job_id)
        if job is None or job.status not in ("queued", "running"):
            return
        self._update(job, status="running", started=time.time(), progress=0.05, message="")

        def listener(message: str) -> None:  # each library note moves the bar a third of the way on
            self._update(job, message=message, progress=round(job.progress + (0.9 - job.progress) / 3, 3))

        out = self.out_dir(job)
        try:
            with reporting(listener):
                self.runners[job.kind](job, self.in_dir(job), out)
        except BprError as exc:
            self._update(job, status="failed", finished=time.time(), error=error_dict(exc, self._paths(job)))
            return
        except Exception as exc:  # noqa: BLE001 - a job's bug must not stop the server
            log.error("job %s (%s) failed:\n%s", job.id, job.kind, traceback.format_exc())
            text = f"{type(exc).__name__}: {exc}"
            self._update(job, status="failed", finished=time.time(),
                         error={"message": text, "zh": "内部错误：" + text, "en": "internal error: " + text,
                                "key": "internal"})
            return
        self._update(job, status="done", progress=1.0, finished=time.time(), message="")

    def _paths(self, job: Job) -> dict[str, str]:
        """Server paths in a message -> what the user knows them by (the uploaded file's name)."""
        in_dir, out = self.in_dir(job), self.out_dir(job)
        names = {str(in_dir / stored): Path(stored).name for stored in job.files.values()}
        names[str(out)] = "out"
        names[str(in_dir)] = "in"
        return names

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def error_dict(exc: BprError, paths: dict[str, str] | None = None) -> dict[str, Any]:
    """The one line the CLI prints, in both languages, with where it happened; `paths` maps server
    paths to the names the user knows (the server's folders are not shown)."""
    from bpr.i18n import t

    def text(lang: str) -> str:
        line = exc.text(lang)
        for path, name in sorted((paths or {}).items(), key=lambda kv: -len(kv[0])):
            line = line.replace(path, name)
        return line

    return {"message": text("en"), "zh": t("err_prefix", "zh") + text("zh"),
            "en": t("err_prefix", "en") + text("en"), "key": exc.key,
            "file": Path(str(exc.file)).name if exc.file else None, "sheet": exc.sheet, "row": exc.row,
            "column": exc.column,
            "columns": list(exc.values.get("columns") or []) if isinstance(exc.values, dict) else []}


# -- what each kind of job runs ----------------------------------------------------------------

def _lang(job: Job) -> str:
    return job.options.get("lang") if job.options.get("lang") in LANGS else "zh"


def _column_map(job: Job) -> dict[str, str]:
    from bpr.io.columns import parse_mapping

    mapping = job.options.get("mapping")
    if isinstance(mapping, dict):
        return {str(k): str(v) for k, v in mapping.items() if v}
    return parse_mapping(mapping or None)


def _file(job: Job, in_dir: Path, name: str) -> str | None:
    stored = job.files.get(name)
    return str(in_dir / stored) if stored else None


def _since(job: Job):
    from bpr.io.timestamps import parse_since

    return parse_since(job.options.get("since") or None, job.options.get("timezone") or "Asia/Shanghai")


def run_inspect(job: Job, in_dir: Path, out: Path) -> None:
    from bpr.io.results import write_json
    from bpr.runs import inspect_file

    summary = inspect_file(_file(job, in_dir, "file"), _column_map(job), job.options.get("timezone") or "Asia/Shanghai")
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "result.json", {**summary, "source": job.label or summary.get("source")})


def run_audit_job(job: Job, in_dir: Path, out: Path) -> None:
    from bpr.runs import run_audit

    o = job.options
    run_audit(_file(job, in_dir, "file"), out, _file(job, in_dir, "rules"), _file(job, in_dir, "whitelist"),
              float(o.get("month_days", 22.0)), float(o.get("year_days", 250.0)), not o.get("no_proposals"),
              _lang(job))


def run_propose_job(job: Job, in_dir: Path, out: Path) -> None:
    from bpr.runs import proposal_options, run_propose

    o = job.options
    options = proposal_options(float(o.get("time_ratio", 0.5)), int(o.get("max_materials", 5)),
                               float(o.get("max_days", 5.0)))
    run_propose(_file(job, in_dir, "file"), out, options, lang=_lang(job))


def run_apply_job(job: Job, in_dir: Path, out: Path) -> None:
    from bpr.runs import run_apply

    run_apply(_file(job, in_dir, "file"), _file(job, in_dir, "plan"), out, _file(job, in_dir, "targets"),
              lang=_lang(job))


def run_bundle_job(job: Job, in_dir: Path, out: Path) -> None:
    from bpr.runs import run_bundle

    run_bundle(_file(job, in_dir, "file"), _file(job, in_dir, "bundle"), out, _file(job, in_dir, "targets"),
               lang=_lang(job))


def run_discover_job(job: Job, in_dir: Path, out: Path) -> None:
    from bpr.runs import run_discover

    o = job.options
    run_discover(_file(job, in_dir, "file"), out, top_k=int(o.get("top_k", 20)), mapping=_column_map(job),
                 timezone=o.get("timezone") or "Asia/Shanghai", catalogue=_file(job, in_dir, "catalogue"),
                 since=_since(job), lang=_lang(job))
    if job.options.get("handlers"):  # the pages' process map: who handles each step (beside result.json)
        import bpr.io
        from bpr.analyse.handlers import step_handlers
        from bpr.io.results import write_json

        log = bpr.io.read_log(_file(job, in_dir, "file"), mapping=_column_map(job),
                              timezone=o.get("timezone") or "Asia/Shanghai")
        write_json(out / "step_handlers.json", step_handlers(log))


def run_simulate_job(job: Job, in_dir: Path, out: Path) -> None:
    from bpr.runs import run_simulate
    from bpr.simulate.scenario import Scenario

    o = job.options
    scenarios = [Scenario.from_dict(s, "scenario") for s in o.get("scenarios") or []]
    run_simulate(_file(job, in_dir, "file"), out, scenarios, scenario_file=_file(job, in_dir, "scenario"),
                 plan=_file(job, in_dir, "plan"), matter=o.get("matter") or None, cases=int(o.get("cases", 1000)),
                 replications=int(o.get("replications", 10)), seed=int(o.get("seed", 0)),
                 promised_limit=o.get("promised_limit") or None, validate=bool(o.get("validate")),
                 since=_since(job), mapping=_column_map(job), timezone=o.get("timezone") or "Asia/Shanghai")


def run_compare_job(job: Job, in_dir: Path, out: Path) -> None:
    from bpr.io.timestamps import parse_since
    from bpr.measure.compare_run import run_compare

    o = job.options
    timezone = o.get("timezone") or "Asia/Shanghai"
    inputs = [p for p in (_file(job, in_dir, "file"), _file(job, in_dir, "other")) if p]
    moment = parse_since(o.get("at") or None, timezone)
    run_compare(inputs, out, at=moment.date() if moment else None, window=o.get("window"),
                catalogue=_file(job, in_dir, "catalogue"), mapping=_column_map(job), timezone=timezone,
                lang=_lang(job))


def default_runners() -> dict[str, Callable[[Job, Path, Path], None]]:
    return {"inspect": run_inspect, "audit": run_audit_job, "propose": run_propose_job, "apply": run_apply_job,
            "bundle": run_bundle_job, "discover": run_discover_job, "simulate": run_simulate_job,
            "compare": run_compare_job}
