"""Recoverable data oddities: kept, counted and listed in the report's data-quality section."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class DataWarning:
    """One oddity found while reading: where it is, what was there, what was expected."""

    code: str  # short machine id, e.g. "unparseable_limit", "duplicate_event"
    message: str
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None  # spreadsheet reference such as "F12"
    row: int | None = None
    column: str | None = None
    value: str | None = None
    expected: str | None = None
    count: int = 1  # for warnings that summarise many rows

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def __str__(self) -> str:
        where = [x for x in (self.file, self.sheet and f"sheet {self.sheet}",
                             self.cell and f"cell {self.cell}",
                             self.row is not None and not self.cell and f"row {self.row}",
                             self.column and not self.cell and f"column {self.column}") if x]
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.value is not None:
            text += f" (value {self.value!r}"
            text += f", expected {self.expected})" if self.expected else ")"
        elif self.expected:
            text += f" (expected {self.expected})"
        if self.count > 1:
            text += f" [{self.count} times]"
        return text
