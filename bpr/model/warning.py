"""Recoverable data oddities: kept, counted and listed in the report's data-quality section."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bpr.errors import BprError
from bpr.i18n import LANGS, VOCAB, tf


def _in(lang: str, values: dict) -> dict:
    """`values` with each user error (a warning may carry one as its reason) as its message in `lang`."""
    return {k: v.part("message", lang) if isinstance(v, BprError) else v for k, v in values.items()}


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
    key: str | None = None  # the vocabulary entry the message is made from (see `of`)
    values: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, code: str, values: dict | None = None, *, key: str | None = None, **where: object) -> DataWarning:
        """A warning whose message is the vocabulary's `key` (default "warn_<code>") filled with
        `values`, so reports show it in their own language; `message` holds the English text."""
        key = key or f"warn_{code}"
        return cls(code, tf(key, "en", **_in("en", values or {})), key=key, values=tuple((values or {}).items()),
                   **where)

    def text(self, lang: str) -> str:
        return tf(self.key, lang, **_in(lang, dict(self.values))) if self.key in VOCAB else self.message

    def to_dict(self) -> dict:
        """The fields that are set, with the message in every language ("zh", "en")."""
        out = {k: v for k, v in asdict(self).items() if v is not None and k not in ("key", "values")}
        return {**out, **{lang: self.text(lang) for lang in LANGS}}

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
