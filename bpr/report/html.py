"""Self-contained HTML: inline CSS, inline font subset, charts as SVG data URIs; nothing fetched.

Jinja2 autoescaping escapes every string that comes from data.
"""

from __future__ import annotations

import base64
from functools import partial
from importlib.metadata import version
from pathlib import Path

import jinja2

from bpr.i18n import t, tf
from bpr.io.safety import atomic_output
from bpr.report.document import Report, is_low
from bpr.report.fonts import MONO_STACK, font_face_css
from bpr.report.formatting import format_value, warning_text, warning_where

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("bpr.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


PAGE_PX = 1020  # the content width of a report page on screen (main: 1100 px less its padding)


def svg_px(svg: str) -> int:
    """The width a chart was drawn for, in CSS pixels (matplotlib writes it in points), so that a
    page shows its text at the size it was drawn (a 9 pt label is 12 px at 100% zoom)."""
    import re

    found = re.search(r'<svg[^>]*?\swidth="([\d.]+)(pt|px)?"', svg[:2000])
    if not found:
        return 0
    return round(float(found.group(1)) * (4 / 3 if found.group(2) in (None, "pt") else 1))


def render_html(report: Report) -> str:
    lang = report.lang
    return _ENV.get_template("report.html.j2").render(
        report=report,
        lang=lang,
        t=partial(t, lang=lang),
        fmt=lambda v: format_value(v, "float", lang),
        fmtc=lambda v, f: format_value(v, f, lang),
        is_low=is_low,
        mono_stack=MONO_STACK,
        rows_note=lambda n: tf("ra_html_rows_note", lang, n=n),
        where=lambda w: warning_where(w, lang),
        wtext=lambda w: warning_text(w, lang),
        svg64=lambda svg: base64.b64encode(svg.encode("utf-8")).decode("ascii"),
        svg_px=svg_px,
        page_px=PAGE_PX,
        font_css=font_face_css(report.all_text() + "".join(t(k, lang) for k in (
            "report_summary", "report_cut_pct", "report_met", "report_not_met", "report_target",
            "report_data_quality", "report_method", "report_source", "report_generated_by",
            "report_where", "report_message", "report_value", "report_no_warnings", "report_row", "report_column",
            "report_contents", "severity_error", "severity_warning", "severity_info"))),
        generated=f"bpr {version('bpr')}",
    )


def write_html(report: Report, path: str | Path) -> Path:
    path = Path(path)
    with atomic_output(path, "w", encoding="utf-8") as fh:
        fh.write(render_html(report))
    return path
