"""`bpr report`: render any saved result folder."""

from __future__ import annotations

import click

from bpr.cli.options import force_option, lang_option
from bpr.errors import UsageError
from bpr.report.render import FORMATS, render


@click.command()
@click.argument("result_dir", type=click.Path())
@click.option("-o", "--out", "out", type=click.Path(file_okay=False), help="Folder for the report files.")
@click.option("--output", "out_alias", type=click.Path(file_okay=False), hidden=True)  # the old name
@force_option
@click.option("--format", "formats", default=",".join(FORMATS), show_default=True,
              help="Comma-separated: html, xlsx, docx.")
@click.option("--unit", default=None, help="Issuing unit on the cover (编制单位); by default the one the data names.")
@lang_option
def report(result_dir: str, out: str | None, out_alias: str | None, formats: str, lang: str,
           unit: str | None = None, force: bool = False) -> None:
    """Render a result folder (audit, propose/apply, bundle, discover, simulate) as reports.

    Example: bpr report out/audit -o reports/audit --format html,xlsx
    """
    out = out or out_alias
    if not out:
        raise UsageError.of("report_no_out")
    for path in render(result_dir, out, lang, tuple(f.strip() for f in formats.split(",") if f.strip()), force,
                       unit):
        click.echo(path)


commands = [report]
