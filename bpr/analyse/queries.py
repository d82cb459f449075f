"""The event-log analyses as SQL, each written ONCE in DuckDB's dialect.

Engines run them as they are (DuckDB) or translated by sqlglot (Spark; see
`bpr.analyse.engine.to_spark_sql`). Every function takes the name of a registered view with the
canonical columns (default "events") and returns the query text; none of them runs anything.

Conventions, so that results agree with pm4py:
- events without case, activity or timestamp are ignored (pm4py's `format_dataframe` drops them);
- the order inside a case is ("timestamp", "row"): pm4py sorts by case, timestamp, original index;
- durations are seconds as DOUBLE from microsecond differences of completion timestamps;
- median and p90 are `quantile_cont` (linear interpolation, = numpy.percentile; Spark: exact
  `percentile`), never an approximation.
Add a query by adding a function here; keep to SQL both DuckDB and Spark understand after
translation (tests/analyse/test_engines.py runs them on both).
"""

from __future__ import annotations

from bpr.analyse.engine import quote

#: separator of activities inside a variant key (ASCII unit separator; not found in names)
VARIANT_SEP = "\x1f"
_ORDER = '"timestamp", "row"'


def _valid(table: str) -> str:
    """The rows pm4py keeps: those with a case, an activity and a timestamp."""
    return (f'SELECT * FROM {quote(table)} '
            'WHERE "case" IS NOT NULL AND activity IS NOT NULL AND "timestamp" IS NOT NULL')


def _seconds(a: str, b: str) -> str:
    """Seconds from a to b (double, microsecond precision)."""
    return f"(date_diff('microsecond', {a}, {b}) / 1000000.0)"


def _count_if(condition: str) -> str:
    """A BIGINT count of rows meeting `condition` (count_if is HUGEINT in DuckDB)."""
    return f"count(CASE WHEN {condition} THEN 1 END)"


def counts(table: str = "events") -> str:
    """events, cases, activities, first and last timestamp (valid events only)."""
    return (f'SELECT count(*) AS events, count(DISTINCT "case") AS cases, '
            f'count(DISTINCT activity) AS activities, min("timestamp") AS first_timestamp, '
            f'max("timestamp") AS last_timestamp FROM ({_valid(table)}) AS ev')


def dfg(table: str = "events") -> str:
    """Directly-follows edges: source, target, count, mean_s, median_s, p90_s, min_s, max_s, sum_s.

    The time of an edge is target completion minus source completion, as pm4py's
    `discover_performance_dfg` on a log without start times.
    """
    secs = _seconds('"timestamp"', "next_timestamp")
    return f"""
WITH ev AS ({_valid(table)}),
pairs AS (
    SELECT activity AS source,
           lead(activity) OVER (PARTITION BY "case" ORDER BY {_ORDER}) AS target,
           "timestamp",
           lead("timestamp") OVER (PARTITION BY "case" ORDER BY {_ORDER}) AS next_timestamp,
           lead("row") OVER (PARTITION BY "case" ORDER BY {_ORDER}) AS next_row,
           lead("case") OVER (PARTITION BY "case" ORDER BY {_ORDER}) AS next_case
    FROM ev
),
timed AS (SELECT source, target, {secs} AS seconds FROM pairs WHERE next_case IS NOT NULL)
SELECT source, target, count(*) AS count,
       avg(seconds) AS mean_s,
       quantile_cont(seconds, 0.5) AS median_s,
       quantile_cont(seconds, 0.9) AS p90_s,
       min(seconds) AS min_s, max(seconds) AS max_s, sum(seconds) AS sum_s
FROM timed
GROUP BY source, target
ORDER BY count DESC, source, target"""


def _first_activity(table: str, descending: bool) -> str:
    direction = '"timestamp" DESC, "row" DESC' if descending else _ORDER
    return f"""
WITH ev AS ({_valid(table)}),
ranked AS (
    SELECT activity, row_number() OVER (PARTITION BY "case" ORDER BY {direction}) AS rank_in_case
    FROM ev
)
SELECT activity, count(*) AS count FROM ranked WHERE rank_in_case = 1
GROUP BY activity ORDER BY count DESC, activity"""


def start_activities(table: str = "events") -> str:
    """activity, count: how many cases start with it (pm4py `get_start_activities`)."""
    return _first_activity(table, descending=False)


def end_activities(table: str = "events") -> str:
    """activity, count: how many cases end with it (pm4py `get_end_activities`)."""
    return _first_activity(table, descending=True)


def case_durations(table: str = "events") -> str:
    """One row per case: case, events, first, last, duration_s (last minus first completion)."""
    return f"""
WITH ev AS ({_valid(table)})
SELECT "case", count(*) AS events, min("timestamp") AS first_timestamp,
       max("timestamp") AS last_timestamp,
       {_seconds('min("timestamp")', 'max("timestamp")')} AS duration_s
FROM ev GROUP BY "case" """


def case_duration_stats(table: str = "events") -> str:
    """cases, mean, median, p90, min, max of case durations in seconds (pm4py
    `get_all_case_durations`), plus how many cases have a single event."""
    return f"""
WITH durations AS ({case_durations(table)})
SELECT count(*) AS cases, avg(duration_s) AS mean, quantile_cont(duration_s, 0.5) AS median,
       quantile_cont(duration_s, 0.9) AS p90, min(duration_s) AS min, max(duration_s) AS max,
       {_count_if("events = 1")} AS one_event_cases
FROM durations"""


def variants(table: str = "events", limit: int | None = None) -> str:
    """variant (activities joined by VARIANT_SEP in case order), count; most frequent first."""
    limit_sql = f" LIMIT {int(limit)}" if limit is not None else ""
    return f"""
WITH ev AS ({_valid(table)}),
traces AS (
    SELECT "case", string_agg(activity, chr(31) ORDER BY {_ORDER}) AS variant
    FROM ev GROUP BY "case"
)
SELECT variant, count(*) AS count FROM traces
GROUP BY variant ORDER BY count DESC, variant{limit_sql}"""


def variant_total(table: str = "events") -> str:
    """variants: the number of distinct variants."""
    return f"SELECT count(*) AS variants FROM ({variants(table)}) AS v"


def rework_cases(table: str = "events") -> str:
    """activity, cases: cases in which the activity occurs more than once
    (pm4py `get_rework_cases_per_activity`)."""
    return f"""
WITH ev AS ({_valid(table)}),
repeated AS (SELECT "case", activity FROM ev GROUP BY "case", activity HAVING count(*) > 1)
SELECT activity, count(*) AS cases FROM repeated GROUP BY activity ORDER BY cases DESC, activity"""


def data_quality(table: str = "events", now: str | None = None) -> str:
    """Counts of odd rows: missing case/activity/timestamp, end before start, exact duplicates
    (same values in every column but the row number), timestamps after `now` (ISO text, UTC)."""
    future = _count_if(f"\"timestamp\" > CAST('{now}' AS TIMESTAMPTZ)") if now else "CAST(0 AS BIGINT)"
    columns = ", ".join(quote(c) for c in ("case", "activity", "timestamp", "start", "resource",
                                           "department", "channel", "action", "matter"))
    return f"""
WITH dup AS (
    SELECT count(*) - 1 AS extra FROM {quote(table)} GROUP BY {columns} HAVING count(*) > 1
)
SELECT {_count_if('"case" IS NULL OR activity IS NULL OR "timestamp" IS NULL')} AS missing_required,
       {_count_if('start IS NOT NULL AND "timestamp" IS NOT NULL AND start > "timestamp"')} AS end_before_start,
       {future} AS future_events,
       (SELECT CAST(coalesce(sum(extra), 0) AS BIGINT) FROM dup) AS duplicate_events,
       count(resource) AS with_resource,
       count(matter) AS with_matter,
       count(start) AS with_start
FROM {quote(table)}"""


def matters(table: str = "events") -> str:
    """matter, cases, events: the matters in the log, most cases first."""
    return (f'SELECT matter, count(DISTINCT "case") AS cases, count(*) AS events FROM {quote(table)} '
            'WHERE matter IS NOT NULL GROUP BY matter ORDER BY cases DESC, matter')


def filtered(table: str, column: str, value: str) -> str:
    """The rows of `table` where `column` equals `value` (a view for per-matter analyses)."""
    return f"SELECT * FROM {quote(table)} WHERE {quote(column)} = '{value.replace(chr(39), chr(39) * 2)}'"


def activities(table: str = "events") -> str:
    """activity, events, cases: how often each activity occurs and in how many cases."""
    return (f'SELECT activity, count(*) AS events, count(DISTINCT "case") AS cases '
            f'FROM ({_valid(table)}) AS ev GROUP BY activity ORDER BY events DESC, activity')
