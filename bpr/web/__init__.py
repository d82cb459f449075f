"""`bpr serve`: a local web app and JSON API over the same library as the CLI (no analysis here).

app.py (FastAPI app, JSON API), pages.py (server-rendered pages), jobs.py (background jobs on disk),
security.py (token, CSRF, headers, uploads), templates/ (Jinja2), static/ (CSS, JS, vendored libraries).
"""
