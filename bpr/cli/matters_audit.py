"""`bpr audit`: indicators, data-quality findings and proposals for a matter catalogue."""

from __future__ import annotations

import click

import bpr.io
from bpr.cli.options import force_option, lang_option
from bpr.i18n import t
from bpr.progress import note


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
@force_option
@lang_option
def audit_command(catalogue: str, out: str, rules_file: str | None, whitelist: str | None, month_days: float,
                  year_days: float, no_proposals: bool, lang: str, force: bool = False) -> None:
    """Audit a matter catalogue: 即办率, 承诺时限压缩比, 跑零次率, 全程网办率 … by department and
    type, data-quality findings, and four-reduction proposals.

    Example: bpr audit samples/catalogue_template.xlsx -o out/audit
    """
    from bpr.analyse.audit import audit, read_whitelist, write_audit
    from bpr.analyse.rules import load_rules
    from bpr.io.result_folder import result_folder
    from bpr.model.timelimit import Conversion

    with result_folder(out, "audit", force) as folder:
        rules = load_rules(rules_file)  # a bad rules file fails before the (slow) catalogue read
        entries = read_whitelist(whitelist) if whitelist else None
        note(f"reading {catalogue}")
        cat = bpr.io.read_catalogue(catalogue)
        note("auditing")
        result = audit(cat, rules=rules, whitelist=entries, conversion=Conversion(month=month_days, year=year_days),
                       proposals=not no_proposals)
        note(f"writing {out}")
        write_audit(result, folder, lang=lang)
    ind = result.indicators
    click.echo(f"{t('audit_matters', lang)} {ind.matters}  {t('audit_immediate_rate', lang)} "
               f"{_pct(ind.immediate_rate)}  {t('audit_compression_ratio', lang)} {_pct(ind.compression_ratio)}  "
               f"{t('audit_zero_visit_rate', lang)} {_pct(ind.zero_visit_rate)}  "
               f"{t('audit_full_online_rate', lang)} {_pct(ind.full_online_rate)}  "
               f"{len(result.findings)} {t('audit_findings', lang)}")
    click.echo(f"{t('audit_written', lang)} {out}")


commands = [audit_command]
