"""`bpr discover`: the as-is process from an event log, written as a result folder."""

from __future__ import annotations

import click

from bpr.cli.options import (
    MemorySize,
    force_option,
    lang_option,
    map_option,
    max_bad_rows_option,
    since_option,
)
from bpr.i18n import t
from bpr.io.columns import parse_mapping
from bpr.io.timestamps import parse_since


@click.command(name="discover")
@click.argument("log", type=click.Path())
@click.option("-o", "--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder for result.json, the CSV tables and process.graphml.")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
              help="Where the queries run: embedded DuckDB, or Apache Spark for logs past one machine.")
@click.option("--spark-master", default="local[*]", show_default=True, help="Spark master URL (--engine spark).")
@click.option("--memory-limit", default="1GB", show_default=True, type=MemorySize(), help="DuckDB memory limit; it spills to disk past it.")
@click.option("--top", "top_k", default=20, show_default=True, type=click.IntRange(1, 100_000), help="Variants listed before the 'other' row.")
@click.option("--max-nodes", default=60, show_default=True, type=click.IntRange(2, 10_000), help="Activities drawn in the graph before 'other'.")
@click.option("--core", is_flag=True,
              help="Only the core analyses (graph, variants, durations, rework): what pm4py also computes.")
@map_option
@max_bad_rows_option
@click.option("--timezone", default="Asia/Shanghai", show_default=True,
              help="Time zone of timestamps written without one.")
# --- performance/conformance hook (H5b: bpr/analyse/performance.py, conformance.py, interop.py) ---
@click.option("--catalogue", type=click.Path(exists=True, dir_okay=False),
              help="Matter sheet: promised limits (按时办结率) and stated visits (到现场次数) per matter.")
@click.option("--spec", "specs", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Specified process (process_models/*.yaml) to check conformance against; repeatable.")
@click.option("--calendar", type=click.Path(exists=True, dir_okay=False),
              help="Extra holidays and make-up working days (CSV date,type or YAML).")
@click.option("--bpmn", is_flag=True, help="Also write the model pm4py's inductive miner finds as process.bpmn.")
@click.option("--min-share", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Process map: leave out paths taken by fewer than this share of cases (e.g. 0.02).")
@since_option
@force_option
@lang_option
def discover_command(log: str, out: str, engine: str, spark_master: str, memory_limit: str, top_k: int,
                     max_nodes: int, core: bool, mapping: str | None, timezone: str, lang: str,
                     catalogue: str | None = None, specs: tuple[str, ...] = (), calendar: str | None = None,
                     bpmn: bool = False, since: str | None = None, min_share: float = 0.0,
                     force: bool = False) -> None:
    """Find the process an event log actually follows: variants, directly-follows graph with
    times, case durations, rework (and the further analyses installed).

    Example: bpr discover samples/logs/construction_permit.xlsx -o out/permit --engine duckdb

    Example: bpr discover samples/logs/food_licence.csv -o out/food --catalogue
    samples/catalogue_province_export.xlsx --spec process_models/食品经营许可.yaml --bpmn

    Example (the process since a reform): bpr discover samples/logs/food_licence.csv --since 2024-07-01 -o out/now

    Example (a map without the rare paths): bpr discover samples/logs/construction_permit.xlsx -o out/permit
    --min-share 0.02
    """
    from bpr.runs import run_discover

    start = parse_since(since, timezone)
    options = {"memory_limit": memory_limit} if engine == "duckdb" else {"spark_master": spark_master}
    result = run_discover(log, out, engine, options, top_k=top_k, max_nodes=max_nodes, core=core,
                          mapping=parse_mapping(mapping), timezone=timezone, catalogue=catalogue, specs=specs,
                          calendar=calendar, bpmn=bpmn, since=start, lang=lang, force=force, min_share=min_share)
    median = result.case_duration_s.median
    click.echo(f"{t('discover_cases', lang)} {result.cases}  {t('discover_events', lang)} {result.events}  "
               f"{t('discover_activities', lang)} {result.activities}  {t('discover_variants', lang)} "
               f"{result.variant_count}  {t('discover_median_duration', lang)} "
               f"{'-' if median is None else f'{median / 3600:.1f}'}")
    click.echo(f"{t('discover_written', lang)} {out}")


commands = [discover_command]
