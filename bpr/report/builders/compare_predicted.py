"""Report section of `bpr compare --predicted`: the plan's simulated prediction beside the measured after side."""

from __future__ import annotations

from bpr.i18n import note_text, t, tf
from bpr.report import charts
from bpr.report.document import Column, Section, Table

_RATES = {"on_time_rate"}


def sections(data: dict, L: str) -> list[Section]:
    measures = data.get("measures") or []
    if not measures:
        return []
    scenario = data.get("scenario") or ""
    if data.get("label"):
        scenario = data["label"].get(L) or data["label"].get("zh") or scenario
    rows = []
    for m in measures:
        scale = 100 if m["measure"] in _RATES else 1

        def s(v, scale=scale):
            return None if v is None else v * scale

        rows.append({"measure": t(f"cmp_m_{m['measure']}", L), "predicted": s(m["predicted"]),
                     "observed": s(m["observed"]), "error": s(m["error"]), "rel": m["rel_error"],
                     "within": "" if m["within"] is None else t("cmp_yes_within" if m["within"] else "cmp_no_within", L),
                     "as_is": s(m["as_is"]), "before": s(m["observed_before"]),
                     "pchange": s(m["predicted_change"]), "ochange": s(m["observed_change"])})
    table = Table(t("rc_predicted", L), [
        Column("measure", t("cmp_measure", L)), Column("predicted", t("cmp_pred_predicted", L), "float"),
        Column("observed", t("cmp_pred_observed", L), "float"), Column("error", t("cmp_pred_error", L), "float"),
        Column("rel", t("cmp_pred_rel_error", L), "pct"), Column("within", t("cmp_pred_within", L)),
        Column("as_is", t("cmp_pred_as_is", L), "float"), Column("before", t("cmp_before", L), "float"),
        Column("pchange", t("cmp_pred_change", L), "float"),
        Column("ochange", t("cmp_pred_observed_change", L), "float")], rows, sheet=t("rc_predicted", L)[:12])
    paragraphs = []
    md = next((m for m in measures if m["measure"] == "median_days"), None)
    if md and md["predicted"] is not None and md["observed"] is not None and md["observed_low"] is not None:
        paragraphs.append(tf("rc_predicted_para", L, scenario=scenario, pred=md["predicted"], obs=md["observed"],
                             low=md["observed_low"], high=md["observed_high"], err=md["error"], rel=md["rel_error"],
                             verdict=t("rc_predicted_within" if md["within"] else "rc_predicted_outside", L)))
        if md["as_is_error"] is not None:
            paragraphs.append(tf("rc_predicted_as_is_para", L, rel=md["as_is_error"]))
    paragraphs += [note_text(n, L) for n in data.get("notes") or []]
    days = [m for m in measures if m["measure"] in ("median_days", "p90_days") and m["predicted"] is not None
            and m["observed"] is not None]
    figures = []
    if days:
        figures.append(charts.interval_bars(
            [t(f"cmp_m_{m['measure']}", L) for m in days],
            {t("cmp_pred_predicted", L): [_interval(m, "predicted") for m in days],
             t("cmp_pred_observed", L): [_interval(m, "observed") for m in days]},
            t("rc_predicted_chart", L), t("unit_working_day", L)))
    return [Section(t("rc_predicted", L), paragraphs, figures, [table])]


def _interval(m: dict, key: str) -> dict:
    """{mean, ci_low, ci_high} of `key`; a missing bound is the mean (no error bar)."""
    mean = m[key]
    low, high = m.get(f"{key}_low"), m.get(f"{key}_high")
    return {"mean": mean, "ci_low": mean if low is None else low, "ci_high": mean if high is None else high}
