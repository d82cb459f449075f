"""The web app's guards: access token, allowed Host names, CSRF, security headers, upload limits and
file names that cannot leave their folder."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import UploadFile
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from bpr.io.safety import safe_filename

CSRF_COOKIE = "bpr_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf"
TOKEN_COOKIE = "bpr_token"

# pages: scripts and style sheets only from this server (no inline script, no <style> element), nothing
# framed, forms post here. Style *attributes* are allowed (style-src-attr): ECharts and Cytoscape size
# and place their canvases and tooltips through them, and an attribute cannot run code.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; style-src-elem 'self'; "
            "style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; "
            "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'; form-action 'self'")
# a downloaded report: its own inline styles and images, no script at all, sandboxed
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
              "frame-ancestors 'self'; sandbox")

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def is_local(host: str) -> bool:
    return host in LOCAL_HOSTS


def new_token() -> str:
    return secrets.token_urlsafe(24)


class GuardMiddleware(BaseHTTPMiddleware):
    """Host check (against DNS rebinding), token, cross-site request refusal and security headers."""

    def __init__(self, app, token: str | None = None, allowed_hosts: tuple[str, ...] | None = None,
                 max_upload: int = 50 << 20) -> None:
        super().__init__(app)
        self.token = token
        self.allowed_hosts = allowed_hosts
        self.max_upload = max_upload

    async def dispatch(self, request: Request, call_next) -> Response:
        host = (request.headers.get("host") or "").rsplit(":", 1)[0] if request.headers.get("host") else ""
        if host.startswith("[") and "]" in (request.headers.get("host") or ""):
            host = request.headers["host"].split("]")[0] + "]"
        if self.allowed_hosts is not None and host not in self.allowed_hosts:
            return PlainTextResponse("host not allowed", status_code=403)
        set_token_cookie = False
        if self.token and not request.url.path.startswith("/static/"):
            given = _bearer(request) or request.cookies.get(TOKEN_COOKIE) or ""
            if not given and request.query_params.get("token"):
                given, set_token_cookie = request.query_params["token"], True
            if not secrets.compare_digest(given.encode(), self.token.encode()):
                return _denied(request, 401, "token required: open the address printed by `bpr serve`, "
                                              "or send Authorization: Bearer TOKEN")
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            refused = _cross_site(request)
            if refused:
                return _denied(request, 403, refused)
            length = request.headers.get("content-length")
            if length and length.isdigit() and int(length) > self.max_upload + (1 << 20):
                return _denied(request, 413, f"upload larger than the limit of {self.max_upload >> 20} MB")
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        # same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on form posts
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if set_token_cookie:
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
        return response


def _bearer(request: Request) -> str:
    auth = request.headers.get("authorization") or ""
    return auth[7:].strip() if auth.lower().startswith("bearer ") else ""


def _denied(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": {"message": message}}, status_code=status)
    return PlainTextResponse(message, status_code=status)


def _cross_site(request: Request) -> str | None:
    """Why a state-changing request comes from another site (None when it does not)."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return "cross-site request refused"
    origin = request.headers.get("origin")
    if origin and origin != "null":
        if urlsplit(origin).netloc != request.headers.get("host"):
            return "cross-origin request refused"
    elif origin == "null":
        return "request from an opaque origin refused"
    return None


async def check_csrf(request: Request, form_value: str | None = None) -> bool:
    """Double-submit check: the form field or header equals the CSRF cookie. Requests without the
    cookie (an API client, not a browser that opened the pages) pass only on /api/."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie:
        return request.url.path.startswith("/api/")
    given = request.headers.get(CSRF_HEADER) or form_value or ""
    return secrets.compare_digest(given.encode(), cookie.encode())


_SUFFIX = re.compile(r"(\.[A-Za-z0-9]{1,8}){1,2}$")


def stored_name(filename: str | None, default: str = "upload") -> str:
    """The name an upload is stored under: its last path part made safe, its extension kept."""
    base = re.split(r"[\\/]", filename or "")[-1]
    match = _SUFFIX.search(base)
    suffix = match.group(0).lower() if match else ""
    stem = base[: len(base) - len(suffix)] if suffix else base
    return safe_filename(stem, default=default, max_length=60) + suffix


class UploadTooLarge(Exception):  # noqa: N818 - a signal turned into HTTP 413
    pass


async def save_upload(upload: UploadFile, folder: Path, limit: int, default: str = "upload") -> str:
    """Copy an upload into `folder` under a safe name, stopping at `limit` bytes; returns the name."""
    name = stored_name(upload.filename, default)
    target = (folder / name).resolve()
    if target.parent != folder.resolve():
        raise ValueError("upload name leaves its folder")
    size = 0
    with open(target, "wb") as fh:
        while chunk := await upload.read(1 << 20):
            size += len(chunk)
            if size > limit:
                fh.close()
                target.unlink(missing_ok=True)
                raise UploadTooLarge(name)
            fh.write(chunk)
    return name
