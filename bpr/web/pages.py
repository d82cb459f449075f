"""Server-rendered pages (Jinja2 + htmx)."""

from __future__ import annotations

from fastapi import FastAPI


def page_routes(app: FastAPI) -> None:
    """Register the pages."""
