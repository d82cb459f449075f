"""Report for `bpr simulate` results: as-is vs to-be with confidence intervals, and validation."""

from __future__ import annotations

from pathlib import Path

from bpr.i18n import colon, join_list, note_text, paren, t, tf
from bpr.model.timelimit import TimeLimit, Unit
from bpr.report import charts
from bpr.report.builders.common import in_process_order
from bpr.report.document import Column, Metric, Report, Section, Table
from bpr.report.formatting import file_names
from bpr.simulate.model import group_name


def _mean(stat: dict | None) -> float | None:
    return None if not stat else stat.get("mean")


def build(result: dict, lang: str = "zh", folder: Path | None = None) -> Report:
    L = lang
    scenarios = result.get("scenarios") or []
    as_is = scenarios[0] if scenarios else {}
    # the cards compare as-is with a single to-be; several scenarios are compared in the section
    to_be = scenarios[1] if len(scenarios) == 2 else None
    other = to_be or {}

    def metric(label: str, get, unit: str, digits: int = 1) -> Metric:
        before = get(as_is)
        after = get(other) if to_be else None
        return Metric(label, None if before is None else round(before, digits),
                      None if after is None else round(after, digits), unit)

    days = t("unit_working_day", L)
    metrics = [
        metric(t("rs_median_days", L), lambda s: _mean((s.get("cycle_working_days") or {}).get("median")), days),
        metric(t("rs_p90_days", L), lambda s: _mean((s.get("cycle_working_days") or {}).get("p90")), days),
    ]
    if _visits_known(result):
        metrics.append(metric(t("rs_visits", L), lambda s: _mean(s.get("visits_per_case")), t("unit_times", L), 2))
    if _mean(as_is.get("on_time_rate")) is not None:
        metrics.append(metric(t("rs_on_time", L), lambda s: 100 * (_mean(s.get("on_time_rate")) or 0), "%"))

    sections = [_outcome_section(result, scenarios, L)]
    if "mechanisms" in (result.get("model") or {}):  # results written before issue 19 have none
        sections.append(mechanisms_section(result["model"]["mechanisms"], L))
    if result.get("validation"):
        sections.append(_validation_section(result["validation"], L))
    # a run that only checks the model against reality is a validation report, not a what-if one
    title = t("rs_title_validate" if result.get("validation") and len(scenarios) < 2 else "rs_title", L)
    return Report(title=title, lang=L,
                  summary_title=t("rs_summary_sim", L) if to_be else title if len(scenarios) < 2 else t("rs_asis_sim", L),
                  metrics=metrics, sections=sections,
                  method=[t("rs_method", L)] + [note_text(n, L) for n in (result.get("model") or {}).get("notes") or []],
                  source=file_names(result.get("source")))


def _visits_known(result: dict) -> bool:
    """Whether the log showed on-site events at all (else visits are unknown, not zero)."""
    return (result.get("model") or {}).get("visits_known", True)


def _label(scenario: dict, i: int, L: str) -> str:
    if i == 0:  # simulated, not observed: the 实际 figures are in the discover report
        return t("rs_asis_sim", L)
    if scenario.get("label"):
        return note_text(scenario["label"], L)
    return scenario.get("name") or scenario.get("description") or t("rs_tobe", L)


def _outcome_section(result: dict, scenarios: list[dict], L: str) -> Section:
    para = tf("rs_distribution_para", L, replications=result.get("replications"), cases=result.get("cases"),
              seed=result.get("seed"))
    if (result.get("replications") or 0) < 2:  # a single replication has no interval: say so, not "None"
        para += " " + t("rs_no_ci", L) + ("。" if L == "zh" else ".")
    labels = [_label(s, i, L) for i, s in enumerate(scenarios)]
    if len(scenarios) <= 2:  # as-is and one to-be: their distributions overlaid
        hist = {label: (s["histogram_hours"]["edges"], s["histogram_hours"]["share"])
                for label, s in zip(labels, scenarios, strict=True) if s.get("histogram_hours")}
        figures = [charts.histograms(hist, t("rs_distribution", L), t("rs_hours_axis", L), t("rs_share_axis", L))] if hist else []
    else:  # several: median and P90 side by side, with their confidence intervals
        days = [s.get("cycle_working_days") or {} for s in scenarios]
        figures = [charts.interval_bars(labels, {t("rs_median_days", L): [d.get("median") or {} for d in days],
                                                 t("rs_p90_days", L): [d.get("p90") or {} for d in days]},
                                        t("rs_distribution", L), t("unit_working_day", L))]
    summary_rows = []
    for label, s in zip(labels, scenarios, strict=True):
        description = s.get("description") or changes_text(s.get("changes") or {}, L)
        summary_rows.append({"scenario": label, "description": "" if description in label else description,
                             "median": (s.get("cycle_working_days") or {}).get("median"),
                             "p90": (s.get("cycle_working_days") or {}).get("p90"),
                             "mean_h": (s.get("cycle_hours") or {}).get("mean"),
                             "visits": s.get("visits_per_case")})
    described = [Column("description", t("rs_changes", L))] if any(r["description"] for r in summary_rows) else []
    summary = Table(t("rs_distribution", L), [
        Column("scenario", t("rs_scenario", L)), *described,
        Column("median", paren(t("rs_median_days", L), t("unit_working_day", L), L), "interval"),
        Column("p90", paren(t("rs_p90_days", L), t("unit_working_day", L), L), "interval"),
        Column("mean_h", paren(t("rs_mean_hours", L), t("unit_hours", L), L), "interval"),
        *([Column("visits", t("rs_visits", L), "interval")] if _visits_known(result) else [])],
        summary_rows, sheet=t("rs_scenario", L))
    model = result.get("model") or {}
    steps = in_process_order({step for s in scenarios for step in (s.get("waiting_hours") or {})},
                             *_members_for_groups(model))
    waiting = Table(t("rs_waiting", L), [Column("step", t("rd_activity", L))] + [
        Column(f"s{i}", label, "float") for i, label in enumerate(labels)],
        [{"step": step, **{f"s{i}": _mean((s.get("waiting_hours") or {}).get(step)) for i, s in enumerate(scenarios)}}
         for step in steps], sheet=t("rs_waiting", L)[:10])
    pools = sorted({p for s in scenarios for p, u in (s.get("utilisation") or {}).items() if _mean(u)})  # pools with work
    util = Table(t("rs_utilisation", L), [Column("pool", t("rs_pool", L))] + [
        Column(f"s{i}", label, "pct") for i, label in enumerate(labels)],
        [{"pool": p, **{f"s{i}": _mean((s.get("utilisation") or {}).get(p)) for i, s in enumerate(scenarios)}}
         for p in pools], sheet=t("rs_utilisation", L))
    why = [label + colon(L) + note_text(n, L) for label, s in zip(labels, scenarios, strict=True) for n in s.get("notes") or []]
    return Section(t("rs_distribution", L), [para, *why], figures, [summary, waiting, util])


def mechanisms_section(mechanisms: list[dict], L: str) -> Section:
    """检测到的机制 / mechanisms found: each with its evidence (bpr.simulate.mechanisms), or a line
    saying none was found."""
    if not mechanisms:
        return Section(t("rs_mechanisms", L), [t("rs_mechanisms_none", L)])
    lines = [str(m.get(L) or m.get("en", "")) for m in mechanisms]  # written in both languages when found
    return Section(t("rs_mechanisms", L), [t("rs_mechanisms_para", L), *lines])


def past_period_text(past: dict, L: str) -> str:
    """The model's errors on the period before the split (`bpr.simulate.validate.past_period`)."""
    return tf("sim_past_period_line", L, start=past["from"], cases=past["real_cases"], median=past["median_rel_error"],
              p90=past["p90_rel_error"])


def _validation_section(v: dict, L: str) -> Section:
    para = tf("rs_validation_para2", L, train=v["train_cases"], test=v["test_cases"], median=100 * v["median_rel_error"],
              p90=100 * v["p90_rel_error"], emd=v["emd_hours"],
              verdict=t("rs_valid_ok" if v.get("goal_met") else "rs_valid_bad", L))
    hours = t("unit_hours", L)
    rows = [{"what": paren(t("rs_median_days", L), hours, L), "real": v["real_median_h"], "sim": v["sim_median_h"]},
            {"what": paren(t("rs_p90_days", L), hours, L), "real": v["real_p90_h"], "sim": v["sim_p90_h"]},
            {"what": paren(t("rs_mean_hours", L), hours, L), "real": v["real_mean_h"], "sim": v["sim_mean_h"]}]
    intervals = v.get("intervals") or {}
    for row, key in zip(rows, ("median_h", "p90_h", "mean_h"), strict=True):  # issue 19: interval per figure
        i = intervals.get(key)
        row["interval"] = f"{i['low']:.1f}–{i['high']:.1f}" + (" ⚠" if i["outside"] else "") if i else "—"
    table = Table(t("rs_validation", L), [Column("what", t("report_indicator", L)), Column("real", t("rs_real", L), "float"),
                                          Column("sim", t("rs_simulated", L), "float"),
                                          Column("interval", t("rs_interval", L))], rows, sheet=t("rs_validation", L)[:10])
    paragraphs = [para]
    given, arrivals = v.get("given_arrivals") or {}, v.get("arrival_check") or {}
    if given:  # issue 19: the process model alone (real arrivals replayed), beside the forecast figure
        paragraphs.append(tf("sim_given_arrivals_line", L, median=given["median_rel_error"], p90=given["p90_rel_error"],
                             emd=given["emd_hours"], cases=given["simulated_cases"]))
    if past := v.get("past_period"):  # the model on the period it learnt from
        paragraphs.append(past_period_text(past, L))
    if arrivals.get("missed"):
        paragraphs.append(tf("sim_arrival_miss", L, simulated=arrivals["simulated_cases"], real=arrivals["real_cases"],
                             diff=arrivals["rel_difference"]))
    if intervals:
        paragraphs.append(interval_text(intervals, v.get("miss_steps") or [], L))
    if v.get("drift"):
        paragraphs.append(tf("rs_valid_drift", L, train_median=v["train_median_h"], train_p90=v["train_p90_h"]))
        if v.get("drift_since"):
            paragraphs.append(tf("rs_valid_drift_since", L, since=v["drift_since"]))
    figures = []
    if v.get("histogram_hours"):
        h = v["histogram_hours"]
        figures.append(charts.histograms({t("rs_real", L): (h["edges"], h["real"]), t("rs_simulated", L): (h["edges"], h["simulated"])},
                                         t("rs_validation_chart", L), t("rs_hours_axis", L), t("rs_share_axis", L)))
    tables = [table]
    if v.get("step_changes"):
        tables.append(Table(t("rs_step_changes", L), [Column("step", t("rd_activity", L))] + [
            Column(k, t(f"rs_{k}", L), "float") for k in ("train_median_h", "test_median_h", "train_p90_h", "test_p90_h")],
            v["step_changes"], sheet=t("rs_step_changes", L)[:20], note=t("rs_step_changes_para", L)))
    if v.get("step_waits"):  # issue 19: per-step median waits, real vs simulated
        tables.append(Table(t("rs_step_waits", L), [
            Column("step", t("rd_activity", L)), Column("events", t("rs_events", L), "int"),
            Column("real_median_h", t("rs_real_median_wait", L), "float"),
            Column("sim_median_h", t("rs_sim_median_wait", L), "float"),
            Column("rel_error", t("rs_step_wait_error", L), "pct")],
            v["step_waits"], sheet=t("rs_step_waits", L)[:20], note=t("rs_step_waits_note", L)))
    if v.get("rolling"):
        paragraphs.append(rolling_text(v["rolling"], L))
        tables.append(_rolling_table(v["rolling"], L))
    return Section(t("rs_validation", L), paragraphs, figures, tables)


def interval_text(intervals: dict, steps: list[dict], L: str) -> str:
    """Whether the real figures fall inside the simulated prediction intervals, and when not,
    which steps' wait errors explain the miss (issue 19)."""
    outside = [(k, i) for k, i in intervals.items() if i["outside"]]
    if not outside:
        return t("rs_intervals_inside", L)
    figures = join_list((tf("rs_interval_figure", L, what=t(f"rs_fig_{k}", L), real=i["real"], low=i["low"],
                            high=i["high"]) for k, i in outside), L)
    text = tf("rs_intervals_outside", L, figures=figures)
    if steps:
        text += " " + tf("rs_miss_steps", L, steps=join_list((tf("rs_miss_step", L, step=s["step"], sim=s["sim_median_h"],
                                                                   real=s["real_median_h"]) for s in steps), L))
    return text


def _fmt(value: float | None, pct: bool) -> str:
    if value is None:
        return "—"
    return f"{100 * value:.1f}%" if pct else f"{value:.1f}"


def rolling_text(rolling: dict, L: str) -> str:
    """The rolling origin's worst figures and verdict, in a paragraph (issue 19)."""
    w = rolling["worst"]
    text = tf("rs_rolling_para", L, median=_fmt(w["median_rel_error"]["value"], True),
              p90=_fmt(w["p90_rel_error"]["value"], True), emd=_fmt(w["emd_hours"]["value"], False),
              wait=_fmt(w["step_wait_error"]["value"], True),
              flow=_fmt(w["control_flow_distance"]["value"], True),
              verdict=t("rs_rolling_ok" if w["goal_met"] else "rs_rolling_bad", L))
    skipped = [tf("rs_rolling_skipped", L, share=f"{100 * s['train_share']:.0f}", reason=s["skipped"])
               for s in rolling["splits"] if "skipped" in s]
    misses = [m for s in rolling["splits"] if "skipped" not in s and (m := split_miss_text(s, L))]
    return " ".join([text, *misses, *skipped])


def split_miss_text(split: dict, L: str) -> str:
    """For a split that missed the goal: per figure missed, whether the simulated figure lies inside
    the real figure's own sampling interval (`verdict` "sampling") or not ("model"), and the steps
    whose waits explain the miss; "" when the split met the goal (or carries no verdicts)."""
    parts = []
    for key, figure in (("median", "median_h"), ("p90", "p90_h")):
        kind = (split.get("verdicts") or {}).get(key)
        interval = (split.get("real_intervals") or {}).get(figure) or []
        if kind in ("sampling", "model") and len(interval) == 2:
            parts.append(tf(f"rs_verdict_{kind}", L, what=t(f"rs_fig_{figure}", L), sim=split[f"sim_{figure}"],
                            low=interval[0], high=interval[1]))
    if not parts:
        return ""
    text = tf("rs_rolling_miss", L, share=f"{100 * split['train_share']:.0f}", figures=join_list(parts, L))
    steps = split.get("miss_steps") or []
    if steps:
        text += " " + tf("rs_miss_steps", L, steps=join_list((tf("rs_miss_step", L, step=s["step"], sim=s["sim_median_h"],
                                                                  real=s["real_median_h"]) for s in steps), L))
    return text


def _rolling_table(rolling: dict, L: str) -> Table:
    """One row per split that ran, then the worst of each figure."""
    figures = (("median_rel_error", "rs_median_error", "pct"), ("p90_rel_error", "rs_p90_error", "pct"),
               ("emd_hours", "rs_emd_hours", "float"), ("step_wait_error", "rs_step_wait_error", "pct"),
               ("control_flow_distance", "rs_control_flow", "pct"))
    rows = [{"share": f"{100 * s['train_share']:.0f}%", "cases": f"{s['train_cases']}/{s['test_cases']}",
             **{k: s[k] for k, _, _ in figures},
             "goal": t("report_met" if s["goal_met"] else "report_not_met", L)}
            for s in rolling["splits"] if "skipped" not in s]
    worst = rolling["worst"]
    rows.append({"share": t("rs_worst", L), "cases": "", **{k: worst[k]["value"] for k, _, _ in figures},
                 "goal": t("report_met" if worst["goal_met"] else "report_not_met", L)})
    columns = [Column("share", t("rs_train_share", L)), Column("cases", t("rs_train_test_cases", L)),
               *(Column(k, t(label, L), fmt) for k, label, fmt in figures), Column("goal", t("rs_goal_met", L))]
    return Table(t("rs_rolling", L), columns, rows, sheet=t("rs_rolling", L)[:20])


def changes_text(changes: dict, L: str) -> str:
    """What a scenario changes, in a line: 取消制证、送达；补正/退回减少 57%；承诺时限 8 工作日."""
    parts = [tf("rs_ch_remove", L, steps=join_list(changes["remove"], L))] if changes.get("remove") else []
    parts += [tf("rs_ch_merge", L, steps=join_list(m.get("steps") or [], L), into=m.get("into", ""))
              for m in changes.get("merge") or []]
    parts += [tf("rs_ch_parallel", L, steps=join_list(group, L)) for group in changes.get("parallel") or []]
    for item in changes.get("rework") or []:
        target = item.get("to") or item.get("step") or t("rs_ch_rework_all", L)
        if "factor" in item:
            parts.append(tf("rs_ch_rework_factor", L, target=target, pct=round((1 - float(item["factor"])) * 100)))
        else:
            parts.append(tf("rs_ch_rework_probability", L, target=target, pct=round(float(item["probability"]) * 100)))
    parts += [tf("rs_ch_staffing", L, pool=pool, value=value) for pool, value in (changes.get("staffing") or {}).items()]
    parts += [tf("rs_ch_hours", L, pool=pool) for pool in changes.get("hours") or {}]
    if changes.get("promised_limit") is not None:
        parts.append(tf("rs_ch_limit", L, limit=_limit_text(changes["promised_limit"], L)))
    if changes.get("online"):
        parts.append(tf("rs_ch_online", L, steps=join_list(changes["online"], L)))
    parts += [tf("rs_ch_processing", L, step=step, factor=factor) for step, factor in (changes.get("processing") or {}).items()]
    parts += [tf("rs_ch_waits", L, step=step, factor=factor) for step, factor in (changes.get("waits") or {}).items()]
    if changes.get("tolerance"):  # 容缺受理 (#13)
        tolerated = changes["tolerance"]
        parts.append(tf("rs_ch_tolerance", L, steps=t("rs_ch_rework_all", L) if tolerated is True else join_list(tolerated, L)))
    return ("；" if L == "zh" else "; ").join(parts)


def _limit_text(raw: object, L: str) -> str:
    """A scenario's promised limit ("8个工作日", "即办") in the report's language."""
    limit = TimeLimit.parse(raw)
    if limit.unit is None:
        return str(raw)
    unit = t(f"unit_{limit.unit.value}", L)
    return unit if limit.value is None or limit.unit is Unit.IMMEDIATE else f"{limit.value:g} {unit}"


def _members_for_groups(model: dict) -> tuple[dict, dict]:
    """The model's start and transitions with each parallel group's node replaced by its members
    in a row (the first where the group is entered, the last leading where the group leads), for
    ordering steps as a case meets them: a group's steps stay together."""
    groups = {group_name(g): g for g in model.get("parallel_groups") or []}

    def first(dist: dict) -> dict:
        return {groups[x][0] if x in groups else x: p for x, p in dist.items()}

    transitions = {}
    for a, d in (model.get("transitions") or {}).items():
        members = groups.get(a, [a])
        transitions.update({x: {y: 1.0} for x, y in zip(members, members[1:], strict=False)})
        transitions[members[-1]] = first(d)
    return first(model.get("start") or {}), transitions
