"""`discover`: what applications actually go through, from an event log.

    result = discover("receipt.xes.gz")                  # or an EventLog; DuckDB by default
    result = discover(log, engine=SparkEngine())         # same queries, on Spark
    result.to_dict()                                     # the documented result.json
    result.graph()                                       # networkx DiGraph (bpr.analyse.graph)

The core (this module): counts, variants (top k plus "other"), the directly-follows graph with
frequency and performance (mean, median, p90 seconds), start and end activities, case durations,
rework cases, data-quality counts; the same per matter when the log has a matter column. All of
it is SQL from `bpr.analyse.queries` run by an engine (`bpr.analyse.engine`); the figures agree
with pm4py (tests/analyse/test_discover_pm4py.py).

Further analyses plug in without touching this module: any module listed in `EXTRA_MODULES` that
exists and defines `ANALYSES` (a list of callables `analysis(engine, table, context) -> object with
to_dict()`, each with a `name` attribute) is run after the core; its result lands in
`DiscoverResult.extra[name]` and at the top level of `to_dict()` under `name`. `context` is the
`DiscoverContext` below (source, the roles present, timezone, the core figures computed so far).
An analysis that cannot run (e.g. no resource column) should return a result saying so, or raise
`SkipAnalysis(reason)`, which is recorded in `notes`.

The core sorts the events by case once (the `steps` table). An extra analysis that needs the
events in that order too may widen that one sort instead of sorting again: give the callable an
attribute `ordered_pass(engine, view, codes) -> OrderedPass | None`; its query (the core's
`steps` columns and its own) then replaces `Q.steps`, and the table stays while the extras run
(`DiscoverContext.ordered`). The first extra analysis with such an attribute gets it.
"""

from __future__ import annotations

import importlib
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bpr.analyse import queries as Q
from bpr.analyse.engine import DuckDBEngine, Engine
from bpr.analyse.local_time import local_day
from bpr.analyse.quantiles import group_quantiles
from bpr.errors import InputError
from bpr.i18n import Note
from bpr.model.eventlog import SCHEMA, EventLog
from bpr.model.warning import DataWarning
from bpr.progress import note

#: modules whose ANALYSES run after the core when they exist (issue 4, second half)
EXTRA_MODULES = ("bpr.analyse.performance", "bpr.analyse.conformance", "bpr.analyse.ratings")  # ratings: issue 14
#: at most this many matters get their own breakdown (largest first)
MAX_MATTERS = 200
OPTIONAL_ROLES = ("start", "resource", "department", "channel", "action", "matter")


class _ControlCharactersInCaseIds(Exception):  # noqa: N818 - a signal for `discover`
    """A case id read by DuckDB directly holds a control character: the reader must clean it."""


class SkipAnalysis(Exception):  # noqa: N818 - a signal, not an error
    """Raised by an extra analysis that does not apply to this log; the reason becomes a note."""


@dataclass(frozen=True)
class Variant:
    """One path through the process and how many cases took it."""

    activities: tuple[str, ...]
    count: int
    share: float  # of all cases
    other: bool = False  # the "other" row: everything below the top k
    variants: int = 1  # how many distinct variants this row stands for

    def to_dict(self) -> dict:
        return {"variant": list(self.activities), "count": self.count, "share": self.share,
                "other": self.other, "variants": self.variants}


@dataclass(frozen=True)
class Edge:
    """A directly-follows edge: how often `target` directly follows `source`, and the time between
    the two completions (seconds)."""

    source: str
    target: str
    count: int
    mean_s: float
    median_s: float
    p90_s: float
    min_s: float
    max_s: float
    sum_s: float

    def to_dict(self) -> dict:
        return {"source": self.source, "target": self.target, "count": self.count, "mean_s": self.mean_s,
                "median_s": self.median_s, "p90_s": self.p90_s, "min_s": self.min_s,
                "max_s": self.max_s, "sum_s": self.sum_s}


@dataclass(frozen=True)
class ActivityStats:
    activity: str
    events: int
    cases: int

    def to_dict(self) -> dict:
        return {"activity": self.activity, "events": self.events, "cases": self.cases}


@dataclass(frozen=True)
class DurationStats:
    """Case durations in seconds: first to last completion in the case (pm4py's definition)."""

    cases: int
    mean: float | None
    median: float | None
    p90: float | None
    min: float | None
    max: float | None

    def to_dict(self) -> dict:
        return {"cases": self.cases, "mean": self.mean, "median": self.median, "p90": self.p90,
                "min": self.min, "max": self.max}


@dataclass(frozen=True)
class DataQuality:
    """Odd rows, counted (the run goes on; see `DiscoverResult.warnings`)."""

    missing_required: int  # events without case, activity or timestamp: left out
    end_before_start: int  # events whose start is after their completion: no processing time
    duplicate_events: int  # exact duplicates (every column equal but the row number)
    future_events: int  # completion after the time of the run
    one_event_cases: int  # cases with a single event (duration 0, no edges)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class OrderedPass:
    """An extra analysis's widening of the core's ordered pass: `query` gives every column of
    `Q.steps` (built with `Q.ordered_columns`) and the analysis's own; `facts`: whatever the
    analysis needs to read its columns back (its rules, the roles present)."""

    query: str
    facts: Any = None


@dataclass(frozen=True)
class OrderedEvents:
    """The widened ordered pass, kept while the extra analyses run: the table `steps` (activity
    holds codes of the table `codes`) and the `facts` of its `OrderedPass`."""

    steps: str
    codes: str
    facts: Any = None


@dataclass
class Kept:
    """What `core_analysis` keeps for the analyses that follow it; the caller drops it (`drop`).
    `cases`: the name to give the per-case table `Q.case_shapes`; `widen`: an extra analysis's
    `ordered_pass`; `ordered`: set by `core_analysis` when `widen` gave an `OrderedPass`."""

    cases: str | None = None
    widen: Callable[[Engine, str, str], OrderedPass | None] | None = None
    ordered: OrderedEvents | None = None

    def drop(self, engine: Engine) -> None:
        if self.cases:
            engine.drop(self.cases)
        if self.ordered is not None:
            engine.drop(self.ordered.steps)
            engine.drop(self.ordered.codes)
            self.ordered = None


@dataclass
class DiscoverContext:
    """What an extra analysis gets to know besides the engine and the view name."""

    source: str
    roles: frozenset[str]  # optional roles present in the log (start, resource, matter, ...)
    timezone: str
    core: DiscoverResult | None = None
    cases: str | None = None  # the core's `Q.case_shapes` table of the same view, while the extras run
    ordered: OrderedEvents | None = None  # the core's ordered pass, widened for an extra analysis


@dataclass
class DiscoverResult:
    """Everything `bpr discover` finds in one log (or one matter of it)."""

    source: str
    engine: str
    events: int
    cases: int
    activities: int
    first_timestamp: str | None
    last_timestamp: str | None
    variant_count: int
    variants: list[Variant]
    dfg: list[Edge]
    start_activities: dict[str, int]
    end_activities: dict[str, int]
    activity_stats: list[ActivityStats]
    case_duration_s: DurationStats
    rework_cases: dict[str, int]
    data_quality: DataQuality
    roles: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    warnings: list[DataWarning] = field(default_factory=list)
    by_matter: dict[str, DiscoverResult] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        data: dict[str, Any] = {
            "kind": "discover",
            "source": self.source,
            "engine": self.engine,
            "cases": self.cases,
            "events": self.events,
            "activities": self.activities,
            "first_timestamp": self.first_timestamp,
            "last_timestamp": self.last_timestamp,
            "variant_count": self.variant_count,
            "variants": [v.to_dict() for v in self.variants],
            "dfg": [e.to_dict() for e in self.dfg],
            "start_activities": dict(self.start_activities),
            "end_activities": dict(self.end_activities),
            "activity_stats": [a.to_dict() for a in self.activity_stats],
            "case_duration_s": self.case_duration_s.to_dict(),
            "rework_cases": dict(self.rework_cases),
            "data_quality": self.data_quality.to_dict(),
            "roles": list(self.roles),
            "notes": [n.to_dict() for n in self.notes],
            "warnings": [w.to_dict() for w in self.warnings],
        }
        if self.by_matter:
            data["by_matter"] = {m: r.to_dict() for m, r in self.by_matter.items()}
        for name, value in self.extra.items():
            data[name] = value.to_dict() if hasattr(value, "to_dict") else value
        return data

    def graph(self, max_nodes: int = 60, lang: str = "zh"):
        """The process as a networkx DiGraph (summarised past `max_nodes` activities)."""
        from bpr.analyse.graph import process_graph

        return process_graph(self, max_nodes=max_nodes, lang=lang)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _mean_s(sum_us: Any, n: int) -> float | None:
    """Mean seconds from an exact microsecond total: the same double whatever the engine."""
    return None if not n or sum_us is None else float(Decimal(sum_us) / Decimal(n) / Decimal(1_000_000))


def _iso(micros: int | None) -> str | None:
    """An instant given in epoch microseconds, as ISO text in UTC."""
    return None if micros is None else (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)).isoformat()


def _variant_rows(engine: Engine, steps: str, codes: str, variants_table: str,
                  limit: int | None) -> list[tuple[tuple[str, ...], int]]:
    """(activities, count) of the top `limit` variants (all when None), most frequent first."""
    examples = f"{variants_table}_top"
    engine.materialize(examples, Q.top_variants(variants_table, limit))
    try:
        ranked = engine.sql(f"SELECT example, count FROM {Q.quote(examples)} ORDER BY count DESC, example").to_pylist()
        texts = {r["case"]: r["variant"]
                 for r in engine.sql(Q.variant_activities(steps, examples, codes)).to_pylist()}
    finally:
        engine.drop(examples)
    rows = [(tuple(texts[r["example"]].split(Q.VARIANT_SEP)), int(r["count"])) for r in ranked]
    return sorted(rows, key=lambda vc: -vc[1])  # stable: ties keep the example-case order


def _tables(table: str) -> dict[str, str]:
    """The names of the intermediate tables the core analyses of the view `table` make."""
    return {kind: f"{table}_{kind}" for kind in ("codes", "steps", "traces", "variants", "edges")}


def _prepare(engine: Engine, table: str, names: dict[str, str], kept: Kept | None = None) -> None:
    """Materialise the activity codes, the steps (the one window pass, widened by `kept.widen`)
    and the per-case traces."""
    engine.materialize(names["codes"], Q.activity_codes(table))
    widened = kept.widen(engine, table, names["codes"]) if kept is not None and kept.widen else None
    engine.materialize(names["steps"], widened.query if widened else Q.steps(table, names["codes"]))
    if widened:
        kept.ordered = OrderedEvents(names["steps"], names["codes"], widened.facts)
    engine.materialize(names["traces"], Q.traces(names["steps"]))


def _drop(engine: Engine, names: dict[str, str]) -> None:
    for name in reversed(names.values()):
        engine.drop(name)


def variant_counts(engine: Engine, table: str = "events", limit: int | None = None) -> list[tuple[tuple[str, ...], int]]:
    """(activities, count) for each variant of the view `table`, most frequent first (ties: the
    variant whose first case id sorts first)."""
    names = _tables(table)
    try:
        _prepare(engine, table, names)
        engine.materialize(names["variants"], Q.variant_table(names["traces"]))
        return _variant_rows(engine, names["steps"], names["codes"], names["variants"], limit)
    finally:
        _drop(engine, names)


def core_analysis(engine: Engine, table: str = "events", top_k: int = 20, source: str = "",
                  now: datetime | None = None, duplicates: bool = True, keep_cases: str | None = None,
                  kept: Kept | None = None, check_case_ids: bool = False) -> DiscoverResult:
    """The core figures for the view `table` (see the module docstring). `duplicates`: count
    exact duplicate events in SQL (skip when the reader has already counted them). `keep_cases`:
    materialise the per-case table `Q.case_shapes` under this name for later analyses (the
    caller drops it); `kept`: the same and more (see `Kept`). `check_case_ids`: raise
    `_ControlCharactersInCaseIds` when a case id holds a control character (`load` left them
    unchecked: tested here once per case, not once per event)."""
    kept = kept or (Kept(cases=keep_cases) if keep_cases else None)
    names = _tables(table)
    note(f"{engine.name}: ordering events by case")
    try:
        _prepare(engine, table, names, kept)
        if check_case_ids and _control_count(engine, names["traces"], "case"):
            raise _ControlCharactersInCaseIds
        result = _core(engine, table, names, top_k, source, now, duplicates)
        if kept is not None and kept.cases:
            engine.materialize(kept.cases, Q.case_shapes(names["traces"], names["steps"], names["variants"]))
        return result
    except BaseException:
        if kept is not None:
            kept.drop(engine)
        raise
    finally:
        _drop(engine, {k: v for k, v in names.items()
                       if kept is None or kept.ordered is None or v not in (kept.ordered.steps, kept.ordered.codes)})


def _core(engine: Engine, table: str, names: dict[str, str], top_k: int, source: str,
          now: datetime | None, duplicates: bool) -> DiscoverResult:
    codes, steps, traces = names["codes"], names["steps"], names["traces"]
    d = engine.sql(Q.case_duration_stats(traces)).to_pylist()[0]
    cases = int(d["cases"])
    note(f"{engine.name}: {d['events']} events, {cases} cases; variants")
    engine.materialize(names["variants"], Q.variant_table(traces))
    top = _variant_rows(engine, steps, codes, names["variants"], top_k)
    variant_count = int(engine.sql(Q.variant_total(names["variants"])).to_pylist()[0]["variants"])
    variants = [Variant(acts, n, n / cases if cases else 0.0) for acts, n in top]
    rest_cases = cases - sum(v.count for v in variants)
    if variant_count > len(variants):
        variants.append(Variant((), rest_cases, rest_cases / cases if cases else 0.0, other=True,
                                variants=variant_count - len(variants)))
    note(f"{engine.name}: directly-follows graph")
    engine.materialize(names["edges"], Q.edge_values(steps))
    edge_q = group_quantiles(engine, Q.quantile_points(Q.edge_times(names["edges"], codes), ["source", "target"],
                                                  "seconds", weight="n"), 2)
    dfg = []
    for r in engine.sql(Q.dfg(names["edges"], codes)).to_pylist():
        median, p90 = edge_q[(r["source"], r["target"])]
        dfg.append(Edge(r["source"], r["target"], int(r["count"]), _mean_s(r["sum_us"], r["count"]),
                        median, p90, float(r["min_s"]), float(r["max_s"]), float(r["sum_us"]) / 1e6))
    starts = {r["activity"]: int(r["count"]) for r in engine.sql(Q.start_activities(steps, codes)).to_pylist()}
    ends = {r["activity"]: int(r["count"]) for r in engine.sql(Q.end_activities(steps, codes)).to_pylist()}
    note(f"{engine.name}: activities and rework")
    activity_rows = engine.sql(Q.activities(steps, names["variants"], codes)).to_pylist()
    acts = [ActivityStats(r["activity"], int(r["events"]), int(r["cases"])) for r in activity_rows]
    rework = {r["activity"]: int(r["rework_cases"]) for r in sorted(
        (r for r in activity_rows if r["rework_cases"]), key=lambda r: (-r["rework_cases"], r["activity"]))}
    median, p90 = group_quantiles(engine, Q.quantile_points(Q.case_durations(traces), [], "duration_s"), 0).get(
        (), (None, None))
    durations = DurationStats(cases, _mean_s(d["sum_us"], cases), median, p90, _float(d["min"]), _float(d["max"]))
    now = now or datetime.now(UTC)
    if duplicates:  # whole rows compared only where two events share case, timestamp and activity
        suspects = engine.sql(Q.duplicate_suspects(table, steps)).to_pylist()[0]
        duplicates = bool(suspects["repeated"] or suspects["invalid"])
    q = engine.sql(Q.data_quality(table, now.strftime("%Y-%m-%d %H:%M:%S+00"), duplicates, steps)).to_pylist()[0]
    quality = DataQuality(int(q["missing_required"]), int(q["end_before_start"]), int(q["duplicate_events"]),
                          int(q["future_events"]), int(d["one_event_cases"] or 0))
    roles = [r for r in OPTIONAL_ROLES if q[f"with_{r}"]]
    result = DiscoverResult(
        source=source, engine=engine.name, events=int(d["events"] or 0), cases=cases,
        activities=len(acts), first_timestamp=_iso(d["first_us"]),
        last_timestamp=_iso(d["last_us"]), variant_count=variant_count, variants=variants,
        dfg=dfg, start_activities=starts, end_activities=ends, activity_stats=acts,
        case_duration_s=durations, rework_cases=rework, data_quality=quality, roles=roles)
    result.notes.extend(_quality_notes(quality, roles))
    return result


def _quality_notes(quality: DataQuality, roles: list[str]) -> list[Note]:
    counts = {"note_missing_required": quality.missing_required, "note_end_before_start": quality.end_before_start,
              "note_duplicates": quality.duplicate_events, "note_future": quality.future_events}
    notes = [Note.of(key, n=n) for key, n in counts.items() if n]
    if "resource" not in roles:
        notes.append(Note.of("note_no_resource"))
    return notes


def extra_analyses() -> list[Callable]:
    """The ANALYSES of every module in EXTRA_MODULES that exists."""
    found: list[Callable] = []
    for name in EXTRA_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        found.extend(getattr(module, "ANALYSES", []))
    return found


def load(engine: Engine, source: EventLog | str | Path, mapping: dict[str, str] | None = None,
         timezone: str = "Asia/Shanghai", table: str = "events", workdir: str | Path | None = None,
         now: datetime | None = None, check_case_ids: bool = True,
         reader: bool = False) -> tuple[str, list[DataWarning], bool]:
    """Register `source` in `engine` as the view `table`; return the source name, the reader's
    warnings, and whether bpr's reader read it (so it has counted duplicates already).
    `check_case_ids=False`: DuckDB's direct read does not test the case ids for control characters
    (the caller does, on far fewer rows: `core_analysis(check_case_ids=True)`); `reader`: use
    bpr's reader even where DuckDB could read the file directly.

    A file is never held in memory whole: a canonical Parquet file is scanned in place; on DuckDB,
    a UTF-8 CSV or a Parquet file whose columns and times it can read is loaded by DuckDB itself;
    anything else (CSV in other encodings, XLSX, XES) is streamed by `bpr.io`'s reader into a
    canonical Parquet file in `workdir` (a temporary folder by default), which the engine scans.
    A Parquet file is scanned in place: since the core and the performance analyses share one
    sort, copying it into DuckDB's compressed store first costs more than the few scans it speeds
    up (road log, 10M events, full run: ~4 s more CPU).
    """
    if isinstance(source, EventLog):
        engine.register(source, table)
        return source.source, list(source.warnings), False
    from bpr.io.eventlog_reader import convert_log
    from bpr.io.safety import existing_file

    path = existing_file(source)
    lower = path.name.lower()
    if lower.endswith((".csv", ".csv.gz", ".tsv", ".parquet")) and isinstance(engine, DuckDBEngine) and not reader:
        # UTF-8 CSV or Parquet with recognisable columns and timestamps: DuckDB reads it directly
        # (seconds for 10M rows). Anything it cannot take goes through the full reader below.
        try:
            note(f"reading {path.name} (duckdb)")
            engine.register(path, table, mapping=mapping, timezone=timezone)
            if not _fast_path_clean(engine, table, check_case_ids):
                raise ValueError("control characters or implausible times: the reader cleans and warns")
            return str(path), [], False
        except Exception:  # noqa: BLE001 - encoding, layout or time format: use the reader
            engine.drop(table)
            engine.drop(f"_{table}_raw")
    if lower.endswith(".parquet") and not mapping and not reader:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            names = pq.read_schema(path).names
        except (pa.ArrowException, OSError):  # not Parquet: the reader below says so, naming the file
            names = []
        if set(SCHEMA.names) <= set(names):
            note(f"reading {path.name} ({engine.name})")
            engine.register(path, table)
            return str(path), [], False
    workdir = Path(workdir or tempfile.mkdtemp(prefix="bpr-discover-"))
    note(f"reading {path.name}")
    info = convert_log(path, workdir / f"{table}.parquet", mapping, timezone, now=now)
    engine.register(info.parquet, table)
    return str(path), list(info.warnings), True


def _control(column: str) -> str:
    """SQL: whether the name `column` holds a control character (`bpr.io.eventlog_reader.CONTROL_RE`)."""
    from bpr.io.eventlog_reader import CONTROL_RE

    return f"coalesce(regexp_matches(CAST({Q.quote(column)} AS VARCHAR), '{CONTROL_RE}'), FALSE)"


def _control_count(engine: Engine, table: str, column: str) -> int:
    """How many rows of `table` hold a control character in `column`."""
    return int(engine.sql(f"SELECT count(*) AS n FROM {Q.quote(table)} WHERE {_control(column)}").column("n")[0].as_py())


def _fast_path_clean(engine: Engine, table: str, case_ids: bool = True) -> bool:
    """Whether the log DuckDB read directly needs none of the reader's repairs: no control
    characters in names (in case ids only when `case_ids`), every time inside the plausible window
    (`bpr.io.timestamps`). One query."""
    from bpr.io.timestamps import plausible_window

    low, high = plausible_window()
    # each column on its own: no concatenated string per row (a third cheaper on 10M events); each
    # distinct value once (the activities of 10M events: 0.04 s instead of 0.6 s; FILTER, not WHERE,
    # which DuckDB would push below the DISTINCT onto every event); the case ids, millions of
    # values, on every event (as cheap as a DISTINCT, and no hash table) unless the caller checks
    # them per case later
    t = Q.quote(table)
    names = " + ".join(([f"(SELECT count(*) FROM {t} WHERE {_control('case')})"] if case_ids else []) + [
        f"(SELECT count(*) FILTER (WHERE {_control(c)}) FROM (SELECT DISTINCT {Q.quote(c)} FROM {t}) AS d)"
        for c in ("activity", "resource", "department", "channel", "action", "matter")])
    rows = engine.sql(
        f'SELECT count("timestamp"), count("start"), '
        f"{names}, "
        f"count(*) FILTER (\"timestamp\" < '{low.isoformat()}'::TIMESTAMPTZ OR \"timestamp\" > '{high.isoformat()}'::TIMESTAMPTZ "
        f"OR \"start\" < '{low.isoformat()}'::TIMESTAMPTZ OR \"start\" > '{high.isoformat()}'::TIMESTAMPTZ) "
        f"FROM {Q.quote(table)}")
    first = list(rows.to_pylist()[0].values())
    return not first[2] and not first[3]


def discover(log: EventLog | str | Path | None, engine: Engine | None = None, top_k: int = 20,
             mapping: dict[str, str] | None = None, timezone: str = "Asia/Shanghai",
             analyses: Sequence[Callable] | None = None, per_matter: bool = True,
             now: datetime | None = None, since: datetime | None = None) -> DiscoverResult:
    """Run the core analyses and every extra analysis on `log` (an EventLog or a file; None when
    the view "events" is already registered in `engine`); with `since` (time-zone aware), on the
    cases that started at or after it only.

    `engine` defaults to a fresh `DuckDBEngine()` (closed afterwards; an engine passed in is
    left open). `analyses` defaults to `extra_analyses()`; pass [] for the core only.
    """
    own = engine is None
    engine = engine or DuckDBEngine()
    workdir = tempfile.mkdtemp(prefix="bpr-discover-")
    try:
        extras = extra_analyses() if analyses is None else analyses
        # per-case facts the extras reuse, and the ordered pass widened by the first that asks
        kept = Kept("events__case_shapes", next(filter(None, (getattr(a, "ordered_pass", None) for a in extras)),
                                                None)) if extras else None
        table = "events_all" if since else "events"
        for reader in (False, True):  # DuckDB's direct read; bpr's reader if a case id needs cleaning
            source, warnings, read_by_bpr = "", [], False
            if log is not None:  # (None: the caller registered "events" in `engine` already)
                source, warnings, read_by_bpr = load(engine, log, mapping=mapping, timezone=timezone, table=table,
                                                     workdir=workdir, now=now, check_case_ids=False, reader=reader)
                if since:
                    engine.view("events", Q.cases_since("events_all", f"{since.astimezone(UTC):%Y-%m-%d %H:%M:%S}"))
            try:
                result = core_analysis(engine, "events", top_k=top_k, source=source, now=now,
                                       duplicates=not read_by_bpr, kept=kept,
                                       check_case_ids=not read_by_bpr and isinstance(log, str | Path))
                break
            except _ControlCharactersInCaseIds:
                engine.drop(table)
        try:
            if result.events == 0 and since and log is not None:
                last = engine.sql('SELECT max("timestamp") AS t FROM events_all').column("t")[0].as_py()
                raise InputError.of("since_no_cases", {"since": f"{since:%Y-%m-%d}", "last": local_day(last, timezone)},
                                    file=source or None)
            if result.events == 0:
                raise InputError.of("engine_no_usable_events", file=source or None)
            if since and log is not None:
                result.notes.append(Note.of("note_since_cases", since=f"{since:%Y-%m-%d}", cases=result.cases))
            result.warnings.extend(warnings)
            context = DiscoverContext(source, frozenset(result.roles), timezone, result,
                                      kept.cases if kept else None, kept.ordered if kept else None)
            for analysis in extras:
                name = getattr(analysis, "name", getattr(analysis, "__name__", "analysis"))
                note(f"{engine.name}: {name}")
                try:
                    result.extra[name] = analysis(engine, "events", context)
                except SkipAnalysis as skip:
                    result.notes.append(Note.of("note_skipped_analysis", name=name, reason=str(skip)))
        finally:
            if kept is not None:
                kept.drop(engine)
        if per_matter and "matter" in result.roles:
            _per_matter(engine, result, top_k, now)
        return result
    finally:
        if own:
            engine.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _per_matter(engine: Engine, result: DiscoverResult, top_k: int, now: datetime | None) -> None:
    matters = engine.sql(Q.matters("events")).to_pylist()
    if len(matters) < 2:
        return
    if len(matters) > MAX_MATTERS:
        result.notes.append(Note.of("note_matters_listed", n=len(matters), k=MAX_MATTERS))
    for row in matters[:MAX_MATTERS]:
        engine.view("events_matter", Q.filtered("events", "matter", row["matter"]))
        sub = core_analysis(engine, "events_matter", top_k=top_k, source=result.source, now=now,
                            duplicates=False)
        sub.notes = [n for n in sub.notes if n.id != "note_no_resource"]
        result.by_matter[row["matter"]] = sub


def write_discover(result: DiscoverResult, out: str | Path, lang: str = "zh", max_nodes: int = 60,
                   min_share: float = 0.0) -> None:
    """DIR/result.json, the CSV tables, DIR/process.graphml and DIR/process.json. `min_share`
    (kept in result.json) leaves the paths fewer cases take out of the report's process map."""
    from functools import partial

    from bpr.analyse.graph import write_graph_json, write_graphml
    from bpr.io.results import write_csv as _write_csv
    from bpr.io.results import write_json

    write_csv = partial(_write_csv, lang=lang)  # headers in the report language
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = result.to_dict()
    if min_share:
        data["min_share"] = min_share
    write_json(out / "result.json", data)
    sep = "→"
    write_csv(out / "dfg.csv", ["source", "target", "count", "mean_s", "median_s", "p90_s", "min_s", "max_s"],
              ([e.source, e.target, e.count, e.mean_s, e.median_s, e.p90_s, e.min_s, e.max_s] for e in result.dfg))
    write_csv(out / "variants.csv", ["rank", "variant", "count", "share", "other", "variants"],
              ([i, sep.join(v.activities), v.count, v.share, v.other, v.variants]
               for i, v in enumerate(result.variants, start=1)))
    write_csv(out / "activities.csv", ["activity", "events", "cases", "start_cases", "end_cases", "rework_cases"],
              ([a.activity, a.events, a.cases, result.start_activities.get(a.activity, 0),
                result.end_activities.get(a.activity, 0), result.rework_cases.get(a.activity, 0)]
               for a in result.activity_stats))
    write_csv(out / "case_duration.csv", ["statistic", "seconds"],
              ([k, v] for k, v in result.case_duration_s.to_dict().items()))
    if result.by_matter:
        write_csv(out / "matters.csv", ["matter", "cases", "events", "variants", "mean_s", "median_s", "p90_s"],
                  ([m, r.cases, r.events, r.variant_count, r.case_duration_s.mean, r.case_duration_s.median,
                    r.case_duration_s.p90] for m, r in result.by_matter.items()))
    graph = result.graph(max_nodes=max_nodes, lang=lang)
    write_graphml(graph, out / "process.graphml")
    write_graph_json(graph, out / "process.json")
