"""Exact median and p90 on any engine, from sorted order statistics.

`queries.quantile_points` asks the engine for the few order statistics each quantile needs (a
sort, which spills to disk); `group_quantiles` fetches them and interpolates as numpy does. An
aggregate such as DuckDB's `quantile_cont` instead holds every value of a group in memory: on
100M events it overflows a 1 GB limit.
"""

from __future__ import annotations

import math

from bpr.analyse import queries as Q
from bpr.analyse.engine import Engine


def interpolate(values: dict[int, float], n: int, q: float) -> float:
    """numpy.percentile(x, 100*q) (method "linear") from the order statistics `values` (1-based
    rank -> value) of a sample of size n, with numpy's own lerp so the doubles are the same."""
    virtual = (n - 1) * q
    below = math.floor(virtual)
    a, b = values[below + 1], values[math.ceil(virtual) + 1]
    t = virtual - below
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t


def group_quantiles(engine: Engine, query: str, groups: int) -> dict[tuple, tuple[float, ...]]:
    """group key -> (q for q in QUANTILES) from a `quantile_points` query with `groups` keys."""
    rows: dict[tuple, list[tuple[int, int, float]]] = {}
    sizes: dict[tuple, int] = {}
    for r in engine.sql(query).to_pylist():
        key = tuple(list(r.values())[:groups])
        sizes[key] = int(r["n"])
        rows.setdefault(key, []).append((int(r["first_rank"]), int(r["last_rank"]), float(r["value"])))
    result = {}
    for key, spans in rows.items():
        n = sizes[key]
        needed = {math.floor((n - 1) * q) + 1 for q in Q.QUANTILES} | {math.ceil((n - 1) * q) + 1 for q in Q.QUANTILES}
        points = {k: v for first, last, v in spans for k in needed if first <= k <= last}
        result[key] = tuple(interpolate(points, n, q) for q in Q.QUANTILES)
    return result


def add_quantiles(engine: Engine, rows: list[dict], relation: str, groups: list[str],
                  columns: dict[str, str]) -> list[dict]:
    """`rows` (one per group of `relation`, keyed by the `groups` columns) with `{name}_median`
    and `{name}_p90` of each column expression in `columns` (name -> SQL over `relation`),
    NULLs left out as an aggregate would; None for a group without a value."""
    cols = "".join(f"{g}, " for g in groups)
    for name, expression in columns.items():
        values = f"SELECT {cols}{expression} AS qv FROM ({relation}) AS qr WHERE {expression} IS NOT NULL"
        found = group_quantiles(engine, Q.quantile_points(values, groups, "qv"), len(groups))
        for row in rows:
            median, p90 = found.get(tuple(row[g] for g in groups), (None, None))
            row[f"{name}_median"], row[f"{name}_p90"] = median, p90
    return rows
