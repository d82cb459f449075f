"""`bpr report`: render any saved result folder."""

from __future__ import annotations

import click

from bpr.cli.options import lang_option
from bpr.report.render import FORMATS, render


@click.command()
@click.argument("result_dir", type=click.Path())
@click.option("-o", "--output", "out", required=True, type=click.Path(file_okay=False),
              help="Folder for the report files.")
@click.option("--format", "formats", default=",".join(FORMATS), show_default=True,
              help="Comma-separated: html, xlsx, docx.")
@click.option("--unit", default=None, help="Issuing unit on the cover (编制单位); by default the one the data names.")
@lang_option
def report(result_dir: str, out: str, formats: str, lang: str, unit: str | None) -> None:
    """Render a result folder (audit, propose/apply, bundle, discover, simulate) as reports.

    Example: bpr report out/audit -o reports/audit --format html,xlsx
    """
    for path in render(result_dir, out, lang, tuple(f.strip() for f in formats.split(",") if f.strip()), unit):
        click.echo(path)


commands = [report]
