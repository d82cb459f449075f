"""Report for `bpr discover` results: the as-is process from the application records."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from bpr.i18n import note_text, t, tf
from bpr.report import charts
from bpr.report.builders.common import in_process_order
from bpr.report.document import Column, Finding, Metric, Report, Section, Table
from bpr.report.formatting import data_name, file_names

HOUR = 3600.0


def process_graph_from_dfg(dfg: list[dict], starts: dict[str, int] | None = None, max_edges: int = 80,
                           ends: dict[str, int] | None = None, min_count: float = 0) -> nx.DiGraph:
    """A DiGraph of the most frequent directly-follows edges (count, mean_s, median_s attributes),
    leaving out edges taken fewer than `min_count` times; the start and end activities (of a
    result) carry their case counts as start/end attributes, so maps begin and end with them."""
    graph = nx.DiGraph()
    for edge in sorted(dfg, key=lambda e: -e["count"])[:max_edges]:
        if edge["count"] >= min_count:
            graph.add_edge(edge["source"], edge["target"], count=edge["count"], mean_s=edge.get("mean_s") or 0,
                           median_s=edge.get("median_s"))
    for key, nodes in (("start", starts), ("end", ends)):
        for node, count in (nodes or {}).items():
            if node in graph:
                graph.nodes[node][key] = count or True
    return graph


def _h(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / HOUR


def build(result: dict, lang: str = "zh", folder: Path | None = None) -> Report:
    L = lang
    perf = result.get("performance") or {}
    durations = (perf.get("durations") or {}).get("working_days") or {}
    visits = (result.get("visits") or {}).get("summary") or {}
    rework = (result.get("rework") or {}).get("summary") or {}
    on_time = (result.get("on_time") or {}).get("summary") or {}
    metrics = [Metric(t("rd_cases", L), result["cases"], unit=t("unit_cases", L))]
    hours = (perf.get("durations") or {}).get("hours") or {}
    for key, label in (("median", "rd_median_days"), ("p90", "rd_p90_days")):
        if durations.get(key) is None:
            continue
        if durations[key] < 0.5 and hours.get(key) is not None:  # under half a working day: "0 工作日" says nothing
            metrics.append(Metric(t(label, L), round(hours[key], 1), unit=t("unit_hours", L)))
        else:
            metrics.append(Metric(t(label, L), round(durations[key], 1), unit=t("unit_working_day", L)))
    if visits.get("mean") is not None:
        metrics.append(Metric(t("rd_visits", L), round(visits["mean"], 2), unit=t("unit_times", L)))
    if rework.get("affected_share") is not None:
        metrics.append(Metric(t("rd_rework_share", L), round(100 * rework["affected_share"], 1), unit="%"))
    if on_time.get("rate") is not None:
        metrics.append(Metric(t("rd_on_time", L), round(100 * on_time["rate"], 1), unit="%"))

    sections = [_process_section(result, L), _variants_section(result, L)]
    if perf.get("steps"):
        sections.append(_time_section(result, perf, durations, L))
    if rework:
        sections.append(_rework_section(result, rework, L))
    if visits.get("distribution"):
        sections.append(_visits_section(visits, L))
    handoffs = (result.get("handoffs") or {}).get("departments") or []
    if handoffs:
        sections.append(_handoff_section(handoffs, L))
    if on_time.get("rate") is not None:
        overdue = len((result.get("on_time") or {}).get("overdue_cases") or [])
        sections.append(_on_time_section(result, on_time, overdue, L))
    if result.get("conformance"):
        sections.append(_conformance_section(result["conformance"], L))
    if result.get("ratings"):  # issue 14: 好差评, 整改清单 and channel mix
        from bpr.report.builders.compare_ratings import rating_sections

        sections.extend(rating_sections(result["ratings"], L))

    method = [tf("rd_method_dfg", L, engine=result.get("engine", "duckdb"))]
    if perf:
        method.append(tf("rd_method_durations", L, hours=perf.get("hours_per_day", 7)))
    parts = [result, *(result.get(k) or {} for k in ("performance", "handoffs", "visits", "on_time")),
             *(result.get("conformance") or {}).values()]
    method += [note_text(n, L) for part in parts for n in part.get("notes") or []]
    specs = [c["spec"].get("name") for c in (result.get("conformance") or {}).values()]
    subject = specs[0] if len(specs) == 1 and specs[0] else data_name(result.get("source", ""))
    return Report(summary_title=t("rd_key_figures_observed", L), title=f"{subject} {t('rd_title', L)}".strip(), lang=L,
                  subtitle=f"{result.get('first_timestamp', '')[:10]} — {result.get('last_timestamp', '')[:10]}",
                  metrics=metrics, sections=sections, warnings=list(result.get("warnings") or []),
                  method=method, source=file_names(result.get("source")))


def _process_section(result: dict, L: str) -> Section:
    min_share = float(result.get("min_share") or 0)
    graph = process_graph_from_dfg(result.get("dfg") or [], result.get("start_activities"),
                                   ends=result.get("end_activities"), min_count=min_share * result["cases"])
    para = tf("rd_process_para", L, cases=f"{result['cases']:,}", events=f"{result['events']:,}",
              activities=result["activities"])
    paragraphs = [para] + ([tf("rd_min_share_para", L, pct=f"{100 * min_share:g}")] if min_share else [])

    def edge_label(data: dict) -> str:
        wait = data.get("median_s")
        return tf("rd_edge_label", L, n=f"{data['count']:,}") + (
            "" if wait is None else "\n" + tf("rd_edge_wait", L, h=f"{wait / HOUR:.1f}"))

    figures = [charts.process_graph(graph, t("rd_graph_title", L), colour_by="median_s", edge_label=edge_label,
                                    markers=(t("rd_start", L), t("rd_end", L)),
                                    legend=(t("rd_legend_width", L), t("rd_legend_colour", L)),
                                    caption=t("rd_graph_caption", L))] if graph.number_of_edges() else []
    return Section(t("rd_process", L), paragraphs, figures)


def _variants_section(result: dict, L: str) -> Section:
    rows = []
    for v in result.get("variants") or []:
        label = tf("rd_other_variants", L, n=v.get("variants", 0)) if v.get("other") else " → ".join(v["variant"])
        rows.append({"variant": label, "count": v["count"], "share": v["share"]})
    top = rows[0]["share"] * 100 if rows else 0.0
    table = Table(t("rd_variants", L), [Column("variant", t("rd_variant", L)), Column("count", t("rd_count", L), "int"),
                                        Column("share", t("rd_share", L), "pct")], rows, sheet=t("rd_variants", L)[:12])
    return Section(t("rd_variants", L), [tf("rd_variants_para", L, n=result.get("variant_count", len(rows)), top=top)],
                   tables=[table])


def _time_section(result: dict, perf: dict, durations: dict, L: str) -> Section:
    steps = perf["steps"]
    items = (result.get("bottlenecks") or {}).get("items") or []
    paragraphs = []
    if items and durations:
        # one unit for one measure: the mean in working days like the median and P90 beside it
        paragraphs.append(tf("rd_time_para", L, median=durations["median"], p90=durations["p90"],
                             mean=durations.get("mean") or 0,
                             top=items[0]["activity"], share=100 * items[0]["share"]))
    figures = []
    if items:
        figures.append(charts.ranking_bars([i["activity"] for i in items], [i["share"] for i in items],
                                           t("rd_bottlenecks", L), percent=True))
    successors: dict[str, dict[str, float]] = {}
    for edge in result.get("dfg") or []:
        successors.setdefault(edge["source"], {})[edge["target"]] = edge["count"]
    by_name = {s["activity"]: s for s in steps}
    ordered = [by_name[name] for name in in_process_order(by_name, result.get("start_activities") or {}, successors)]
    rows = [{"activity": s["activity"], "events": s["events"], "processing": _h(s.get("processing_mean_s")),
             "waiting": _h(s.get("waiting_mean_s")), "waiting_p90": _h(s.get("waiting_p90_s")),
             "lead": _h(s.get("lead_mean_s"))} for s in ordered]
    if perf.get("has_start") is False:  # completion times only: work and waiting cannot be told apart
        timing = [Column("lead", t("rd_lead_h", L), "float")]
    else:
        timing = [Column("processing", t("rd_processing_h", L), "float"), Column("waiting", t("rd_waiting_h", L), "float"),
                  Column("waiting_p90", t("rd_waiting_p90_h", L), "float")]
    table = Table(t("rd_steps_table", L), [Column("activity", t("rd_activity", L)), Column("events", t("rd_events", L), "int"),
                                          *timing], rows, sheet=t("rd_time", L)[:12])
    return Section(t("rd_time", L), paragraphs, figures, [table])


def _rework_section(result: dict, rework: dict, L: str) -> Section:
    para = tf("rd_rework_para", L, share=100 * (rework.get("affected_share") or 0), n=rework.get("affected_cases", 0),
              days=rework.get("added_working_days") or 0)
    rows = [{"activity": a, "cases": n} for a, n in sorted((result.get("rework_cases") or {}).items(),
                                                            key=lambda kv: -kv[1])]
    table = Table(t("rd_rework", L), [Column("activity", t("rd_activity", L)),
                                      Column("cases", t("rd_repeated_cases", L), "int")], rows,
                  sheet=t("rd_rework", L)[:20])
    return Section(t("rd_rework", L), [para], tables=[table])


def _visits_section(visits: dict, L: str) -> Section:
    dist = visits["distribution"]
    para = tf("rd_visits_para", L, mean=visits.get("mean") or 0, zero=100 * (visits.get("zero_share") or 0),
              once=100 * (visits.get("at_most_once_share") or 0))
    labels = [f"{k} {t('unit_time' if str(k) == '1' else 'unit_times', L)}" for k in dist]
    figure = charts.ranking_bars(labels, [float(v) for v in dist.values()], t("rd_visits_chart", L),
                                 xlabel=t("rd_count", L), sort=False)
    total = sum(float(v) for v in dist.values()) or 1.0
    table = Table(t("rd_visits_chart", L), [Column("visits", t("rd_visits_n", L)), Column("count", t("rd_count", L), "int"),
                                            Column("share", t("rd_share", L), "pct")],
                  [{"visits": label, "count": v, "share": float(v) / total} for label, v in zip(labels, dist.values(), strict=True)],
                  sheet=t("rd_visits_section", L)[:20], html_rows=0)
    return Section(t("rd_visits_section", L), [para], [figure], [table])


def _handoff_section(handoffs: list[dict], L: str) -> Section:
    rows = [{"from": h["source"], "to": h["target"], "count": h["count"], "wait": _h(h.get("mean_wait_s"))}
            for h in handoffs]
    table = Table(t("rd_handoffs", L), [Column("from", t("rd_from", L)), Column("to", t("rd_to", L)),
                                        Column("count", t("rd_count", L), "int"),
                                        Column("wait", t("rd_mean_wait_h", L), "float")], rows,
                  sheet=t("rd_handoffs", L)[:20])
    return Section(t("rd_handoffs", L), tables=[table])


def _on_time_section(result: dict, on_time: dict, overdue: int, L: str) -> Section:
    """按时办结: the rate in a line; the workbook lists the overdue cases."""
    para = tf("rd_on_time_para", L, rate=100 * on_time["rate"], overdue=on_time.get("overdue", overdue))
    cases = (result.get("on_time") or {}).get("overdue_cases") or []
    tables = []
    if cases:
        keys = [k for k in ("case", "matter", "clock_date", "deadline", "end_date", "limit_days", "overdue_working_days") if k in cases[0]]
        tables.append(Table(t("rd_overdue_cases", L), [Column(k, t(f"rd_overdue_{k}", L), "int" if k.endswith("days") else "text")
                                                       for k in keys], cases, sheet=t("rd_overdue_cases", L)[:20], html_rows=0))
    return Section(t("rd_on_time_section", L), [para], tables=tables)


def _conformance_section(conformance: dict, L: str) -> Section:
    """One block per specified process checked: fitness, then each deviation with what it costs."""
    paragraphs, findings = [], []
    for result in conformance.values():
        fit = result.get("fitness") or {}
        paragraphs.append(tf("rd_conformance_para2", L, spec=result["spec"].get("name") or result.get("matter"),
                             fitness=fit.get("log_fitness", 0), share=100 * fit.get("fitting_share", 0)))
        for d in [*result.get("hidden", []), *result.get("skipped", []), *result.get("out_of_order", [])]:
            message = tf(f"rd_dev_{d['kind']}", L, step=d["step"], before=d.get("before") or "",
                         cases=d["cases"], share=100 * d["share"])
            extra = d.get("added_hours")
            evidence = ("" if not isinstance(extra, (int, float)) else
                        tf("rd_dev_added" if extra >= 0 else "rd_dev_saved", L, hours=abs(extra)))
            findings.append(Finding("warning" if d["kind"] != "out_of_order" else "info", d["step"], message, evidence))
    table = Table(t("rd_conformance", L), [Column("severity", t("audit_severity", L)), Column("title", t("rd_activity", L)),
                                           Column("message", t("audit_message", L)), Column("evidence", t("report_evidence", L))],
                  [{"severity": t(f"severity_{f.severity}", L), "title": f.title, "message": f.message, "evidence": f.evidence}
                   for f in findings], sheet=t("rd_conformance", L)[:20], html_rows=0)
    return Section(t("rd_conformance", L), paragraphs, findings=findings, tables=[table] if findings else [])
