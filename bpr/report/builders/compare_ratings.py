"""Report sections for 好差评 and channels (`bpr.analyse.ratings`): used by the compare report
(both sides, the after side in detail) and by the discover report (one log)."""

from __future__ import annotations

from bpr.i18n import note_text, t, tf
from bpr.report import charts
from bpr.report.document import Column, Finding, Section, Table

#: rows per breakdown table on the page (the workbook has them all)
TOP = 15


def sections(data: dict, L: str) -> list[Section]:
    """Compare: the 差评率 change and channel shift, then the after side's breakdown."""
    out: list[Section] = []
    before, after = data.get("before") or {}, data.get("after") or {}
    change = data.get("bad_rate") or {}
    shift = data.get("channels") or []
    if change.get("diff") is not None or shift:
        paragraphs = []
        if change.get("diff") is not None:
            paragraphs.append(tf("rr_change_para", L, before=change["before"], after=change["after"],
                                 diff=change["diff"], low=change["ci_low"], high=change["ci_high"],
                                 sig=t("cmp_yes" if change["significant"] else "cmp_no", L)))
        tables = []
        if shift:
            counter = next((c for c in shift if c["channel"] == "窗口"), None)
            if counter:
                paragraphs.append(tf("rr_channels_change_para", L, before=counter["share_before"],
                                     after=counter["share_after"]))
            tables.append(Table(t("rr_channels", L), [
                Column("channel", t("rt_channel", L)), Column("share_before", t("rt_share_before", L), "pct"),
                Column("share_after", t("rt_share_after", L), "pct"),
                Column("median_days_before", t("rt_median_before", L), "float"),
                Column("median_days_after", t("rt_median_after", L), "float")], shift,
                sheet=t("rr_channels", L)[:12]))
        out.append(Section(t("rr_channels", L) if change.get("diff") is None else t("rr_title", L), paragraphs,
                           tables=tables))
    if after.get("has_rating"):
        out.extend(rating_sections(after, L, "rr_title_after", channels=False))
    elif before.get("has_rating"):
        out.extend(rating_sections(before, L, "rr_title", channels=False))
    return out


def rating_sections(r: dict, L: str, title: str = "rr_title", channels: bool = True) -> list[Section]:
    """One log's 差评率 breakdown, cross-tabulation, 整改清单 and (with `channels`) channel mix."""
    out: list[Section] = []
    if r.get("has_rating"):
        s = r["summary"]
        paragraphs = [tf("rr_summary_para", L, cases=s["cases"], rated=s["rated"], rated_share=s["rated_share"] or 0,
                         bad=s["bad"], rate=s["bad_rate"] or 0)]
        for c in r.get("cross") or []:
            if c["with_rate"] is not None and c["without_rate"] is not None and c["ratio"] is not None:
                paragraphs.append(tf("rr_cross_para", L, factor=t(f"rt_factor_{c['factor']}", L),
                                     with_rate=c["with_rate"], without_rate=c["without_rate"], ratio=c["ratio"],
                                     share=c["share_of_bad"] or 0))
        paragraphs += [note_text(n, L) for n in r.get("notes") or [] if n.get("id") != "note_ratings_no_channel"]
        tables = [_by_table(r, group, L) for group in ("matter", "department", "step", "handler")
                  if (r.get("by") or {}).get(group)]
        tables.append(Table(t("rr_cross", L), [
            Column("factor", t("rt_factor", L)), Column("with_rated", t("rt_with_rated", L), "int"),
            Column("with_rate", t("rt_with_rate", L), "pct"), Column("without_rated", t("rt_without_rated", L), "int"),
            Column("without_rate", t("rt_without_rate", L), "pct"), Column("ratio", t("rt_ratio", L), "float"),
            Column("share_of_bad", t("rt_share_of_bad", L), "pct")],
            [{**c, "factor": t(f"rt_factor_{c['factor']}", L)} for c in r.get("cross") or []],
            sheet=t("rr_cross", L)[:12]))
        steps = (r.get("by") or {}).get("step") or []
        figures = [charts.ranking_bars([g["name"] for g in steps], [g["bad_rate"] for g in steps],
                                       tf("rr_by", L, group=t("rt_by_step", L)), t("rt_bad_rate", L),
                                       percent=True, sort=False)] if steps else []
        out.append(Section(t(title, L), paragraphs, figures, tables))
        out.append(_rectify_section(r, L))
    if channels and r.get("has_channel") and r.get("channels"):
        rows = r["channels"]
        top = rows[0]
        online = sum(c["share"] for c in rows if c["channel"] != "窗口")
        out.append(Section(t("rr_channels", L), [tf("rr_channels_para", L, top=top["channel"], share=top["share"],
                                                    online=online)],
                           tables=[Table(t("rr_channels", L), [
                               Column("channel", t("rt_channel", L)), Column("cases", t("cmp_cases", L), "int"),
                               Column("share", t("rt_share", L), "pct"),
                               Column("median_days", t("cmp_m_median_days", L), "float"),
                               Column("median_hours", t("cmp_m_median_hours", L), "float"),
                               Column("bad_rate", t("rt_bad_rate", L), "pct")], rows,
                               sheet=t("rr_channels", L)[:12])]))
    return out


def _by_table(r: dict, group: str, L: str) -> Table:
    rows = [{**g, "ci": "—" if g["ci_low"] is None else f"{100 * g['ci_low']:.1f}%–{100 * g['ci_high']:.1f}%"}
            for g in r["by"][group]]
    label = t(f"rt_by_{group}", L)
    return Table(tf("rr_by", L, group=label), [
        Column("name", label), Column("rated", t("rt_rated", L), "int"), Column("bad", t("rt_bad", L), "int"),
        Column("bad_rate", t("rt_bad_rate", L), "pct"), Column("ci", t("rc_ci", L)),
        Column("lift", t("rt_lift", L), "float")], rows, sheet=f"{t('rt_bad_rate', L)}-{label}"[:28],
        note=t("rr_by_note", L), html_rows=TOP)


def _rectify_section(r: dict, L: str) -> Section:
    items = r.get("rectification") or []
    sep = "、" if L == "zh" else ", "
    findings, rows = [], []
    for item in items:
        factors = sep.join(t(f"rt_factor_{f}", L) for f in item["factors"])
        where = item["step"] if not item.get("handler") else f"{item['step']} · {item['handler']}"
        message = tf("rr_rectify_item", L, rate=item["bad_rate"], lift=item["lift"], factors=factors or "—")
        if item.get("worst_handler"):
            message += "；" if L == "zh" else "; "
            message += tf("rr_rectify_handler", L, name=item["worst_handler"], rate=item["worst_handler_rate"])
        findings.append(Finding("warning", where, message))
        rows.append({"step": item["step"], "handler": item.get("handler") or "", "rated": item["rated"],
                     "bad_rate": item["bad_rate"], "lift": item["lift"], "worst": item.get("worst_handler") or "",
                     "factors": factors})
    table = Table(t("rr_rectify", L), [
        Column("step", t("step_name", L)), Column("handler", t("rt_by_handler", L)),
        Column("rated", t("rt_rated", L), "int"), Column("bad_rate", t("rt_bad_rate", L), "pct"),
        Column("lift", t("rt_lift", L), "float"), Column("worst", t("rt_worst_handler", L)),
        Column("factors", t("rt_factors", L))], rows, sheet=t("rr_rectify", L)[:12],
        note=tf("rr_rectify_note", L, n=r.get("min_rated", 20)))
    paragraphs = [] if items else [t("rr_rectify_none", L)]
    return Section(t("rr_rectify", L), paragraphs, tables=[table], findings=findings)
