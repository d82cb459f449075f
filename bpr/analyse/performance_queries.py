"""SQL for the richer event-log analyses (performance, handoffs, rework, visits, on-time rate).

Written ONCE in DuckDB's dialect, like `bpr.analyse.queries`; the Spark engine runs the same text
translated by sqlglot. Every function returns query text and runs nothing.

Two inputs do not live in the event table and are inlined as small VALUES lists:
- the working-day calendar (`CalendarRows`): one row per local date in the log's range with
  `w` (1 on a working day) and `cum` (working days up to and including that date), so that
  working time between two instants is a difference of two cumulative values;
- per-matter parameters (promised limits), as (matter, days, is_natural) rows.
Local time is UTC plus the time zone's offset (`LocalTime`): one shift of epoch microseconds for zones without
daylight saving (Asia/Shanghai), a CASE over the transitions otherwise.

Definitions (also in bpr/analyse/performance.py):
- case start = earliest start or completion in the case; case end = latest completion;
- working hours = office hours elapsed on working days between case start and end (what
  `WorkCalendar.working_hours_between` gives); working days = working hours / hours per day;
  elapsed working days = working days d with start date < d <= end date (`working_days_in`);
- processing time of an event = completion - start (only when start <= completion);
  waiting before it = start - completion of the previous event in the case (0 when they overlap);
  lead time = completion - completion of the previous event (used when there are no starts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bpr.analyse.engine import quote
from bpr.analyse.queries import (
    _ORDER,
    CASE_WINDOW,
    _seconds,
    _valid,
    exact_mean,
    exact_total,
    ordered_columns,
)
from bpr.model.calendar import WorkCalendar


def _double(value: float) -> str:
    """A DOUBLE literal (Spark reads 3600.0 as DECIMAL, which loses digits in divisions)."""
    return f"CAST({value!r} AS DOUBLE)"


def literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def text_rule(column: str, equals: Sequence[str] = (), contains: Sequence[str] = ()) -> str:
    """A boolean SQL expression: `column` equals one of `equals` or contains one of `contains`
    (FALSE when both are empty or the column is null)."""
    parts = []
    if equals:
        parts.append(f"{column} IN ({', '.join(literal(v) for v in equals)})")
    parts.extend(f"{column} LIKE {literal('%' + w.replace('%', '').replace('_', '') + '%')}" for w in contains if w)
    if not parts:
        return "FALSE"
    return "(" + " OR ".join(f"coalesce({p}, FALSE)" for p in parts) + ")"


def activity_rule(contains: Sequence[str], activities: Sequence[str] | None = None) -> str:
    """`text_rule("activity", contains=contains)`; given every activity name of the log
    (`activities`), decided once per name in Python instead: an IN list (or FALSE), no LIKE per
    event. A LIKE '%word%' is a case-sensitive substring test, as Python's `in`."""
    if activities is None:
        return text_rule("activity", contains=contains)
    words = [w.replace("%", "").replace("_", "") for w in contains if w]
    return text_rule("activity", equals=[a for a in activities if any(w in a for w in words)])


@dataclass(frozen=True)
class LocalTime:
    """Turns a UTC timestamp column into local wall-clock time in SQL."""

    offsets: tuple[tuple[dt.datetime | None, int], ...]  # (from UTC instant or None, offset seconds)

    @classmethod
    def for_zone(cls, timezone: str, first: dt.datetime | None, last: dt.datetime | None) -> LocalTime:
        zone = ZoneInfo(timezone)
        first = first or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        last = last or first
        offsets: list[tuple[dt.datetime | None, int]] = [(None, _offset(zone, first))]
        moment = first
        while moment < last:  # find offset changes day by day, then to the minute by bisection
            nxt = moment + dt.timedelta(days=1)
            if _offset(zone, nxt) != offsets[-1][1]:
                lo, hi = moment, nxt
                while hi - lo > dt.timedelta(minutes=1):
                    mid = lo + (hi - lo) / 2
                    lo, hi = (lo, mid) if _offset(zone, mid) != offsets[-1][1] else (mid, hi)
                offsets.append((hi.replace(second=0, microsecond=0), _offset(zone, nxt)))
            moment = nxt
        return cls(tuple(offsets))

    def sql(self, column: str) -> str:
        # arithmetic on epoch microseconds: DuckDB casts TIMESTAMPTZ to TIMESTAMP through ICU, one
        # calendar lookup per value (0.55 s per 10M values, against 0.02 s)
        def shifted(offset: int) -> str:
            return f"make_timestamp(epoch_us({column}) + {offset * 1_000_000})"

        if len(self.offsets) == 1:
            return shifted(self.offsets[0][1])
        cases = []
        for (_, offset), (until, _) in zip(self.offsets, self.offsets[1:], strict=False):
            cases.append(f"WHEN {column} < CAST('{until.strftime('%Y-%m-%d %H:%M:%S')}+00' AS TIMESTAMPTZ) "
                         f"THEN {shifted(offset)}")
        return f"(CASE {' '.join(cases)} ELSE {shifted(self.offsets[-1][1])} END)"


def _offset(zone: ZoneInfo, moment: dt.datetime) -> int:
    return int(moment.astimezone(zone).utcoffset().total_seconds())


@dataclass(frozen=True)
class CalendarRows:
    """The working-day calendar over a date range, as SQL."""

    first: dt.date
    last: dt.date
    rows: tuple[tuple[dt.date, int, int], ...]  # (date, is working day, cumulative working days)
    periods: tuple[tuple[int, int], ...]  # office periods as (start, end) seconds after midnight
    day_seconds: float  # office seconds in a working day

    @classmethod
    def build(cls, calendar: WorkCalendar, first: dt.date, last: dt.date) -> CalendarRows:
        rows, cum, day = [], 0, first
        while day <= last:
            work = int(calendar.is_workday(day))
            cum += work
            rows.append((day, work, cum))
            day += dt.timedelta(days=1)
        periods = tuple((a.hour * 3600 + a.minute * 60 + a.second, b.hour * 3600 + b.minute * 60 + b.second)
                        for a, b in calendar.office_hours.periods)
        return cls(first, last, tuple(rows), periods, calendar.office_hours.hours_per_day * 3600)

    def cte(self, name: str = "cal") -> str:
        values = ", ".join(f"(DATE '{d.isoformat()}', {w}, {c})" for d, w, c in self.rows)
        return f"{name} AS (SELECT * FROM (VALUES {values}) AS {name}_v(d, w, cum))"

    def office_seconds(self, local: str) -> str:
        """Office seconds elapsed on `local`'s day up to its time of day (ignores whether it is a
        working day: multiply by `w`)."""
        tod = f"CAST({_seconds(f'CAST(CAST({local} AS DATE) AS TIMESTAMP)', local)} AS DOUBLE)"
        return " + ".join(f"greatest({_double(0)}, least({_double(b - a)}, {tod} - {_double(a)}))"
                          for a, b in self.periods) or _double(0)

    def worked(self, local: str, cal: str) -> str:
        """Office seconds from the start of the calendar to `local` (`cal` = its calendar row)."""
        return (f"(CAST({cal}.cum - {cal}.w AS DOUBLE) * {_double(self.day_seconds)} "
                f"+ CAST({cal}.w AS DOUBLE) * ({self.office_seconds(local)}))")


#: the columns of the `event_pass` view: name -> SQL type, and the roles whose presence it needs
#: (a column of a role the log lacks is NULL throughout and is not stored)
EVENT_COLUMNS = {
    "case": ("VARCHAR", ()), "activity": ("VARCHAR", ()), "sb": ("INTEGER", ("sendback",)),
    "processing_s": ("DOUBLE", ("start",)), "waiting_s": ("DOUBLE", ("start",)), "lead_s": ("DOUBLE", ()),
    "department": ("VARCHAR", ("department",)), "next_department": ("VARCHAR", ("department",)),
    "resource": ("VARCHAR", ("resource",)), "next_resource": ("VARCHAR", ("resource",)),
    "seconds": ("DOUBLE", ("department|resource",)), "wait_s": ("DOUBLE", ("start", "department|resource")),
    "loop_start": ("TIMESTAMPTZ", ("sendback",)), "loop_end": ("TIMESTAMPTZ", ("sendback",)),
    "loop_s": ("DOUBLE", ("sendback",)),
}
#: what a column not stored reads as (NULL unless named here)
_ABSENT = {"sb": "0"}


def _stored(roles: set[str] | frozenset[str]) -> list[str]:
    return [c for c, (_, needs) in EVENT_COLUMNS.items()
            if all(any(r in roles for r in need.split("|")) for need in needs)]


def event_pass(table: str, sendback: str, roles: set[str] | frozenset[str], codes: str | None = None) -> str:
    """The one window pass over the valid events of `table` that every ordered figure reads
    (engines materialise it once; read it through `event_view`). Per event, in case order:
    case, activity, sb (1 for a send-back event); processing_s (completion - start, when start
    <= completion), waiting_s (start - previous completion, 0 when they overlap), lead_s
    (completion - previous completion); department, resource and those of the next event in the
    case, seconds (completion to the next completion) and wait_s (to the next start); for the
    first of a run of send-back events, loop_start (its completion), loop_end (when work resumes:
    the start, else completion, of the next event that is not a send-back) and loop_s.

    Only the columns the log can fill are stored (`roles`: start, department, resource, and
    "sendback" when some event is a send-back), so that a log of few columns sorts and keeps few
    bytes.

    `codes` (the core's `activity_codes` table): the core's ordered pass instead, widened: the
    columns of `bpr.analyse.queries.steps` (activity is the code there) and the columns above but
    activity and seconds (`event_view` with `codes` reads them back), in one sort of the events
    for both (bpr.analyse.discover.OrderedPass).
    """
    has_start = "start" in roles
    carried = [c for c in ("start", "department", "resource") if c in roles]
    resume_at = 'least(start, "timestamp")' if has_start else '"timestamp"'
    w = CASE_WINDOW
    ts, processed = '"timestamp"', 'start IS NOT NULL AND start <= "timestamp"'
    leads = [f"lead({c}) {w} AS {quote('next_' + c)}" for c in carried]
    values = {
        "case": '"case"', "activity": "activity", "sb": "sb",
        "processing_s": f"CASE WHEN {processed} THEN {_seconds('start', ts)} END",
        "waiting_s": f"CASE WHEN {processed} AND prev_end IS NOT NULL THEN greatest(0.0, {_seconds('prev_end', 'start')}) END",
        "lead_s": f"CASE WHEN prev_end IS NOT NULL THEN {_seconds('prev_end', ts)} END",
        "department": "department", "next_department": "next_department",
        "resource": "resource", "next_resource": "next_resource",
        "seconds": _seconds(ts, "next_end"),
        "wait_s": f"CASE WHEN next_start IS NOT NULL THEN {_seconds(ts, 'next_start')} END",
        "loop_start": f"CASE WHEN {_loop_first} THEN {ts} END",
        "loop_end": f"CASE WHEN {_loop_first} THEN resumed END",
        "loop_s": f"CASE WHEN {_loop_first} AND resumed IS NOT NULL THEN greatest(0.0, {_seconds(ts, 'resumed')}) END",
    }
    if codes is None:
        core, source, select = [], "ep_flagged", [f"{values[c]} AS {quote(c)}" for c in _stored(roles)]
    else:  # the core's columns first; "seconds" is gap_us / 10^6 (see event_view)
        core = ordered_columns("code", ts)[2:]
        kept = ", ".join(f"f.{quote(c)}" for c in ("case", "timestamp", "row", *carried, "sb"))
        source = (f"(SELECT {kept}, c.code AS code FROM ep_flagged AS f "  # codes, no names: a smaller sort
                  f"JOIN {quote(codes)} AS c ON c.activity = f.activity) AS ep_coded")
        select = (['"case"', 'code AS activity', '"timestamp"', "position", "next_activity", "gap_us"]
                  + [f"{values[c]} AS {quote(c)}" for c in _stored(roles) if c not in _FROM_STEPS])
    return f"""
WITH ep_ev AS ({_valid(table)}),
ep_flagged AS (
    SELECT "case", activity, "timestamp", "row", {''.join(c + ', ' for c in carried)}
           CASE WHEN {sendback} THEN 1 ELSE 0 END AS sb
    FROM ep_ev
),
ep_seq AS (
    SELECT "case", {'code' if codes else 'activity'}, "timestamp", {''.join(c + ', ' for c in carried)}sb,
           lag("timestamp") {w} AS prev_end,
           lag(sb) {w} AS prev_sb,
           min(CASE WHEN sb = 0 THEN {resume_at} END)
               OVER (PARTITION BY "case" ORDER BY {_ORDER} ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS resumed,
           {''.join(x + ', ' for x in leads + core)}lead("timestamp") {w} AS next_end
    FROM {source}
)
SELECT {', '.join(select)}
FROM ep_seq"""


#: columns of the event pass that the widened core pass has under another form (see event_view)
_FROM_STEPS = ("case", "activity", "seconds")


_loop_first = "sb = 1 AND coalesce(prev_sb, 0) = 0"


def event_view(stored: str, roles: set[str] | frozenset[str], codes: str | None = None) -> str:
    """The `event_pass` table `stored` with every column of EVENT_COLUMNS (NULL where the log
    lacks the role); `codes`: `stored` is the widened core pass made with these codes."""
    kept = set(_stored(roles))
    columns = []
    for c, (t, _) in EVENT_COLUMNS.items():
        if codes is not None and c == "activity":
            columns.append("ev_codes.activity AS activity")
        elif codes is not None and c == "seconds" and c in kept:
            columns.append(f"CAST(gap_us AS DOUBLE) / CAST(1000000 AS DOUBLE) AS {quote(c)}")
        else:
            columns.append(f"ev_pass.{quote(c)}" if c in kept else f"CAST({_ABSENT.get(c, 'NULL')} AS {t}) AS {quote(c)}")
    source = f"{quote(stored)} AS ev_pass"
    if codes is not None:
        source += f" JOIN {quote(codes)} AS ev_codes ON ev_codes.code = ev_pass.activity"
    return "SELECT " + ", ".join(columns) + f" FROM {source}"


def activity_counts(events: str) -> str:
    """One row per activity of the `event_pass` table `events`: cases (in which it occurs),
    repeated_cases (in which it occurs more than once), extra_events (occurrences beyond the first
    in each case), sendback_events. One (case, activity) grouping gives all four."""
    return f"""
WITH ac AS (SELECT "case", activity, count(*) AS n, sum(sb) AS sb FROM ({events}) AS ac_ev GROUP BY "case", activity)
SELECT activity, count(*) AS cases, count(CASE WHEN n > 1 THEN 1 END) AS repeated_cases,
       CAST(sum(n - 1) AS BIGINT) AS extra_events, CAST(sum(sb) AS BIGINT) AS sendback_events
FROM ac GROUP BY activity"""


def activity_counts_given(events: str, known: Sequence[tuple[str, int, int, int]]) -> str:
    """`activity_counts` when cases, repeated_cases and extra_events per activity are known
    already (`known`: the core analysis counted them, bpr.analyse.discover): only the send-back
    events are counted, per activity, from the `event_pass` view `events`."""
    values = ", ".join(f"({literal(a)}, {int(c)}, {int(r)}, {int(x)})" for a, c, r, x in known)
    return f"""
WITH ak AS (SELECT * FROM (VALUES {values}) AS ak_v(activity, cases, repeated_cases, extra_events)),
asb AS (SELECT activity, sum(sb) AS sendback_events FROM ({events}) AS asb_ev GROUP BY activity)
SELECT ak.activity AS activity, CAST(ak.cases AS BIGINT) AS cases, CAST(ak.repeated_cases AS BIGINT) AS repeated_cases,
       CAST(ak.extra_events AS BIGINT) AS extra_events, CAST(coalesce(asb.sendback_events, 0) AS BIGINT) AS sendback_events
FROM ak LEFT JOIN asb ON asb.activity = ak.activity"""


#: bits per word of the per-case activity set (63: the sign bit of a BIGINT stays clear on both engines)
_WORD_BITS = 63
#: beyond this many distinct values a per-case distinct count falls back to count(DISTINCT)
MAX_SET_VALUES = 16 * _WORD_BITS


def _distinct_count(values: Sequence[str] | None, column: str, alias: str) -> tuple[str, str]:
    """(join, expression) counting the distinct `column` values in a group. With `values` (every
    value the column takes, at most MAX_SET_VALUES), each group ORs one bit per value into
    BIGINT words and counts the bits, the join (inner: no row is lost) giving each value its bit:
    count(DISTINCT) hashes every (group, value) pair, which took 5.6 of 6.5 s of the case table at
    10M events. Without them: count(DISTINCT column)."""
    if not values or len(values) > MAX_SET_VALUES:
        return "", f"count(DISTINCT {column})"
    rows = ", ".join(f"({literal(a)}, {i // _WORD_BITS}, {i % _WORD_BITS})" for i, a in enumerate(values))
    words = -(-len(values) // _WORD_BITS)
    bits = ([f"bit_count(bit_or(CAST(1 AS BIGINT) << {alias}.b))"] if words == 1 else
            [f"coalesce(bit_count(bit_or(CASE WHEN {alias}.w = {k} THEN CAST(1 AS BIGINT) << {alias}.b END)), 0)"
             for k in range(words)])
    join = (f"JOIN (SELECT * FROM (VALUES {rows}) AS {alias}_v(bit_value, w, b)) AS {alias} "
            f"ON {alias}.bit_value = {column}")
    return join, f"({' + '.join(bits)})"


def _repeats(activities: Sequence[str] | None) -> tuple[str, str]:
    """(join, expression) for `repeats`, the occurrences beyond the first of each activity in a
    case (`_distinct_count` of the log's activities)."""
    join, distinct = _distinct_count(activities, "ct_ev.activity", "ac")
    return join, f"count(*) - {distinct}"


def case_table(table: str, events: str, local: LocalTime, cal: CalendarRows, accept: str, sendback: str,
               onsite: str, shapes: str | None = None, roles: set[str] | frozenset[str] = frozenset(),
               activities: Sequence[str] | None = None) -> str:
    """One row per case of the valid events of `table`: case, matter, events, case_start,
    case_end, first_end (first completion), clock_start, duration_s, working_hours, working_days, elapsed_working_days,
    start_date, end_date, clock_date (local), repeats (occurrences beyond the first of each
    activity), sendbacks (send-back events), loop_s (send-back to resumption, seconds), visits
    (distinct local dates with an on-site event) and onsite_events. `events`: the `event_pass`
    table (for the send-back loops).

    `clock_start` is the completion of the first event matching `accept` (受理), else case_start:
    the promised limit counts from acceptance.

    `shapes`: the core's `case_shapes` table of the same events (events, first and last
    completion, repeats per case), so that only the events that carry a matter, a start, an
    acceptance or a send-back (`roles`: those the log has) are grouped here. Without it, every
    event is grouped; `activities` (every activity of the valid events) then makes `repeats` cheaper.
    """
    when = local.sql('least(start, "timestamp")')
    ls, le = local.sql("case_start"), local.sql("case_end")
    return f"""
WITH {cal.cte()},
ct_cases AS ({_case_facts(table, accept, sendback, activities) if shapes is None
               else _shaped_case_facts(table, accept, sendback, shapes, roles)}),
ct_loops AS (
    SELECT "case", {exact_total("loop_s")} AS loop_s
    FROM ({events}) AS lp_ev WHERE loop_s IS NOT NULL GROUP BY "case"
),
ct_days AS (
    SELECT "case", CAST({when} AS DATE) AS d, count(*) AS n
    FROM ({_valid(table)}) AS vd_ev WHERE {onsite} GROUP BY "case", CAST({when} AS DATE)
),
ct_visits AS (SELECT "case", count(*) AS visits, CAST(sum(n) AS BIGINT) AS onsite_events FROM ct_days GROUP BY "case"),
ct_loc AS (
    SELECT "case", matter, events, case_start, case_end, first_end, coalesce(accepted, case_start) AS clock_start,
           repeats, sendbacks, {ls} AS ls, {le} AS le, {local.sql('coalesce(accepted, case_start)')} AS lc
    FROM ct_cases
)
SELECT ct_loc."case" AS "case", matter, events, case_start, case_end, first_end, clock_start,
       {_seconds('case_start', 'case_end')} AS duration_s,
       ({cal.worked('le', 'c2')} - {cal.worked('ls', 'c1')}) / {_double(3600)} AS working_hours,
       ({cal.worked('le', 'c2')} - {cal.worked('ls', 'c1')}) / {_double(cal.day_seconds)} AS working_days,
       c2.cum - c1.cum AS elapsed_working_days,
       CAST(ls AS DATE) AS start_date, CAST(le AS DATE) AS end_date, CAST(lc AS DATE) AS clock_date,
       repeats, sendbacks, coalesce(ct_loops.loop_s, 0.0) AS loop_s,
       coalesce(ct_visits.visits, 0) AS visits, coalesce(ct_visits.onsite_events, 0) AS onsite_events
FROM ct_loc
JOIN cal AS c1 ON c1.d = CAST(ct_loc.ls AS DATE)
JOIN cal AS c2 ON c2.d = CAST(ct_loc.le AS DATE)
LEFT JOIN ct_loops ON ct_loops."case" = ct_loc."case"
LEFT JOIN ct_visits ON ct_visits."case" = ct_loc."case\""""


def _case_facts(table: str, accept: str, sendback: str, activities: Sequence[str] | None = None) -> str:
    """The per-case facts of `case_table`, by grouping every valid event."""
    join, repeats = _repeats(activities)
    return f"""
    SELECT ct_ev."case" AS "case", min(matter) AS matter, count(*) AS events,
           min(least(start, "timestamp")) AS case_start, max("timestamp") AS case_end,
           min("timestamp") AS first_end, min(CASE WHEN {accept} THEN "timestamp" END) AS accepted,
           {repeats} AS repeats, sum(CASE WHEN {sendback} THEN 1 ELSE 0 END) AS sendbacks
    FROM ({_valid(table)}) AS ct_ev {join} GROUP BY ct_ev."case\""""


def _shaped_case_facts(table: str, accept: str, sendback: str, shapes: str, roles: set[str] | frozenset[str]) -> str:
    """`_case_facts` from the core's `case_shapes` table, plus the few events that can change a
    case's matter, start, acceptance or send-backs."""
    kept = [c for c, role in (("matter IS NOT NULL", "matter"), ("start IS NOT NULL", "start")) if role in roles]
    kept += [r for r in (accept, sendback if "sendback" in roles else "FALSE") if r != "FALSE"]
    return f"""
    SELECT sh."case" AS "case", cx.matter AS matter, sh.events AS events,
           least(cx.first_start, sh.first_timestamp) AS case_start, sh.last_timestamp AS case_end,
           sh.first_timestamp AS first_end, cx.accepted AS accepted, sh.repeats AS repeats,
           coalesce(cx.sendbacks, 0) AS sendbacks
    FROM {quote(shapes)} AS sh LEFT JOIN (
        SELECT "case", min(matter) AS matter, min(start) AS first_start,
               min(CASE WHEN {accept} THEN "timestamp" END) AS accepted,
               sum(CASE WHEN {sendback} THEN 1 ELSE 0 END) AS sendbacks
        FROM ({_valid(table)}) AS cx_ev WHERE {' OR '.join(kept) or 'FALSE'} GROUP BY "case"
    ) AS cx ON cx."case" = sh."case\""""


#: the per-event time columns of a step (`steps`, `event_pass`)
STEP_COLUMNS = ("processing_s", "waiting_s", "lead_s")


def event_step_times(events: str, counts: str) -> str:
    """`step_times` from the `event_pass` view `events` and the `activity_counts` table `counts`
    (cases per activity without a count(DISTINCT))."""
    parts = [f"count({c}) AS {c[:-2]}_n, {exact_mean(c)} AS {c[:-2]}_mean, {exact_total(c)} AS {c[:-2]}_sum"
             for c in STEP_COLUMNS]
    return f"""
WITH st_agg AS (SELECT activity, count(*) AS events, {', '.join(parts)} FROM ({events}) AS st GROUP BY activity),
st_cases AS (SELECT activity, cases FROM {quote(counts)})
SELECT st_agg.*, st_cases.cases AS cases FROM st_agg JOIN st_cases ON st_cases.activity = st_agg.activity
ORDER BY st_agg.activity"""


#: the per-case duration columns `duration_stats` summarises (name -> expression over the case table)
DURATION_COLUMNS = {"hours": "duration_s / CAST(3600 AS DOUBLE)", "working_days": "working_days",
                    "elapsed_working_days": "CAST(elapsed_working_days AS DOUBLE)"}


def duration_stats(case_query: str, by_matter: bool = False) -> str:
    """cases, mean and max of hours, working days and elapsed working days (per matter); their
    median and p90 come from `quantiles.add_quantiles` over `DURATION_COLUMNS`."""
    key = "matter, " if by_matter else ""
    where = "WHERE matter IS NOT NULL " if by_matter else ""
    group = "GROUP BY matter ORDER BY cases DESC, matter" if by_matter else ""
    stats = [f"{exact_mean(column)} AS {alias}_mean, max({column}) AS {alias}_max"
             for alias, column in DURATION_COLUMNS.items()]
    return f"WITH ct AS ({case_query}) SELECT {key}count(*) AS cases, {', '.join(stats)} FROM ct {where}{group}"


def steps(table: str) -> str:
    """Each valid event of `table`: case, activity, matter and its `STEP_COLUMNS` (seconds)."""
    return f"""
WITH st_ev AS ({_valid(table)}),
st_seq AS (
    SELECT "case", activity, matter, start, "timestamp",
           lag("timestamp") {CASE_WINDOW} AS prev_end
    FROM st_ev
)
SELECT "case", activity, matter,
       CASE WHEN start IS NOT NULL AND start <= "timestamp" THEN {_seconds('start', '"timestamp"')} END AS processing_s,
       CASE WHEN start IS NOT NULL AND start <= "timestamp" AND prev_end IS NOT NULL
            THEN greatest(0.0, {_seconds('prev_end', 'start')}) END AS waiting_s,
       CASE WHEN prev_end IS NOT NULL THEN {_seconds('prev_end', '"timestamp"')} END AS lead_s
FROM st_seq"""


def step_times(table: str = "events") -> str:
    """Per activity: events, cases, and per `STEP_COLUMNS` (processing, waiting before it, lead
    time since the previous completion): count, mean and sum; medians from `quantiles.add_quantiles`
    over `steps(table)`."""
    parts = [f"count({c}) AS {c[:-2]}_n, {exact_mean(c)} AS {c[:-2]}_mean, {exact_total(c)} AS {c[:-2]}_sum"
             for c in STEP_COLUMNS]
    return (f"WITH st AS ({steps(table)}) SELECT activity, count(*) AS events, count(DISTINCT \"case\") AS cases, "
            f"{', '.join(parts)} FROM st GROUP BY activity ORDER BY activity")


def handoff_pairs(events: str) -> str:
    """Every pair of consecutive events in a case, from the `event_pass` view `events`: case,
    department, next_department, resource, next_resource, seconds (completion to the next
    completion), wait_s (completion to the next start, when it has one). The last event of a
    case has no next department or resource, so no handoff reads it."""
    return f"""
SELECT "case", department, next_department, resource, next_resource, seconds, wait_s FROM ({events}) AS hp_ev"""


def moves(pairs: str, column: str) -> str:
    """The `handoff_pairs` whose `column` changes: case, source, target, seconds, wait_s."""
    col, nxt = quote(column), quote("next_" + column)
    return (f'SELECT "case", {col} AS source, {nxt} AS target, seconds, wait_s FROM ({pairs}) AS hp '
            f"WHERE {col} IS NOT NULL AND {nxt} IS NOT NULL AND {col} <> {nxt}")


def handoffs(pairs: str, column: str) -> str:
    """Consecutive events of a case whose `column` (department or resource) differs, both known:
    source, target, count, cases, mean_s (completion to next completion; its median from
    `quantiles.add_quantiles` over `moves`), wait_n, mean_wait_s (completion to the next event's
    start, when it has one). `pairs`: handoff_pairs."""
    return f"""
WITH moves AS ({moves(pairs, column)})
SELECT source, target, count(*) AS count, count(DISTINCT "case") AS cases, {exact_mean("seconds")} AS mean_s,
       count(wait_s) AS wait_n, {exact_mean("wait_s")} AS mean_wait_s
FROM moves GROUP BY source, target ORDER BY count DESC, source, target"""


def handoff_cases(events: str, column: str, values: Sequence[str] | None = None) -> str:
    """cases (with at least one known value), handoffs, cases_with_handoff, max_per_case,
    mean distinct values per case, in one grouping by case. `events`: the `event_pass` view (or any
    query of the valid events with `column` and its next_ column); `values`: every value of
    `column`, when known (a cheaper distinct count, see `_distinct_count`)."""
    col, nxt = f"hc_ev.{quote(column)}", f"hc_ev.{quote('next_' + column)}"
    join, distinct = _distinct_count(values, col, "hv")
    return f"""
WITH per_case AS (
    SELECT hc_ev."case", {distinct} AS distinct_values,
           count(CASE WHEN {nxt} IS NOT NULL AND {col} <> {nxt} THEN 1 END) AS moves
    FROM ({events}) AS hc_ev {join} WHERE {col} IS NOT NULL GROUP BY hc_ev."case"
)
SELECT count(*) AS cases, CAST(coalesce(sum(moves), 0) AS BIGINT) AS handoffs,
       count(CASE WHEN moves > 0 THEN 1 END) AS cases_with_handoff, max(moves) AS max_per_case,
       avg(distinct_values) AS mean_distinct
FROM per_case"""


def distinct_values(table: str, column: str, limit: int) -> str:
    """Up to `limit` distinct known values of `column` among the valid events of `table`, in order."""
    return (f"SELECT DISTINCT {quote(column)} AS value FROM ({_valid(table)}) AS dv_ev "
            f"WHERE {quote(column)} IS NOT NULL ORDER BY value LIMIT {limit}")


def rework_summary(case_rows: str, by_matter: bool = False) -> str:
    """cases, repeated/sent-back/any cases, mean hours and working days of affected and unaffected
    cases, mean send-back loop hours per sent-back case (per matter)."""
    key = "matter, " if by_matter else ""
    where = "WHERE matter IS NOT NULL " if by_matter else ""
    group = "GROUP BY matter ORDER BY cases DESC, matter" if by_matter else ""
    hit = "(repeats > 0 OR sendbacks > 0)"
    return f"""
WITH rc AS ({case_rows})
SELECT {key}count(*) AS cases,
       count(CASE WHEN repeats > 0 THEN 1 END) AS repeated_cases,
       count(CASE WHEN sendbacks > 0 THEN 1 END) AS sendback_cases,
       count(CASE WHEN {hit} THEN 1 END) AS affected_cases,
       {exact_mean(f"CASE WHEN {hit} THEN duration_s END")} / CAST(3600 AS DOUBLE) AS affected_hours,
       {exact_mean(f"CASE WHEN NOT {hit} THEN duration_s END")} / CAST(3600 AS DOUBLE) AS unaffected_hours,
       {exact_mean(f"CASE WHEN {hit} THEN working_days END")} AS affected_working_days,
       {exact_mean(f"CASE WHEN NOT {hit} THEN working_days END")} AS unaffected_working_days,
       {exact_mean("CASE WHEN sendbacks > 0 THEN loop_s END")} / CAST(3600 AS DOUBLE) AS loop_hours_mean,
       {exact_total("loop_s")} / CAST(3600 AS DOUBLE) AS loop_hours_total
FROM rc {where}{group}"""


def repeated_steps(counts: str) -> str:
    """activity, repeated_cases (cases where it occurs more than once), extra_events,
    sendback_events: where the rework happens. `counts`: the `activity_counts` table."""
    return f"""
SELECT activity, repeated_cases, extra_events, sendback_events FROM {quote(counts)}
WHERE extra_events > 0 OR sendback_events > 0
ORDER BY repeated_cases DESC, sendback_events DESC, activity"""


def visit_cases(table: str, local: LocalTime, onsite: str) -> str:
    """One row per case: case, matter, visits (distinct local dates with an on-site event),
    onsite_events."""
    when = local.sql('least(start, "timestamp")')
    return f"""
WITH vc_ev AS ({_valid(table)})
SELECT "case", min(matter) AS matter,
       count(DISTINCT CASE WHEN {onsite} THEN CAST({when} AS DATE) END) AS visits,
       count(CASE WHEN {onsite} THEN 1 END) AS onsite_events
FROM vc_ev GROUP BY "case\""""


def visit_summary(case_rows: str, by_matter: bool = False) -> str:
    """cases, mean and max visits, cases with 0, 1, 2 and 3+ visits (per matter); the p90 from
    `quantiles.add_quantiles`."""
    key = "matter, " if by_matter else ""
    where = "WHERE matter IS NOT NULL " if by_matter else ""
    group = "GROUP BY matter ORDER BY cases DESC, matter" if by_matter else ""
    return f"""
WITH vc AS ({case_rows})
SELECT {key}count(*) AS cases, avg(CAST(visits AS DOUBLE)) AS mean,
       max(visits) AS max, count(CASE WHEN visits = 0 THEN 1 END) AS zero,
       count(CASE WHEN visits = 1 THEN 1 END) AS one, count(CASE WHEN visits = 2 THEN 1 END) AS two,
       count(CASE WHEN visits >= 3 THEN 1 END) AS three_or_more
FROM vc {where}{group}"""


def limits_cte(limits: Sequence[tuple[str | None, int, bool]]) -> str:
    """lim(matter, days, is_natural): promised limits; matter NULL = the default for every case."""
    values = ", ".join(f"({'CAST(NULL AS VARCHAR)' if m is None else literal(m)}, {int(d)}, {str(bool(n)).upper()})"
                       for m, d, n in limits)
    return f"lim AS (SELECT * FROM (VALUES {values}) AS lim_v(matter, days, is_natural))"


def on_time_cases(case_query: str, cal: CalendarRows, limits: Sequence[tuple[str | None, int, bool]],
                  pauses: str | None = None, local: LocalTime | None = None) -> str:
    """Cases with a promised limit: case, matter, clock_date, end_date, days, is_natural,
    paused_working_days, deadline, on_time, overdue_working_days (working days after the deadline,
    date-based).

    `pauses` (the rows of `rework_events`, with `local`) stops the clock during corrections
    (补正期间不计时): each send-back loop after acceptance moves the deadline on by the working days
    (natural days for natural-day limits) from the send-back date to the resumption date.
    """
    has_default = any(m is None for m, _, _ in limits)
    join = ("LEFT JOIN lim AS lm ON lm.matter = ct.matter LEFT JOIN lim AS ld ON ld.matter IS NULL"
            if has_default else "JOIN lim AS lm ON lm.matter = ct.matter")
    days = "coalesce(lm.days, ld.days)" if has_default else "lm.days"
    natural = "coalesce(lm.is_natural, ld.is_natural)" if has_default else "lm.is_natural"
    if pauses is not None and local is not None:
        ps_date, pe_date = (f"CAST({local.sql(c)} AS DATE)" for c in ("rw.loop_start", "rw.loop_end"))
        pause_ctes = f"""
rw AS ({pauses}),
paused AS (
    SELECT rw."case" AS "case", {exact_total("pe.cum - ps.cum")} AS working_days,
           sum(date_diff('day', {ps_date}, {pe_date})) AS natural_days
    FROM rw
    JOIN ct AS pc ON pc."case" = rw."case"
    JOIN ocal AS ps ON ps.d = {ps_date}
    JOIN ocal AS pe ON pe.d = {pe_date}
    WHERE rw.loop_end IS NOT NULL AND rw.loop_start >= pc.clock_start
    GROUP BY rw."case"
),"""
        pause_join = 'LEFT JOIN paused ON paused."case" = ct."case"'
        pause_wd, pause_nd = "coalesce(paused.working_days, 0)", "coalesce(paused.natural_days, 0)"
    else:
        pause_ctes, pause_join, pause_wd, pause_nd = "", "", "0", "0"
    return f"""
WITH ct AS ({case_query}),
{cal.cte('ocal')},
{limits_cte(limits)},{pause_ctes}
limited AS (
    SELECT ct."case" AS "case", ct.matter AS matter, ct.clock_date AS clock_date, ct.end_date AS end_date,
           {days} AS days, {natural} AS is_natural,
           CAST({pause_wd} AS BIGINT) AS paused_working_days, CAST({pause_nd} AS BIGINT) AS paused_natural_days
    FROM ct {join} {pause_join}
),
dated AS (
    SELECT limited.*, cs.cum AS clock_cum, ce.cum AS end_cum
    FROM limited
    JOIN ocal AS cs ON cs.d = limited.clock_date
    JOIN ocal AS ce ON ce.d = limited.end_date
    WHERE days IS NOT NULL
),
deadlines AS (
    SELECT dated.*,
           CASE WHEN dated.is_natural THEN dated.clock_date + CAST(dated.days + dated.paused_natural_days AS INTEGER)
                WHEN dated.days + dated.paused_working_days = 0 THEN dated.clock_date
                ELSE cw.d END AS deadline
    FROM dated LEFT JOIN ocal AS cw
        ON cw.w = 1 AND cw.cum = dated.clock_cum + dated.days + dated.paused_working_days
)
SELECT deadlines."case" AS "case", matter, clock_date, end_date, days, is_natural, paused_working_days, deadline,
       CASE WHEN deadline IS NULL THEN NULL WHEN end_date <= deadline THEN TRUE ELSE FALSE END AS on_time,
       CASE WHEN deadline IS NOT NULL AND end_date > deadline THEN end_cum - cd.cum END AS overdue_working_days
FROM deadlines LEFT JOIN ocal AS cd ON cd.d = deadlines.deadline"""
