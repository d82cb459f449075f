"""A catalogue of matters (事项目录 / 实施清单) as read from one or more sheets."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from bpr.model.matter import Matter
from bpr.model.timelimit import DEFAULT_CONVERSION, Conversion
from bpr.model.warning import DataWarning


@dataclass
class Catalogue:
    matters: list[Matter] = field(default_factory=list)
    source: str = ""
    warnings: list[DataWarning] = field(default_factory=list)
    conversion: Conversion = DEFAULT_CONVERSION  # months/years/natural days -> working days

    def __iter__(self) -> Iterator[Matter]:
        return iter(self.matters)

    def __len__(self) -> int:
        return len(self.matters)

    def find(self, ref: str) -> Matter | None:
        """A matter by 实施编码, 基本编码 or exact name."""
        ref = ref.strip()
        for m in self.matters:
            if ref in (m.code, m.basic_code, m.name):
                return m
        return None

    def departments(self) -> dict[str, int]:
        return dict(Counter(m.department or "" for m in self.matters).most_common())
