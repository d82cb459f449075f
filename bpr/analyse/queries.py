"""The event-log analyses as SQL, each written ONCE in DuckDB's dialect.

Engines run them as they are (DuckDB) or translated by sqlglot (Spark; see
`bpr.analyse.engine.to_spark_sql`). Every function takes the name of a registered view with the
canonical columns (default "events") and returns the query text; none of them runs anything.

Conventions, so that results agree with pm4py:
- events without case, activity or timestamp are ignored (pm4py's `format_dataframe` drops them);
- the order inside a case is ("timestamp", "row"): pm4py sorts by case, timestamp, original index;
- durations are seconds as DOUBLE from microsecond differences of completion timestamps;
- median and p90 are exact linear-interpolation quantiles (= numpy.percentile): SQL fetches the
  two order statistics around each quantile, Python interpolates (no engine's own rounding, no
  approximation); means come from exact DECIMAL microsecond sums.
Add a query by adding a function here; keep to SQL both DuckDB and Spark understand after
translation (tests/analyse/test_engines.py runs them on both).
"""

from __future__ import annotations

from bpr.analyse.engine import quote

#: separator of activities inside a variant key (ASCII unit separator; not found in names)
VARIANT_SEP = "\x1f"
_ORDER = '"timestamp", "row"'
#: the quantiles reported besides the mean: median and p90
QUANTILES = (0.5, 0.9)


def _valid(table: str) -> str:
    """The rows pm4py keeps: those with a case, an activity and a timestamp."""
    return (f'SELECT * FROM {quote(table)} '
            'WHERE "case" IS NOT NULL AND activity IS NOT NULL AND "timestamp" IS NOT NULL')


def _seconds(a: str, b: str) -> str:
    """Seconds from a to b (double, microsecond precision)."""
    return f"(date_diff('microsecond', {a}, {b}) / 1000000.0)"


def _exact_sum(expression: str) -> str:
    """An exact integer sum (DECIMAL(38,0)): no float rounding that differs between engines, no
    BIGINT overflow on Spark."""
    return f"sum(CAST({expression} AS DECIMAL(38,0)))"


def _count_if(condition: str) -> str:
    """A BIGINT count of rows meeting `condition` (count_if is HUGEINT in DuckDB)."""
    return f"count(CASE WHEN {condition} THEN 1 END)"


def steps(table: str = "events") -> str:
    """The valid events of `table` in case order, one row each: case, activity, timestamp,
    position (1-based in the case), case_events, case_start (first completion in the case),
    next_activity, next_timestamp (NULL at the end).

    The one window pass every other core query reads; engines materialise it once.
    """
    w = f'OVER (PARTITION BY "case" ORDER BY {_ORDER})'
    return f"""
WITH ev AS ({_valid(table)})
SELECT "case", activity, "timestamp",
       row_number() {w} AS position,
       count(*) OVER (PARTITION BY "case") AS case_events,
       min("timestamp") OVER (PARTITION BY "case") AS case_start,
       lead(activity) {w} AS next_activity,
       lead("timestamp") {w} AS next_timestamp
FROM ev"""


def dfg(steps: str = "steps") -> str:
    """Directly-follows edges: source, target, count, sum_us (exact total microseconds), min_s,
    max_s. The mean is sum_us / count and median/p90 come from `quantile_points(edge_times(...))`,
    both finished by the caller, so that every engine gives the same doubles.

    The time of an edge is target completion minus source completion, as pm4py's
    `discover_performance_dfg` on a log without start times.
    """
    return f"""
WITH timed AS (
    SELECT activity AS source, next_activity AS target,
           date_diff('microsecond', "timestamp", next_timestamp) AS micros
    FROM {quote(steps)} WHERE position < case_events
)
SELECT source, target, count(*) AS count,
       {_exact_sum("micros")} AS sum_us,
       min(micros) / 1000000.0 AS min_s, max(micros) / 1000000.0 AS max_s
FROM timed
GROUP BY source, target
ORDER BY count DESC, source, target"""


def edge_times(steps: str = "steps") -> str:
    """source, target, seconds: one row per directly-follows pair."""
    return (f"SELECT activity AS source, next_activity AS target, "
            f"{_seconds(chr(34) + 'timestamp' + chr(34), 'next_timestamp')} AS seconds "
            f"FROM {quote(steps)} WHERE position < case_events")


def quantile_points(relation: str, groups: list[str], value: str,
                    quantiles: tuple[float, ...] = QUANTILES) -> str:
    """The order statistics that linear-interpolated quantiles need, per group: groups..., n, k
    (1-based rank of `value` in its group), value; only the ranks floor and ceil of (n-1)*q + 1.

    The interpolation itself is `bpr.analyse.discover.interpolate` (numpy's formula) in Python, so
    DuckDB, Spark and numpy/pm4py give identical doubles.
    """
    part = ", ".join(groups) if groups else "NULL"
    keep = " OR ".join(
        f"k = CAST(floor((n - 1) * CAST({q!r} AS DOUBLE)) AS BIGINT) + 1 OR "
        f"k = CAST(ceil((n - 1) * CAST({q!r} AS DOUBLE)) AS BIGINT) + 1" for q in quantiles)
    cols = "".join(f"{g}, " for g in groups)
    return f"""
WITH ranked AS (
    SELECT {cols}{value} AS value,
           row_number() OVER (PARTITION BY {part} ORDER BY {value}) AS k,
           count(*) OVER (PARTITION BY {part}) AS n
    FROM ({relation}) AS r
)
SELECT {cols}n, k, value FROM ranked WHERE {keep}"""


def start_activities(steps: str = "steps") -> str:
    """activity, count: how many cases start with it (pm4py `get_start_activities`)."""
    return (f"SELECT activity, count(*) AS count FROM {quote(steps)} WHERE position = 1 "
            "GROUP BY activity ORDER BY count DESC, activity")


def end_activities(steps: str = "steps") -> str:
    """activity, count: how many cases end with it (pm4py `get_end_activities`)."""
    return (f"SELECT activity, count(*) AS count FROM {quote(steps)} WHERE position = case_events "
            "GROUP BY activity ORDER BY count DESC, activity")


def case_durations(steps: str = "steps") -> str:
    """One row per case: case, events, first, last, duration_s (last minus first completion)."""
    return f"""
SELECT "case", case_events AS events, case_start AS first_timestamp, "timestamp" AS last_timestamp,
       date_diff('microsecond', case_start, "timestamp") AS duration_us,
       {_seconds("case_start", '"timestamp"')} AS duration_s
FROM {quote(steps)} WHERE position = case_events"""


def case_duration_stats(steps: str = "steps") -> str:
    """cases, events, first/last timestamp, and sum_us (exact), min, max of case durations in
    seconds (median and p90: `quantile_points(case_durations(...), [], "duration_s")`) (pm4py `get_all_case_durations`), plus how many cases have a single event."""
    return f"""
WITH durations AS ({case_durations(steps)})
SELECT count(*) AS cases, sum(events) AS events, min(first_timestamp) AS first_timestamp,
       max(last_timestamp) AS last_timestamp,
       {_exact_sum("duration_us")} AS sum_us, min(duration_s) AS min, max(duration_s) AS max,
       {_count_if("events = 1")} AS one_event_cases
FROM durations"""


#: variants are grouped by two 40-bit sums of hash(activity, position) per case: a sequence is
#: the set of its (activity, position) pairs, so equal sums mean equal sequences unless two
#: variants collide in 80 bits (odds ~ n^2 / 2^81: 4e-13 for a million variants). Each variant's
#: activities are then read back from one example case, so the lists themselves are exact.
_HASH_MOD = 1 << 40


def variant_table(steps: str = "steps") -> str:
    """h1, h2, count, example: one row per variant, with the smallest case id that follows it."""
    return f"""
WITH traces AS (
    SELECT "case", sum(hash(activity, position) % {_HASH_MOD}) AS h1,
           sum(hash(position, activity) % {_HASH_MOD}) AS h2
    FROM {quote(steps)} GROUP BY "case"
)
SELECT h1, h2, count(*) AS count, min("case") AS example FROM traces GROUP BY h1, h2"""


def top_variants(variants: str = "variants", limit: int | None = None) -> str:
    """example, count of a `variant_table`, most frequent first (ties: smallest example case id)."""
    limit_sql = f" LIMIT {int(limit)}" if limit is not None else ""
    return f'SELECT example, count FROM {quote(variants)} ORDER BY count DESC, example{limit_sql}'


def variant_activities(steps: str, examples: str) -> str:
    """case, variant (activities joined by VARIANT_SEP in order) for the cases in the table or
    view `examples` (column `example`)."""
    return f"""
SELECT "case", string_agg(activity, chr(31) ORDER BY position) AS variant
FROM {quote(steps)} WHERE "case" IN (SELECT example FROM {quote(examples)})
GROUP BY "case" """


def variant_total(variants: str = "variants") -> str:
    """variants: the number of distinct variants in a `variant_table`."""
    return f"SELECT count(*) AS variants FROM {quote(variants)}"


def data_quality(table: str = "events", now: str | None = None, duplicates: bool = True,
                 steps: str | None = None) -> str:
    """Counts of odd rows: missing case/activity/timestamp, end before start, exact duplicates
    (same values in every column but the row number; 0 unless `duplicates`), timestamps after
    `now` (ISO text, UTC), and how many rows carry each optional role."""
    future = _count_if(f"\"timestamp\" > CAST('{now}' AS TIMESTAMPTZ)") if now else "CAST(0 AS BIGINT)"
    columns = ", ".join(quote(c) for c in ("case", "activity", "timestamp", "start", "resource",
                                           "department", "channel", "action", "matter"))
    # Duplicates share case and timestamp, so only cases where two consecutive events have the
    # same timestamp (found cheaply in `steps`) need the full comparison.
    candidates = (f' WHERE "case" IN (SELECT "case" FROM {quote(steps)} WHERE next_timestamp = "timestamp")'
                  if steps else "")
    dup_sql = (f"(SELECT CAST(coalesce(sum(extra), 0) AS BIGINT) FROM (SELECT count(*) - 1 AS extra "
               f"FROM {quote(table)}{candidates} GROUP BY {columns} HAVING count(*) > 1) AS dup)"
               if duplicates else "CAST(0 AS BIGINT)")
    return f"""
SELECT {_count_if('"case" IS NULL OR activity IS NULL OR "timestamp" IS NULL')} AS missing_required,
       {_count_if('start IS NOT NULL AND "timestamp" IS NOT NULL AND start > "timestamp"')} AS end_before_start,
       {future} AS future_events,
       {dup_sql} AS duplicate_events,
       count(start) AS with_start, count(resource) AS with_resource,
       count(department) AS with_department, count(channel) AS with_channel,
       count(action) AS with_action, count(matter) AS with_matter
FROM {quote(table)}"""


def matters(table: str = "events") -> str:
    """matter, cases, events: the matters in the log, most cases first."""
    return (f'SELECT matter, count(DISTINCT "case") AS cases, count(*) AS events FROM {quote(table)} '
            'WHERE matter IS NOT NULL GROUP BY matter ORDER BY cases DESC, matter')


def filtered(table: str, column: str, value: str) -> str:
    """The rows of `table` where `column` equals `value` (a view for per-matter analyses)."""
    return f"SELECT * FROM {quote(table)} WHERE {quote(column)} = '{value.replace(chr(39), chr(39) * 2)}'"


def activities(steps: str = "steps") -> str:
    """activity, events, cases, rework_cases: how often each activity occurs, in how many cases,
    and in how many cases more than once (pm4py `get_rework_cases_per_activity`)."""
    return f"""
WITH per_case AS (SELECT "case", activity, count(*) AS n FROM {quote(steps)} GROUP BY "case", activity)
SELECT activity, sum(n) AS events, count(*) AS cases, {_count_if("n > 1")} AS rework_cases
FROM per_case GROUP BY activity ORDER BY events DESC, activity"""
