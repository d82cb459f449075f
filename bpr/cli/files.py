"""Commands about input files: `bpr template` and `bpr inspect`."""

from __future__ import annotations

import json
import os

import click

import bpr.io
from bpr.cli.options import lang_option, map_option, max_bad_rows_option
from bpr.errors import UsageError
from bpr.io.columns import parse_mapping


@click.command()
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace PATH when it exists (a filled-in sheet is lost).")
def template(path: str, force: bool) -> None:
    """Write a blank matter-sheet template (sheets 事项, 环节, 材料, 填写说明).

    Example: bpr template 我的事项清单.xlsx
    """
    if not path.lower().endswith(".xlsx"):
        raise UsageError.of("cli_template_not_xlsx", file=path)
    if os.path.lexists(path) and not force:  # a filled-in matter sheet was silently overwritten
        raise UsageError.of("cli_template_exists", file=path)
    bpr.io.write_template(path)
    click.echo(path)


@click.command()
@click.argument("file", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a summary.")
@map_option
@max_bad_rows_option
@click.option("--timezone", default="Asia/Shanghai", show_default=True,
              help="Time zone of timestamps written without one.")
@lang_option
def inspect(file: str, as_json: bool, mapping: str | None, timezone: str, lang: str) -> None:
    """Say what a matter sheet or event log holds: counts, columns, warnings.

    Example: bpr inspect samples/logs/food_licence.csv --json
    """
    from bpr.report.text import summary_text
    from bpr.runs import inspect_file

    summary = inspect_file(file, parse_mapping(mapping), timezone)
    click.echo(json.dumps(summary, ensure_ascii=False, indent=2) if as_json else summary_text(summary, lang))


commands = [template, inspect]
