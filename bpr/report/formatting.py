"""How numbers look in text formats (HTML, Word); Excel uses number formats instead."""

from __future__ import annotations

import math
from pathlib import Path

from bpr.i18n import field_label, join_list, rule_label, t, tf  # noqa: F401 (re-exported for the builders)


def format_value(value: object, fmt: str = "text", lang: str = "zh") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return t("yes" if value else "no", lang)
    if fmt == "interval":  # {mean, ci_low, ci_high}: 5.6（5.4–5.9）
        if not isinstance(value, dict) or value.get("mean") is None:
            return "—"
        if value.get("ci_low") is None or value.get("ci_high") is None:
            return f"{value['mean']:.1f}"
        inner = f"{value['ci_low']:.1f}–{value['ci_high']:.1f}"
        return f"{value['mean']:.1f}（{inner}）" if lang == "zh" else f"{value['mean']:.1f} ({inner})"
    if fmt == "pct" and isinstance(value, (int, float)):
        return f"{100 * value:.1f}%"
    if fmt == "int" and isinstance(value, (int, float)):
        return f"{value:,.0f}"
    if fmt in ("float", "days") and isinstance(value, (int, float)):
        if float(value).is_integer() or abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:,.1f}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, (list, tuple)):
        return join_list(value, lang)
    return str(value)


def warning_where(warning: dict, lang: str = "zh") -> str:
    """Where a data-quality warning points: file name · sheet · cell (or row and column)."""
    parts = [str(warning[k]) for k in ("file", "sheet", "cell") if warning.get(k)]
    if parts and "/" in parts[0] and warning.get("file"):
        parts[0] = Path(parts[0]).name
    if not warning.get("cell"):
        if warning.get("row") is not None:
            parts.append(tf("report_row", lang, n=warning["row"]))
        if warning.get("column") is not None:
            parts.append(tf("report_column", lang, name=warning["column"]))
    return " · ".join(parts)


def warning_text(warning: dict, lang: str = "zh") -> str:
    """A warning's message in `lang` (results from before bilingual warnings: the message)."""
    return str(warning.get(lang) or warning.get("message", ""))


def warning_line(warning: dict, lang: str = "zh", with_file: bool = True) -> str:
    """A warning in one line: place, message and the value found."""
    zh = lang == "zh"
    where = warning_where(warning if with_file else {**warning, "file": None}, lang)
    line = f"{where}{'：' if zh else ': '}{warning_text(warning, lang)}" if where else warning_text(warning, lang)
    if warning.get("value"):
        line += f"（{warning['value']}）" if zh else f" ({warning['value']})"
    return line


def data_name(path: object) -> str:
    """A data file's name without its type suffix (DomesticDeclarations.xes.gz → DomesticDeclarations)."""
    from bpr.io import LOG_SUFFIXES

    name = Path(str(path)).name
    suffix = next((s for s in sorted((*LOG_SUFFIXES, ".xlsx"), key=len, reverse=True) if name.lower().endswith(s)), "")
    return name[: len(name) - len(suffix)] or name


def file_names(*paths: object) -> str:
    """The data files a report names: file names only (a report handed on should not carry the
    author's folders), joined by " + "."""
    return " + ".join(Path(str(p)).name for p in paths if p)
