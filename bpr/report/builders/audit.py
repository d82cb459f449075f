"""Report for `bpr audit` results: catalogue indicators, department ranking, findings, proposals."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bpr.i18n import colon, note_text, paren, t, tf
from bpr.report import charts
from bpr.report.builders.common import pct, proposals_table
from bpr.report.builders.sharing import sharing_section
from bpr.report.document import Column, Finding, Metric, Report, Section, Table, is_low
from bpr.report.formatting import field_label, file_names, rule_label

HEADLINE = ("immediate_rate", "compression_ratio", "avg_visits", "zero_visit_rate", "full_online_rate",
            "material_exempt_rate")
RATES = ("immediate_rate", "compression_ratio", "zero_visit_rate", "full_online_rate", "online_rate",
         "mobile_rate", "mail_rate", "material_exempt_rate", "tolerance_rate")
FINDINGS_IN_HTML = 60


def build(result: dict, lang: str = "zh", folder: Path | None = None) -> Report:
    L = lang
    ind = result["indicators"]
    metrics = [Metric(t("audit_matters", L), ind["matters"], unit=t("unit_items", L))]
    for key in HEADLINE:
        value = ind.get(key)
        if value is not None:
            metrics.append(Metric(t(f"audit_{key}", L), round(value, 2) if key == "avg_visits" else round(100 * value, 1),
                                  unit=t("unit_times", L) if key == "avg_visits" else "%"))
    departments = result.get("by_department") or []
    sections = [
        Section(t("ra_overview", L), [tf("ra_overview_para", L, matters=ind["matters"], departments=len(departments),
                                          immediate=pct(ind.get("immediate_rate")),
                                          compression=pct(ind.get("compression_ratio")),
                                          visits="—" if ind.get("avg_visits") is None else f"{ind['avg_visits']:.2f}",
                                          zero=pct(ind.get("zero_visit_rate")), online=pct(ind.get("full_online_rate")))],
                tables=[_indicator_table(ind, L)]),
    ]
    if departments:
        sections.append(_department_section(departments, ind, L))
    if result.get("by_type"):
        sections.append(Section(t("ra_by_type", L), tables=[_group_table(result["by_type"], "matter_type", ind, L,
                                                                          t("ra_by_type", L), sheet=None)]))
    sections.append(_findings_section(result.get("findings") or [], L))
    if result.get("proposals"):
        proposals = result["proposals"]
        counts = Counter(p["dimension"] for p in proposals)
        sections.append(Section(t("ra_proposals", L), [tf("ra_proposals_para", L, n=len(proposals), **{
            d: counts.get(d, 0) for d in ("materials", "steps", "time", "visits")})],
            tables=[proposals_table(proposals, L)]))
    needs = sharing_section(result.get("sharing_needs") or [], L)  # 共享需求清单 (#13)
    if needs:
        sections.append(needs)
    sections.append(Section(t("ra_matters", L), tables=[_matters_table(result.get("matters") or [], L)]))
    method = [note_text(v, L) for v in (result.get("method") or {}).values()]
    return Report(title=t("ra_title", L), lang=L,
                  summary_title=t("rd_key_figures", L), metrics=metrics, sections=sections,
                  warnings=list(result.get("warnings") or []), method=method, source=file_names(result.get("source")))


def _vocab() -> dict:
    from bpr.i18n import VOCAB

    return VOCAB


def _indicator_table(ind: dict, L: str) -> Table:
    rows = []
    for key, value in ind.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) and f"audit_{key}" in _vocab():
            rows.append({"name": t(f"audit_{key}", L), "value": value, "fmt": "pct" if key in RATES else "float"})
    for row in rows:  # percentages shown as text so one column can hold both kinds
        if row["fmt"] == "pct":
            row["value"] = pct(row["value"])
    return Table(t("ra_overview", L), [Column("name", t("report_indicator", L)),
                                       Column("value", t("report_value", L), "float")], rows)


def _group_table(groups: list[dict], key: str, ind: dict, L: str, title: str, sheet: str | None) -> Table:
    columns = [Column(key, t(f"audit_{key}", L)), Column("matters", t("audit_matters", L), "int")]
    for rate in ("immediate_rate", "compression_ratio", "zero_visit_rate", "full_online_rate", "material_exempt_rate"):
        columns.append(Column(rate, t(f"audit_{rate}", L), "pct", red_below=ind.get(rate)))
    columns.append(Column("avg_visits", t("audit_avg_visits", L), "float"))
    rows = sorted(groups, key=lambda g: -(g.get("full_online_rate") or 0))
    red = any(is_low(row.get(c.key), c) for row in rows for c in columns)  # no note about red where there is none
    return Table(title, columns, rows, sheet=sheet, note=t("ra_departments_para", L) if red else "")


def _department_section(departments: list[dict], ind: dict, L: str) -> Section:
    names = [d["department"] or t("unknown", L) for d in departments]
    figures = [charts.ranking_bars(names, [d.get("full_online_rate") or 0 for d in departments],
                                   t("ra_dept_chart", L), percent=True, target=ind.get("full_online_rate")),
               charts.ranking_bars(names, [d.get("compression_ratio") or 0 for d in departments],
                                   t("ra_dept_chart2", L), percent=True, target=ind.get("compression_ratio"))]
    table = _group_table(departments, "department", ind, L, t("ra_departments", L), t("sheet_departments", L))
    return Section(t("ra_departments", L), [table.note] if table.note else [], figures, [table])


def _findings_section(findings: list[dict], L: str) -> Section:
    severities = Counter(f["severity"] for f in findings)
    para = tf("ra_findings_para", L, n=len(findings), errors=severities.get("error", 0),
              warnings=severities.get("warning", 0), infos=severities.get("info", 0))
    order = {"error": 0, "warning": 1, "info": 2}
    ranked = sorted(findings, key=lambda f: order.get(f["severity"], 3))
    def where(f: dict) -> str:
        text = colon(L).join((t("audit_field", L), field_label(f.get("field", ""), L)))
        return text + (paren("", tf("report_row", L, n=f["row"]), L) if f.get("row") else "")

    shown = [Finding(f["severity"], f["matter"], f["message_en"] if L == "en" else f["message"], where(f))
             for f in ranked if f["severity"] != "info"][:FINDINGS_IN_HTML]
    rule_counts = Counter(f["rule"] for f in findings)
    counts = Table(t("ra_rule_counts", L), [Column("rule", t("audit_rule", L)), Column("n", t("audit_findings", L), "int")],
                   [{"rule": rule_label(r, L), "n": n} for r, n in rule_counts.most_common()])
    detail = Table(t("ra_findings", L), [
        Column("severity", t("audit_severity", L)), Column("rule", t("audit_rule", L)),
        Column("matter", t("audit_matter", L)), Column("row", t("audit_row", L), "int"),
        Column("field", t("audit_field", L)), Column("value", t("report_value", L)),
        Column("message", t("audit_message", L))],
        [{**f, "severity": t(f"severity_{f['severity']}", L), "rule": rule_label(f["rule"], L),
          "field": field_label(f.get("field", ""), L),
          "message": f["message_en"] if L == "en" else f["message"]} for f in ranked],
        sheet=t("sheet_quality", L), html_rows=0)
    return Section(t("ra_findings", L), [para], findings=shown, tables=[counts, detail])


def _matters_table(matters: list[dict], L: str) -> Table:
    keys = [("name", "audit_matter", "text"), ("code", "audit_code", "text"), ("department", "audit_department", "text"),
            ("matter_type", "audit_matter_type", "text"), ("steps", "audit_steps", "int"),
            ("materials", "audit_materials", "int"), ("materials_submitted", "audit_materials_submitted", "int"),
            ("legal_days", "audit_legal_days", "float"), ("promised_days", "audit_promised_days", "float"),
            ("visits", "audit_visits", "int"), ("immediate", "audit_immediate", "text"),
            ("full_online", "audit_full_online", "text"), ("online", "audit_online", "text"),
            ("mobile", "audit_mobile", "text"), ("mail", "audit_mail", "text")]
    return Table(t("ra_matters", L), [Column(k, t(label, L), fmt) for k, label, fmt in keys], matters,
                 sheet=t("sheet_matters", L), html_rows=100,
                 word_columns=("name", "department", "steps", "materials", "promised_days", "visits", "full_online"))
