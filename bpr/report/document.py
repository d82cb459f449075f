"""A neutral report document: what to say, independent of HTML, Excel or Word.

Builders (bpr/report/builders.py) turn a saved result.json into a `Report`; writers
(html.py, excel.py, word.py) lay the same `Report` out in their format, so every format carries
the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Metric:
    """One before → after line of the four-reduction summary (e.g. 材料 12 → 5, −58%)."""

    label: str
    before: float | None
    after: float | None = None
    unit: str = ""
    target_cut_pct: float | None = None  # e.g. 50 for 双减半; None when no target applies
    volume: bool = False  # a count of cases, not a burden: no cut is shown for it

    @property
    def cut(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.before - self.after

    @property
    def cut_pct(self) -> float | None:
        if self.volume or self.cut is None or not self.before:
            return None
        return 100.0 * self.cut / self.before

    @property
    def met(self) -> bool | None:
        if self.target_cut_pct is None or self.cut_pct is None:
            return None
        return self.cut_pct >= self.target_cut_pct - 1e-9


@dataclass
class Column:
    key: str
    label: str
    fmt: str = "text"  # text | int | float | pct (0..1 shown as %) | days
    width: int | None = None
    red_below: float | None = None  # numeric cells under this are flagged (indicator below target)


def is_low(value: object, column: Column) -> bool:
    """Whether a cell is flagged (red in every format): a number under its column's target."""
    return (column.red_below is not None and isinstance(value, (int, float))
            and not isinstance(value, bool) and value < column.red_below)


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[dict]
    sheet: str | None = None  # Excel sheet name; None keeps it out of the workbook
    note: str = ""
    html_rows: int = 300  # long tables: the web page shows the top rows, the workbook all of them
    word_columns: tuple[str, ...] | None = None  # a narrower choice for the Word page; None = all


@dataclass
class Figure:
    title: str
    svg: str  # self-contained SVG text (glyphs as paths)
    png: bytes  # for Word
    caption: str = ""


@dataclass
class Finding:
    severity: str  # error | warning | info
    title: str
    message: str
    evidence: str = ""


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Report:
    title: str
    subtitle: str = ""
    lang: str = "zh"
    metrics: list[Metric] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)  # DataWarning.to_dict() rows
    method: list[str] = field(default_factory=list)
    source: str = ""
    summary_title: str = ""  # heading of the metric cards; the four-reduction summary by default
    unit: str = ""  # issuing unit on the cover (--unit; by default from the data)
    date: str = ""  # date on the cover: when the result was made

    def all_text(self) -> str:
        """Every string the report shows (to subset the HTML font to exactly these glyphs)."""
        parts = [self.title, self.subtitle, self.source, self.summary_title, self.unit, self.date, *self.method]
        parts += [f"{m.label}{m.unit}" for m in self.metrics]
        for s in self.sections:
            parts += [s.title, *s.paragraphs]
            parts += [f.title + f.caption for f in s.figures]
            parts += [f.title + f.message + f.evidence for f in s.findings]
            for t in s.tables:
                parts += [t.title, t.note, *(c.label for c in t.columns)]
                parts += [str(v) for row in t.rows for v in row.values()]
        parts += [str(v) for w in self.warnings for v in w.values()]
        return "".join(parts)
