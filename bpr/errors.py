"""Errors a user can fix. The CLI turns each into one line on stderr and exit code 2, in the
language of the command (`text(lang)`); `str(error)` is the English line. Every value echoed in
a message (a header, a cell, a file name) goes through `clean_text`: control characters escaped,
length capped, so raw input never drives the user's terminal."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bpr.i18n import VOCAB, colon, join_list, tf

# C0 and C1 controls, DEL, and the Unicode bidi/line separators a terminal or viewer would act on
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def clean_text(value: object, limit: int = 200) -> str:
    """`value` as one printable line: control characters as \\xNN / \\uNNNN escapes (so an ESC
    sequence in a header cannot set the terminal title, a NUL cannot hide the rest of a line),
    at most `limit` characters, the rest counted ("… (+N characters)")."""
    text = str(value)
    if len(text) > limit:
        text = f"{text[:limit]}… (+{len(text) - limit:,} characters)"
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text)


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
    setting: str | None = None  # the key in a YAML input (a plan's options.licences[0]) that was wrong
    key: str | None = None  # the vocabulary entry the message is made from (see `of`)
    values: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @classmethod
    def of(cls, code: str, values: dict[str, Any] | None = None, **where: Any):
        """An error whose message is the vocabulary entry "err_<code>" filled with `values`; its
        `expected` and `hint`, unless given, are the entries "err_<code>_expected" and
        "err_<code>_hint" when they exist. `message` holds the English text."""
        key, values = f"err_{code}", dict(values or {})
        for part in ("expected", "hint"):
            if where.get(part) is None and f"{key}_{part}" in VOCAB:
                where[part] = tf(f"{key}_{part}", "en", **values)
        return cls(tf(key, "en", **values), key=key, values=values, **where)

    def part(self, part: str, lang: str) -> str | None:
        """message / expected / hint in `lang` (as given when there is no vocabulary entry)."""
        key = self.key if part == "message" else f"{self.key}_{part}"
        if self.key and key in VOCAB:
            return tf(key, lang, **{k: _shown(v, clean_text) for k, v in self.values.items()})
        text = getattr(self, part)
        return None if text is None else clean_text(text, 2000)

    def text(self, lang: str = "en") -> str:
        """The one line a user reads: where, what, what was expected, the fix."""
        zh = lang == "zh"
        file = clean_text(self.file, 300) if self.file is not None else None
        where = [x for x in (file, self.sheet is not None and tf("err_where_sheet", lang, name=clean_text(self.sheet, 80)),
                             self.row is not None and tf("err_where_row", lang, n=self.row),
                             self.column is not None and tf("err_where_column", lang,
                                                            name=clean_text(self.column, 80)),
                             self.setting is not None and tf("err_where_setting", lang,
                                                             name=clean_text(self.setting, 300))) if x]
        text = ("，" if zh else ", ").join(where) + ("：" if zh else ": ") if where else ""
        text += self.part("message", lang) or ""
        expected, hint = self.part("expected", lang), self.part("hint", lang)
        if expected:
            text += f"（应为{expected}）" if zh else f" (expected {expected})"
        if self.details:
            shown = [clean_text(d, 80) for d in self.details[:10]]
            if len(self.details) > 10:
                shown.append(f"… (+{len(self.details) - 10})")
            text += colon(lang) + join_list(shown, lang)
        if hint:
            text += f"。{hint}" if zh else f". {hint[:1].upper()}{hint[1:]}"  # a sentence of its own
        return text

    def __str__(self) -> str:
        return self.text("en")


def _shown(value: Any, clean) -> Any:
    """A value as a message shows it: text escaped and capped, numbers as they are."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else clean(value)


class InputError(BprError):
    """An input file cannot be read as what it claims to be."""


class UsageError(BprError):
    """Options or a plan/scenario that do not fit the data (unknown ids, impossible changes)."""
