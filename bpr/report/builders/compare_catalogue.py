"""Report for `bpr compare OLD.xlsx NEW.xlsx`: the catalogue diff (清单动态调整)."""

from __future__ import annotations

from pathlib import Path

from bpr.i18n import t, tf
from bpr.report.document import Column, Metric, Report, Section, Table
from bpr.report.formatting import data_name, file_names


def build(result: dict, lang: str = "zh", folder: Path | None = None) -> Report:
    L = lang
    s = result["totals"]
    metrics = [Metric(t("cmp_cat_matters", L), s["matters_before"], s["matters_after"], unit=t("unit_cases", L)),
               Metric(t("cmp_cat_materials", L), s["materials_before"], s["materials_after"]),
               Metric(t("cmp_cat_limit_sum", L), round(s["limit_days_before"], 1), round(s["limit_days_after"], 1),
                      unit=t("unit_working_day", L)),
               Metric(t("cmp_cat_full_online", L), s["full_online_before"], s["full_online_after"])]
    if s.get("visits_before") is not None and s.get("visits_after") is not None:
        metrics.append(Metric(t("cmp_cat_visits_mean", L), round(s["visits_before"], 2), round(s["visits_after"], 2),
                              unit=t("unit_times", L)))
    ratio = "—" if s.get("limit_compression") is None else f"{100 * s['limit_compression']:.1f}%"
    para = tf("cmp_cat_total_para", L, matched=len(result["matters"]), changed=s["matters_changed"],
              added=s["matters_added"], removed=s["matters_removed"], mr=s["materials_removed"],
              ma=s["materials_added"], mn=s["materials_no_longer_submitted"], lm=s["limit_matters"],
              lb=s["limit_days_before"], la=s["limit_days_after"], ratio=ratio, compressed=s["limits_compressed"],
              cut=s["visits_cut"], raised=s["depth_raised"])
    sep = "、" if L == "zh" else "; "
    rows = [{"name": m["name"], "removed": sep.join(m["materials_removed"]), "added": sep.join(m["materials_added"]),
             "exempt": sep.join(m["materials_no_longer_submitted"]),
             "limit": f"{m['limit_before']} → {m['limit_after']}" if m["limit_before"] != m["limit_after"] else "",
             "visits": "" if m["visits_before"] == m["visits_after"] else f"{m['visits_before']} → {m['visits_after']}",
             "depth": "" if m["depth_before"] == m["depth_after"] else f"{m['depth_before']} → {m['depth_after']}",
             "steps": sep.join([*(f"−{n}" for n in m["steps_removed"]), *(f"+{n}" for n in m["steps_added"])])}
            for m in result["matters"] if m.get("changed")]
    table = Table(t("cmp_cat_section_matters", L), [
        Column("name", t("matter_name", L)), Column("removed", t("cmp_cat_materials_removed", L)),
        Column("added", t("cmp_cat_materials_added", L)), Column("exempt", t("cmp_cat_no_longer_submitted", L)),
        Column("limit", t("promised_limit", L)), Column("visits", t("visits", L)),
        Column("depth", t("online_depth", L)), Column("steps", t("steps", L))], rows,
        sheet=t("cmp_cat_section_matters", L)[:12])
    sections = [Section(t("cmp_cat_section_total", L), [para]), Section(t("cmp_cat_section_matters", L), tables=[table])]
    moved = [{"name": m["name"], "department": m["department"], "status": t("cmp_cat_matter_added", L)}
             for m in result.get("matters_added") or []]
    moved += [{"name": m["name"], "department": m["department"], "status": t("cmp_cat_matter_removed", L)}
              for m in result.get("matters_removed") or []]
    if moved:
        sections.append(Section(t("cmp_cat_section_added", L), tables=[Table(
            t("cmp_cat_section_added", L), [Column("name", t("matter_name", L)), Column("department", t("department", L)),
                                             Column("status", t("cmp_cat_status", L))], moved,
            sheet=t("cmp_cat_section_added", L)[:12])]))
    return Report(title=t("cmp_cat_title", L), lang=L, metrics=metrics, sections=sections,
                  subtitle=tf("cmp_cat_subtitle", L, before=data_name(result.get("before_source", "")),
                              after=data_name(result.get("after_source", ""))),
                  source=file_names(*str(result.get("source") or "").split(" | ")), summary_title=t("cmp_cat_key_figures", L))
