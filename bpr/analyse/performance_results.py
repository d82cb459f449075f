"""The results of the performance analyses (bpr.analyse.performance): plain dataclasses, each with
`to_dict()` for result.json and, where a result has rows, `tables()` for its CSVs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from bpr.i18n import Note
from bpr.io.results import dataclass_table


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass
class Stat:
    """mean, median, p90, max of one measure."""

    mean: float | None
    median: float | None
    p90: float | None
    max: float | None

    @classmethod
    def of(cls, row: Mapping, prefix: str) -> Stat:
        return cls(_num(row[f"{prefix}_mean"]), _num(row[f"{prefix}_median"]), _num(row[f"{prefix}_p90"]),
                   _num(row[f"{prefix}_max"]))


@dataclass
class DurationSummary:
    """Case durations in hours, working days and elapsed working days."""

    cases: int
    hours: Stat
    working_days: Stat
    elapsed_working_days: Stat

    @classmethod
    def of(cls, row: Mapping) -> DurationSummary:
        return cls(int(row["cases"]), Stat.of(row, "hours"), Stat.of(row, "working_days"),
                   Stat.of(row, "elapsed_working_days"))


@dataclass
class StepTime:
    """One activity: processing time, waiting before it and lead time, in seconds."""

    activity: str
    events: int
    cases: int
    processing_n: int
    processing_mean_s: float | None
    processing_median_s: float | None
    processing_p90_s: float | None
    processing_total_s: float
    waiting_n: int
    waiting_mean_s: float | None
    waiting_median_s: float | None
    waiting_p90_s: float | None
    waiting_total_s: float
    lead_n: int
    lead_mean_s: float | None
    lead_total_s: float

    @classmethod
    def of(cls, r: Mapping) -> StepTime:
        return cls(r["activity"], int(r["events"]), int(r["cases"]), int(r["processing_n"]),
                   _num(r["processing_mean"]), _num(r["processing_median"]), _num(r["processing_p90"]),
                   float(r["processing_sum"] or 0.0), int(r["waiting_n"]), _num(r["waiting_mean"]),
                   _num(r["waiting_median"]), _num(r["waiting_p90"]), float(r["waiting_sum"] or 0.0),
                   int(r["lead_n"]), _num(r["lead_mean"]), float(r["lead_sum"] or 0.0))


@dataclass
class PerformanceResult:
    """Case durations (overall and per matter) and per-step times."""

    timezone: str
    hours_per_day: float
    durations: DurationSummary
    steps: list[StepTime]
    has_start: bool
    by_matter: dict[str, DurationSummary] = field(default_factory=dict)
    uncovered_years: list[int] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    name = "performance"

    def to_dict(self) -> dict:
        return {"timezone": self.timezone, "hours_per_day": self.hours_per_day, "has_start": self.has_start,
                "durations": asdict(self.durations), "steps": [asdict(s) for s in self.steps],
                "by_matter": {m: asdict(d) for m, d in self.by_matter.items()},
                "uncovered_years": list(self.uncovered_years), "notes": [n.to_dict() for n in self.notes]}

    def tables(self) -> dict[str, tuple[list[str], list[list]]]:
        """CSV tables: name -> (header, rows)."""
        tables = {"step_times": dataclass_table(StepTime, self.steps)}
        if self.by_matter:
            tables["matter_durations"] = (
                ["matter", "cases", "hours_mean", "hours_median", "hours_p90", "working_days_mean",
                 "working_days_median", "working_days_p90"],
                [[m, d.cases, d.hours.mean, d.hours.median, d.hours.p90, d.working_days.mean,
                  d.working_days.median, d.working_days.p90] for m, d in self.by_matter.items()])
        return tables


@dataclass
class Handoff:
    source: str
    target: str
    count: int
    cases: int
    mean_s: float
    median_s: float
    mean_wait_s: float | None


@dataclass
class HandoffTotals:
    cases: int  # cases with at least one known value of the column
    handoffs: int
    cases_with_handoff: int
    max_per_case: int
    mean_per_case: float
    mean_distinct: float  # distinct departments (resources) a case passes through


@dataclass
class HandoffResult:
    """Handoffs between departments and between resources; None where the column is absent."""

    departments: list[Handoff] | None
    department_totals: HandoffTotals | None
    resources: list[Handoff] | None
    resource_totals: HandoffTotals | None
    notes: list[Note] = field(default_factory=list)
    name = "handoffs"

    def to_dict(self) -> dict:
        def rows(items):
            return None if items is None else [asdict(h) for h in items]

        return {"departments": rows(self.departments),
                "department_totals": None if self.department_totals is None else asdict(self.department_totals),
                "resources": rows(self.resources),
                "resource_totals": None if self.resource_totals is None else asdict(self.resource_totals),
                "notes": [n.to_dict() for n in self.notes]}

    def tables(self) -> dict[str, tuple[list[str], list[list]]]:
        return {name: dataclass_table(Handoff, items)
                for name, items in (("handoffs_departments", self.departments), ("handoffs_resources", self.resources))
                if items}


@dataclass
class ReworkSummary:
    cases: int
    repeated_cases: int
    sendback_cases: int
    affected_cases: int  # repeated or sent back
    affected_share: float
    sendback_share: float  # 补正率
    affected_hours: float | None  # mean duration of affected cases
    unaffected_hours: float | None
    added_hours: float | None  # affected minus unaffected
    affected_working_days: float | None
    unaffected_working_days: float | None
    added_working_days: float | None
    loop_hours_mean: float | None  # send-back to resumption, per sent-back case
    loop_hours_total: float

    @classmethod
    def of(cls, r: Mapping) -> ReworkSummary:
        cases = int(r["cases"])

        def diff(a, b):
            return None if a is None or b is None else float(a) - float(b)

        return cls(cases, int(r["repeated_cases"]), int(r["sendback_cases"]), int(r["affected_cases"]),
                   int(r["affected_cases"]) / cases if cases else 0.0,
                   int(r["sendback_cases"]) / cases if cases else 0.0,
                   _num(r["affected_hours"]), _num(r["unaffected_hours"]),
                   diff(r["affected_hours"], r["unaffected_hours"]),
                   _num(r["affected_working_days"]), _num(r["unaffected_working_days"]),
                   diff(r["affected_working_days"], r["unaffected_working_days"]),
                   _num(r["loop_hours_mean"]), float(r["loop_hours_total"] or 0.0))


@dataclass
class RepeatedStep:
    activity: str
    repeated_cases: int
    extra_events: int
    sendback_events: int


@dataclass
class ReworkResult:
    summary: ReworkSummary
    steps: list[RepeatedStep]
    by_matter: dict[str, ReworkSummary] = field(default_factory=dict)
    rules: dict[str, list[str]] = field(default_factory=dict)
    name = "rework"

    def to_dict(self) -> dict:
        return {"summary": asdict(self.summary), "steps": [asdict(s) for s in self.steps],
                "by_matter": {m: asdict(s) for m, s in self.by_matter.items()}, "rules": dict(self.rules)}

    def tables(self) -> dict[str, tuple[list[str], list[list]]]:
        return {"rework_steps": dataclass_table(RepeatedStep, self.steps)}


@dataclass
class VisitSummary:
    cases: int
    mean: float | None
    p90: float | None
    max: int | None
    distribution: dict[str, int]  # "0", "1", "2", "3+" -> cases
    at_most_once_share: float | None  # 最多跑一次
    zero_share: float | None  # 跑零次
    stated: int | None = None  # the matter's 到办事现场次数
    over_stated_cases: int | None = None  # cases with more visits than stated
    known: bool = True  # False: no channel column and no event recognised as on site: no figures

    @classmethod
    def unknown(cls, cases: int) -> VisitSummary:
        return cls(cases, None, None, None, {}, None, None, known=False)

    @classmethod
    def of(cls, r: Mapping) -> VisitSummary:
        cases = int(r["cases"])
        dist = {"0": int(r["zero"]), "1": int(r["one"]), "2": int(r["two"]), "3+": int(r["three_or_more"])}
        return cls(cases, _num(r["mean"]), _num(r["p90"]), None if r["max"] is None else int(r["max"]), dist,
                   (dist["0"] + dist["1"]) / cases if cases else 0.0, dist["0"] / cases if cases else 0.0)


@dataclass
class VisitResult:
    summary: VisitSummary
    by_matter: dict[str, VisitSummary] = field(default_factory=dict)
    rules: dict[str, list[str]] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    name = "visits"

    def to_dict(self) -> dict:
        return {"summary": asdict(self.summary), "by_matter": {m: asdict(s) for m, s in self.by_matter.items()},
                "rules": dict(self.rules), "notes": [n.to_dict() for n in self.notes]}


@dataclass
class OverdueCase:
    case: str
    matter: str | None
    clock_date: str
    end_date: str
    deadline: str
    limit_days: int
    natural_days: bool
    paused_working_days: int  # working days the clock stood still for corrections
    overdue_working_days: int


@dataclass
class OnTimeSummary:
    cases: int  # cases with a known promised limit
    on_time: int
    overdue: int
    rate: float | None  # 按时办结率


@dataclass
class OnTimeResult:
    summary: OnTimeSummary | None
    overdue_cases: list[OverdueCase]
    by_matter: dict[str, OnTimeSummary] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    name = "on_time"

    def to_dict(self) -> dict:
        return {"summary": None if self.summary is None else asdict(self.summary),
                "overdue_cases": [asdict(c) for c in self.overdue_cases],
                "by_matter": {m: asdict(s) for m, s in self.by_matter.items()}, "notes": [n.to_dict() for n in self.notes]}

    def tables(self) -> dict[str, tuple[list[str], list[list]]]:
        return {"overdue_cases": dataclass_table(OverdueCase, self.overdue_cases)}


@dataclass
class Bottleneck:
    activity: str
    basis: str  # "waiting" (start - previous completion) or "lead" (no start times)
    total_s: float
    mean_s: float | None
    events: int
    share: float  # of the total over all activities


@dataclass
class BottleneckResult:
    items: list[Bottleneck]
    basis: str
    name = "bottlenecks"

    def to_dict(self) -> dict:
        return {"basis": self.basis, "items": [asdict(b) for b in self.items]}


@dataclass
class PerformanceReport:
    """All six results of `analyse_performance`."""

    performance: PerformanceResult
    handoffs: HandoffResult
    rework: ReworkResult
    visits: VisitResult
    on_time: OnTimeResult
    bottlenecks: BottleneckResult

    def parts(self) -> dict[str, Any]:
        return {"performance": self.performance, "handoffs": self.handoffs, "rework": self.rework,
                "visits": self.visits, "on_time": self.on_time, "bottlenecks": self.bottlenecks}

    def to_dict(self) -> dict:
        return {k: v.to_dict() for k, v in self.parts().items()}


# ---------------------------------------------------------------------------------------------
# running
