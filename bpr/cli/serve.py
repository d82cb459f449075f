"""`bpr serve`: the web app over the same library as the CLI."""

from __future__ import annotations

import click


@click.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Any address but localhost requires the access token printed at start.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--data", "data", default="bpr-data", show_default=True, type=click.Path(file_okay=False),
              help="Folder of the workspaces (uploads, results, plans), one sub-folder per project.")
@click.option("--open", "open_browser", is_flag=True, help="Open the app in the default browser.")
@click.option("--token", default=None, help="Access token (default: a new random one when not on localhost).")
@click.option("--max-upload-mb", default=50, show_default=True, type=click.IntRange(1, 10_000),
              help="Largest upload accepted.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Jobs run at once.")
def serve_command(host: str, port: int, data: str, open_browser: bool, token: str | None, max_upload_mb: int,
                  workers: int) -> None:
    """Start the web app: upload, audit, edit a plan, 一件事, process map, what-if, reports; JSON API
    under /api/ (OpenAPI at /api/docs).

    Example: bpr serve --open
    """
    import threading
    import webbrowser

    import uvicorn

    from bpr.web.app import create_app
    from bpr.web.security import LOCAL_HOSTS, is_local, new_token

    local = is_local(host)
    if not local and not token:
        token = new_token()
    app = create_app(data, token=token, allowed_hosts=LOCAL_HOSTS if local else None,
                     max_upload=max_upload_mb << 20, workers=workers)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/" + (f"?token={token}" if token else "")
    click.echo(f"bpr serve: {url}")
    if token:
        click.echo("  (the token is required on this address; API clients send Authorization: Bearer TOKEN)")
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(app, host=host, port=port, log_level="warning")


commands = [serve_command]
