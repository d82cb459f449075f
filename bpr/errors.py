"""Errors a user can fix. The CLI turns each into one line on stderr and exit code 2."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class BprError(Exception):
    """A problem with the user's input or options; `hint` says the fix."""

    message: str
    file: str | Path | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    expected: str | None = None
    hint: str | None = None
    details: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        where = [str(self.file)] if self.file is not None else []
        if self.sheet is not None:
            where.append(f"sheet {self.sheet}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.expected:
            text += f" (expected {self.expected})"
        if self.details:
            text += ": " + ", ".join(self.details)
        if self.hint:
            text += f". {self.hint}"
        return text


class InputError(BprError):
    """An input file cannot be read as what it claims to be."""


class UsageError(BprError):
    """Options or a plan/scenario that do not fit the data (unknown ids, impossible changes)."""
