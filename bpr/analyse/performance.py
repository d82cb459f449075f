"""Where the time goes: case durations in working days, processing and waiting times, handoffs,
rework, visits, on-time rate and bottlenecks, from an event log.

    with DuckDBEngine() as engine:
        engine.register(log)
        report = analyse_performance(engine, options=PerformanceOptions.from_catalogue(catalogue))
    report.to_dict()   # {"performance": ..., "handoffs": ..., "rework": ..., "visits": ...,
                       #  "on_time": ..., "bottlenecks": ...}

Every figure is SQL (bpr.analyse.performance_queries) run by an engine, so the same analyses run on
DuckDB and on Spark. `bpr discover` runs them through `ANALYSES` (see bpr.analyse.discover).

Definitions (documented, because several are choices):
- Case duration: from the case start (earliest start, or completion when a log has no starts) to
  the last completion. Without start times this is pm4py's case duration.
- Working days (`working_days`): office hours elapsed on working days (China's holidays and
  make-up working days, office hours of `WorkCalendar`, local time in the log's time zone) divided
  by the office hours of one day. `elapsed_working_days` counts calendar working days after the
  start date up to the end date (how promised limits are counted).
- Processing time: completion - start of an event (events that have both, start <= completion).
  Waiting time before a step: its start - the previous completion in the case (0 when they
  overlap). Without start times waiting cannot be told from processing, and the lead time
  (completion - previous completion) is reported instead.
- Handoff: two consecutive events of a case handled by different departments (resources), both
  known; time = completion to the next completion (as the DFG), and to the next start when known.
- Rework: a case repeats a step, or is sent back (业务动作 in `sendback_actions`, or an activity
  named with one of `sendback_words`: 补正, 退回, 补齐, 补件). Time added is given two ways: mean
  duration of affected minus unaffected cases, and the send-back loop: from a send-back event to
  the start (else completion) of the next event that is not part of the send-back.
- Visits (到现场次数 in fact): distinct local dates on which a case has an on-site event; two
  on-site steps on the same day are one trip. An event is on site when
  1. its activity names a trip (`onsite_words`: 窗口受理, 窗口领取, 现场提交, 领证 ...), or
  2. it is a step the applicant takes part in (`applicant_words`: 受理, 补正, 送达 ...) and a
     counter handled it (resource or department named with `counter_words`: 窗口, 大厅), or
  3. it is an intake step (`intake_words`: 受理, 收件, 补正, 补件 ...) of a case whose channel
     (申报来源) is on site (`onsite_channels`: 窗口, 现场 ...). The channel says how the
     application came in, so it decides intake only: a window applicant may get the licence by mail.
  An inspection at the applicant's premises (现场核查/勘验) is no trip to the service hall and is
  not counted; add it to `onsite_words` to count it. Nor is 发证 (issuing): counter clerks issue
  e-licences and mailed licences too; a collection shows as 领证/窗口领取, or 送达 by a counter.
- On time (按时办结): the clock starts at acceptance (first event named with `accept_words` whose
  业务动作 is not a send-back, else the case start); the case is on time when its last completion falls on or before
  `WorkCalendar.add_working_days(clock date, promised working days)` (natural days: plus days);
  with `pause_for_corrections` (default) the working days from each send-back after acceptance to
  the resumption are added to the limit (补正期间不计入办理时限).
- Bottlenecks: activities ranked by the total waiting time before them (lead time without starts).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bpr.analyse import performance_queries as PQ
from bpr.analyse.discover import OrderedEvents, OrderedPass
from bpr.analyse.engine import Engine, quote
from bpr.analyse.performance_results import (
    Bottleneck,
    BottleneckResult,
    DurationSummary,
    Handoff,
    HandoffResult,
    HandoffTotals,
    OnTimeResult,
    OnTimeSummary,
    OverdueCase,
    PerformanceReport,
    PerformanceResult,
    RepeatedStep,
    ReworkResult,
    ReworkSummary,
    StepTime,
    VisitResult,
    VisitSummary,
    _num,
)
from bpr.analyse.quantiles import add_quantiles
from bpr.i18n import Note
from bpr.model.calendar import WorkCalendar
from bpr.model.timelimit import TimeLimit, Unit

ACCEPT_WORDS = ("受理", "收件", "接件")
SENDBACK_ACTIONS = ("退回", "回退", "退件", "补正", "sendback", "send back", "return")
SENDBACK_WORDS = ("补正", "退回", "补齐", "补件", "补充材料", "回退")
#: the applicant supplying what was missing: their time, not staff work
SUPPLEMENT_WORDS = ("补正", "补齐", "补件", "补充材料")
ONSITE_CHANNELS = ("窗口", "现场", "大厅", "线下", "窗口办理", "counter", "window", "on-site", "onsite")
ONSITE_WORDS = ("窗口受理", "窗口收件", "窗口领取", "窗口送达", "现场提交", "现场受理", "现场领取", "领证", "取证",
                "现场签字", "面签", "窗口核验", "现场核验原件")
# 发证/出证 (issuing) is left out: a counter clerk issues e-licences and mailed ones as well
APPLICANT_WORDS = ("受理", "收件", "接件", "补正", "补件", "补齐", "补充材料", "提交", "送达", "领取", "缴费", "签字")
INTAKE_WORDS = ("受理", "收件", "接件", "补正", "补件", "补齐", "补充材料", "提交")
COUNTER_WORDS = ("窗口", "大厅", "前台", "counter", "window")
#: overdue cases listed by name (the count is always complete)
MAX_LISTED = 200
#: rows kept per table (activities, handoff pairs, bottlenecks): a log with 100,000 activity names
#: must not give a result.json of 100,000 rows; totals are computed over everything
MAX_ROWS = 500
#: at most this many matters broken down
MAX_MATTERS = 200


@dataclass
class PerformanceOptions:
    """What the analyses need besides the log: calendar, rules, and per-matter facts."""

    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    timezone: str | None = None  # None: the log's (context) time zone
    accept_words: tuple[str, ...] = ACCEPT_WORDS
    sendback_actions: tuple[str, ...] = SENDBACK_ACTIONS
    sendback_words: tuple[str, ...] = SENDBACK_WORDS
    onsite_channels: tuple[str, ...] = ONSITE_CHANNELS
    onsite_words: tuple[str, ...] = ONSITE_WORDS
    applicant_words: tuple[str, ...] = APPLICANT_WORDS
    intake_words: tuple[str, ...] = INTAKE_WORDS
    counter_words: tuple[str, ...] = COUNTER_WORDS
    limits: dict[str, TimeLimit] = field(default_factory=dict)  # matter (code or name) -> promised limit
    default_limit: TimeLimit | None = None  # for cases whose matter has none
    stated_visits: dict[str, int] = field(default_factory=dict)  # matter -> 到办事现场次数
    pause_for_corrections: bool = True  # 补正期间不计时: send-back loops stop the on-time clock

    @classmethod
    def from_catalogue(cls, catalogue: Iterable, **kwargs: Any) -> PerformanceOptions:
        """Promised limits and stated visits of every matter, keyed by code and by name (the log's
        matter column may hold either)."""
        options = cls(**kwargs)
        for matter in catalogue:
            for key in {matter.key, matter.code, matter.name} - {""}:
                if matter.promised_limit.is_known and not matter.promised_limit.is_unlimited:
                    options.limits.setdefault(key, matter.promised_limit)
                if matter.visits is not None:
                    options.stated_visits.setdefault(key, matter.visits)
        return options

    # The rules below are SQL; given every activity name of the log (`activities`), their
    # activity tests are decided per name in Python (PQ.activity_rule).

    def accept_rule(self, activities: Sequence[str] | None = None) -> str:
        """Acceptance: an accept step that was not itself a send-back (受理 退回 is no acceptance)."""
        accept = PQ.activity_rule(self.accept_words, activities)
        return "FALSE" if accept == "FALSE" else \
            f"({accept} AND NOT {PQ.text_rule('action', equals=self.sendback_actions)})"

    def sendback_rule(self, activities: Sequence[str] | None = None) -> str:
        return ("(" + PQ.text_rule("action", equals=self.sendback_actions) + " OR "
                + PQ.activity_rule(self.sendback_words, activities) + ")")

    def onsite_rule(self, activities: Sequence[str] | None = None) -> str:
        # the resource, not the department: "政务服务中心…审批窗口" names a unit that also works online
        counter = PQ.text_rule("resource", contains=self.counter_words)
        return ("(" + PQ.activity_rule(self.onsite_words, activities)
                + " OR (" + PQ.activity_rule(self.applicant_words, activities) + " AND " + counter + ")"
                + " OR (" + PQ.activity_rule(self.intake_words, activities) + " AND "
                + PQ.text_rule("channel", equals=self.onsite_channels) + "))")


def limit_days(limit: TimeLimit) -> tuple[int, bool] | None:
    """(days, natural) for a promised limit: working days rounded up, or natural days; None for
    无期限 and unknown limits."""
    if limit.unit is None or limit.unit is Unit.UNLIMITED or limit.value is None:
        return None
    if limit.unit is Unit.NATURAL_DAY:
        return math.ceil(limit.value), True
    days = limit.to_working_days()
    return (None if days is None else (math.ceil(days - 1e-9), False))


@dataclass
class _Setup:
    local: PQ.LocalTime
    cal: PQ.CalendarRows
    case_query: str  # per-case times (a materialised table)
    roles: set[str]
    timezone: str
    matters: list[str]
    rework_query: str  # events with their send-back flags and loops (a materialised table)
    events: str = ""  # the materialised `PQ.event_pass`, as a query (`PQ.event_view`)
    acts: str = ""  # the materialised `PQ.activity_counts` table
    tables: tuple[str, ...] = ()  # what to drop afterwards


def _roles(engine: Engine, table: str, sendback: str = "FALSE") -> set[str]:
    """The optional columns `table` fills; "sendback" too when an event matches `sendback`."""
    names = ("start", "resource", "department", "channel", "action", "matter")
    row = engine.sql("SELECT " + ", ".join(f"count({quote(n)}) AS {quote(n)}" for n in names)
                     + f", count(CASE WHEN {sendback} THEN 1 END) AS sendback FROM {quote(table)}").to_pylist()[0]
    return {n for n in (*names, "sendback") if row[n]}


@dataclass(frozen=True)
class _Ordered:
    """What the event pass in the core's ordered pass was made with (`ordered_pass`)."""

    names: list[str] | None  # the activities the rules were decided on (None: LIKE rules)
    sendback: str
    roles: frozenset[str]


def ordered_pass(engine: Engine, table: str, codes: str, options: PerformanceOptions | None = None) -> OrderedPass:
    """The event pass (`PQ.event_pass`) made by the core's one sort of the events of `table`
    (`codes`: its activity codes table), for `bpr.analyse.discover`; `_setup` then reads it
    (`PQ.event_view`) instead of sorting the events again."""
    options = options or PerformanceOptions()
    rows = engine.sql(f"SELECT activity FROM {quote(codes)} ORDER BY code LIMIT {MAX_KNOWN_ACTIVITIES + 1}").to_pylist()
    names = [r["activity"] for r in rows] if len(rows) <= MAX_KNOWN_ACTIVITIES else None
    sendback = options.sendback_rule(names)
    roles = frozenset(_roles(engine, table, sendback))
    return OrderedPass(PQ.event_pass(table, sendback, roles, codes), _Ordered(names, sendback, roles))


def _setup(engine: Engine, table: str, options: PerformanceOptions, timezone: str,
           core: Any = None, shapes: str | None = None, ordered: OrderedEvents | None = None) -> _Setup:
    """Everything the analyses share; `core`: the DiscoverResult of the same view, whose activity
    counts and names are then reused instead of counted again; `shapes`: its `Q.case_shapes`
    table; `ordered`: its ordered pass, widened by `ordered_pass`, read as the event pass."""
    row = engine.sql(f'SELECT min(least(start, "timestamp")) AS lo, max("timestamp") AS hi FROM {quote(table)} '
                     'WHERE "case" IS NOT NULL AND activity IS NOT NULL AND "timestamp" IS NOT NULL').to_pylist()[0]
    lo, hi = row["lo"], row["hi"]
    local = PQ.LocalTime.for_zone(timezone, lo, hi)
    zone_lo = lo.astimezone(dt.timezone(dt.timedelta(seconds=local.offsets[0][1]))).date() if lo else dt.date(2000, 1, 1)
    zone_hi = hi.astimezone(dt.timezone(dt.timedelta(seconds=local.offsets[-1][1]))).date() if hi else zone_lo
    # room after the last date for deadlines: the longest promised limit, in calendar days
    longest = max([d for d, _ in filter(None, map(limit_days, [*options.limits.values(),
                                                                 *([options.default_limit] if options.default_limit else [])]))]
                  or [0])
    margin = longest * 2 + 40
    cal = PQ.CalendarRows.build(options.calendar, zone_lo - dt.timedelta(days=margin + 1),
                                zone_hi + dt.timedelta(days=margin + 1))
    known = _known_activities(core)
    facts = ordered.facts if ordered is not None and isinstance(ordered.facts, _Ordered) else None
    if facts is not None:
        names, sendback, roles = facts.names, facts.sendback, set(facts.roles)
    else:
        names = [k[0] for k in known] if known is not None else _set_values(engine, table, "activity")
        sendback = options.sendback_rule(names)
        roles = _roles(engine, table, sendback)
    accept = options.accept_rule(names)
    matters = []
    if "matter" in roles:
        matters = [r["matter"] for r in engine.sql(
            f'SELECT matter, count(DISTINCT "case") AS n FROM {quote(table)} WHERE matter IS NOT NULL '
            'GROUP BY matter ORDER BY n DESC, matter').to_pylist()]
    # computed once, read by every analysis below (DuckDB: temporary tables; Spark: cached views):
    # the one window pass over the events, per-activity counts, and the case table
    events_table, acts_table, cases_table = (f"{table}__perf_{k}" for k in ("events", "acts", "cases"))
    if facts is not None:  # the core's sort made the event pass
        events, events_table = PQ.event_view(ordered.steps, roles, ordered.codes), None
    else:
        engine.materialize(events_table, PQ.event_pass(table, sendback, roles))
        events = PQ.event_view(events_table, roles)
    engine.materialize(acts_table, PQ.activity_counts(events) if known is None
                       else PQ.activity_counts_given(events, known))
    engine.materialize(cases_table, PQ.case_table(table, events, local, cal, accept, sendback,
                                                  options.onsite_rule(names), shapes, roles, names))
    rework_query = f'SELECT "case", activity, sb, loop_start, loop_end, loop_s FROM ({events}) AS rw_ev'
    return _Setup(local, cal, f"SELECT * FROM {quote(cases_table)}", roles, timezone, matters, rework_query,
                  events, acts_table, tuple(filter(None, (cases_table, acts_table, events_table))))


#: reuse the core analysis's activity counts up to this many activities (inlined as VALUES)
MAX_KNOWN_ACTIVITIES = 2000


def _known_activities(core: Any) -> list[tuple[str, int, int, int]] | None:
    """(activity, cases, repeated cases, extra events) from the core DiscoverResult, or None."""
    stats = getattr(core, "activity_stats", None)
    if not stats or len(stats) > MAX_KNOWN_ACTIVITIES:
        return None
    rework = core.rework_cases
    return [(a.activity, a.cases, rework.get(a.activity, 0), a.events - a.cases) for a in stats]


def _set_values(engine: Engine, table: str, column: str) -> list[str] | None:
    """Every known value of `column` in the valid events of `table`, when few enough for the
    value-set words of a per-case distinct count (`PQ.MAX_SET_VALUES`); else None."""
    rows = engine.sql(PQ.distinct_values(table, column, PQ.MAX_SET_VALUES + 1)).to_pylist()
    return [r["value"] for r in rows] if len(rows) <= PQ.MAX_SET_VALUES else None


def prepare(engine: Engine, table: str, options: PerformanceOptions, timezone: str) -> _Setup:
    """The local-time rule, calendar rows and the materialised per-case and rework tables of the
    view `table`, for analyses outside this module (bpr.measure.compare_logs); drop
    `setup.tables` when done."""
    return _setup(engine, table, options, timezone)


def _keep(by_matter: dict, matters: list[str]) -> dict:
    wanted = set(matters[:MAX_MATTERS])
    return {m: v for m, v in by_matter.items() if m in wanted}


def performance(engine: Engine, table: str, options: PerformanceOptions, setup: _Setup) -> PerformanceResult:
    overall = DurationSummary.of(_durations(engine, setup.case_query, [])[0])
    rows = engine.sql(PQ.event_step_times(setup.events, setup.acts)).to_pylist()
    columns = {c[:-2]: c for c in PQ.STEP_COLUMNS if c != "lead_s"}
    steps = [StepTime.of(r) for r in add_quantiles(engine, rows, setup.events, ["activity"], columns)]
    by_matter = {}
    if len(setup.matters) > 1:
        by_matter = _keep({r["matter"]: DurationSummary.of(r) for r in _durations(engine, setup.case_query, ["matter"])},
                          setup.matters)
    notes: list[Note] = []
    if "start" not in setup.roles:
        notes.append(Note.of("note_no_start"))
    if options.calendar.uncovered_years:
        notes.append(Note.of("note_no_holidays", years=", ".join(map(str, sorted(options.calendar.uncovered_years)))))
    return PerformanceResult(setup.timezone, options.calendar.office_hours.hours_per_day, overall, steps,
                             "start" in setup.roles, by_matter, sorted(options.calendar.uncovered_years), notes)


def _durations(engine: Engine, case_query: str, groups: list[str]) -> list[dict]:
    """`PQ.duration_stats` rows (overall, or per matter) with their medians and p90s."""
    rows = engine.sql(PQ.duration_stats(case_query, by_matter=bool(groups))).to_pylist()
    return add_quantiles(engine, rows, case_query, groups, PQ.DURATION_COLUMNS)


def _handoff_side(engine: Engine, table: str, events: str, pairs: str, column: str) -> tuple[list[Handoff], HandoffTotals]:
    rows = add_quantiles(engine, engine.sql(PQ.handoffs(pairs, column)).to_pylist(), PQ.moves(pairs, column),
                         ["source", "target"], {"seconds": "seconds"})
    items = [Handoff(r["source"], r["target"], int(r["count"]), int(r["cases"]), float(r["mean_s"]),
                     float(r["seconds_median"]), _num(r["mean_wait_s"])) for r in rows]
    t = engine.sql(PQ.handoff_cases(events, column, _set_values(engine, table, column))).to_pylist()[0]
    cases = int(t["cases"])
    totals = HandoffTotals(cases, int(t["handoffs"]), int(t["cases_with_handoff"]), int(t["max_per_case"] or 0),
                           int(t["handoffs"]) / cases if cases else 0.0, float(t["mean_distinct"] or 0.0))
    return items, totals


def handoffs(engine: Engine, table: str, options: PerformanceOptions, setup: _Setup) -> HandoffResult:
    result = HandoffResult(None, None, None, None)
    sides = [c for c in ("department", "resource") if c in setup.roles]
    if sides:
        pairs = PQ.handoff_pairs(setup.events)
        if "department" in sides:
            result.departments, result.department_totals = _handoff_side(engine, table, setup.events, pairs, "department")
        if "resource" in sides:
            result.resources, result.resource_totals = _handoff_side(engine, table, setup.events, pairs, "resource")
    if "department" not in sides:
        result.notes.append(Note.of("note_no_department_handoffs"))
    if "resource" not in sides:
        result.notes.append(Note.of("note_no_resource_handoffs"))
    return result


def rework(engine: Engine, table: str, options: PerformanceOptions, setup: _Setup) -> ReworkResult:
    rows = setup.case_query  # has repeats, sendbacks and loop_s per case
    summary = ReworkSummary.of(engine.sql(PQ.rework_summary(rows)).to_pylist()[0])
    steps = [RepeatedStep(r["activity"], int(r["repeated_cases"]), int(r["extra_events"]), int(r["sendback_events"]))
             for r in engine.sql(PQ.repeated_steps(setup.acts)).to_pylist()]
    by_matter = {}
    if len(setup.matters) > 1:
        by_matter = _keep({r["matter"]: ReworkSummary.of(r)
                           for r in engine.sql(PQ.rework_summary(rows, by_matter=True)).to_pylist()}, setup.matters)
    rules = {"sendback_actions": list(options.sendback_actions), "sendback_words": list(options.sendback_words)}
    return ReworkResult(summary, steps, by_matter, rules)


def _visit_rows(engine: Engine, case_rows: str, groups: list[str]) -> list[dict]:
    """`PQ.visit_summary` rows (overall, or per matter) with their p90."""
    rows = engine.sql(PQ.visit_summary(case_rows, by_matter=bool(groups))).to_pylist()
    for r in add_quantiles(engine, rows, case_rows, groups, {"visits": "CAST(visits AS DOUBLE)"}):
        r["p90"] = r.pop("visits_p90")
    return rows


def visits(engine: Engine, table: str, options: PerformanceOptions, setup: _Setup) -> VisitResult:
    rows = f'SELECT "case", matter, visits, onsite_events FROM ({setup.case_query}) AS vc_cases'
    summary = VisitSummary.of(_visit_rows(engine, rows, [])[0])
    by_matter: dict[str, VisitSummary] = {}
    if setup.matters:
        by_matter = _keep({r["matter"]: VisitSummary.of(r) for r in _visit_rows(engine, rows, ["matter"])}, setup.matters)
    stated = {m: options.stated_visits[m] for m in by_matter if m in options.stated_visits}
    if stated:
        values = ", ".join(f"({PQ.literal(m)}, {int(v)})" for m, v in stated.items())
        over = engine.sql(f"WITH vc AS ({rows}), st AS (SELECT * FROM (VALUES {values}) AS st_v(matter, stated)) "
                          "SELECT vc.matter AS matter, count(CASE WHEN vc.visits > st.stated THEN 1 END) AS over "
                          "FROM vc JOIN st ON st.matter = vc.matter GROUP BY vc.matter").to_pylist()
        for r in over:
            by_matter[r["matter"]].stated = stated[r["matter"]]
            by_matter[r["matter"]].over_stated_cases = int(r["over"])
    if len(setup.matters) == 1 and setup.matters[0] in options.stated_visits and setup.matters[0] in by_matter:
        summary.stated = by_matter[setup.matters[0]].stated
        summary.over_stated_cases = by_matter[setup.matters[0]].over_stated_cases
    notes: list[Note] = []
    if "channel" not in setup.roles:
        notes.append(Note.of("note_no_channel"))
        if not summary.max:
            summary, by_matter = VisitSummary.unknown(summary.cases), {}
            notes.append(Note.of("note_visits_no_evidence"))
    if not options.stated_visits:
        notes.append(Note.of("note_no_stated_visits"))
    rules = {"onsite_words": list(options.onsite_words), "applicant_words": list(options.applicant_words),
             "counter_words": list(options.counter_words), "intake_words": list(options.intake_words),
             "onsite_channels": list(options.onsite_channels)}
    return VisitResult(summary, by_matter, rules, notes)


def on_time(engine: Engine, table: str, options: PerformanceOptions, setup: _Setup) -> OnTimeResult:
    limits: list[tuple[str | None, int, bool]] = []
    for matter in setup.matters:
        if matter in options.limits and (days := limit_days(options.limits[matter])) is not None:
            limits.append((matter, *days))
    if options.default_limit is not None and (days := limit_days(options.default_limit)) is not None:
        limits.append((None, *days))
    if not limits:
        return OnTimeResult(None, [], notes=[Note.of("note_no_limit")])
    pauses = setup.rework_query if options.pause_for_corrections else None
    cases = PQ.on_time_cases(setup.case_query, setup.cal, limits, pauses, setup.local)
    agg = ("count(*) AS cases, count(CASE WHEN on_time THEN 1 END) AS on_time, "
           "count(CASE WHEN NOT on_time THEN 1 END) AS overdue")

    def summary(r: Mapping) -> OnTimeSummary:
        n = int(r["cases"])
        return OnTimeSummary(n, int(r["on_time"]), int(r["overdue"]), int(r["on_time"]) / n if n else None)

    overall = summary(engine.sql(f"WITH oc AS ({cases}) SELECT {agg} FROM oc").to_pylist()[0])
    by_matter = {}
    if len(setup.matters) > 1:
        by_matter = _keep({r["matter"]: summary(r) for r in engine.sql(
            f"WITH oc AS ({cases}) SELECT matter, {agg} FROM oc WHERE matter IS NOT NULL GROUP BY matter").to_pylist()},
            setup.matters)
    overdue = [OverdueCase(r["case"], r["matter"], r["clock_date"].isoformat(), r["end_date"].isoformat(),
                           r["deadline"].isoformat(), int(r["days"]), bool(r["is_natural"]), int(r["paused_working_days"]),
                           int(r["overdue_working_days"]))
               for r in engine.sql(f'WITH oc AS ({cases}) SELECT * FROM oc WHERE NOT on_time '
                                   f'ORDER BY overdue_working_days DESC, "case" LIMIT {MAX_LISTED}').to_pylist()]
    notes = [Note.of("note_clock")]
    if options.pause_for_corrections:
        notes.append(Note.of("note_clock_pause"))
    if overall.overdue > len(overdue):
        notes.append(Note.of("note_overdue_listed", n=overall.overdue, k=MAX_LISTED))
    return OnTimeResult(overall, overdue, by_matter, notes)


def bottlenecks(steps: list[StepTime], has_start: bool) -> BottleneckResult:
    basis = "waiting" if has_start else "lead"
    rows = [(s.activity, s.waiting_total_s if has_start else s.lead_total_s,
             s.waiting_mean_s if has_start else s.lead_mean_s, s.waiting_n if has_start else s.lead_n) for s in steps]
    total = sum(r[1] for r in rows)
    items = [Bottleneck(a, basis, t, m, n, t / total if total else 0.0) for a, t, m, n in rows if n]
    items.sort(key=lambda b: (-b.total_s, b.activity))
    return BottleneckResult(items, basis)


def _summarise(report: PerformanceReport) -> None:
    """Keep the MAX_ROWS largest rows of each long table, saying so in the notes."""
    def cut(rows: list, key, note_id: str, notes: list[Note]) -> list:
        if len(rows) <= MAX_ROWS:
            return rows
        notes.append(Note.of(note_id, n=len(rows), k=MAX_ROWS))
        return sorted(rows, key=key)[:MAX_ROWS]

    perf, ho = report.performance, report.handoffs
    perf.steps = sorted(cut(perf.steps, lambda s: (-s.events, s.activity), "note_activities_listed", perf.notes),
                        key=lambda s: s.activity)
    report.bottlenecks.items = report.bottlenecks.items[:MAX_ROWS]
    if ho.departments is not None:
        ho.departments = cut(ho.departments, lambda h: (-h.count, h.source, h.target), "note_department_pairs_listed", ho.notes)
    if ho.resources is not None:
        ho.resources = cut(ho.resources, lambda h: (-h.count, h.source, h.target), "note_resource_pairs_listed", ho.notes)
    report.rework.steps = report.rework.steps[:MAX_ROWS]


def analyse_performance(engine: Engine, table: str = "events", options: PerformanceOptions | None = None,
                        timezone: str = "Asia/Shanghai", core: Any = None, shapes: str | None = None,
                        ordered: OrderedEvents | None = None) -> PerformanceReport:
    """All of the above on the view `table` of `engine` (options.timezone overrides `timezone`);
    `core`: the view's core DiscoverResult when there is one (its activity counts are reused),
    `shapes`: its per-case table (`bpr.analyse.queries.case_shapes`), `ordered`: its ordered
    pass widened by `ordered_pass`."""
    options = options or PerformanceOptions()
    setup = _setup(engine, table, options, options.timezone or timezone, core, shapes, ordered)
    try:
        perf = performance(engine, table, options, setup)
        report = PerformanceReport(perf, handoffs(engine, table, options, setup), rework(engine, table, options, setup),
                                   visits(engine, table, options, setup), on_time(engine, table, options, setup),
                                   bottlenecks(perf.steps, perf.has_start))
        _summarise(report)
        return report
    finally:
        for name in setup.tables:
            engine.drop(name)


# ---------------------------------------------------------------------------------------------
# the hook `bpr discover` runs (bpr.analyse.discover.EXTRA_MODULES)


class PerformanceAnalyses:
    """Runs `analyse_performance` once and hands out its parts under their result.json keys."""

    def __init__(self, options: PerformanceOptions | None = None) -> None:
        self.options = options
        self._last: tuple | None = None  # (engine, table, context, report): one discover run

    def part(self, key: str):
        def analysis(engine: Engine, table: str, context: Any) -> Any:
            last = self._last
            if last is None or last[0] is not engine or last[1] != table or last[2] is not context:
                report = analyse_performance(engine, table, self.options,
                                             getattr(context, "timezone", "Asia/Shanghai"),
                                             getattr(context, "core", None), getattr(context, "cases", None),
                                             getattr(context, "ordered", None))
                self._last = last = (engine, table, context, report)
            return last[3].parts()[key]

        analysis.name = key  # type: ignore[attr-defined]
        analysis.ordered_pass = self.ordered_pass  # type: ignore[attr-defined]  # one sort with the core
        return analysis

    def ordered_pass(self, engine: Engine, table: str, codes: str) -> OrderedPass:
        return ordered_pass(engine, table, codes, self.options)

    def analyses(self) -> list:
        return [self.part(k) for k in ("performance", "handoffs", "rework", "visits", "on_time", "bottlenecks")]


def performance_analyses(options: PerformanceOptions | None = None) -> list:
    """The analyses for `discover(..., analyses=...)`, configured (catalogue limits, calendar)."""
    return PerformanceAnalyses(options).analyses()


ANALYSES = performance_analyses()
