"""`bpr serve`: the web app and its JSON API, a second shell over the same library as the CLI.

    >>> from bpr.web.app import create_app
    >>> app = create_app("bpr-data")          # doctest: +SKIP  (then: uvicorn.run(app))

POST /api/{inspect,audit,propose,apply,bundle,discover,simulate} (multipart: `file` and options as
form fields) answers 202 {"job": ID}; GET /api/jobs/ID gives {"status", "progress", "result",
"error"} (result: the command's result.json); GET /api/jobs/ID/report.{html,xlsx,docx} the reports.
The OpenAPI description is at /api/openapi.json, readable at /api/docs (a page served here, not
Swagger UI from a CDN: the app works offline and under its content-security policy).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from bpr.errors import BprError
from bpr.web.jobs import KINDS, Job, JobStore, error_dict, valid_workspace
from bpr.web.security import REPORT_CSP, GuardMiddleware, UploadTooLarge, check_csrf

HERE = Path(__file__).parent
DEFAULT_MAX_UPLOAD = 50 << 20
MEDIA = {"html": "text/html; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}

Lang = Literal["zh", "en"]
Workspace = Annotated[str, Form(description="Workspace (project folder) name: letters, digits, _ and -.")]


class Accepted(BaseModel):
    job: str
    status: str
    url: str


class JobStatus(BaseModel):
    id: str
    kind: str
    workspace: str
    status: Literal["queued", "running", "done", "failed"]
    progress: float
    message: str = ""
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None


def create_app(data: str | Path, token: str | None = None, allowed_hosts: tuple[str, ...] | None = None,
               max_upload: int = DEFAULT_MAX_UPLOAD, workers: int = 2, store: JobStore | None = None) -> FastAPI:
    """The web app over workspaces in `data`. `token`: required on every request when set;
    `allowed_hosts`: the Host names accepted (None: any)."""
    app = FastAPI(title="bpr", version="0.1.0", docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json",
                  description="政务服务流程再造分析 bpr as a service: the same commands and result.json as the CLI.")
    app.state.store = store or JobStore(data, workers=workers)
    app.state.max_upload = max_upload
    app.state.token = token
    app.add_middleware(GuardMiddleware, token=token, allowed_hosts=allowed_hosts, max_upload=max_upload)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(UploadTooLarge)
    async def too_large(request: Request, exc: UploadTooLarge) -> JSONResponse:
        return JSONResponse({"detail": f"upload larger than the limit of {max_upload >> 20} MB"}, status_code=413)

    _api_routes(app)
    from bpr.web.pages import page_routes

    page_routes(app)
    return app


def store_of(request: Request) -> JobStore:
    return request.app.state.store


async def submit(request: Request, kind: str, workspace: str, uploads: dict[str, UploadFile | None],
                 options: dict[str, Any], csrf: str | None = None) -> Job:
    """Check the request, store its uploads in a new job and queue it."""
    if not await check_csrf(request, csrf):
        raise HTTPException(403, "CSRF token missing or wrong")
    if not valid_workspace(workspace):
        raise HTTPException(400, "workspace: letters, digits, _ and - only (at most 64)")
    job = await store_of(request).create_with_uploads(workspace, kind, options, uploads,
                                                      request.app.state.max_upload)
    return store_of(request).submit(job)


def accepted(job: Job) -> JSONResponse:
    return JSONResponse({"job": job.id, "status": job.status, "url": f"/api/jobs/{job.id}"}, status_code=202)


def job_status(store: JobStore, job: Job) -> dict[str, Any]:
    return {"id": job.id, "kind": job.kind, "workspace": job.workspace, "status": job.status,
            "progress": job.progress, "message": job.message, "result": store.result(job), "error": job.error}


def _api_routes(app: FastAPI) -> None:
    responses = {202: {"model": Accepted}, 400: {}, 403: {}, 413: {}}

    @app.post("/api/inspect", status_code=202, response_model=Accepted, responses=responses, tags=["commands"])
    async def api_inspect(request: Request, file: UploadFile = File(..., description="Matter sheet or event log"),
                          workspace: Workspace = "default", mapping: str | None = Form(None, description="case=列,activity=列,timestamp=列"),
                          timezone: str = Form("Asia/Shanghai"), csrf: str | None = Form(None)):
        """What a file holds (`bpr inspect --json`)."""
        return accepted(await submit(request, "inspect", workspace, {"file": file},
                                     {"mapping": mapping, "timezone": timezone}, csrf))

    @app.post("/api/audit", status_code=202, response_model=Accepted, responses=responses, tags=["commands"])
    async def api_audit(request: Request, file: UploadFile = File(..., description="Matter sheet"),
                        workspace: Workspace = "default", lang: Lang = Form("zh"), month_days: float = Form(22.0, gt=0),
                        year_days: float = Form(250.0, gt=0), no_proposals: bool = Form(False),
                        rules: UploadFile | None = File(None), whitelist: UploadFile | None = File(None),
                        csrf: str | None = Form(None)):
        """Indicators, findings and proposals of a matter catalogue (`bpr audit`)."""
        return accepted(await submit(request, "audit", workspace, {"file": file, "rules": rules, "whitelist": whitelist},
                                     {"lang": lang, "month_days": month_days, "year_days": year_days,
                                      "no_proposals": no_proposals}, csrf))

    @app.post("/api/propose", status_code=202, response_model=Accepted, responses=responses, tags=["commands"])
    async def api_propose(request: Request, file: UploadFile = File(..., description="Matter sheet"),
                          workspace: Workspace = "default", lang: Lang = Form("zh"), time_ratio: float = Form(0.5),
                          max_materials: int = Form(5, ge=0), max_days: float = Form(5.0, ge=0),
                          csrf: str | None = Form(None)):
        """Four-reduction proposals and the editable plan.yaml (`bpr propose`)."""
        return accepted(await submit(request, "propose", workspace, {"file": file},
                                     {"lang": lang, "time_ratio": time_ratio, "max_materials": max_materials,
                                      "max_days": max_days}, csrf))

    @app.post("/api/apply", status_code=202, response_model=Accepted, responses=responses, tags=["commands"])
    async def api_apply(request: Request, file: UploadFile = File(..., description="Matter sheet"),
                        plan: UploadFile = File(..., description="plan.yaml"), workspace: Workspace = "default",
                        lang: Lang = Form("zh"), targets: UploadFile | None = File(None), csrf: str | None = Form(None)):
        """Before/after of a plan's accepted proposals, with targets (`bpr apply`)."""
        return accepted(await submit(request, "apply", workspace, {"file": file, "plan": plan, "targets": targets},
                                     {"lang": lang}, csrf))

    @app.post("/api/bundle", status_code=202, response_model=Accepted, responses=responses, tags=["commands"])
    async def api_bundle(request: Request, file: UploadFile = File(..., description="Matter sheet"),
                         bundle: UploadFile = File(..., description="一件事 bundle YAML"),
                         workspace: Workspace = "default", lang: Lang = Form("zh"),
                         targets: UploadFile | None = File(None), csrf: str | None = Form(None)):
        """一件事 before/after and shared documents (`bpr bundle`)."""
        return accepted(await submit(request, "bundle", workspace, {"file": file, "bundle": bundle,
                                                                    "targets": targets}, {"lang": lang}, csrf))

    @app.post("/api/discover", status_code=202, response_model=Accepted, responses=responses, tags=["commands"])
    async def api_discover(request: Request, file: UploadFile = File(..., description="Event log"),
                           workspace: Workspace = "default", lang: Lang = Form("zh"), top_k: int = Form(20, ge=1, le=1000),
                           mapping: str | None = Form(None), timezone: str = Form("Asia/Shanghai"),
                           since: str | None = Form(None), catalogue: UploadFile | None = File(None),
                           csrf: str | None = Form(None)):
        """The as-is process of an event log (`bpr discover`)."""
        return accepted(await submit(request, "discover", workspace, {"file": file, "catalogue": catalogue},
                                     {"lang": lang, "top_k": top_k, "mapping": mapping, "timezone": timezone,
                                      "since": since}, csrf))

    @app.post("/api/simulate", status_code=202, response_model=Accepted, responses=responses, tags=["commands"])
    async def api_simulate(request: Request, file: UploadFile = File(..., description="Event log"),
                           workspace: Workspace = "default", lang: Lang = Form("zh"),
                           scenario: UploadFile | None = File(None, description="Scenario YAML"),
                           scenarios: str | None = Form(None, description="JSON list of scenario mappings (as in the YAML)"),
                           plan: UploadFile | None = File(None), matter: str | None = Form(None),
                           cases: int = Form(1000, ge=1, le=100_000), replications: int = Form(10, ge=1, le=100),
                           seed: int = Form(0), promised_limit: str | None = Form(None),
                           validate_model: bool = Form(False, alias="validate",
                                                    description="Also check the model on the last 30% of the log"),
                           since: str | None = Form(None), mapping: str | None = Form(None),
                           timezone: str = Form("Asia/Shanghai"), csrf: str | None = Form(None)):
        """What-if simulation against reform scenarios (`bpr simulate`)."""
        parsed = None
        if scenarios:
            try:
                parsed = json.loads(scenarios)
            except ValueError:
                raise HTTPException(400, "scenarios: a JSON list of scenario mappings") from None
            if not isinstance(parsed, list) or not all(isinstance(s, dict) for s in parsed):
                raise HTTPException(400, "scenarios: a JSON list of scenario mappings")
        return accepted(await submit(request, "simulate", workspace, {"file": file, "scenario": scenario,
                                                                      "plan": plan},
                                     {"lang": lang, "scenarios": parsed, "matter": matter, "cases": cases,
                                      "replications": replications, "seed": seed, "promised_limit": promised_limit,
                                      "validate": validate_model, "since": since, "mapping": mapping,
                                      "timezone": timezone}, csrf))

    @app.post("/api/compare", status_code=202, response_model=Accepted, responses=responses, tags=["commands"])
    async def api_compare(request: Request, file: UploadFile = File(..., description="Event log, or the old matter sheet"),
                          other: UploadFile | None = File(None, description="A second log, or the new matter sheet"),
                          workspace: Workspace = "default", lang: Lang = Form("zh"),
                          at: str | None = Form(None, description="Reform date; left out: found from the data"),
                          window: int | None = Form(None, ge=1), mapping: str | None = Form(None),
                          timezone: str = Form("Asia/Shanghai"), catalogue: UploadFile | None = File(None),
                          csrf: str | None = Form(None)):
        """Measured before/after: one log split at a date, two logs, or two catalogue versions (`bpr compare`)."""
        return accepted(await submit(request, "compare", workspace,
                                     {"file": file, "other": other, "catalogue": catalogue},
                                     {"lang": lang, "at": at, "window": window, "mapping": mapping,
                                      "timezone": timezone}, csrf))

    @app.get("/api/jobs/{job_id}", response_model=JobStatus, tags=["jobs"])
    def api_job(request: Request, job_id: str, workspace: str | None = None):
        """A job's status, progress 0..1, result (the command's result.json) or error (the CLI's line)."""
        store = store_of(request)
        job = store.find(job_id, workspace)
        if job is None:
            raise HTTPException(404, "no such job")
        return job_status(store, job)

    @app.get("/api/jobs/{job_id}/report.{fmt}", tags=["jobs"],
             responses={200: {"content": {m: {} for m in MEDIA.values()}}, 404: {}, 409: {}, 422: {}})
    def api_report(request: Request, job_id: str, fmt: Literal["html", "xlsx", "docx"], lang: Lang = "zh",
                   workspace: str | None = None):
        """The job's report (rendered on first request, like `bpr report`)."""
        store = store_of(request)
        job = store.find(job_id, workspace)
        if job is None:
            raise HTTPException(404, "no such job")
        if job.status != "done" or job.kind == "inspect":
            raise HTTPException(409, "the job has no report" if job.kind == "inspect" else "the job is not done")
        try:
            path = store.report(job, fmt, lang)
        except BprError as exc:
            return JSONResponse({"error": error_dict(exc)}, status_code=422)
        headers = {"Content-Security-Policy": REPORT_CSP} if fmt == "html" else {}
        name = f"{job.kind}-{job.id[:8]}.{fmt}"
        return FileResponse(path, media_type=MEDIA[fmt], filename=name, headers=headers,
                            content_disposition_type="inline" if fmt == "html" else "attachment")

    @app.get("/api/workspaces/{workspace}/jobs", tags=["jobs"])
    def api_jobs(request: Request, workspace: str):
        """The jobs of one workspace, newest first (without their results)."""
        if not valid_workspace(workspace):
            raise HTTPException(400, "bad workspace name")
        return [{k: v for k, v in j.to_dict().items() if k in ("id", "kind", "status", "progress", "label", "created")}
                for j in store_of(request).jobs(workspace)]

    _ = KINDS  # every kind has its endpoint above
