"""`bpr demo`: the whole pipeline on the bundled samples."""

from __future__ import annotations

import click

from bpr.cli.options import lang_option


@click.command()
@click.option("-o", "--out", default="reports/demo", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the reports and index.html.")
@click.option("--samples", type=click.Path(file_okay=False), help="Sample folder (default: ./samples).")
@lang_option
def demo(out: str, samples: str | None, lang: str) -> None:
    """Run audit, discover, propose, apply, bundle and simulate on the samples and render every report.

    Example: bpr demo && open reports/demo/index.html
    """
    from bpr.demo import run_demo

    click.echo(run_demo(out, samples, lang))


commands = [demo]
