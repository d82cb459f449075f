"""Plain-text summaries for the terminal (Chinese by default)."""

from __future__ import annotations

from bpr.i18n import t
from bpr.report.formatting import warning_line

MAX_WARNINGS_SHOWN = 20


def _local(iso: str | None, summary: dict) -> str:
    """A UTC ISO time as local time in the log's time zone, to the minute."""
    if not iso:
        return "—"
    import pandas as pd

    return pd.Timestamp(iso).tz_convert(summary.get("timezone") or "Asia/Shanghai").strftime("%Y-%m-%d %H:%M")


def summary_text(summary: dict, lang: str = "zh") -> str:
    """Render the dict from `bpr.analyse.summary` as a few readable lines."""
    sep = "：" if lang == "zh" else ": "
    lines = [f"{t('kind_' + summary['kind'], lang)}{sep}{summary.get('source', '')}"]
    if summary["kind"] == "log":
        for key in ("cases", "events", "activities"):
            lines.append(f"  {t(key, lang)}{sep}{summary[key]:,}")
        lines.append(f"  {t('period', lang)}{sep}{_local(summary['start'], summary)} — {_local(summary['end'], summary)}")
        mapped = ", ".join(f"{t('role_' + role, lang)}←{col}" for role, col in summary["columns"].items())
        lines.append(f"  {t('columns_mapped', lang)}{sep}{mapped}")
    else:
        for key, label in (("matters", "matters_count"), ("materials", "materials_count"),
                           ("steps", "steps_count")):
            lines.append(f"  {t(label, lang)}{sep}{summary[key]:,}")
        depts = "，".join(f"{name or t('unknown', lang)} {n}" for name, n in summary["departments"].items())
        lines.append(f"  {t('departments', lang)}{sep}{depts or t('none', lang)}")
    warnings = summary["warnings"]
    lines.append(f"  {t('warnings', lang)}{sep}{len(warnings) or t('none', lang)}")
    for w in warnings[:MAX_WARNINGS_SHOWN]:
        lines.append(f"    - {warning_line(w, lang, with_file=False)}")
    if len(warnings) > MAX_WARNINGS_SHOWN:
        lines.append(f"    … {len(warnings) - MAX_WARNINGS_SHOWN} {t('more', lang)}")
    return "\n".join(lines)
