"""Word report (python-docx): title page, summary, before/after table, figures, tables, findings."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from bpr.i18n import colon, paren, t
from bpr.io.safety import atomic_path
from bpr.report.document import Report, Table
from bpr.report.formatting import format_value, warning_line

EAST_ASIA_FONT = "Microsoft YaHei"  # present on the Windows machines reports are opened on
MAX_TABLE_ROWS = 200  # long tables belong in the Excel workbook; Word shows the top rows


def _set_fonts(document) -> None:
    for style_name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Table Grid"):
        style = document.styles[style_name]
        style.font.name = "Calibri"
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), EAST_ASIA_FONT)
    document.styles["Normal"].font.size = Pt(10.5)


def _table(document, table: Table, lang: str) -> None:
    rows = table.rows[:MAX_TABLE_ROWS]
    columns = [c for c in table.columns if table.word_columns is None or c.key in table.word_columns]
    grid = document.add_table(rows=1 + len(rows), cols=len(columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for j, col in enumerate(columns):
        cell = grid.rows[0].cells[j]
        cell.text = col.label
        cell.paragraphs[0].runs[0].bold = True
    for i, row in enumerate(rows, start=1):
        for j, col in enumerate(columns):
            grid.rows[i].cells[j].text = format_value(row.get(col.key), col.fmt, lang)
    for row in grid.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(9)
    if len(table.rows) > MAX_TABLE_ROWS or table.note:
        more = paren("", f"{len(table.rows) - MAX_TABLE_ROWS} …", lang) if len(table.rows) > MAX_TABLE_ROWS else ""
        document.add_paragraph(f"{table.note}{more}").runs[0].italic = True


def render_docx(report: Report):
    lang = report.lang
    document = Document()
    _set_fonts(document)
    for section in document.sections:
        section.left_margin = section.right_margin = Cm(2.2)
    # title page
    for _ in range(6):
        document.add_paragraph()
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(report.title)
    run.bold, run.font.size, run.font.color.rgb = True, Pt(26), RGBColor(0x1D, 0x4E, 0x89)
    if report.subtitle:
        sub = document.add_paragraph(report.subtitle)
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if report.source:
        src = document.add_paragraph(t('report_source', lang) + colon(lang) + report.source)
        src.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    # summary
    if report.metrics:
        document.add_heading(report.summary_title or t("report_summary", lang), level=1)
        as_is = all(m.after is None for m in report.metrics)  # as-is reports: indicator and value
        keys = ("report_indicator", "report_value") if as_is else (
            "report_indicator", "report_before", "report_after", "report_cut_pct", "report_target")
        grid = document.add_table(rows=1 + len(report.metrics), cols=len(keys))
        grid.style = "Table Grid"
        for j, key in enumerate(keys):
            grid.rows[0].cells[j].text = t(key, lang)
            grid.rows[0].cells[j].paragraphs[0].runs[0].bold = True
        for i, m in enumerate(report.metrics, start=1):
            cells = grid.rows[i].cells
            cells[0].text = paren(m.label, m.unit, lang) if m.unit else m.label
            cells[1].text = format_value(m.before, "float", lang)
            if as_is:
                continue
            cells[2].text = format_value(m.after, "float", lang)
            cells[3].text = "—" if m.cut_pct is None else f"{m.cut_pct:.1f}%"
            if m.met is None:
                cells[4].text = "—"
            else:
                verdict = t("report_met" if m.met else "report_not_met", lang)
                run = cells[4].paragraphs[0].add_run(paren(verdict, f"{m.target_cut_pct:.0f}%", lang))
                run.font.color.rgb = RGBColor(0x2F, 0x85, 0x5A) if m.met else RGBColor(0xC5, 0x30, 0x30)
    for section in report.sections:
        document.add_heading(section.title, level=1)
        for p in section.paragraphs:
            document.add_paragraph(p)
        for fig in section.figures:
            document.add_picture(io.BytesIO(fig.png), width=Cm(16))
            cap = document.add_paragraph(fig.title + (colon(lang) + fig.caption if fig.caption else ""))
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for f in section.findings:
            p = document.add_paragraph(style="List Bullet")
            p.add_run(f"[{t('severity_' + f.severity, lang)}] {f.title}{colon(lang)}").bold = True
            p.add_run(paren(f.message, f.evidence, lang) if f.evidence else f.message)
        for table in section.tables:
            document.add_heading(table.title, level=2)
            _table(document, table, lang)
    document.add_heading(t("report_data_quality", lang), level=1)
    if report.warnings:
        for w in report.warnings[:100]:
            document.add_paragraph(warning_line(w, lang), style="List Bullet")
    else:
        document.add_paragraph(t("report_no_warnings", lang))
    document.add_heading(t("report_method", lang), level=1)
    for m in report.method:
        document.add_paragraph(m, style="List Bullet")
    return document


def write_docx(report: Report, path: str | Path) -> Path:
    path = Path(path)
    document = render_docx(report)
    with atomic_path(path) as tmp:
        document.save(str(tmp))
    return path
