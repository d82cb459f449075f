"""`bpr compare`: measured before/after (two periods of a log, two logs, two catalogue versions)."""

from __future__ import annotations

import click

from bpr.cli.options import (
    MemorySize,
    force_option,
    lang_option,
    map_option,
    max_bad_rows_option,
)
from bpr.errors import UsageError
from bpr.i18n import t
from bpr.io.columns import parse_mapping
from bpr.io.timestamps import parse_since


@click.command(name="compare")
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder for result.json and the CSV tables.")
@click.option("--at", "at", default=None, metavar="DATE",
              help="Reform date: cases whose first event is on or after it are 'after'. Left out: found from the data.")
@click.option("--window", type=click.IntRange(min=1), default=None, metavar="DAYS",
              help="Only the cases that started within DAYS days either side of the date.")
@click.option("--catalogue", type=click.Path(exists=True, dir_okay=False),
              help="Matter sheet: promised limits (按时办结率) and stated visits per matter.")
@click.option("--calendar", type=click.Path(exists=True, dir_okay=False),
              help="Extra holidays and make-up working days (CSV date,type or YAML).")
@click.option("--predicted", type=click.Path(), default=None, metavar="SIM_DIR",
              help="A bpr simulate --plan result folder: its prediction beside the observed after side.")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
              help="Where the queries run.")
@click.option("--spark-master", default="local[*]", show_default=True, help="Spark master URL (--engine spark).")
@click.option("--memory-limit", default="1GB", show_default=True, type=MemorySize(), help="DuckDB memory limit.")
@click.option("--resamples", type=click.IntRange(min=100), default=2000, show_default=True,
              help="Bootstrap resamples for the 95% intervals.")
@click.option("--seed", type=int, default=20240314, show_default=True, help="Bootstrap seed.")
@map_option
@max_bad_rows_option
@click.option("--timezone", default="Asia/Shanghai", show_default=True,
              help="Time zone of timestamps written without one (and of --at).")
@force_option
@lang_option
def compare_command(inputs: tuple[str, ...], out: str, at: str | None, window: int | None, catalogue: str | None,
                    calendar: str | None, predicted: str | None, engine: str, spark_master: str, memory_limit: str,
                    resamples: int, seed: int, mapping: str | None, timezone: str, lang: str,
                    force: bool = False) -> None:
    """Did a reform work? Measure before and after from the records, with 95% intervals.

    Example (one log, split at the reform date): bpr compare samples/logs/food_licence.csv --at 2024-07-01
    -o out/compare --catalogue samples/catalogue_template.xlsx

    Example (the date found from the data): bpr compare samples/logs/public_health_reform.csv -o out/cmp

    Example (plan vs reality): bpr compare samples/logs/food_licence.csv --at 2024-07-01 --predicted out/sim
    -o out/compare

    Example (two logs, one each side of a reform): bpr compare BEFORE_LOG AFTER_LOG -o out/compare

    Example (two catalogue versions, 清单动态调整): bpr compare samples/catalogue_template.xlsx
    out/after/after.xlsx -o out/list
    """
    from bpr.measure.compare_run import run_compare

    if len(inputs) > 2:
        raise UsageError.of("compare_needs_logs")
    moment = parse_since(at, timezone)
    result = run_compare(list(inputs), out, at=moment.date() if moment else None, window=window,
                         catalogue=catalogue, calendar=calendar, predicted=predicted, engine=engine,
                         engine_options={"memory_limit": memory_limit} if engine == "duckdb"
                         else {"spark_master": spark_master},
                         mapping=parse_mapping(mapping), timezone=timezone, resamples=resamples, seed=seed,
                         lang=lang, force=force)
    click.echo(result.summary(lang))
    click.echo(f"{t('discover_written', lang)} {out}")


commands = [compare_command]
