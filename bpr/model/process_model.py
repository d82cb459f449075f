"""The specified process (法定/规定办理流程) of one matter: its steps and their dependencies."""

from __future__ import annotations

from dataclasses import dataclass, field

from bpr.model.matter import Matter
from bpr.model.step import Step
from bpr.model.timelimit import TimeLimit


@dataclass
class ProcessModel:
    """Steps of a matter as the service guide specifies them (read from process_models/*.yaml).

    A step's `after` of None means "after the previous step"; an explicit list allows parallel
    branches (并联审批) and joins.
    """

    name: str  # 事项名称
    code: str = ""  # 实施编码
    department: str = ""  # 实施主体
    steps: list[Step] = field(default_factory=list)
    promised_limit: TimeLimit = field(default_factory=TimeLimit)
    legal_limit: TimeLimit = field(default_factory=TimeLimit)
    source: str = ""

    @property
    def key(self) -> str:
        return self.code or self.name

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    def predecessors(self) -> dict[str, list[str]]:
        """step name -> names of the steps it waits for (`after`, defaulting to the previous step)."""
        result: dict[str, list[str]] = {}
        for i, step in enumerate(self.steps):
            if step.after is not None:
                result[step.name] = list(step.after)
            else:
                result[step.name] = [self.steps[i - 1].name] if i else []
        return result

    def critical_path_days(self) -> float | None:
        """Longest chain of step limits in working days (None if a limit is unknown or unlimited)."""
        preds = self.predecessors()
        finish: dict[str, float] = {}
        for step in self.steps:  # steps are stored in a dependency-respecting order (checked on read)
            days = step.limit.to_working_days()
            if days is None:
                return None
            finish[step.name] = days + max((finish[p] for p in preds[step.name]), default=0.0)
        return max(finish.values(), default=0.0)

    @property
    def on_site_steps(self) -> list[Step]:
        return [s for s in self.steps if s.on_site]

    def to_dict(self) -> dict:
        """JSON-ready: the YAML keys, limits as written, `after` resolved to explicit names."""
        preds = self.predecessors()
        return {
            "name": self.name, "code": self.code, "department": self.department,
            "legal_limit": self.legal_limit.raw, "promised_limit": self.promised_limit.raw,
            "steps": [{"name": s.name, "order": s.order, "department": s.department, "role": s.role,
                       "limit": s.limit.raw, "limit_working_days": s.limit.to_working_days(),
                       "on_site": s.on_site, "after": preds[s.name]} for s in self.steps],
        }

    @classmethod
    def from_matter(cls, matter: Matter) -> ProcessModel:
        """The process a catalogue row specifies (its steps, limits and department)."""
        return cls(name=matter.name, code=matter.code, department=matter.department,
                   steps=list(matter.steps), promised_limit=matter.promised_limit,
                   legal_limit=matter.legal_limit)
