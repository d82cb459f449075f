"""Reports for `bpr propose`, `bpr apply` (before/after) and `bpr bundle` (一件事)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import networkx as nx

from bpr.i18n import VOCAB, join_list, paren, t, tf
from bpr.report import charts
from bpr.report.builders.common import proposals_table
from bpr.report.builders.sharing import after_list_table, sharing_section
from bpr.report.document import Column, Metric, Report, Section, Table
from bpr.report.formatting import file_names

MEASURES = (("steps", "ba_steps", "unit_items"), ("materials", "ba_materials", "unit_documents"),
            ("promised_days", "ba_promised_days", ""), ("critical_path_days", "ba_critical_path_days", ""),
            ("visits", "ba_visits", "unit_times"))
TARGET_OF = {"materials": "materials_cut", "promised_days": "time_cut", "steps": "steps_cut"}
GRAPHS = 3  # matters shown with before/after process graphs


def _metrics(block: dict, targets: dict, L: str) -> list[Metric]:
    """Before → after metrics of a before/after block, with 双减半-style cut targets."""
    out = []
    for key, label, unit in MEASURES:
        required = targets.get(TARGET_OF.get(key, ""))
        out.append(Metric(t(label, L), block["before"].get(key), block["after"].get(key),
                          t(unit, L) if unit else "", None if required is None else 100 * required))
    return out


def _target_table(targets: list[dict], L: str) -> Table:
    def shown(tg: dict, key: str) -> str:
        value = tg.get(key)
        if value is None:
            return "—"
        cut = tg["id"].endswith("_cut")
        if key == "required":
            if cut:
                return f"≥ {100 * value:.0f}%"
            return f"{'≤ ' if tg['id'] == 'max_visits' else ''}{value:g} {t('unit_times', L)}"
        if cut:
            return f"{100 * value:.1f}%"
        if tg.get("measure") == "share":
            return tf("rb_share_of_matters", L, pct=f"{100 * value:.1f}")
        return f"{value:g} {t('unit_times', L)}"

    def label(tg: dict) -> str:  # today's wording (it names the baseline), else the one stored
        key = f"target_{tg['id']}"
        return t(key, L) if key in VOCAB else tg["label_en"] if L == "en" else tg["label"]

    rows = [{"target": label(tg), "required": shown(tg, "required"),
             "actual": shown(tg, "actual"),
             "met": None if tg.get("met") is None else t("report_met" if tg["met"] else "report_not_met", L)}
            for tg in targets]
    return Table(t("rb_targets", L), [Column("target", t("rb_target", L)), Column("required", t("rb_required", L)),
                                      Column("actual", t("rb_actual", L)), Column("met", t("rb_met", L))], rows,
                 sheet=t("sheet_targets", L))


def build_propose(result: dict, lang: str = "zh", folder: Path | None = None) -> Report:
    L = lang
    proposals = result.get("proposals") or []
    counts = Counter(p["dimension"] for p in proposals)
    dims = ("materials", "steps", "time", "visits")
    figure = charts.ranking_bars([t(f"dim_{d}", L) for d in dims], [counts.get(d, 0) for d in dims],
                                 t("rp_by_dimension", L), xlabel=t("rp_count", L), sort=False)
    section = Section(t("ra_proposals", L), [tf("ra_proposals_para", L, n=len(proposals), **{d: counts.get(d, 0) for d in dims})],
                      [figure], [proposals_table(proposals, L, with_accepted=True)])
    sections = [section]
    withheld = result.get("withheld") or []
    if withheld:  # issue 13: why a proposal was not made
        sections.append(_withheld_section(withheld, L))
    needs = sharing_section(result.get("sharing_needs") or [], L)  # 共享需求清单 (#13)
    if needs:
        sections.append(needs)
    return Report(title=t("rp_title", L), lang=L,
                  sections=sections, warnings=[{"message": w} if isinstance(w, str) else w for w in result.get("warnings") or []],
                  source=file_names(result.get("catalogue")))


def _withheld_section(withheld: list[dict], L: str) -> Section:
    """未提出的建议及原因: each proposal a domain constraint forbade, with its reason and source."""
    en = L == "en"
    rows = [{"matter": w["matter"], "action": w.get("action_en") if en and w.get("action_en") else w["action"],
             "constraint": t(f"constraint_{w['constraint']}", L),
             "reason": w.get("reason_en") if en and w.get("reason_en") else w["reason"],
             "source": w.get("source_en") if en and w.get("source_en") else w.get("source", "")}
            for w in withheld]
    columns = [Column("matter", t("audit_matter", L)), Column("action", t("withheld_action", L)),
               Column("constraint", t("withheld_constraint", L)), Column("reason", t("withheld_reason", L)),
               Column("source", t("withheld_source", L))]
    table = Table(t("withheld_title", L), columns, rows, sheet=t("withheld_title", L)[:31])
    return Section(t("withheld_title", L), [tf("withheld_para", L, n=len(withheld))], tables=[table])


def build_apply(result: dict, lang: str = "zh", folder: Path | None = None) -> Report:
    L = lang
    ba = result["before_after"]
    targets = ba.get("targets") or {}
    whole = ba["catalogue"]
    metrics = _metrics(whole, targets, L)
    overview = Section(t("report_summary", L), [tf("rb_overview_para", L, applied=len(result.get("applied") or []),
                                                     rejected=len(result.get("rejected") or []), matters=whole["matters"])],
                       [charts.before_after_bars(metrics, t("report_summary", L), t("report_before", L), t("report_after", L))],
                       [_target_table(whole.get("targets") or [], L)])
    sections = [overview, _matter_table_section(ba.get("matters") or [], L)]
    graphs = _graph_section(result, ba.get("matters") or [], folder, L)
    if graphs:
        sections.append(graphs)
    applied = set(result.get("applied") or [])
    accepted = [p for p in result.get("proposals") or [] if p["id"] in applied]
    for dimension in ("materials", "steps", "time", "visits"):  # one section per reduction
        chosen = [p for p in accepted if p["dimension"] == dimension]
        if chosen:
            table = proposals_table(chosen, L)
            table.title = t(f"dim_{dimension}", L)
            table.sheet = f"{t('sheet_proposals', L)}-{t(f'dim_{dimension}', L)}"
            sections.append(Section(t(f"dim_{dimension}", L), [tf("rb_dimension_para", L, n=len(chosen))], tables=[table]))
    return Report(title=t("rb_title", L), lang=L,
                  metrics=metrics, sections=sections, method=[t(f"rb_method_{k}", L) for k in ("cp", "targets", "apply2")],
                  warnings=list(result.get("warnings") or []),
                  source=file_names(result.get("catalogue"), result.get("plan")))


def _matter_table_section(matters: list[dict], L: str) -> Section:
    rows = []
    for m in matters:
        row = {"name": m["name"], "code": m.get("code", "")}
        for key, short in (("steps", "steps"), ("materials", "materials"), ("promised_days", "days"),
                           ("critical_path_days", "cp"), ("visits", "visits")):
            row[f"{short}_b"], row[f"{short}_a"] = m["before"].get(key), m["after"].get(key)
        rows.append(row)
    columns = [Column("name", t("audit_matter", L)), Column("code", t("audit_code", L))]
    for short in ("steps", "materials", "days", "cp", "visits"):
        columns += [Column(f"{short}_b", t(f"rb_{short}_b", L), "float"), Column(f"{short}_a", t(f"rb_{short}_a", L), "float")]
    narrow = ("name", "steps_b", "steps_a", "materials_b", "materials_a", "days_b", "days_a", "visits_b", "visits_a")
    return Section(t("rb_matters", L), tables=[Table(t("rb_matters", L), columns, rows, sheet=t("sheet_matters", L),
                                                     html_rows=60, word_columns=narrow)])


def _graph_section(result: dict, matters: list[dict], folder: Path | None, L: str) -> Section | None:
    """Before/after step graphs of the matters whose steps changed most (read from the sheets)."""
    after_path = folder / "after.xlsx" if folder else None
    if not after_path or not after_path.is_file() or not Path(str(result.get("catalogue", ""))).is_file():
        return None
    from bpr.io import read_catalogue
    from bpr.plan.stepgraph import step_graph

    before_cat, after_cat = read_catalogue(result["catalogue"]), read_catalogue(after_path)
    changed = sorted((m for m in matters if (m["cut"].get("steps") or 0) > 0 or (m["cut"].get("critical_path_days") or 0) > 0),
                     key=lambda m: (-(m["cut"].get("critical_path_days") or 0), -(m["cut"].get("steps") or 0)))
    applied = set(result.get("applied") or [])
    figures = []
    for m in changed[:GRAPHS]:
        before, after = before_cat.find(m["code"] or m["name"]), after_cat.find(m["code"] or m["name"])
        if before is None or after is None:
            continue
        g_before, g_after = _named(step_graph(before), L), _named(step_graph(after), L)
        merged = {step: tf("rb_merged_into", L, into=change["into"])
                  for p in result.get("proposals") or [] if p["id"] in applied and p.get("code") == m["code"]
                  for change in [p.get("change") or {}] if change.get("kind") == "merge_steps"
                  for step in change.get("steps") or [] if step in g_before and step != change.get("into")}
        removed = set(g_before) - set(g_after) - set(merged)
        figures.append(charts.process_graph(g_before, tf("rb_graph_before", L, matter=m["name"]), removed=removed,
                                            merged=merged, colour_by=None))
        figures.append(charts.process_graph(g_after, tf("rb_graph_after", L, matter=m["name"]), colour_by=None))
    return Section(t("rb_graphs", L), [t("rb_graphs_para", L)], figures=figures) if figures else None


def _named(graph: nx.DiGraph, L: str = "zh") -> nx.DiGraph:
    """Step-position graph -> graph on step names, each step's time limit as its note."""
    named = nx.DiGraph()
    for _, data in graph.nodes(data=True):
        days = data.get("days")
        note = "" if days is None else t("unit_immediate", L) if days == 0 else f"{days:g} {t('unit_working_day', L)}"
        named.add_node(data["name"], note=note)
    for u, v in graph.edges:
        named.add_edge(graph.nodes[u]["name"], graph.nodes[v]["name"], count=1)
    return named


def build_bundle(result: dict, lang: str = "zh", folder: Path | None = None) -> Report:
    L = lang
    b = result["bundle"]
    targets = {tg["id"]: tg.get("required") for tg in result.get("targets") or []}
    metrics = _metrics(b, targets, L)
    members = b.get("members") or []
    sections = [
        Section(t("rn_members", L), [tf("rn_members_para", L, lead=b.get("lead_department") or "—", n=len(members),
                                         d=len(b.get("departments") or []), names=join_list((m["name"] for m in members), L))],
                [charts.before_after_bars(metrics, t("report_summary", L), t("report_before", L), t("report_after", L))],
                [_target_table(result.get("targets") or [], L),
                 Table(t("rn_members", L), [Column("name", t("audit_matter", L)), Column("code", t("audit_code", L)),
                                            Column("department", t("audit_department", L))], members,
                       sheet=t("sheet_matters", L))]),
    ]
    def asked_by(d: dict) -> str:
        return join_list((paren(x["matter"], x["material"], L) for x in d["materials"]), L)

    shared = [{"document": d["document"], "asked_by": asked_by(d)} for d in b.get("shared_documents") or []]
    paragraphs = []
    form = b.get("one_form") or {}
    if form.get("replaces"):
        paragraphs.append(tf("rn_one_form", L, forms=join_list((f"{x['matter']}·{x['material']}" for x in form["replaces"]), L)))
    inside = [{"document": d["document"], "issued_by": d["issued_by"], "asked_by": asked_by(d)}
              for d in b.get("issued_within") or []]
    sections.append(Section(t("rn_shared", L), paragraphs, tables=[
        Table(t("rn_shared", L), [Column("document", t("rn_document", L)), Column("asked_by", t("rn_asked_by", L))], shared,
              sheet=t("rn_document", L)),
        *([Table(t("rn_issued_within", L), [Column("document", t("rn_document", L)), Column("issued_by", t("rn_issued_by", L)),
                                             Column("asked_by", t("rn_asked_by", L))], inside,
                 sheet=t("rn_issued_within_sheet", L), note=t("rn_issued_within_note", L))] if inside else []),
        after_list_table(b, L)]))
    needs = sharing_section(b.get("sharing_needs") or [], L)  # 共享需求清单 of the 一件事 (#13)
    if needs:
        sections.append(needs)
    return Report(title=tf("rn_title", L, name=b["name"]), subtitle=tf("rn_subtitle", L, lead=b.get("lead_department") or "—"), lang=L,
                  metrics=metrics, sections=sections, source=file_names(result.get("catalogue")),
                  warnings=list(result.get("warnings") or []),
                  method=[t(f"rn_method_{k}", L) for k in ("before", "materials", "time")] + [t("rb_method_targets", L)])
