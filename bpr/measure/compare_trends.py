"""Monthly trends around a reform date, with a control chart: did the effect hold or fade?

    trends = monthly_trends(cases, "Asia/Shanghai", "2024-07-01")   # cases: compare_logs.CaseTable
    trends.to_dict()

Per calendar month (of the first event, local time): cases, median and P90 working days, rework
rate, mean visits. The control chart is an individuals (XmR) chart of the monthly median working
days with limits from the months *before* the reform: centre = their mean, sigma = mean moving
range / 1.128 (d2 for n = 2), limits = centre ± 3 sigma. After the reform, months below the lower
limit show the change; a drift back inside the limits shows it fading (`after_outside`,
`last_months_outside`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import numpy as np

from bpr.i18n import t

#: XmR constant d2 for moving ranges of two
D2 = 1.128


@dataclass
class MonthFigures:
    month: str  # YYYY-MM
    cases: int
    median_days: float | None
    p90_days: float | None
    rework_rate: float | None
    avg_visits: float | None
    after: bool  # the month starts on or after the reform month


@dataclass
class ControlLimits:
    """XmR limits of the monthly median working days, from the months before the reform."""

    measure: str
    centre: float | None
    sigma: float | None
    upper: float | None
    lower: float | None
    baseline_months: int
    after_centre: float | None  # mean of the months after the reform
    after_outside: int  # months after the reform outside the limits
    after_months: int
    last_months_outside: int  # of the last three months after the reform, how many are outside


@dataclass
class Trends:
    at: str
    months: list[MonthFigures]
    control: ControlLimits
    notes: list[str] = field(default_factory=list)
    name = "trends"

    def to_dict(self) -> dict:
        return {"at": self.at, "months": [asdict(m) for m in self.months], "control": asdict(self.control)}

    def tables(self, lang: str = "zh") -> dict[str, tuple[list[str], list[list]]]:
        header = [t(k, lang) for k in ("cmp_month", "cmp_cases", "cmp_m_median_days", "cmp_m_p90_days",
                                       "cmp_m_rework_rate", "cmp_m_avg_visits", "cmp_after")]
        return {"trends": (header, [[m.month, m.cases, m.median_days, m.p90_days, m.rework_rate, m.avg_visits,
                                     t("cmp_yes_after" if m.after else "cmp_no_after", lang)] for m in self.months])}


def _stat(values: np.ndarray, q: float | None) -> float | None:
    values = values[~np.isnan(values)]
    if not len(values):
        return None
    return float(np.quantile(values, q)) if q is not None else float(values.mean())


def control_limits(months: list[MonthFigures]) -> ControlLimits:
    """XmR limits of the monthly medians from the months before the reform (needs two or more)."""
    base = np.array([m.median_days for m in months if not m.after and m.median_days is not None])
    after = np.array([m.median_days for m in months if m.after and m.median_days is not None])
    if len(base) < 2:
        return ControlLimits("median_days", None, None, None, None, len(base),
                             float(after.mean()) if len(after) else None, 0, len(after), 0)
    centre = float(base.mean())
    sigma = float(np.abs(np.diff(base)).mean() / D2)
    upper, lower = centre + 3 * sigma, centre - 3 * sigma
    outside = (after > upper) | (after < lower)
    return ControlLimits("median_days", centre, sigma, upper, lower, len(base),
                         float(after.mean()) if len(after) else None, int(outside.sum()), len(after),
                         int(outside[-3:].sum()))


def monthly_trends(cases, timezone: str, at: str) -> Trends:
    """Monthly figures of a `CaseTable` and the control chart around the date `at` (ISO)."""
    days = cases.local_days(timezone)
    months = np.array([f"{d:%Y-%m}" for d in days])
    reform = dt.date.fromisoformat(at)
    reform_month = f"{reform:%Y-%m}"
    rows = []
    for month in sorted(set(months.tolist())):
        mask = months == month
        rows.append(MonthFigures(
            month, int(mask.sum()), _stat(cases.days[mask], 0.5), _stat(cases.days[mask], 0.9),
            _stat(cases.rework[mask].astype(float), None), _stat(cases.visits[mask], None),
            month >= reform_month))
    return Trends(at, rows, control_limits(rows))
