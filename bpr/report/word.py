"""Word report (python-docx) laid out to the conventions of a 公文 (GB/T 9704-2012).

- A4, margins 37 mm top, 28 mm binding side, type area 156 × 225 mm; page numbers "— 1 —" in the
  footer (a PAGE field, 4号 宋体, on the outer side: right on odd pages, left on even pages); the
  cover carries no number.
- A cover (title, issuing unit, date, data sources), then a table of contents (a TOC field whose
  cached text lists the headings, so it reads before Word updates it).
- Fonts named as Chinese offices have them: title 方正小标宋简体, level-1 headings 黑体, level-2
  楷体_GB2312, body 仿宋_GB2312; the font table gives each a fallback (宋体, 黑体, 楷体, 仿宋) for
  machines without them.
- Tables: header rows repeat on every page, rows do not split, column widths from their content,
  numbers right-aligned, values under a column's target in red (as in HTML and Excel). A table
  too wide for a portrait page gets a landscape section of its own; long text (an action, a
  rationale) goes in a full-width line under its row instead of a narrow column.
"""

from __future__ import annotations

import io
import re
import statistics
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt, RGBColor

from bpr.i18n import colon, paren, t
from bpr.io.safety import atomic_path
from bpr.report.document import Column, Report, Table, is_low
from bpr.report.formatting import format_value, warning_line

MAX_TABLE_ROWS = 200  # long tables belong in the Excel workbook; Word shows the top rows
PAGE_W, PAGE_H = Cm(21.0), Cm(29.7)
MARGINS = {"top": Cm(3.7), "bottom": Cm(3.5), "left": Cm(2.8), "right": Cm(2.6)}  # type area 156 × 225 mm
TEXT_W_PORTRAIT = PAGE_W - MARGINS["left"] - MARGINS["right"]
TEXT_W_LANDSCAPE = PAGE_H - Cm(2.8) - Cm(2.6)
# (font named in the document, fallback where it is missing); Latin text in Times New Roman
FONTS = {"title": ("方正小标宋简体", "宋体"), "h1": ("黑体", "SimHei"), "h2": ("楷体_GB2312", "楷体"),
         "body": ("仿宋_GB2312", "仿宋"), "table": ("宋体", "SimSun"), "page": ("宋体", "SimSun")}
EN_FONTS = {"title": "Times New Roman", "h1": "Arial", "h2": "Arial", "body": "Times New Roman",
            "table": "Arial", "page": "Times New Roman"}
RED, GREEN = RGBColor(0xC5, 0x30, 0x30), RGBColor(0x2F, 0x85, 0x5A)
HEADER_FILL = "E4EAF2"
LONG_TEXT = 28  # a text column whose cells reach this many half-width characters goes under its row
BODY_PT, TABLE_PT, WIDE_TABLE_PT = 16, 10.5, 9  # 3号 body, 5号 tables, 小5号 in wide tables


# --- low-level XML helpers -------------------------------------------------------------------------

def _el(tag: str, **attrs: str):
    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(key), value)
    return element


def _set_run_fonts(rpr, latin: str, east_asia: str) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = _el("w:rFonts")
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:eastAsiaTheme", "w:hAnsiTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for key in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(key), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _font_run(run, role: str, lang: str, size: float | None = None, bold: bool | None = None) -> None:
    _set_run_fonts(run._r.get_or_add_rPr(), EN_FONTS[role], FONTS[role][0])
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold


def _field(paragraph, instruction: str, cached: str = "") -> None:
    """A Word field (PAGE, TOC …) with `cached` as the text shown until Word updates it."""
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, cached), ("end", None)):
        run = paragraph.add_run()
        if kind:
            run._r.append(_el("w:fldChar", **{"w:fldCharType": kind}))
        elif text is instruction:
            instr = _el("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = instruction
            run._r.append(instr)
        elif text:
            run.text = text


def _row_flags(row, header: bool = False) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(_el("w:cantSplit"))
    if header:
        tr_pr.append(_el("w:tblHeader", **{"w:val": "true"}))


def _shade(cell, fill: str) -> None:
    cell._tc.get_or_add_tcPr().append(_el("w:shd", **{"w:val": "clear", "w:color": "auto", "w:fill": fill}))


def _font_fallbacks(document) -> None:
    """Name a fallback (w:altName) for each office font, so a machine without 仿宋_GB2312 uses 仿宋."""
    part = next(rel.target_part for rel in document.part.rels.values() if rel.reltype.endswith("/fontTable"))
    xml = part.blob.decode("utf-8")
    entries = "".join(f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
                      f'<w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'
                      for name, alt in FONTS.values() if f'w:name="{name}"' not in xml)
    part._blob = xml.replace("</w:fonts>", entries + "</w:fonts>").encode("utf-8")


# --- page set-up ---------------------------------------------------------------------------------------

def _page(section, landscape: bool = False) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (PAGE_H, PAGE_W) if landscape else (PAGE_W, PAGE_H)
    if landscape:  # the binding side is now the top edge
        section.top_margin, section.bottom_margin = MARGINS["left"], MARGINS["right"]
        section.left_margin, section.right_margin = MARGINS["top"], MARGINS["bottom"]
    else:
        for side, value in MARGINS.items():
            setattr(section, f"{side}_margin", value)
    section.footer_distance = Cm(2.5)


def _page_numbers(document, lang: str) -> None:
    """"— 1 —" on the outer side of each page (odd right, even left); none on the cover."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    section.different_first_page_header_footer = True
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        p = footer.paragraphs[0]
        p.alignment = align
        p.paragraph_format.left_indent = p.paragraph_format.right_indent = Pt(14)  # one character in from the edge
        p.add_run("— ")
        _field(p, "PAGE", "1")
        p.add_run(" —")
        for run in p.runs:
            _font_run(run, "page", lang, 14)


def _styles(document, lang: str) -> None:
    zh = lang == "zh"
    normal = document.styles["Normal"]
    _set_run_fonts(normal.element.get_or_add_rPr(), EN_FONTS["body"], FONTS["body"][0])
    normal.font.size = Pt(BODY_PT if zh else 12)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = Pt(28 if zh else 18)  # 22 lines on the type area
    for name, role, size in (("Title", "title", 22), ("Heading 1", "h1", 16), ("Heading 2", "h2", 16),
                             ("Heading 3", "h2", 14)):
        style = document.styles[name]
        _set_run_fonts(style.element.get_or_add_rPr(), EN_FONTS[role], FONTS[role][0])
        style.font.size, style.font.color.rgb = Pt(size), RGBColor(0, 0, 0)
        style.font.bold = role != "h2" and not zh or name == "Heading 3"
        style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(12), Pt(6)
        style.paragraph_format.line_spacing = Pt(28 if zh else 20)
    for name in ("List Bullet", "Table Grid"):
        _set_run_fonts(document.styles[name].element.get_or_add_rPr(), EN_FONTS["body"], FONTS["body"][0])


# --- cover and contents ----------------------------------------------------------------------------------

def _cover(document, report: Report, lang: str) -> None:
    for _ in range(5):
        document.add_paragraph()
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing = Pt(40)
    _font_run(title.add_run(report.title), "title", lang, 22)
    if report.subtitle:
        sub = document.add_paragraph()
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font_run(sub.add_run(report.subtitle), "h2", lang, 16)
    for _ in range(8):
        document.add_paragraph()
    lines = [(t("report_unit", lang), report.unit), (t("report_date", lang), report.date),
             (t("report_source", lang), report.source)]
    for label, value in lines:
        if value:
            p = document.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font_run(p.add_run(label + colon(lang)), "h1", lang, 14)
            _font_run(p.add_run(value), "body", lang, 14)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _contents(document, report: Report, headings: list[str], lang: str) -> None:
    """目录: a TOC field over heading levels 1–2; its cached text lists the level-1 headings."""
    head = document.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font_run(head.add_run(t("report_contents", lang)), "h1", lang, 16)
    p = document.add_paragraph()
    _field(p, 'TOC \\o "1-2" \\h \\z \\u', "")
    end = p.runs[-1]._r  # put the cached lines between "separate" and "end"
    for i, text in enumerate(headings):
        run = p.add_run(f"{i + 1}. {text}")
        if i < len(headings) - 1:
            run.add_break()
        end.addprevious(run._r)
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        settings.append(_el("w:updateFields", **{"w:val": "true"}))
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


# --- tables ------------------------------------------------------------------------------------------

def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _numeric(col: Column) -> bool:
    return col.fmt not in ("text",)


class _Layout:
    """Which columns a table shows, which go under the row, how wide each is, and the page it needs."""

    def __init__(self, table: Table, lang: str):
        rows = table.rows[:MAX_TABLE_ROWS]
        self.cells = cells = {c.key: [format_value(r.get(c.key), c.fmt, lang) for r in rows] for c in table.columns}
        longest = {key: max((_display_width(v) for v in values), default=0) for key, values in cells.items()}
        typical = {key: statistics.median([_display_width(v) for v in values]) if values else 0
                   for key, values in cells.items()}
        def prose(key: str) -> bool:  # sentences (an action, a rationale), not codes or names
            values = [v for v in cells[key] if v and v != "—"]
            return bool(values) and sum(not v.isascii() or " " in v for v in values) >= len(values) / 2
        # the first column names the row (a matter, a target): it stays a column whatever its length
        self.below = [c for c in table.columns[1:] if not _numeric(c) and longest[c.key] >= LONG_TEXT
                      and typical[c.key] >= LONG_TEXT * 0.7 and prose(c.key)]
        if len(table.columns) - len(self.below) < 2:
            self.below = []  # nothing left to make a row of: keep the long text in its column
        self.columns = [c for c in table.columns if c not in self.below]
        self.landscape, self.size = False, TABLE_PT
        widths = self._widths(longest, TABLE_PT)
        if sum(widths) > TEXT_W_PORTRAIT:
            self.landscape, self.size = True, WIDE_TABLE_PT
            widths = self._widths(longest, WIDE_TABLE_PT)
            if table.word_columns and self._min_total(WIDE_TABLE_PT) > TEXT_W_LANDSCAPE:
                self.columns = [c for c in self.columns if c.key in table.word_columns]
                widths = self._widths(longest, WIDE_TABLE_PT)
        total = TEXT_W_LANDSCAPE if self.landscape else TEXT_W_PORTRAIT
        if self.below:  # the lines under each row take the full width of the type area
            widths = [int(w * total / sum(widths)) for w in widths]
        # a code (实施编码, an id) breaks badly mid-token, names and prose wrap at any character:
        # the others give up their width first
        codes = {i for i, c in enumerate(self.columns) if not _numeric(c) and cells[c.key]
                 and all(v.isascii() and " " not in v for v in cells[c.key]) and longest[c.key] <= 32}
        # the first column names the row: at least five characters before the figures give way
        floors = [int(Cm(1.3))] * len(widths)
        floors[0] = max(floors[0], min(widths[0], int(self._unit(self.size) * 10 + Cm(0.45))))
        self.widths = self._fit(widths, total, codes, floors)

    def _unit(self, size: float) -> int:
        return Pt(size / 2 + 0.4)  # one half-width character, with a little spacing

    def _widths(self, longest: dict, size: float) -> list[int]:
        unit, pad = self._unit(size), Cm(0.45)
        out = []
        for c in self.columns:
            # a header may wrap onto two lines: half its width, or at a parenthesis or slash when it
            # has one, the bracket staying with its part ("环节" over "（前）")
            parts = re.split(r"(?=[（(/])", c.label)
            header = max(max(_display_width(p) for p in parts) if len(parts) > 1 else (_display_width(c.label) + 1) // 2, 4)
            content = min(longest[c.key], 40)
            if content and not _numeric(c) and all(v.isascii() for v in self.cells[c.key]):
                content = int(content * 1.12) + 1  # Latin digits and capitals are wider than half an em
            out.append(int(unit * max(header, content, 4) + pad))
        return out

    def _min_total(self, size: float) -> int:
        unit = self._unit(size)
        return sum(int(unit * 8 + Cm(0.45)) for _ in self.columns)

    @staticmethod
    def _fit(widths: list[int], total: int, keep: set[int] = frozenset(),
             floors: list[int] | None = None) -> list[int]:
        """Shrink the widest columns first, none below its floor, until the table fits the type
        area; the columns in `keep` only when the others are at their floors."""
        widths = list(widths)
        floors = floors or [int(Cm(1.3))] * len(widths)
        for spared in (set(keep), set()):
            while sum(widths) > total:
                over = sum(widths) - total
                free = [i for i in range(len(widths)) if i not in spared and widths[i] > floors[i]]
                if not free:
                    break
                widest = max(widths[i] for i in free)
                shrinkable = [i for i in free if widths[i] == widest]
                second = max([widths[i] for i in free if widths[i] < widest], default=0)
                room = min(widest - max(second, floors[i]) for i in shrinkable)
                step = max(min(room, over // len(shrinkable) + 1), 1)
                for i in shrinkable:
                    widths[i] = max(widths[i] - step, floors[i])
        return widths


def _cell_text(cell, text: str, lang: str, size: float, align=None, bold: bool = False,
               colour: RGBColor | None = None) -> None:
    p = cell.paragraphs[0]
    p.paragraph_format.line_spacing = 1.0
    if align is not None:
        p.alignment = align
    run = p.add_run(text)
    _font_run(run, "table", lang, size, bold or None)
    if colour is not None:
        run.font.color.rgb = colour


def _grid(document, columns: list[Column], rows: list[dict], lang: str, widths: list[int], size: float,
          below: list[Column] = ()) -> None:
    """A table with a repeating header; `below` columns go as a full-width line under each row."""
    grid = document.add_table(rows=1, cols=len(columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for j, width in enumerate(widths):
        grid.columns[j].width = Emu(width)
    header = grid.rows[0]
    _row_flags(header, header=True)
    for cell, col, width in zip(header.cells, columns, widths, strict=True):  # python-docx builds .cells anew per call
        cell.width = Emu(width)
        _shade(cell, HEADER_FILL)
        _cell_text(cell, col.label, lang, size, WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    for row in rows:
        added = grid.add_row()
        _row_flags(added)
        for cell, col, width in zip(added.cells, columns, widths, strict=True):
            value = row.get(col.key)
            low = is_low(value, col)
            cell.width = Emu(width)
            _cell_text(cell, format_value(value, col.fmt, lang), lang, size,
                       WD_ALIGN_PARAGRAPH.RIGHT if _numeric(col) else None, bold=low, colour=RED if low else None)
        texts = [(c.label, format_value(row.get(c.key), c.fmt, lang)) for c in below]
        texts = [(label, text) for label, text in texts if text and text != "—"]
        if texts:
            extra = grid.add_row()
            _row_flags(extra)
            merged = extra.cells[0].merge(extra.cells[-1]) if len(columns) > 1 else extra.cells[0]
            p = merged.paragraphs[0]
            p.paragraph_format.line_spacing = 1.0
            for i, (label, text) in enumerate(texts):
                _font_run(p.add_run(label + colon(lang)), "table", lang, size, True)
                run = p.add_run(text)
                _font_run(run, "table", lang, size)
                if i < len(texts) - 1:
                    run.add_break()


def _table(document, table: Table, lang: str, heading: bool = True, skip_note: bool = False,
           lead: str | None = None) -> None:
    """A table under its level-2 heading, both in a landscape section of their own when wide;
    `lead` is the level-1 heading of a section that holds nothing before the table, which moves
    with it rather than stay alone at the foot of the portrait page."""
    layout = _Layout(table, lang)
    if layout.landscape:
        _page(document.add_section(WD_SECTION.NEW_PAGE), landscape=True)
    if lead:
        document.add_heading(lead, level=1)
    if heading:
        document.add_heading(table.title, level=2)
    _grid(document, layout.columns, table.rows[:MAX_TABLE_ROWS], lang, layout.widths, layout.size, layout.below)
    more = len(table.rows) - MAX_TABLE_ROWS
    note = "" if skip_note else table.note
    if more > 0 or note:
        text = note + (paren("", f"{more} …", lang) if more > 0 else "")
        _font_run(document.add_paragraph().add_run(text), "body", lang, TABLE_PT)
    if layout.landscape:
        _page(document.add_section(WD_SECTION.NEW_PAGE))


def _summary(document, report: Report, lang: str) -> None:
    as_is = all(m.after is None for m in report.metrics)  # as-is reports: indicator and value
    keys = ("report_indicator", "report_value") if as_is else (
        "report_indicator", "report_before", "report_after", "report_cut_pct", "report_target")
    columns = [Column(k, t(k, lang), "text" if i == 0 or k == "report_target" else "num") for i, k in enumerate(keys)]
    widths = _Layout(_summary_table(report, columns, lang), lang).widths
    grid = document.add_table(rows=1 + len(report.metrics), cols=len(keys))
    grid.style, grid.alignment, grid.autofit = "Table Grid", WD_TABLE_ALIGNMENT.CENTER, False
    _row_flags(grid.rows[0], header=True)
    for j, col in enumerate(columns):
        grid.columns[j].width = grid.rows[0].cells[j].width = Emu(widths[j])
        _shade(grid.rows[0].cells[j], HEADER_FILL)
        _cell_text(grid.rows[0].cells[j], col.label, lang, TABLE_PT, WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    right = WD_ALIGN_PARAGRAPH.RIGHT
    for i, m in enumerate(report.metrics, start=1):
        cells = grid.rows[i].cells
        _row_flags(grid.rows[i])
        for j in range(len(keys)):
            cells[j].width = Emu(widths[j])
        _cell_text(cells[0], paren(m.label, m.unit, lang) if m.unit else m.label, lang, TABLE_PT)
        _cell_text(cells[1], format_value(m.before, "float", lang), lang, TABLE_PT, right)
        if as_is:
            continue
        _cell_text(cells[2], format_value(m.after, "float", lang), lang, TABLE_PT, right)
        _cell_text(cells[3], "—" if m.cut_pct is None else f"{m.cut_pct:.1f}%", lang, TABLE_PT, right)
        if m.met is None:
            _cell_text(cells[4], "—", lang, TABLE_PT)
        else:
            verdict = t("report_met" if m.met else "report_not_met", lang)
            _cell_text(cells[4], paren(verdict, f"{m.target_cut_pct:.0f}%", lang), lang, TABLE_PT, bold=True,
                       colour=GREEN if m.met else RED)


def _summary_table(report: Report, columns: list[Column], lang: str) -> Table:
    """The summary's cells as a Table, only to size its columns."""
    rows = [{columns[0].key: paren(m.label, m.unit, lang) if m.unit else m.label, columns[1].key: m.before,
             **({} if len(columns) == 2 else {columns[2].key: m.after, columns[3].key: m.cut_pct,
                                              columns[4].key: f"{t('report_not_met', lang)}（50%）"})}
            for m in report.metrics]
    return Table("", columns, rows)


def headings(report: Report, lang: str) -> list[str]:
    """The level-1 headings in order, a repeated title written once (the summary and a first
    section of the same name are one heading)."""
    out = [report.summary_title or t("report_summary", lang)] if report.metrics else []
    for section in report.sections:
        if not out or section.title != out[-1]:
            out.append(section.title)
    return out + [t("report_data_quality", lang), t("report_method", lang)]


def render_docx(report: Report):
    lang = report.lang
    document = Document()
    _styles(document, lang)
    _font_fallbacks(document)
    _page(document.sections[0])
    _page_numbers(document, lang)
    _cover(document, report, lang)
    _contents(document, report, headings(report, lang), lang)
    last = None
    if report.metrics:
        last = report.summary_title or t("report_summary", lang)
        document.add_heading(last, level=1)
        _summary(document, report, lang)
    for section in report.sections:
        bare = not (section.paragraphs or section.figures or section.findings)
        lead = section.title if (section.title != last and bare and section.tables
                                 and _Layout(section.tables[0], lang).landscape) else None
        if section.title != last and lead is None:
            document.add_heading(section.title, level=1)
        last = section.title
        for text in section.paragraphs:
            document.add_paragraph(text).paragraph_format.first_line_indent = Pt(32 if lang == "zh" else 0)
        for fig in section.figures:
            _picture(document, fig.png)
            cap = document.add_paragraph()
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font_run(cap.add_run(fig.title + (colon(lang) + fig.caption if fig.caption else "")), "body", lang, 12)
        for f in section.findings:
            p = document.add_paragraph(style="List Bullet")
            p.add_run(f"[{t('severity_' + f.severity, lang)}] {f.title}{colon(lang)}").bold = True
            p.add_run(paren(f.message, f.evidence, lang) if f.evidence else f.message)
        for i, table in enumerate(section.tables):
            _table(document, table, lang, heading=table.title != section.title,
                   skip_note=table.note in section.paragraphs, lead=lead if i == 0 else None)
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


def _picture(document, png: bytes) -> None:
    """A chart at its natural size (150 dpi), narrowed to the type area when wider."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        natural = Cm(image.width / 150 * 2.54)
    p = document.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.line_spacing = 1.0
    p.add_run().add_picture(io.BytesIO(png), width=min(natural, TEXT_W_PORTRAIT))


def write_docx(report: Report, path: str | Path) -> Path:
    path = Path(path)
    document = render_docx(report)
    with atomic_path(path) as tmp:
        document.save(str(tmp))
    return path
