"""一件事 bundles: several matters handled as one."""

from __future__ import annotations

from dataclasses import dataclass, field

from bpr.errors import UsageError
from bpr.model.catalogue import Catalogue
from bpr.model.matter import Matter


@dataclass
class Bundle:
    """A named set of member matters (by code or name), e.g. 开办餐饮店一件事."""

    name: str
    members: list[str] = field(default_factory=list)
    description: str = ""
    lead_department: str = ""  # 牵头部门

    def resolve(self, catalogue: Catalogue) -> list[Matter]:
        """The member matters; a member missing from the catalogue is a UsageError listing all."""
        found = [(ref, catalogue.find(ref)) for ref in self.members]
        missing = [ref for ref, m in found if m is None]
        if missing:
            raise UsageError.of("plan_bundle_unknown_matters", {"name": self.name}, details=missing)
        return [m for _, m in found]
