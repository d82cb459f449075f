"""One row per case with the figures a before/after comparison or a rating breakdown needs, as
SQL over an event view (DuckDB or Spark, the same queries as `bpr discover`):

    setup = performance.prepare(engine, "events", options, timezone)
    rows = engine.sql(case_rows_query("events", options, setup))

Columns: case, matter, first_us, last_us (epoch microseconds of the first and last completion),
working_days, repeats (occurrences beyond the first of each step), visits, on_time (NULL without
a promised limit).
"""

from __future__ import annotations

from typing import Any

from bpr.analyse import performance_queries as PQ
from bpr.analyse.performance import PerformanceOptions, limit_days


def _limits(matters: list[str], options: PerformanceOptions) -> list[tuple[str | None, int, bool]]:
    """(matter, days, natural) promised limits for `on_time_cases`, as `performance.on_time` builds them."""
    limits: list[tuple[str | None, int, bool]] = []
    for matter in matters:
        if matter in options.limits and (days := limit_days(options.limits[matter])) is not None:
            limits.append((matter, *days))
    if options.default_limit is not None and (days := limit_days(options.default_limit)) is not None:
        limits.append((None, *days))
    return limits


def case_rows_query(table: str, options: PerformanceOptions, setup: Any) -> str:
    """One row per case of the view `table`: case, matter, first_us, last_us (epoch microseconds of
    the first and last completion), working_days, repeats (occurrences beyond the first of each
    step), visits, on_time (NULL without a promised limit)."""
    limits = _limits(setup.matters, options)
    if limits:
        pauses = setup.rework_query if options.pause_for_corrections else None
        on_time = f"cmp_ot AS ({PQ.on_time_cases(setup.case_query, setup.cal, limits, pauses, setup.local)}),"
        on_time_col, on_time_join = "cmp_ot.on_time AS on_time", 'LEFT JOIN cmp_ot ON cmp_ot."case" = cmp_ct."case"'
    else:
        on_time, on_time_col, on_time_join = "", "CAST(NULL AS BOOLEAN) AS on_time", ""
    # the case table (`PQ.case_table`) has every figure but on-time already
    return f"""
WITH cmp_ct AS ({setup.case_query}),{on_time}
cmp_joined AS (
    SELECT cmp_ct."case" AS "case", cmp_ct.matter AS matter, epoch_us(cmp_ct.first_end) AS first_us,
           epoch_us(cmp_ct.case_end) AS last_us, cmp_ct.working_days AS working_days, cmp_ct.repeats AS repeats,
           cmp_ct.visits AS visits, {on_time_col}
    FROM cmp_ct {on_time_join}
)
SELECT * FROM cmp_joined ORDER BY "case\""""
