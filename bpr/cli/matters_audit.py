"""`bpr audit`: indicators, data-quality findings and proposals for a matter catalogue."""

from __future__ import annotations

import click

from bpr.cli.options import force_option, lang_option
from bpr.i18n import t


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


@click.command(name="audit")
@click.argument("catalogue", type=click.Path())
@click.option("-o", "--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder for result.json and the CSV tables.")
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False),
              help="YAML file switching rules off (disable: [id, ...]) or changing thresholds (rules: {id: {...}}).")
@click.option("--whitelist", type=click.Path(dir_okay=False),
              help="Text file of matters (code or name, one a line) where zero visits is not suitable (不宜跑零次).")
@click.option("--month-days", default=22.0, show_default=True, type=click.FloatRange(1, 31), help="Working days in a month (时限 in 月).")
@click.option("--year-days", default=250.0, show_default=True, type=click.FloatRange(1, 366), help="Working days in a year (时限 in 年).")
@click.option("--no-proposals", is_flag=True, help="Skip the four-reduction proposals.")
@click.option("--licences", multiple=True, type=click.Path(dir_okay=False),
              help="The local 电子证照 library (licence types it holds); see `bpr propose --help`.")
@click.option("--log", "log_file", type=click.Path(dir_okay=False),
              help="Event log whose matter column gives annual cases for the 共享需求清单.")
@force_option
@lang_option
def audit_command(catalogue: str, out: str, rules_file: str | None, whitelist: str | None, month_days: float,
                  year_days: float, no_proposals: bool, licences: tuple[str, ...], log_file: str | None,
                  lang: str, force: bool = False) -> None:
    """Audit a matter catalogue: 即办率, 承诺时限压缩比, 跑零次率, 全程网办率 … by department and
    type, data-quality findings, and four-reduction proposals.

    Example: bpr audit samples/catalogue_template.xlsx -o out/audit
    """
    from bpr.runs import run_audit

    result = run_audit(catalogue, out, rules_file, whitelist, month_days, year_days, not no_proposals, lang, force,
                       licences=licences, log_file=log_file)
    ind = result.indicators
    click.echo(f"{t('audit_matters', lang)} {ind.matters}  {t('audit_immediate_rate', lang)} "
               f"{_pct(ind.immediate_rate)}  {t('audit_compression_ratio', lang)} {_pct(ind.compression_ratio)}  "
               f"{t('audit_zero_visit_rate', lang)} {_pct(ind.zero_visit_rate)}  "
               f"{t('audit_full_online_rate', lang)} {_pct(ind.full_online_rate)}  "
               f"{len(result.findings)} {t('audit_findings', lang)}")
    click.echo(f"{t('audit_written', lang)} {out}")


commands = [audit_command]
