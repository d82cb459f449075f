"""Report for `bpr compare` results: measured before/after (log periods, two logs, two catalogues)."""

from __future__ import annotations

from pathlib import Path

from bpr.i18n import note_text, t, tf
from bpr.report import charts_compare
from bpr.report.document import Column, Finding, Metric, Report, Section, Table
from bpr.report.formatting import data_name, file_names

MEASURES = ("median_hours", "p90_hours", "median_days", "p90_days", "rework_rate", "avg_visits", "on_time_rate")
_RATES = {"rework_rate", "on_time_rate"}


def build(result: dict, lang: str = "zh", folder: Path | None = None) -> Report:
    """Dispatch on the comparison: catalogue versions, or application records."""
    if result.get("mode") == "catalogues":
        from bpr.report.builders.compare_catalogue import build as build_catalogue

        return build_catalogue(result, lang, folder)
    return _build_logs(result, lang)


def _value(measure: str, value: float | None) -> float | None:
    if value is None:
        return None
    return round(100 * value, 1) if measure in _RATES else round(value, 2)


def _metrics(result: dict, L: str) -> list[Metric]:
    before, after = result["before"], result["after"]
    metrics = [Metric(t("cmp_cases", L), before["cases"], after["cases"], unit=t("unit_cases", L), volume=True)]
    units = {"median_days": "unit_working_day", "p90_days": "unit_working_day", "avg_visits": "unit_times"}
    for m in ("median_days", "p90_days", "rework_rate", "avg_visits", "on_time_rate"):
        if before.get(m) is None or after.get(m) is None:
            continue
        unit = "%" if m in _RATES else t(units[m], L)
        metrics.append(Metric(t(f"cmp_m_{m}", L), _value(m, before[m]), _value(m, after[m]), unit=unit))
    return metrics


def _build_logs(result: dict, L: str) -> Report:
    change = result["change"]
    sections = [_change_section(result, change, L), _steps_section(result, L)]
    if result.get("trends"):
        sections.append(_trend_section(result["trends"], L))
    for key in ("predicted", "ratings"):
        if result.get(key):
            from importlib import import_module

            sections.extend(import_module(f"bpr.report.builders.compare_{key}").sections(result[key], L))
    at = result.get("at")
    if result.get("mode") == "logs":
        subtitle = tf("rc_subtitle_logs", L, before=data_name(result["before"].get("source", "")),
                      after=data_name(result["after"].get("source", "")))
    else:
        subtitle = tf("rc_subtitle_detected" if result.get("at_source") == "detected" else "rc_subtitle_at", L, at=at)
    bb, ba = (result.get("change", {}).get("median_days") or {}).get("blocks") or (1, 1)
    method = [tf("rc_method_bootstrap", L, n=result["bootstrap"]["resamples"], seed=result["bootstrap"]["seed"],
                 bb=bb, ba=ba),
              t("rc_method_definitions", L)]
    if result.get("detection"):
        d = result["detection"]
        method.append(tf("rc_method_detection", L, at=d["at"], points=d["points"], left=d["left_out_days"],
                         before=d["level_before"], after=d["level_after"], strength=100 * d["strength"]))
    method += [note_text(n, L) for n in result.get("notes") or []]
    subject = data_name(result.get("source", "").split(" | ")[0])
    return Report(title=f"{subject} {t('rc_title', L)}".strip(), subtitle=subtitle, lang=L,
                  metrics=_metrics(result, L), sections=sections, warnings=list(result.get("warnings") or []),
                  method=method, source=file_names(*str(result.get("source") or "").split(" | ")), summary_title=t("rc_key_figures", L))


def _change_section(result: dict, change: dict, L: str) -> Section:
    rows = []
    for m in MEASURES:
        c = change.get(m) or {}
        if c.get("before") is None:
            continue
        scale = 100 if m in _RATES else 1
        rows.append({"measure": t(f"cmp_m_{m}", L), "before": c["before"] * scale,
                     "after": None if c.get("after") is None else c["after"] * scale,
                     "diff": None if c.get("diff") is None else c["diff"] * scale,
                     "ci": "—" if c.get("ci_low") is None else f"[{c['ci_low'] * scale:.2f}, {c['ci_high'] * scale:.2f}]",
                     "significant": t("cmp_yes" if c.get("significant") else "cmp_no", L)})
    table = Table(t("rc_changes", L), [Column("measure", t("cmp_measure", L)),
                                       Column("before", t("cmp_before", L), "float"),
                                       Column("after", t("cmp_after", L), "float"),
                                       Column("diff", t("cmp_diff", L), "float"),
                                       Column("ci", t("rc_ci", L)), Column("significant", t("cmp_significant", L))],
                  rows, sheet=t("rc_changes", L)[:12], note=t("rc_changes_note", L))
    md = change.get("median_days") or {}
    paragraphs = []
    if md.get("diff") is not None:
        paragraphs.append(tf("rc_change_para", L, nb=result["before"]["cases"], na=result["after"]["cases"],
                             before=md["before"], after=md["after"], low=md["ci_low"], high=md["ci_high"],
                             verdict=t("rc_verdict_yes" if md["significant"] else "rc_verdict_no", L)))
    labels = [t(f"cmp_m_{m}", L) for m in MEASURES if m in change]
    figures = [charts_compare.change_intervals(labels, [change[m] for m in MEASURES if m in change],
                                               t("rc_change_chart", L), t("rc_change_axis", L))]
    return Section(t("rc_changes", L), paragraphs, figures, [table])


def _steps_section(result: dict, L: str) -> Section:
    before = {s["activity"]: s for s in result["before"]["steps"]}
    after = {s["activity"]: s for s in result["after"]["steps"]}
    removed, added = result.get("steps_removed") or [], result.get("steps_added") or []
    names = sorted(set(before) | set(after), key=lambda n: (-(before.get(n) or after.get(n))["frequency"], n))
    rows = [{"activity": n, "share_before": (before.get(n) or {}).get("frequency", 0.0),
             "share_after": (after.get(n) or {}).get("frequency", 0.0),
             "wait_before": (before.get(n) or {}).get("median_wait_hours"),
             "wait_after": (after.get(n) or {}).get("median_wait_hours"),
             "status": t("cmp_removed", L) if n in removed else t("cmp_added", L) if n in added else ""}
            for n in names]
    table = Table(t("rc_steps", L), [Column("activity", t("step_name", L)),
                                     Column("share_before", t("cmp_share_before", L), "pct"),
                                     Column("share_after", t("cmp_share_after", L), "pct"),
                                     Column("wait_before", t("cmp_wait_before", L), "float"),
                                     Column("wait_after", t("cmp_wait_after", L), "float"),
                                     Column("status", t("cmp_step_status", L))], rows, sheet=t("rc_steps", L)[:12])
    findings = [Finding("info", n, t("rc_step_removed", L)) for n in removed]
    findings += [Finding("info", n, t("rc_step_added", L)) for n in added]
    sep = "、" if L == "zh" else ", "
    para = tf("rc_steps_para", L, removed=sep.join(removed) or t("rc_none", L), added=sep.join(added) or t("rc_none", L))
    return Section(t("rc_steps", L), [para], tables=[table], findings=findings)


def _trend_section(trends: dict, L: str) -> Section:
    months = trends.get("months") or []
    control = trends.get("control") or {}
    reform_month = trends["at"][:7]
    labels = {"centre": t("rc_centre", L), "limits": t("rc_limits", L), "after": t("rc_after_mean", L),
              "reform": tf("rc_reform_mark", L, at=trends["at"]), "series": t("cmp_m_median_days", L),
              "secondary": t("cmp_m_p90_days", L)}
    figure = charts_compare.control_chart([m["month"] for m in months], [m["median_days"] for m in months], control,
                                          reform_month, t("rc_control_chart", L), t("unit_working_day", L), labels)
    paragraphs = []
    if control.get("centre") is not None:
        paragraphs.append(tf("rc_trend_para", L, centre=control["centre"], lower=control["lower"],
                             upper=control["upper"], outside=control["after_outside"], months=control["after_months"],
                             last=control["last_months_outside"],
                             verdict=t("rc_held" if control["last_months_outside"] else "rc_faded", L)))
    rows = [{"month": m["month"], "cases": m["cases"], "median": m["median_days"], "p90": m["p90_days"],
             "rework": m["rework_rate"], "visits": m["avg_visits"]} for m in months]
    table = Table(t("rc_trends", L), [Column("month", t("cmp_month", L)), Column("cases", t("cmp_cases", L), "int"),
                                      Column("median", t("cmp_m_median_days", L), "float"),
                                      Column("p90", t("cmp_m_p90_days", L), "float"),
                                      Column("rework", t("cmp_m_rework_rate", L), "pct"),
                                      Column("visits", t("cmp_m_avg_visits", L), "float")], rows,
                  sheet=t("rc_trends", L)[:12])
    return Section(t("rc_trends", L), paragraphs, [figure], [table])
