"""Measured before/after from application records: did a reform work?

    result = compare_log("办件.csv", at=date(2024, 7, 1), catalogue=catalogue)   # one log, split
    result = compare_logs("2023.csv", "2024.csv")                               # two logs
    result = compare_log("办件.csv")                                            # date found from the data
    result.to_dict()                                                            # the documented result.json

One log is split at a reform date: a case belongs to the side of its first event (its earliest
completion, as `bpr discover --since` selects cases, so the after side of `--at D` is exactly the
process `discover --since D` shows). Without a date, `bpr.measure.compare_changepoint` finds it.

Every per-case figure is SQL run by an engine (DuckDB or Spark: the same queries as `bpr discover`,
bpr.analyse.queries and performance_queries), one row per case; medians, rates and the bootstrap
are numpy over those rows, so both engines give the same doubles. Per side:
- cases; median/p90 hours: first to last completion (pm4py's case duration);
- median/p90 working days: case start (earliest start or completion) to last completion in office
  hours on China's working calendar / hours per day (`bpr.analyse.performance`);
- rework_rate: share of cases in which any step occurs more than once;
- avg_visits: mean trips to the service hall (`performance` visit rules), when visits are known;
- on_time_rate: share finished by the promised date (补正 pauses the clock), when a limit is known;
- steps: per activity the cases with it, their share (frequency), events and median wait before it
  in hours (start minus previous completion; lead time since the previous completion when the log
  has no start times).
`change[measure]` = after minus before, with a 95% percentile interval from a seeded bootstrap that
resamples cases with replacement within each side, in runs of neighbouring cases (by start) as long
as the side's autocorrelation calls for (`bpr.analyse.resampling`: cases of one period share its
backlogs and absences); `significant` when the interval excludes 0.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from bpr.analyse import performance_queries as PQ
from bpr.analyse.case_rows import case_rows_query
from bpr.analyse.engine import DuckDBEngine, Engine, quote
from bpr.analyse.performance import PerformanceOptions, prepare
from bpr.analyse.quantiles import add_quantiles
from bpr.analyse.queries import _valid
from bpr.analyse.resampling import block_indices, block_length, normal_scores
from bpr.errors import InputError, UsageError
from bpr.i18n import Note, t, tf
from bpr.measure.change import Change
from bpr.measure.compare_changepoint import Detection, detect_change
from bpr.model.eventlog import EventLog
from bpr.model.warning import DataWarning
from bpr.progress import note

#: measures compared, in report order
MEASURES = ("median_hours", "p90_hours", "median_days", "p90_days", "rework_rate", "avg_visits", "on_time_rate")
#: a side needs at least this many cases for medians and intervals worth reading
MIN_CASES = 30
RESAMPLES = 2000
SEED = 20240314
LEVEL = 0.95
#: a step "removed" (or "added") is in at least PRESENT of the cases on one side, under ABSENT on the other
PRESENT, ABSENT = 0.05, 0.01
#: change-point detection: at least this many days on each side
MIN_DAYS = 30


@dataclass
class CaseTable:
    """One row per case: the per-case figures the measures and the bootstrap need."""

    case: np.ndarray  # str
    matter: np.ndarray  # str or None
    first_us: np.ndarray  # int64, first completion, epoch microseconds (UTC)
    hours: np.ndarray  # first to last completion
    days: np.ndarray  # working days
    rework: np.ndarray  # bool
    visits: np.ndarray  # float, NaN when unknown
    on_time: np.ndarray  # float 1/0, NaN without a limit

    def __len__(self) -> int:
        return len(self.case)

    def take(self, mask: np.ndarray) -> CaseTable:
        return CaseTable(*(getattr(self, f)[mask] for f in self.__dataclass_fields__))

    def local_days(self, timezone: str) -> list[dt.date]:
        zone = ZoneInfo(timezone)
        return [dt.datetime.fromtimestamp(us / 1e6, dt.UTC).astimezone(zone).date() for us in self.first_us.tolist()]


@dataclass
class StepFigure:
    activity: str
    cases: int
    frequency: float  # share of the side's cases
    events: int
    median_wait_hours: float | None
    wait_basis: str  # "waiting" (start - previous completion) or "lead" (no start times)


@dataclass
class SideFigures:
    """The figures of one side (before or after)."""

    cases: int
    first_day: str | None
    last_day: str | None
    median_hours: float | None
    p90_hours: float | None
    median_days: float | None
    p90_days: float | None
    rework_rate: float | None
    avg_visits: float | None
    on_time_rate: float | None
    on_time_cases: int  # cases with a promised limit
    steps: list[StepFigure] = field(default_factory=list)
    source: str = ""

    def to_dict(self) -> dict:
        data = asdict(self)
        data["steps"] = [asdict(s) for s in self.steps]
        return data

    def share(self, activity: str) -> float:
        return next((s.frequency for s in self.steps if s.activity == activity), 0.0)


@dataclass
class CompareResult:
    """What `bpr compare` measures on two periods of a log, or on two logs."""

    mode: str  # "split" (one log at a date) or "logs" (two logs)
    at: str | None  # the reform date (local, ISO); None for two logs
    at_source: str  # "given", "detected" or "logs"
    engine: str
    before: SideFigures
    after: SideFigures
    steps_removed: list[str]
    steps_added: list[str]
    change: dict[str, Change]
    source: str = ""
    timezone: str = "Asia/Shanghai"
    detection: Detection | None = None
    resamples: int = RESAMPLES
    seed: int = SEED
    notes: list[Note] = field(default_factory=list)
    warnings: list[DataWarning] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # trends, ratings, predicted (their own to_dict)
    cases: CaseTable | None = field(default=None, repr=False)  # kept for trends; not serialised
    sides: tuple[CaseTable, CaseTable] | None = field(default=None, repr=False)  # before, after; not serialised

    def summary(self, lang: str = "zh") -> str:
        """One line for the terminal: the date, cases and median working days on each side."""
        c = self.change["median_days"]
        fmt = (lambda v: "-" if v is None else f"{v:.1f}")  # noqa: E731
        return tf("cmp_summary", lang, at=self.at or "—", nb=self.before.cases, na=self.after.cases,
                  db=fmt(c.before), da=fmt(c.after), sig=t("cmp_yes" if c.significant else "cmp_no", lang))

    def to_dict(self) -> dict:
        data: dict[str, Any] = {
            "kind": "compare", "mode": self.mode, "source": self.source, "engine": self.engine,
            "timezone": self.timezone, "at": self.at, "at_source": self.at_source,
            "detection": None if self.detection is None else self.detection.to_dict(),
            "before": self.before.to_dict(), "after": self.after.to_dict(),
            "steps_removed": list(self.steps_removed), "steps_added": list(self.steps_added),
            "change": {m: asdict(c) for m, c in self.change.items()},
            "bootstrap": {"resamples": self.resamples, "seed": self.seed, "level": LEVEL, "unit": "case",
                          "method": "circular block (Politis-White block length per side and measure)"},
            "notes": [n.to_dict() for n in self.notes], "warnings": [w.to_dict() for w in self.warnings],
        }
        for name, value in self.extra.items():
            data[name] = value.to_dict() if hasattr(value, "to_dict") else value
        return data


# ---------------------------------------------------------------------------------------------
# per-case rows (SQL)


def case_table(engine: Engine, table: str, options: PerformanceOptions, timezone: str) -> tuple[CaseTable, bool, bool]:
    """(cases, visits known, has start times) of the view `table`."""
    setup = prepare(engine, table, options, timezone)
    try:
        rows = engine.sql(case_rows_query(table, options, setup))
    finally:
        for name in setup.tables:
            engine.drop(name)
    data = {name: rows.column(name).to_pylist() for name in rows.column_names}
    first = np.array(data["first_us"], dtype=np.int64)
    last = np.array(data["last_us"], dtype=np.int64)
    visits = np.array([np.nan if v is None else float(v) for v in data["visits"]])
    # visits are known when the log says how applications came in, or some event is on site
    known = "channel" in setup.roles or bool(np.nansum(visits) > 0)
    if not known:
        visits = np.full(len(visits), np.nan)
    cases = CaseTable(
        case=np.array(data["case"], dtype=object), matter=np.array(data["matter"], dtype=object),
        first_us=first, hours=(last - first) / 3.6e9,
        days=np.array([np.nan if v is None else float(v) for v in data["working_days"]]),
        rework=np.array([bool(v) for v in data["repeats"]]), visits=visits,
        on_time=np.array([np.nan if v is None else float(bool(v)) for v in data["on_time"]]))
    return cases, known, "start" in setup.roles


def step_figures(engine: Engine, table: str, cases: int, has_start: bool) -> list[StepFigure]:
    """Per activity of the view `table`: cases, frequency, events, median wait (hours)."""
    basis = "waiting" if has_start else "lead"
    out = []
    rows = engine.sql(PQ.step_times(table)).to_pylist()
    for r in add_quantiles(engine, rows, PQ.steps(table), ["activity"], {basis: f"{basis}_s"}):
        wait = r[f"{basis}_median"]
        out.append(StepFigure(r["activity"], int(r["cases"]), int(r["cases"]) / cases if cases else 0.0,
                              int(r["events"]), None if wait is None else float(wait) / 3600, basis))
    return sorted(out, key=lambda s: (-s.cases, s.activity))


# ---------------------------------------------------------------------------------------------
# figures and the bootstrap (numpy)


def _quantile(values: np.ndarray, q: float) -> float | None:
    values = values[~np.isnan(values)]
    return float(np.quantile(values, q)) if len(values) else None


def _mean(values: np.ndarray) -> float | None:
    values = values[~np.isnan(values)]
    return float(values.mean()) if len(values) else None


#: measure -> (per-case column, statistic)
_STATS: dict[str, tuple[str, Callable[[np.ndarray], float | None]]] = {
    "median_hours": ("hours", lambda v: _quantile(v, 0.5)),
    "p90_hours": ("hours", lambda v: _quantile(v, 0.9)),
    "median_days": ("days", lambda v: _quantile(v, 0.5)),
    "p90_days": ("days", lambda v: _quantile(v, 0.9)),
    "rework_rate": ("rework", _mean),
    "avg_visits": ("visits", _mean),
    "on_time_rate": ("on_time", _mean),
}


def side_figures(cases: CaseTable, timezone: str, steps: list[StepFigure], source: str = "") -> SideFigures:
    values = {m: fn(np.asarray(getattr(cases, col), dtype=float)) for m, (col, fn) in _STATS.items()}
    days = sorted(cases.local_days(timezone)) if len(cases) else []
    return SideFigures(len(cases), days[0].isoformat() if days else None, days[-1].isoformat() if days else None,
                       steps=steps, source=source, on_time_cases=int((~np.isnan(cases.on_time)).sum()), **values)


def resampled(side: CaseTable, measure: str, rng: np.random.Generator, resamples: int) -> tuple[np.ndarray, int]:
    """(figures, block): the statistic of `measure` on `resamples` bootstrap samples of one side's
    cases, and the run length used. Cases that start close together share backlogs and absences,
    so the cases, in start order, are drawn in runs of neighbours as long as their own
    autocorrelation calls for (`block_indices`, `block_length`; one by one when independent).
    NaN rows, e.g. cases without a limit, are left out of each sample's statistic."""
    column = _STATS[measure][0]
    values = np.asarray(getattr(side, column), dtype=float)[np.argsort(side.first_us, kind="stable")]
    n = len(values)
    if not n:
        return np.full(resamples, np.nan), 1
    block = block_length(normal_scores(values[~np.isnan(values)]))
    out = np.empty(resamples)
    chunk = max(1, 4_000_000 // max(n, 1))
    quantile = {"median_hours": 0.5, "median_days": 0.5, "p90_hours": 0.9, "p90_days": 0.9}.get(measure)
    done = 0
    with warnings.catch_warnings():  # a resample of only NaN rows (tiny subsets) gives NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        while done < resamples:
            size = min(chunk, resamples - done)
            sample = values[block_indices(n, block, rng, size)]
            if quantile is not None:
                out[done:done + size] = np.nanquantile(sample, quantile, axis=1)
            else:
                out[done:done + size] = np.nanmean(sample, axis=1)
            done += size
    return out, block


def changes(before: CaseTable, after: CaseTable, figures: tuple[SideFigures, SideFigures],
            resamples: int = RESAMPLES, seed: int = SEED) -> dict[str, Change]:
    """after - before per measure, with the bootstrap interval (`resampled`; one seeded stream
    per measure and side, so adding a measure never moves another's interval)."""
    out = {}
    lo_q, hi_q = (1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2
    for index, measure in enumerate(_STATS):
        b, a = getattr(figures[0], measure), getattr(figures[1], measure)
        if a is None or b is None:
            out[measure] = Change(b, a, None, None, None, False)
            continue
        (draws_b, block_b), (draws_a, block_a) = (
            resampled(side, measure, np.random.default_rng([seed, index, side_no]), resamples)
            for side_no, side in enumerate((before, after)))
        diff = draws_a - draws_b
        diff = diff[~np.isnan(diff)]
        low, high = (float(np.quantile(diff, lo_q)), float(np.quantile(diff, hi_q))) if len(diff) else (None, None)
        significant = low is not None and (low > 0 or high < 0)
        out[measure] = Change(b, a, a - b, low, high, bool(significant), (block_b, block_a))
    return out


def step_changes(before: SideFigures, after: SideFigures) -> tuple[list[str], list[str]]:
    """(removed, added): steps in at least PRESENT of one side's cases and under ABSENT of the other's."""
    names = sorted({s.activity for s in before.steps} | {s.activity for s in after.steps})
    removed = [n for n in names if before.share(n) >= PRESENT and after.share(n) < ABSENT]
    added = [n for n in names if after.share(n) >= PRESENT and before.share(n) < ABSENT]
    return removed, added


# ---------------------------------------------------------------------------------------------
# running


def _local_midnight_us(day: dt.date, timezone: str) -> int:
    moment = dt.datetime.combine(day, dt.time(0), ZoneInfo(timezone))
    return int(moment.timestamp()) * 1_000_000


def _check_sides(before: CaseTable, after: CaseTable, source: str, at: str | None, min_cases: int) -> None:
    for side, cases in (("before", before), ("after", after)):
        if len(cases) < min_cases:
            raise UsageError.of(f"compare_too_few_{side}", {"n": len(cases), "need": min_cases, "at": at or "—"},
                                file=source or None)


def _finish(mode: str, at: str | None, at_source: str, engine: Engine, source: str, timezone: str,
            sides: tuple[CaseTable, CaseTable], steps: tuple[list[StepFigure], list[StepFigure]],
            sources: tuple[str, str], resamples: int, seed: int, notes: list[Note],
            warnings: list[DataWarning], detection: Detection | None, all_cases: CaseTable | None) -> CompareResult:
    before = side_figures(sides[0], timezone, steps[0], sources[0])
    after = side_figures(sides[1], timezone, steps[1], sources[1])
    removed, added = step_changes(before, after)
    change = changes(sides[0], sides[1], (before, after), resamples, seed)
    if before.avg_visits is None:
        notes.append(Note.of("note_compare_no_visits"))
    if before.on_time_rate is None or after.on_time_rate is None:
        notes.append(Note.of("note_compare_no_limit"))
    return CompareResult(mode, at, at_source, engine.name, before, after, removed, added, change, source, timezone,
                         detection, resamples, seed, notes, warnings, cases=all_cases, sides=sides)


def compare_log(log: EventLog | str | Path, at: dt.date | None = None, engine: Engine | None = None,
                options: PerformanceOptions | None = None, catalogue: Iterable | None = None,
                mapping: dict[str, str] | None = None, timezone: str = "Asia/Shanghai",
                resamples: int = RESAMPLES, seed: int = SEED, min_cases: int = MIN_CASES,
                window: int | None = None) -> CompareResult:
    """One log split at the local date `at` (found by change-point detection when None); with
    `window`, only the cases whose first event lies within `window` days before or after it (e.g. the
    same season on both sides, or a placebo date inside a stable period).

    `options` (or `catalogue`: promised limits and stated visits per matter) configures the
    working-day calendar and rules as for `bpr discover`. `engine` defaults to a fresh DuckDB one.
    """
    from bpr.analyse.discover import load

    options = options or (PerformanceOptions.from_catalogue(catalogue) if catalogue is not None
                          else PerformanceOptions())
    own = engine is None
    engine = engine or DuckDBEngine()
    workdir = tempfile.mkdtemp(prefix="bpr-compare-")
    try:
        source, read_warnings, _ = load(engine, log, mapping=mapping, timezone=timezone, table="events",
                                        workdir=workdir)
        note(f"{engine.name}: per-case figures")
        cases, _, has_start = case_table(engine, "events", options, timezone)
        if not len(cases):
            raise InputError.of("engine_no_usable_events", file=source or None)
        days = cases.local_days(timezone)
        first_day, last_day = min(days), max(days)
        last_event = dt.datetime.fromtimestamp(int((cases.first_us + cases.hours * 3.6e9).max()) / 1e6, dt.UTC)
        last_event_day = last_event.astimezone(ZoneInfo(timezone)).date()
        notes: list[Note] = []
        detection = None
        if at is None:
            p90 = _quantile(cases.hours, 0.9) or 0.0
            detection = detect_change(days, cases.days, last_event_day, int(np.ceil(p90 / 24)), MIN_DAYS)
            if detection is None:
                raise UsageError.of("compare_cannot_detect", {"days": len(set(days)), "need": 2 * MIN_DAYS},
                                    file=source or None)
            at = dt.date.fromisoformat(detection.at)
            notes.append(Note.of("note_compare_detected", at=detection.at, strength=f"{detection.strength:.0%}"))
        if not first_day < at <= last_day:
            raise UsageError.of("compare_at_outside", {"at": at.isoformat(), "first": first_day.isoformat(),
                                                       "last": last_day.isoformat()}, file=source or None)
        split = _local_midnight_us(at, timezone)
        after_mask = cases.first_us >= split
        before_mask = ~after_mask
        if window:
            span = int(window) * 86_400_000_000
            before_mask &= cases.first_us >= split - span
            after_mask &= cases.first_us < split + span
            notes.append(Note.of("note_compare_window", days=int(window)))
        before, after = cases.take(before_mask), cases.take(after_mask)
        _check_sides(before, after, source, at.isoformat(), min_cases)
        note(f"{engine.name}: step figures")
        steps = []
        for name, side_is_after, side in (("events_before", False, before), ("events_after", True, after)):
            engine.view(name, _side_view("events", split, side_is_after, window))
            steps.append(step_figures(engine, name, len(side), has_start))
        p90_after = _quantile(after.hours, 0.9) or 0.0
        late = int((cases.first_us >= (last_event.timestamp() - p90_after * 3600) * 1e6).sum())
        if late:
            notes.append(Note.of("note_compare_open_cases", n=late, days=int(np.ceil(p90_after / 24))))
        note("bootstrap")
        result = _finish("split", at.isoformat(), "detected" if detection else "given", engine, source, timezone,
                         (before, after), (steps[0], steps[1]), (source, source), resamples, seed, notes,
                         read_warnings, detection, cases)
        _add_ratings(result, engine, options, (source, source))
        return result
    finally:
        if own:
            engine.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _add_ratings(result: CompareResult, engine: Engine, options: PerformanceOptions, sources: tuple[str, str]) -> None:
    """好差评 and channel mix of each side (`bpr.measure.compare_ratings`), when the log has them."""
    from bpr.measure.compare_ratings import compare_ratings

    note(f"{engine.name}: ratings and channels")
    ratings = compare_ratings(engine, ("events_before", "events_after"), options, result.timezone, sources)
    if ratings is not None:
        result.extra["ratings"] = ratings
        result.warnings.extend(w for w in ratings.after.warnings + ratings.before.warnings
                               if w not in result.warnings)


def _side_view(table: str, split_us: int, after: bool, window: int | None = None) -> str:
    """The events of the cases whose first completion is on the `after` side of `split_us` (and
    within `window` days of it)."""
    first = 'epoch_us(min("timestamp"))'
    condition = f"{first} >= {int(split_us)}" if after else f"{first} < {int(split_us)}"
    if window:
        span = int(window) * 86_400_000_000
        condition += (f" AND {first} < {int(split_us) + span}" if after else f" AND {first} >= {int(split_us) - span}")
    return (f'SELECT * FROM {quote(table)} WHERE "case" IN (SELECT "case" FROM ({_valid(table)}) AS ev '
            f'GROUP BY "case" HAVING {condition})')


def compare_logs(before_log: EventLog | str | Path, after_log: EventLog | str | Path, engine: Engine | None = None,
                 options: PerformanceOptions | None = None, catalogue: Iterable | None = None,
                 mapping: dict[str, str] | None = None, timezone: str = "Asia/Shanghai",
                 resamples: int = RESAMPLES, seed: int = SEED, min_cases: int = MIN_CASES) -> CompareResult:
    """Two logs of the same matter(s): the first is before, the second after."""
    from bpr.analyse.discover import load

    options = options or (PerformanceOptions.from_catalogue(catalogue) if catalogue is not None
                          else PerformanceOptions())
    own = engine is None
    engine = engine or DuckDBEngine()
    workdir = tempfile.mkdtemp(prefix="bpr-compare-")
    try:
        sides, steps, sources, read_warnings = [], [], [], []
        for table, log in (("events_before", before_log), ("events_after", after_log)):
            source, found, _ = load(engine, log, mapping=mapping, timezone=timezone, table=table, workdir=workdir)
            sources.append(source)
            read_warnings.extend(found)
        _check_same_matters(engine, sources)
        for table, source in zip(("events_before", "events_after"), sources, strict=True):
            note(f"{engine.name}: {Path(source).name or table}")
            cases, _, has_start = case_table(engine, table, options, timezone)
            sides.append(cases)
            steps.append(step_figures(engine, table, len(cases), has_start))
        before, after = sides
        for cases, source in zip(sides, sources, strict=True):
            if len(cases) < min_cases:
                side = "before" if cases is before else "after"
                raise UsageError.of(f"compare_too_few_{side}", {"n": len(cases), "need": min_cases, "at": "—"},
                                    file=source or None)
        note("bootstrap")
        result = _finish("logs", None, "logs", engine, f"{sources[0]} | {sources[1]}", timezone, (before, after),
                         (steps[0], steps[1]), (sources[0], sources[1]), resamples, seed, [], read_warnings, None,
                         None)
        _add_ratings(result, engine, options, (sources[0], sources[1]))
        return result
    finally:
        if own:
            engine.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _check_same_matters(engine: Engine, sources: list[str]) -> None:
    """Two logs of different matters (no matter code, or else no step, in common) are an error."""
    for column in ("matter", "activity"):
        before, after = ({r[column] for r in engine.sql(
            f'SELECT DISTINCT {column} FROM {quote(table)} WHERE {column} IS NOT NULL').to_pylist()}
            for table in ("events_before", "events_after"))
        if before and after and not before & after:
            raise UsageError.of("compare_different_matters", {"before": ", ".join(sorted(before)[:3]),
                                                              "after": ", ".join(sorted(after)[:3])},
                                file=sources[1] or None)
