"""Excel workbook (openpyxl): 汇总 first, then one sheet per table that names a sheet.

Styled header, sensible widths, number/percent formats, frozen header, auto-filter, values under
a column's target in red. Text cells are escaped so nothing runs as a formula. Every sheet prints
on A4, landscape when wider than a portrait page, fitted to the page width with the header row
repeated on each page. An interval column (a mean with its confidence interval) is written as
three numeric columns: the value, its lower and its upper bound.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from bpr.i18n import paren, t
from bpr.io.safety import atomic_path, escape_cell
from bpr.report.document import Column, Report, Table, is_low
from bpr.report.formatting import warning_text

HEADER_FILL = PatternFill("solid", fgColor="1D4E89")
FONT = "Calibri"  # named on every styled cell, or viewers fall back to a serif face
HEADER_FONT = Font(name=FONT, bold=True, color="FFFFFF")
RED = Font(name=FONT, color="C53030", bold=True)
GREEN = Font(name=FONT, color="2F855A", bold=True)
THIN = Side(style="thin", color="D9E2EC")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
PORTRAIT_CHARS = 95  # column-width units that fit across a portrait A4 page at 100%
NUMBER_FORMATS = {"int": "#,##0", "float": "#,##0.0", "days": "#,##0.0", "pct": "0.0%", "num": "General"}


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _cell_value(value: object, lang: str = "zh") -> object:
    if isinstance(value, bool):
        return t("yes" if value else "no", lang)
    if isinstance(value, float) and value != value:  # NaN: an empty cell
        return None
    if isinstance(value, (list, tuple)):
        value = "、".join(map(str, value))
    elif isinstance(value, dict):
        value = "; ".join(f"{k}: {v}" for k, v in value.items())
    return escape_cell(value)


def _expand_intervals(table: Table, lang: str) -> Table:
    """Interval columns ({mean, ci_low, ci_high}) as three numeric columns."""
    if not any(c.fmt == "interval" for c in table.columns):
        return table
    columns, rows = [], [dict(r) for r in table.rows]
    for col in table.columns:
        if col.fmt != "interval":
            columns.append(col)
            continue
        for part, label in (("mean", col.label), ("ci_low", f"{col.label} {t('report_ci_low', lang)}"),
                            ("ci_high", f"{col.label} {t('report_ci_high', lang)}")):
            columns.append(Column(f"{col.key}.{part}", label, "float"))
        for row in rows:
            stat = row.get(col.key) or {}
            for part in ("mean", "ci_low", "ci_high"):
                row[f"{col.key}.{part}"] = stat.get(part) if isinstance(stat, dict) else None
    return Table(table.title, columns, rows, table.sheet, table.note, table.html_rows, table.word_columns)


def _page_setup(ws, header_row: int, widths: list[float]) -> None:
    """A4, landscape when wider than a portrait page, one page wide, the header row on each page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if sum(widths) > PORTRAIT_CHARS else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.oddFooter.center.text = "&P / &N"


def _write_table(ws, table: Table, start_row: int = 1, lang: str = "zh") -> None:
    table = _expand_intervals(table, lang)
    for j, col in enumerate(table.columns, start=1):
        cell = ws.cell(row=start_row, column=j, value=escape_cell(col.label))
        cell.fill, cell.font, cell.border = HEADER_FILL, HEADER_FONT, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = [_display_width(c.label) + 2 for c in table.columns]
    for i, row in enumerate(table.rows, start=start_row + 1):
        for j, col in enumerate(table.columns, start=1):
            value = row.get(col.key)
            cell = ws.cell(row=i, column=j, value=_cell_value(value, lang))
            cell.border = BORDER
            if col.fmt == "num" and isinstance(value, float):  # one rounding rule with HTML and Word
                cell.number_format = "#,##0" if value.is_integer() or abs(value) >= 1000 else "#,##0.0"
            elif col.fmt in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[col.fmt]
            if is_low(value, col):
                cell.font = RED
            widths[j - 1] = max(widths[j - 1], min(_display_width(str(cell.value or "")) + 2, 60))
    widths = [max(8, w) for w in widths]
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
        if width >= 60:
            for (cell,) in ws.iter_rows(min_row=start_row + 1, min_col=j, max_col=j):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(row=start_row + 1, column=1)
    _page_setup(ws, start_row, widths)
    if table.rows:
        ws.auto_filter.ref = f"A{start_row}:{get_column_letter(len(table.columns))}{start_row + len(table.rows)}"


def _summary_table(report: Report) -> Table:
    lang = report.lang
    rows = []
    for m in report.metrics:
        met = None if m.met is None else t("report_met" if m.met else "report_not_met", lang)
        rows.append({"label": paren(m.label, m.unit, lang) if m.unit else m.label, "before": m.before,
                     "after": m.after, "cut": m.cut,
                     "cut_pct": None if m.cut_pct is None else m.cut_pct / 100,
                     "target": None if m.target_cut_pct is None else m.target_cut_pct / 100,
                     "met": met})
    if all(m.after is None for m in report.metrics):  # an as-is report: indicator and value only
        return Table(t("sheet_summary", lang), [Column("label", t("report_indicator", lang)),
                                                 Column("before", t("report_value", lang), "num")], rows)
    columns = [Column("label", t("report_indicator", lang)), Column("before", t("report_before", lang), "num"),
               Column("after", t("report_after", lang), "num"), Column("cut", t("report_cut", lang), "num"),
               Column("cut_pct", t("report_cut_pct", lang), "pct"), Column("target", t("report_target", lang), "pct"),
               Column("met", t("report_met", lang))]
    return Table(t("sheet_summary", lang), columns, rows, sheet=t("sheet_summary", lang))


def write_xlsx(report: Report, path: str | Path) -> Path:
    path = Path(path)
    lang = report.lang
    wb = Workbook()
    ws = wb.active
    ws.title = t("sheet_summary", lang)
    ws.cell(row=1, column=1, value=escape_cell(report.title)).font = Font(bold=True, size=14)
    if report.subtitle:
        ws.cell(row=2, column=1, value=escape_cell(report.subtitle))
    ws.sheet_view.showGridLines = False
    summary = _summary_table(report)
    _write_table(ws, summary, start_row=4, lang=lang)
    for i, row in enumerate(summary.rows, start=5):
        met = row["met"]
        if met is not None and len(summary.columns) == 7:
            ws.cell(row=i, column=7).font = GREEN if met == t("report_met", lang) else RED
    used = {ws.title}
    for section in report.sections:
        for table in section.tables:
            if not table.sheet:
                continue
            name = _unique_sheet_name(table.sheet, used)
            _write_table(wb.create_sheet(name), table, lang=lang)
    if report.warnings:
        quality = Table(t("sheet_read_warnings", lang), [
            Column("file", t("warning_file", lang)), Column("sheet", t("warning_sheet", lang)),
            Column("cell", t("warning_cell", lang)), Column("row", t("warning_row", lang), "int"),
            Column("column", t("warning_column", lang)), Column("text", t("report_message", lang)),
            Column("value", t("report_value", lang)), Column("expected", t("warning_expected", lang)),
            Column("count", t("warning_count", lang), "int"),
        ], [{**w, "text": warning_text(w, lang)} for w in report.warnings])
        _write_table(wb.create_sheet(_unique_sheet_name(t("sheet_read_warnings", lang), used)), quality, lang=lang)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


def _unique_sheet_name(name: str, used: set[str]) -> str:
    base = "".join("_" if ch in '[]:*?/\\' else ch for ch in name)[:28] or "Sheet"
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}{n}", n + 1
    used.add(candidate)
    return candidate
