"""Plan vs reality: a `bpr simulate --plan` prediction beside the measured before/after.

    prediction = predicted_vs_observed(compare_result, "out/sim")   # a simulate result folder
    prediction.to_dict()                                            # result.json["predicted"]

The simulate folder's first scenario is the as-is model, and the reform scenario is the one made
from the plan (the scenario with a plan label), else the last one. Per measure (median and P90
hours and working days, visits, on-time rate):
- `predicted` (the scenario's mean over replications, with its 95% t interval) beside `observed`
  (the after side, with a 95% bootstrap interval over its cases, seeded);
- `error` = predicted - observed and `rel_error` = error / observed; `within` when the prediction
  lies inside the observed interval (the data cannot tell them apart);
- `as_is` (the simulated as-is) beside the observed before side, `as_is_error`: how well the
  model reproduced the starting point, which bounds how far its prediction can be trusted;
- `predicted_change` (to-be minus as-is, paired by seed) beside the measured `observed_change`.
Definitions differ slightly: the simulation times a case from its arrival, the log from its first
recorded event; both count working days on the same calendar.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from bpr.errors import InputError
from bpr.i18n import Note, t
from bpr.measure.compare_logs import CaseTable, resampled

#: compare measure -> (scenario key, its statistic, versus_as_is key)
SIM_KEYS: dict[str, tuple[str, str | None, str]] = {
    "median_hours": ("cycle_hours", "median", "median_h"),
    "p90_hours": ("cycle_hours", "p90", "p90_h"),
    "median_days": ("cycle_working_days", "median", "median_d"),
    "p90_days": ("cycle_working_days", "p90", "p90_d"),
    "avg_visits": ("visits_per_case", None, "visits"),
    "on_time_rate": ("on_time_rate", None, "on_time"),
}


@dataclass
class PredictedMeasure:
    measure: str
    predicted: float | None
    predicted_low: float | None
    predicted_high: float | None
    observed: float | None
    observed_low: float | None
    observed_high: float | None
    error: float | None  # predicted - observed
    rel_error: float | None  # error / observed
    within: bool | None  # the prediction lies inside the observed 95% interval
    as_is: float | None
    observed_before: float | None
    as_is_error: float | None  # simulated as-is - observed before, relative
    predicted_change: float | None
    observed_change: float | None


@dataclass
class Prediction:
    source: str
    scenario: str
    label: dict | None
    replications: int | None
    measures: list[PredictedMeasure]
    notes: list[Note] = field(default_factory=list)
    name = "predicted"

    def to_dict(self) -> dict:
        return {"source": self.source, "scenario": self.scenario, "label": self.label,
                "replications": self.replications, "measures": [asdict(m) for m in self.measures],
                "notes": [n.to_dict() for n in self.notes]}

    def tables(self, lang: str = "zh") -> dict[str, tuple[list[str], list[list]]]:
        header = [t(k, lang) for k in ("cmp_measure", "cmp_pred_predicted", "cmp_pred_observed", "cmp_pred_error",
                                       "cmp_pred_rel_error", "cmp_pred_within", "cmp_pred_as_is",
                                       "cmp_before", "cmp_pred_change", "cmp_pred_observed_change")]
        rows = [[t(f"cmp_m_{m.measure}", lang), m.predicted, m.observed, m.error, m.rel_error,
                 "" if m.within is None else t("cmp_yes_within" if m.within else "cmp_no_within", lang),
                 m.as_is, m.observed_before, m.predicted_change, m.observed_change] for m in self.measures]
        return {"predicted": (header, rows)}


def read_simulation(folder: str | Path) -> dict:
    """result.json of a `bpr simulate` folder (or the file itself); InputError when it is not one."""
    path = Path(folder)
    path = path / "result.json" if path.is_dir() else path
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError.of("compare_predicted_unreadable", {"reason": type(exc).__name__}, file=path) from None
    if not isinstance(data, dict) or data.get("kind") != "simulate" or len(data.get("scenarios") or []) < 2:
        raise InputError.of("compare_predicted_not_simulate", {"kind": (data.get("kind") if isinstance(data, dict)
                                                                       else None) or "—"}, file=path)
    return data


def _scenario(data: dict) -> dict:
    reforms = data["scenarios"][1:]
    labelled = [s for s in reforms if s.get("label")]
    return (labelled or reforms)[-1]


def _value(scenario: dict, key: str, stat: str | None) -> dict:
    block = scenario.get(key) or {}
    return (block.get(stat) or {}) if stat else block


def _observed_interval(cases: CaseTable, measure: str, resamples: int, seed: int) -> tuple[float | None, float | None]:
    """The 95% bootstrap interval of the after side's `measure` (`compare_logs.resampled`)."""
    draws, _ = resampled(cases, measure, np.random.default_rng([seed, 99, list(SIM_KEYS).index(measure)]), resamples)
    draws = draws[~np.isnan(draws)]
    if not len(draws):
        return None, None
    return float(np.quantile(draws, 0.025)), float(np.quantile(draws, 0.975))


def predicted_vs_observed(result, folder: str | Path) -> Prediction:
    """The simulate prediction in `folder` beside the measured after side of `result` (a
    `compare_logs.CompareResult`)."""
    data = read_simulation(folder)
    as_is, scenario = data["scenarios"][0], _scenario(data)
    after_cases = result.sides[1] if result.sides is not None else None
    rows = []
    for measure, (key, stat, versus) in SIM_KEYS.items():
        pred = _value(scenario, key, stat)
        base = _value(as_is, key, stat)
        observed, before = getattr(result.after, measure), getattr(result.before, measure)
        p = pred.get("mean")
        if p is None and observed is None:
            continue
        low = high = None
        if after_cases is not None and observed is not None:
            low, high = _observed_interval(after_cases, measure, result.resamples, result.seed)
        error = None if p is None or observed is None else p - observed
        change = (scenario.get("versus_as_is") or {}).get(versus) or {}
        a = base.get("mean")
        rows.append(PredictedMeasure(
            measure, p, pred.get("ci_low"), pred.get("ci_high"), observed, low, high, error,
            None if error is None or not observed else error / observed,
            None if p is None or low is None else bool(low <= p <= high),
            a, before, None if a is None or not before else (a - before) / before,
            change.get("mean"), result.change[measure].diff if measure in result.change else None))
    notes = [Note.of("note_compare_predicted", scenario=scenario.get("name", ""))]
    return Prediction(str(folder), scenario.get("name", ""), scenario.get("label"), data.get("replications"),
                      rows, notes)
