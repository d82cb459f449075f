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
  approximation); means come from exact DECIMAL microsecond sums;
- the big intermediate tables (steps, traces, edge values) carry activities as integer codes
  (`activity_codes`); the queries that give results join the names back.
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


def _micros(a: str, b: str) -> str:
    """Microseconds from a to b (BIGINT): plain integer arithmetic on epoch microseconds, which is
    exact and far cheaper than calendar-aware date_diff on time-zoned timestamps."""
    return f"(epoch_us({b}) - epoch_us({a}))"


def _seconds(a: str, b: str) -> str:
    """Seconds from a to b (double, microsecond precision; both operands cast, so that Spark too
    divides in floating point rather than in decimals)."""
    return f"(CAST({_micros(a, b)} AS DOUBLE) / CAST(1000000 AS DOUBLE))"


def _exact_sum(expression: str) -> str:
    """An exact integer sum (DECIMAL(38,0)): no float rounding that differs between engines, no
    BIGINT overflow on Spark."""
    return f"sum(CAST({expression} AS DECIMAL(38,0)))"


def exact_total(expression: str) -> str:
    """sum(expression) of a DOUBLE to 1e-9 of its unit, the same on every run and engine: a
    floating sum adds in the order parallel threads finish, which moves the last digits."""
    scaled = f"round(CAST(({expression}) AS DOUBLE) * CAST(1000000000 AS DOUBLE))"
    return f"(CAST({_exact_sum(scaled)} AS DOUBLE) / CAST(1000000000 AS DOUBLE))"


def exact_mean(expression: str) -> str:
    """avg(expression) by `exact_total` (NULL when no value)."""
    return f"({exact_total(expression)} / NULLIF(count({expression}), 0))"


def _count_if(condition: str) -> str:
    """A BIGINT count of rows meeting `condition` (count_if is HUGEINT in DuckDB)."""
    return f"count(CASE WHEN {condition} THEN 1 END)"


def cases_since(table: str, since_utc: str) -> str:
    """The events of the cases whose first event is at or after `since_utc` ("YYYY-MM-DD HH:MM:SS",
    UTC): the process as it is now, when it has changed."""
    return (f'SELECT * FROM {quote(table)} WHERE "case" IN (SELECT "case" FROM {quote(table)} GROUP BY "case" '
            f"HAVING min(\"timestamp\") >= CAST('{since_utc}+00:00' AS TIMESTAMPTZ))")


def activity_codes(table: str = "events") -> str:
    """activity, code: the activities of the valid events numbered 1, 2, ... in name order, so that
    the big tables carry small integers (ordering by code is ordering by name)."""
    return (f"SELECT activity, row_number() OVER (ORDER BY activity) AS code "
            f"FROM (SELECT DISTINCT activity FROM ({_valid(table)}) AS ev) AS a")


def steps(table: str = "events", codes: str = "codes") -> str:
    """The valid events of `table` in case order, one row each: case, activity (its code in the
    `activity_codes` table `codes`), timestamp, position (1-based in the case), next_activity
    (code) and gap_us (microseconds to the next event); both NULL at the end of the case.

    The one window pass every other core query reads; engines materialise it once.
    """
    return f"""
WITH ev AS ({_valid(table)})
SELECT ev."case", {', '.join(ordered_columns('c.code', 'ev."timestamp"'))}
FROM ev JOIN {quote(codes)} AS c ON ev.activity = c.activity"""


#: the window of the ordered pass: each case's events in pm4py's order
CASE_WINDOW = f'OVER (PARTITION BY "case" ORDER BY {_ORDER})'


def ordered_columns(code: str, timestamp: str) -> list[str]:
    """The columns of `steps` after "case" (activity, timestamp, position, next_activity, gap_us),
    as select items over events with the activity code `code`; an extra analysis that widens the
    ordered pass (`bpr.analyse.discover.OrderedPass`) builds its query with these."""
    w = CASE_WINDOW
    return [f"{code} AS activity", f'{timestamp} AS "timestamp"', f"row_number() {w} AS position",
            f"lead({code}) {w} AS next_activity", f"{_micros(timestamp, f'lead({timestamp}) {w}')} AS gap_us"]


#: variants are grouped by two 40-bit sums of hash(activity, position) per case: a sequence is
#: the set of its (activity, position) pairs, so equal sums mean equal sequences unless two
#: variants collide in 80 bits (odds ~ n^2 / 2^81: 4e-13 for a million variants). Each variant's
#: activities are then read back from one example case, so the lists themselves are exact.
_HASH_MOD = 1 << 40


def traces(steps: str = "steps") -> str:
    """One row per case: case, events, first_timestamp, last_timestamp, duration_us (first to
    last completion), and h1, h2: the two variant hashes (see _HASH_MOD)."""
    return f"""
WITH t AS (
    SELECT "case", count(*) AS events, min("timestamp") AS first_timestamp,
           max("timestamp") AS last_timestamp,
           sum(hash(activity, position) % {_HASH_MOD}) AS h1,
           sum(hash(position, activity) % {_HASH_MOD}) AS h2
    FROM {quote(steps)} GROUP BY "case"
)
SELECT "case", events, first_timestamp, last_timestamp,
       {_micros("first_timestamp", "last_timestamp")} AS duration_us, h1, h2
FROM t"""


def edge_values(steps: str = "steps") -> str:
    """source, target (activity codes), micros, n: how many directly-follows pairs took exactly
    `micros` microseconds (target completion minus source completion, as pm4py's
    `discover_performance_dfg` on a log without start times). One pass over `steps` that both
    `dfg` and the edge quantiles read."""
    return (f"SELECT activity AS source, next_activity AS target, gap_us AS micros, count(*) AS n "
            f"FROM {quote(steps)} WHERE next_activity IS NOT NULL GROUP BY activity, next_activity, gap_us")


def dfg(edge_values: str = "edge_values", codes: str = "codes") -> str:
    """Directly-follows edges: source, target, count, sum_us (exact total microseconds), min_s,
    max_s, from an `edge_values` table. The mean is sum_us / count and median/p90 come from
    `quantile_points(edge_times(...))`, both finished by the caller, so that every engine gives
    the same doubles."""
    return f"""
WITH e AS (
    SELECT source, target, sum(n) AS count, sum(CAST(micros AS DECIMAL(38,0)) * n) AS sum_us,
           min(micros) AS min_us, max(micros) AS max_us
    FROM {quote(edge_values)} GROUP BY source, target
)
SELECT s.activity AS source, t.activity AS target, e.count, e.sum_us,
       e.min_us / 1000000.0 AS min_s, e.max_us / 1000000.0 AS max_s
FROM e JOIN {quote(codes)} AS s ON e.source = s.code JOIN {quote(codes)} AS t ON e.target = t.code
ORDER BY e.count DESC, source, target"""


def edge_times(edge_values: str = "edge_values", codes: str = "codes") -> str:
    """source, target, seconds, n: the directly-follows times of an `edge_values` table (n pairs
    each), for `quantile_points(..., weight="n")`."""
    return (f"SELECT s.activity AS source, t.activity AS target, e.micros / 1000000.0 AS seconds, e.n "
            f"FROM {quote(edge_values)} AS e JOIN {quote(codes)} AS s ON e.source = s.code "
            f"JOIN {quote(codes)} AS t ON e.target = t.code")


def quantile_points(relation: str, groups: list[str], value: str,
                    quantiles: tuple[float, ...] = QUANTILES, weight: str | None = None) -> str:
    """The order statistics that linear-interpolated quantiles need, per group: groups..., n,
    first_rank, last_rank, value: `value` holds the 1-based ranks first_rank..last_rank of its
    group (equal values share one row); only rows holding rank floor or ceil of (n-1)*q + 1.
    `weight` names a column counting how many times each row stands for its value (default 1).

    Equal values are counted before ranking, so the sort covers distinct values only. The
    interpolation itself is `bpr.analyse.quantiles.interpolate` (numpy's formula) in Python, so
    DuckDB, Spark and numpy/pm4py give identical doubles.
    """
    part = ", ".join(groups) if groups else "NULL"
    cols = "".join(f"{g}, " for g in groups)
    count = f"sum({weight})" if weight else "count(*)"
    keep = " OR ".join(
        f"(upto - c < {rank} AND {rank} <= upto)"
        for q in quantiles for rank in (f"CAST({f}((n - 1) * CAST({q!r} AS DOUBLE)) AS BIGINT) + 1"
                                        for f in ("floor", "ceil")))
    return f"""
WITH counted AS (
    SELECT {cols}{value} AS value, {count} AS c FROM ({relation}) AS r GROUP BY {cols}{value}
),
ranked AS (
    SELECT {cols}value, c,
           sum(c) OVER (PARTITION BY {part} ORDER BY value ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS upto,
           sum(c) OVER (PARTITION BY {part}) AS n
    FROM counted
)
SELECT {cols}n, upto - c + 1 AS first_rank, upto AS last_rank, value FROM ranked WHERE {keep}"""


def start_activities(steps: str = "steps", codes: str = "codes") -> str:
    """activity, count: how many cases start with it (pm4py `get_start_activities`)."""
    return _activity_counts(steps, codes, "position = 1")


def end_activities(steps: str = "steps", codes: str = "codes") -> str:
    """activity, count: how many cases end with it (pm4py `get_end_activities`)."""
    return _activity_counts(steps, codes, "next_activity IS NULL")


def _activity_counts(steps: str, codes: str, condition: str) -> str:
    """activity, count: the rows of `steps` meeting `condition`, by activity name."""
    return f"""
WITH n AS (SELECT activity AS code, count(*) AS count FROM {quote(steps)} WHERE {condition} GROUP BY activity)
SELECT c.activity, n.count FROM n JOIN {quote(codes)} AS c ON n.code = c.code
ORDER BY n.count DESC, c.activity"""


def case_durations(traces: str = "traces") -> str:
    """One row per case of a `traces` table: case, events, first_timestamp, last_timestamp,
    duration_us, duration_s (last minus first completion)."""
    return (f'SELECT "case", events, first_timestamp, last_timestamp, duration_us, '
            f"duration_us / 1000000.0 AS duration_s FROM {quote(traces)}")


def case_duration_stats(traces: str = "traces") -> str:
    """cases, events, first_us/last_us (the first and last timestamp in epoch microseconds: a
    time-zoned timestamp would make pyarrow load pandas, a quarter second of every command), and
    sum_us (exact), min, max of case durations in seconds (pm4py `get_all_case_durations`; median
    and p90: `quantile_points(case_durations(...), [], "duration_s")`), plus how many cases have a
    single event."""
    return f"""
WITH durations AS ({case_durations(traces)})
SELECT count(*) AS cases, sum(events) AS events, epoch_us(min(first_timestamp)) AS first_us,
       epoch_us(max(last_timestamp)) AS last_us,
       {_exact_sum("duration_us")} AS sum_us, min(duration_s) AS min, max(duration_s) AS max,
       {_count_if("events = 1")} AS one_event_cases
FROM durations"""


def variant_table(traces: str = "traces") -> str:
    """h1, h2, count, example: one row per variant of a `traces` table, with the smallest case id
    that follows it."""
    return f'SELECT h1, h2, count(*) AS count, min("case") AS example FROM {quote(traces)} GROUP BY h1, h2'


def top_variants(variants: str = "variants", limit: int | None = None) -> str:
    """example, count of a `variant_table`, most frequent first (ties: smallest example case id)."""
    limit_sql = f" LIMIT {int(limit)}" if limit is not None else ""
    return f'SELECT example, count FROM {quote(variants)} ORDER BY count DESC, example{limit_sql}'


def variant_activities(steps: str, examples: str, codes: str = "codes") -> str:
    """case, variant (activities joined by VARIANT_SEP in order) for the cases in the table or
    view `examples` (column `example`)."""
    return f"""
SELECT s."case", string_agg(c.activity, chr(31) ORDER BY s.position) AS variant
FROM {quote(steps)} AS s JOIN {quote(codes)} AS c ON s.activity = c.code
WHERE s."case" IN (SELECT example FROM {quote(examples)})
GROUP BY s."case" """


def case_shapes(traces: str = "traces", steps: str = "steps", variants: str = "variants") -> str:
    """One row per case of a `traces` table: case, events, first_timestamp, last_timestamp and
    repeats (events beyond the first of each activity). Cases of one variant repeat the same
    steps, so repeats are counted on each variant's example case in `steps` only (as exact as the
    variant grouping, see `activities`), not by a count(DISTINCT) over every event. The core
    keeps this table for the analyses that follow it (bpr.analyse.performance)."""
    return f"""
WITH per_example AS (
    SELECT "case", count(*) - count(DISTINCT activity) AS repeats FROM {quote(steps)}
    WHERE "case" IN (SELECT example FROM {quote(variants)}) GROUP BY "case"
),
shape AS (
    SELECT v.h1, v.h2, p.repeats FROM {quote(variants)} AS v JOIN per_example AS p ON p."case" = v.example
)
SELECT t."case", t.events, t.first_timestamp, t.last_timestamp, CAST(shape.repeats AS BIGINT) AS repeats
FROM {quote(traces)} AS t JOIN shape ON shape.h1 = t.h1 AND shape.h2 = t.h2"""


def variant_total(variants: str = "variants") -> str:
    """variants: the number of distinct variants in a `variant_table`."""
    return f"SELECT count(*) AS variants FROM {quote(variants)}"


def duplicate_suspects(table: str = "events", steps: str = "steps") -> str:
    """repeated, invalid: how many (case, timestamp, activity) occur more than once among the
    valid events, and how many events are not valid (no case, activity or timestamp). When both
    are 0 the log holds no exact duplicate, and `data_quality` need not compare whole rows.

    Events with one timestamp in a case are consecutive in `steps`, linked by gap_us = 0: each such
    link names its two events (position, activity; position + 1, next_activity), so only those
    rows, not the whole log, are grouped."""
    return f"""
WITH tied AS (
    SELECT "case", "timestamp", position AS pos, activity FROM {quote(steps)} WHERE gap_us = 0
    UNION
    SELECT "case", "timestamp", position + 1 AS pos, next_activity AS activity FROM {quote(steps)} WHERE gap_us = 0
)
SELECT (SELECT count(*) FROM (SELECT "case" FROM tied GROUP BY "case", "timestamp", activity
                              HAVING count(*) > 1) AS r) AS repeated,
       (SELECT {_count_if('"case" IS NULL OR activity IS NULL OR "timestamp" IS NULL')}
        FROM {quote(table)}) AS invalid"""


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
    candidates = (f' WHERE "case" IN (SELECT "case" FROM {quote(steps)} WHERE gap_us = 0)'
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


def activities(steps: str = "steps", variants: str = "variants", codes: str = "codes") -> str:
    """activity, events, cases, rework_cases: how often each activity occurs, in how many cases,
    and in how many cases more than once (pm4py `get_rework_cases_per_activity`).

    Cases that follow the same variant have the same activity counts, so only each variant's
    example case in `variants` (a `variant_table`) is counted, weighted by the variant's count:
    as exact as the variant grouping itself, and far fewer rows than every (case, activity).
    """
    return f"""
WITH per_example AS (
    SELECT "case", activity, count(*) AS n FROM {quote(steps)}
    WHERE "case" IN (SELECT example FROM {quote(variants)}) GROUP BY "case", activity
),
per_activity AS (
    SELECT p.activity AS code, sum(p.n * v.count) AS events, sum(v.count) AS cases,
           sum(CASE WHEN p.n > 1 THEN v.count ELSE 0 END) AS rework_cases
    FROM per_example AS p JOIN {quote(variants)} AS v ON p."case" = v.example GROUP BY p.activity
)
SELECT c.activity, a.events, a.cases, a.rework_cases
FROM per_activity AS a JOIN {quote(codes)} AS c ON a.code = c.code
ORDER BY a.events DESC, c.activity"""
