"""Before/after figures of one matter: the five measures every comparison is made of.

- steps: number of handling steps; materials: materials the applicant still submits
  (`Material.submitted`: not exempt through data sharing, not replaced by a commitment);
- promised_days: 承诺办结时限 in working days (None for 无期限/unknown);
- critical_path_days: longest path through the step graph by step working days;
- visits: 到办事现场次数 (or the number of visit causes when the sheet does not say).
"""

from __future__ import annotations

from dataclasses import dataclass

from bpr.errors import InputError
from bpr.i18n import t
from bpr.model import Matter
from bpr.model.timelimit import DEFAULT_CONVERSION, Conversion
from bpr.plan.stepgraph import matter_critical_path
from bpr.plan.visits import stated_visits

FIELDS = ("steps", "materials", "promised_days", "critical_path_days", "visits")


def measure_label(key: str, lang: str | None) -> str:
    """A measure's name in `lang` (环节数, 申请材料数, …) for CSV cells; its key without `lang`."""
    return t(f"ba_{key}", lang) if lang else key


@dataclass
class Figures:
    steps: float | None = None
    materials: float | None = None
    promised_days: float | None = None
    critical_path_days: float | None = None
    visits: float | None = None

    def to_dict(self) -> dict:
        return {k: _round(getattr(self, k)) for k in FIELDS}


def _round(value: float | None) -> float | int | None:
    if value is None:
        return None
    value = round(float(value), 3)
    return int(value) if value.is_integer() else value


def figures(matter: Matter, conversion: Conversion = DEFAULT_CONVERSION) -> Figures:
    """One matter's figures; the critical path is None when the step dependencies cannot be
    followed (a cycle: `bpr propose` warns about it)."""
    try:
        critical = matter_critical_path(matter, conversion).days
    except InputError:
        critical = None
    return Figures(steps=len(matter.steps), materials=sum(1 for m in matter.materials if m.submitted),
                   promised_days=matter.promised_limit.to_working_days(conversion),
                   critical_path_days=critical, visits=stated_visits(matter))
