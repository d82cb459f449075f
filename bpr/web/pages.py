"""Server-rendered pages (Jinja2 templates, htmx for the parts that update in place).

Chinese by default; `?lang=en` (remembered in a cookie) switches to English. Every label comes
from the vocabulary table (bpr/i18n.py); every value is escaped by Jinja2's autoescape. Form posts
carry the CSRF token (double-submit cookie, see security.py). The pages only read result.json and
call bpr.runs / bpr.io: no analysis happens here.
"""

from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from bpr.errors import BprError
from bpr.i18n import LANGS, t, tf
from bpr.model.eventlog import ROLES
from bpr.simulate.scenario import CORRECTION_WORDS
from bpr.web import plan_editor
from bpr.web.jobs import Job, JobStore, error_dict, valid_job_id, valid_workspace
from bpr.web.security import CSRF_COOKIE, check_csrf, save_upload, stored_name

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))  # autoescape on for .html


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("bpr_lang") or "zh"
    return lang if lang in LANGS else "zh"


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = lang_of(request)
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    context.update(request=request, lang=lang, csrf=token, other_lang="en" if lang == "zh" else "zh",
                   t=lambda key: t(key, lang), tf=lambda key, **v: tf(key, lang, **v), pct=_pct, num=_num,
                   kinds=("audit", "propose", "bundle", "discover", "simulate"))
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, httponly=False, samesite="strict")
    if request.query_params.get("lang") in LANGS:
        response.set_cookie("bpr_lang", lang, samesite="lax")
    return response


def _pct(value: Any) -> str:
    return "-" if value is None else f"{float(value):.1%}"


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e12):
        return f"{int(value):,}"
    return f"{float(value):,.{digits}f}"


def store_of(request: Request) -> JobStore:
    return request.app.state.store


def workspace_or_404(workspace: str) -> str:
    if not valid_workspace(workspace):
        raise HTTPException(404, "no such workspace")
    return workspace


def job_or_404(request: Request, workspace: str, job_id: str) -> Job:
    workspace_or_404(workspace)
    job = store_of(request).load(workspace, job_id) if valid_job_id(job_id) else None
    if job is None:  # a job of another workspace is not found here
        raise HTTPException(404, "no such job")
    return job


async def require_csrf(request: Request, csrf: str | None) -> None:
    if not await check_csrf(request, csrf) or not request.cookies.get(CSRF_COOKIE):
        raise HTTPException(403, t("web_csrf", lang_of(request)))


def _copy_input(store: JobStore, source: Job, field: str, job: Job, as_field: str = "file") -> None:
    """Give a new job the same input file as an earlier one (its own copy: jobs never share files)."""
    path = store.input_path(source, field)
    if path is None or not path.is_file():
        raise HTTPException(409, "the earlier job has no such input")
    folder = store.in_dir(job) / as_field
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, folder / path.name)
    job.files[as_field] = f"{as_field}/{path.name}"


def _finished_plan(request: Request, workspace: str, job_id: str) -> tuple[JobStore, Job]:
    """The store and a finished propose job, whose plan the editor changes (409 otherwise)."""
    job = job_or_404(request, workspace, job_id)
    if job.kind != "propose" or job.status != "done":
        raise HTTPException(409, "not a finished plan")
    return store_of(request), job


def _catalogue_job(store: JobStore, job: Job) -> bool:
    return job.kind in ("audit", "propose", "bundle", "apply") or (
        job.kind == "inspect" and job.status == "done" and (store.result(job) or {}).get("kind") == "catalogue")


def page_routes(app: FastAPI) -> None:
    """Register the pages."""

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request):
        store = store_of(request)
        return render(request, "home.html", workspaces=store.workspaces())

    @app.get("/api/docs", response_class=HTMLResponse, include_in_schema=False)
    def api_docs(request: Request):
        """The OpenAPI description as a page: each endpoint with its fields."""
        return render(request, "api_docs.html", endpoints=_endpoints(request.app.openapi()))

    @app.post("/workspaces", include_in_schema=False)
    async def new_workspace(request: Request, name: str = Form(...), csrf: str | None = Form(None)):
        await require_csrf(request, csrf)
        name = name.strip()
        if not valid_workspace(name):
            raise HTTPException(400, "workspace: letters, digits, _ and - only (at most 64)")
        store_of(request).workspace_dir(name).mkdir(parents=True, exist_ok=True)
        return RedirectResponse(f"/w/{name}/", status_code=303)

    @app.get("/w/{workspace}/", response_class=HTMLResponse, include_in_schema=False)
    def workspace_page(request: Request, workspace: str):
        workspace_or_404(workspace)
        return render(request, "workspace.html", workspace=workspace, jobs=store_of(request).jobs(workspace))

    @app.post("/w/{workspace}/upload", include_in_schema=False)
    async def upload(request: Request, workspace: str, file: UploadFile = File(...), csrf: str | None = Form(None)):
        await require_csrf(request, csrf)
        workspace_or_404(workspace)
        store = store_of(request)
        job = await store.create_with_uploads(workspace, "inspect", {}, {"file": file}, request.app.state.max_upload)
        store.submit(job)
        return RedirectResponse(f"/w/{workspace}/jobs/{job.id}", status_code=303)

    @app.get("/w/{workspace}/jobs/{job_id}", response_class=HTMLResponse, include_in_schema=False)
    def job_page(request: Request, workspace: str, job_id: str):
        store = store_of(request)
        job = job_or_404(request, workspace, job_id)
        result = store.result(job)
        context: dict[str, Any] = {"workspace": workspace, "job": job, "result": result,
                                   "is_catalogue": _catalogue_job(store, job), "roles": ROLES}
        if job.kind == "propose" and result:
            context["edit"] = plan_editor.plan_state(store, job, lang_of(request))
        if job.kind == "audit" and result:
            context["rules"] = sorted({f["rule"] for f in result["findings"]})
            context["ranking"] = sorted(result["by_department"], key=lambda d: -(d.get("full_online_rate") or 0))
        if job.kind == "compare" and result and result.get("trends"):
            context["trend"] = _trend(result, lang_of(request))
        if job.kind == "discover" and result:
            handlers = store.out_dir(job) / "step_handlers.json"
            context["graph"] = _graph(result, json.loads(handlers.read_text(encoding="utf-8"))
                                      if handlers.is_file() else {})
        return render(request, "job.html", **context)

    @app.get("/w/{workspace}/jobs/{job_id}/status", response_class=HTMLResponse, include_in_schema=False)
    def job_status_fragment(request: Request, workspace: str, job_id: str):
        job = job_or_404(request, workspace, job_id)
        response = render(request, "_progress.html", workspace=workspace, job=job)
        if job.status in ("done", "failed"):
            response.headers["HX-Refresh"] = "true"  # htmx reloads the page, which shows the result
        return response

    @app.post("/w/{workspace}/jobs/{job_id}/run/{kind}", include_in_schema=False)
    async def run_next(request: Request, workspace: str, job_id: str, kind: str, csrf: str | None = Form(None)):
        """Audit / propose / discover the file an earlier job read (a new job with its own copy)."""
        await require_csrf(request, csrf)
        store = store_of(request)
        source = job_or_404(request, workspace, job_id)
        if kind not in ("audit", "propose", "discover"):
            raise HTTPException(404, "no such command")
        options = {"lang": lang_of(request)}
        if kind == "discover":
            options["handlers"] = True
            if source.options.get("mapping"):
                options["mapping"] = source.options["mapping"]
        job, _ = store.create(workspace, kind, options, label=source.label)
        _copy_input(store, source, "file", job)
        store.submit(job)
        return RedirectResponse(f"/w/{workspace}/jobs/{job.id}", status_code=303)

    @app.post("/w/{workspace}/jobs/{job_id}/remap", include_in_schema=False)
    async def remap(request: Request, workspace: str, job_id: str):
        """Inspect the same log again with the columns chosen in the drop-downs."""
        form = await request.form()
        await require_csrf(request, str(form.get("csrf") or ""))
        store = store_of(request)
        source = job_or_404(request, workspace, job_id)
        mapping = {role: str(form.get(f"map_{role}") or "") for role in ROLES if form.get(f"map_{role}")}
        job, _ = store.create(workspace, "inspect", {"mapping": mapping}, label=source.label)
        _copy_input(store, source, "file", job)
        store.submit(job)
        return RedirectResponse(f"/w/{workspace}/jobs/{job.id}", status_code=303)

    # -- plan editor ------------------------------------------------------------------------
    @app.post("/w/{workspace}/jobs/{job_id}/plan", response_class=HTMLResponse, include_in_schema=False)
    async def edit_plan(request: Request, workspace: str, job_id: str):
        form = await request.form()
        await require_csrf(request, str(form.get("csrf") or ""))
        store, job = _finished_plan(request, workspace, job_id)
        accepted = {str(v) for v in form.getlist("accept")}
        state = await run_in_threadpool(plan_editor.accept, store, job, accepted, lang_of(request))
        return render(request, "_before_after.html", workspace=workspace, job=job, edit=state)

    @app.post("/w/{workspace}/jobs/{job_id}/plan-options", response_class=HTMLResponse, include_in_schema=False)
    async def edit_plan_values(request: Request, workspace: str, job_id: str):
        """The editable values (promised days as a share of the legal limit, the 即办 limits on
        materials and days): the proposals are made again with them and the figures follow."""
        form = await request.form()
        await require_csrf(request, str(form.get("csrf") or ""))
        store, job = _finished_plan(request, workspace, job_id)
        lang = lang_of(request)
        plan_error = None
        try:
            ratio = float(str(form.get("time_ratio") or "0.5"))
            materials = int(str(form.get("max_materials") or "5"))
            days = float(str(form.get("max_days") or "5"))
            if materials < 0 or days < 0 or materials > 1000 or days > 1000:
                raise ValueError
        except ValueError:
            plan_error = {lang: t("web_plan_values_invalid", lang)}
        else:
            try:
                await run_in_threadpool(plan_editor.repropose, store, job, ratio, materials, days, lang)
            except BprError as exc:
                plan_error = error_dict(exc, store._paths(job))
        state = await run_in_threadpool(plan_editor.plan_state, store, job, lang)
        return render(request, "_plan.html", workspace=workspace, job=job, edit=state, plan_error=plan_error)

    @app.post("/w/{workspace}/jobs/{job_id}/plan-upload", response_class=HTMLResponse, include_in_schema=False)
    async def upload_plan(request: Request, workspace: str, job_id: str, plan: UploadFile = File(...),
                          csrf: str | None = Form(None)):
        await require_csrf(request, csrf)
        store, job = _finished_plan(request, workspace, job_id)
        folder = store.job_dir(workspace, job.id) / "uploaded-plan"
        folder.mkdir(exist_ok=True)
        name = await save_upload(plan, folder, 8 << 20, default="plan")
        lang = lang_of(request)
        try:
            await run_in_threadpool(plan_editor.apply_uploaded, store, job, folder / name, lang)
        except BprError as exc:
            state = await run_in_threadpool(plan_editor.plan_state, store, job, lang)
            return render(request, "job.html", status_code=422, workspace=workspace, job=job, result=store.result(job),
                          is_catalogue=True, roles=ROLES, edit=state,
                          plan_error=error_dict(exc, {str(folder / name): stored_name(plan.filename)}))
        return RedirectResponse(f"/w/{workspace}/jobs/{job.id}", status_code=303)

    @app.get("/w/{workspace}/jobs/{job_id}/plan.yaml", include_in_schema=False)
    def download_plan(request: Request, workspace: str, job_id: str):
        store = store_of(request)
        job = job_or_404(request, workspace, job_id)
        path = plan_editor.edited_plan(store, job)
        if path is None:
            raise HTTPException(404, "no plan")
        return FileResponse(path, media_type="application/x-yaml; charset=utf-8", filename="plan.yaml")

    # -- 一件事 builder ----------------------------------------------------------------------
    @app.get("/w/{workspace}/jobs/{job_id}/bundle", response_class=HTMLResponse, include_in_schema=False)
    def bundle_form(request: Request, workspace: str, job_id: str):
        store = store_of(request)
        job = job_or_404(request, workspace, job_id)
        path = store.input_path(job, "file")
        if path is None or not _catalogue_job(store, job):
            raise HTTPException(409, "not a catalogue")
        import bpr.io

        try:
            catalogue = bpr.io.read_catalogue(path)
        except BprError as exc:
            raise HTTPException(422, error_dict(exc, store._paths(job))["en"]) from None
        matters = [{"name": m.name, "code": m.code, "department": m.department} for m in catalogue]
        departments = sorted({m["department"] for m in matters if m["department"]})
        return render(request, "bundle_form.html", workspace=workspace, job=job, matters=matters,
                      departments=departments)

    @app.post("/w/{workspace}/jobs/{job_id}/bundle", include_in_schema=False)
    async def bundle_run(request: Request, workspace: str, job_id: str):
        form = await request.form()
        await require_csrf(request, str(form.get("csrf") or ""))
        store = store_of(request)
        source = job_or_404(request, workspace, job_id)
        members = [str(m) for m in form.getlist("member")]
        name = str(form.get("name") or "").strip()[:100] or "一件事"
        doc = {"name": name, "lead_department": str(form.get("lead_department") or "")[:100] or None,
               "members": [{"code": m} for m in members]}
        job, in_dir = store.create(workspace, "bundle", {"lang": lang_of(request)}, label=name)
        _copy_input(store, source, "file", job)
        (in_dir / "bundle").mkdir()
        (in_dir / "bundle" / "bundle.yaml").write_text(
            yaml.safe_dump({k: v for k, v in doc.items() if v is not None}, allow_unicode=True, sort_keys=False),
            encoding="utf-8")
        job.files["bundle"] = "bundle/bundle.yaml"
        store.submit(job)
        return RedirectResponse(f"/w/{workspace}/jobs/{job.id}", status_code=303)

    # -- compare (measured before/after, over bpr.measure.compare_run like `bpr compare`) -----
    @app.get("/w/{workspace}/compare", response_class=HTMLResponse, include_in_schema=False)
    def compare_form(request: Request, workspace: str):
        workspace_or_404(workspace)
        return render(request, "compare_form.html", workspace=workspace)

    @app.post("/w/{workspace}/compare", include_in_schema=False)
    async def compare_run(request: Request, workspace: str, file: UploadFile = File(...),
                          other: UploadFile | None = File(None), at: str = Form(""),
                          csrf: str | None = Form(None)):
        """One log split at a date (empty: found from the data), two logs, or two matter sheets:
        the job runs `run_compare_job` (the API's POST /api/compare)."""
        await require_csrf(request, csrf)
        workspace_or_404(workspace)
        store = store_of(request)
        options = {"lang": lang_of(request), "at": at.strip()[:40] or None}
        job = await store.create_with_uploads(workspace, "compare", options, {"file": file, "other": other},
                                              request.app.state.max_upload)
        store.submit(job)
        return RedirectResponse(f"/w/{workspace}/jobs/{job.id}", status_code=303)

    # -- what-if ----------------------------------------------------------------------------
    @app.get("/w/{workspace}/jobs/{job_id}/whatif", response_class=HTMLResponse, include_in_schema=False)
    def whatif_form(request: Request, workspace: str, job_id: str):
        store = store_of(request)
        job = job_or_404(request, workspace, job_id)
        result = store.result(job)
        if job.kind != "discover" or not result:
            raise HTTPException(409, "a what-if starts from a process map")
        steps = [a["activity"] for a in result.get("activity_stats") or []]
        return render(request, "whatif_form.html", workspace=workspace, job=job, steps=steps)

    @app.post("/w/{workspace}/jobs/{job_id}/whatif", include_in_schema=False)
    async def whatif_run(request: Request, workspace: str, job_id: str):
        form = await request.form()
        await require_csrf(request, str(form.get("csrf") or ""))
        store = store_of(request)
        source = job_or_404(request, workspace, job_id)
        result = store.result(source)
        if source.kind != "discover" or not result:
            raise HTTPException(409, "a what-if starts from a process map")
        steps = [a["activity"] for a in result.get("activity_stats") or []]
        scenario = _scenario_from_form(form, steps, lang_of(request))

        def number(key: str, default: int, low: int, high: int) -> int:
            try:
                return min(max(int(str(form.get(key) or default)), low), high)
            except ValueError:
                return default

        options = {"lang": lang_of(request), "scenarios": [scenario], "cases": number("cases", 500, 10, 20_000),
                   "replications": number("replications", 5, 1, 50), "seed": 0,
                   "mapping": source.options.get("mapping")}
        job, _ = store.create(workspace, "simulate", options, label=scenario["name"])
        _copy_input(store, source, "file", job)
        store.submit(job)
        return RedirectResponse(f"/w/{workspace}/jobs/{job.id}", status_code=303)


# -- helpers ------------------------------------------------------------------------------------

def _graph(result: dict, handlers: dict[str, list[dict]]) -> dict:
    """Cytoscape elements and per-step details from a discover result.json (and its step handlers)."""
    steps = {s["activity"]: s for s in (result.get("performance") or {}).get("steps") or []}
    rework = (result.get("rework") or {}).get("summary") and {
        s["activity"]: s for s in (result.get("rework") or {}).get("steps") or []} or {}
    nodes = []
    for a in result.get("activity_stats") or []:
        name = a["activity"]
        perf = steps.get(name, {})
        nodes.append({"data": {"id": "n:" + name, "label": name, "events": a.get("events"), "cases": a.get("cases"),
                               "wait_h": _hours(perf.get("waiting_mean_s")), "wait_p90_h": _hours(perf.get("waiting_p90_s")),
                               "processing_h": _hours(perf.get("processing_mean_s")),
                               "rework": (rework.get(name) or {}).get("repeated_cases", 0),
                               "handlers": [f"{h['handler']} ({h['events']})" for h in handlers.get(name, [])]}})
    edges = [{"data": {"id": f"e{i}", "source": "n:" + e["source"], "target": "n:" + e["target"], "count": e["count"],
                       "median_h": _hours(e.get("median_s"))}} for i, e in enumerate(result.get("dfg") or [])]
    return {"nodes": nodes, "edges": edges, "max": max([e["data"]["count"] for e in edges] or [1])}


def _trend(result: dict, lang: str) -> dict:
    """The monthly series of a compare result.json for the trend chart, with the reform month."""
    trends = result.get("trends") or {}
    months = trends.get("months") or []
    at = str(trends.get("at") or result.get("at") or "")
    control = trends.get("control") or {}
    return {"months": [m["month"] for m in months], "median_days": [m.get("median_days") for m in months],
            "cases": [m.get("cases") for m in months], "at": at, "at_month": at[:7],
            "centre": control.get("centre"), "upper": control.get("upper"), "lower": control.get("lower"),
            "labels": {"median_days": t("cmp_m_median_days", lang), "cases": t("web_compare_cases", lang),
                       "reform": t("web_compare_reform", lang)}}


def _endpoints(spec: dict) -> list[dict]:
    """Method, path, summary and fields (query and form) of each documented endpoint."""
    schemas = (spec.get("components") or {}).get("schemas") or {}
    found = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            fields = [{"name": p["name"], "where": p.get("in"), "required": p.get("required", False),
                       "description": p.get("description") or "",
                       "type": (p.get("schema") or {}).get("type") or ""} for p in op.get("parameters") or []]
            for content in ((op.get("requestBody") or {}).get("content") or {}).values():
                ref = (content.get("schema") or {}).get("$ref", "")
                body = schemas.get(ref.rsplit("/", 1)[-1], {})
                for name, prop in (body.get("properties") or {}).items():
                    kind = prop.get("type") or "/".join(a.get("type", "") for a in prop.get("anyOf") or [])
                    fields.append({"name": name, "where": "form", "required": name in (body.get("required") or []),
                                   "description": prop.get("description") or "",
                                   "type": "file" if "binary" in str(prop) or "contentMediaType" in str(prop) else kind})
            found.append({"method": method.upper(), "path": path, "summary": op.get("summary") or "",
                          "description": op.get("description") or "", "fields": fields})
    return found


def _hours(seconds: Any) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 1)


def _scenario_from_form(form, steps: list[str], lang: str) -> dict:
    """A scenario mapping (the keys of a scenario YAML) from the what-if levers."""
    def factor(key: str) -> float | None:
        try:
            value = float(str(form.get(key) or "1"))
        except ValueError:
            return None
        return min(max(value, 0.0), 5.0)

    scenario: dict[str, Any] = {"name": str(form.get("name") or "").strip()[:80] or t("web_whatif", lang)}
    staffing = {}
    for i, step in enumerate(steps):
        try:
            extra = int(str(form.get(f"staff_{i}") or "0"))
        except ValueError:
            extra = 0
        if extra:
            staffing[step] = f"{min(max(extra, -50), 50):+d}"
    if staffing:
        scenario["staffing"] = staffing
    removed = str(form.get("remove") or "")
    if removed in steps:
        scenario["remove"] = [removed]
    online = [s for i, s in enumerate(steps) if form.get(f"online_{i}")]
    if online:
        scenario["online"] = online
    processing_step = str(form.get("processing_step") or "")
    processing = factor("processing_factor")
    if processing_step in steps and processing is not None and processing != 1:
        scenario["processing"] = {processing_step: processing}
    wait_step = str(form.get("wait_step") or "")
    wait = factor("wait_factor")
    if wait_step in steps and wait is not None and wait != 1:
        scenario["waits"] = {wait_step: wait}  # the wait cut: the step's waiting time × the factor
    rework = []
    rework_factor = factor("rework_factor")
    if rework_factor is not None and rework_factor != 1:
        rework.append({"factor": rework_factor})
    if form.get("tolerance"):
        tolerance = factor("tolerance_factor")
        targets = [s for s in steps if any(w in s for w in CORRECTION_WORDS)]
        if tolerance is not None and targets:
            rework.append({"to": targets[0], "factor": tolerance})
    if rework:
        scenario["rework"] = rework
    limit = str(form.get("promised_limit") or "").strip()[:40]
    if limit:
        scenario["promised_limit"] = limit
    return scenario
