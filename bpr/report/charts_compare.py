"""Charts for `bpr compare` reports, in the conventions of bpr/report/charts.py (labels from the
caller, bundled CJK font, SVG for HTML and PNG for Word)."""

from __future__ import annotations

from collections.abc import Sequence

from bpr.report.charts import ACCENT, AFTER, BEFORE, GREY, _figure, plt
from bpr.report.document import Figure
from bpr.report.fonts import use_cjk_font


def control_chart(months: Sequence[str], values: Sequence[float | None], control: dict, reform_month: str,
                  title: str, ylabel: str, labels: dict[str, str], secondary: Sequence[float | None] | None = None,
                  caption: str = "") -> Figure:
    """An individuals (XmR) chart of a monthly series: centre line and ±3σ limits from the months
    before the reform, the mean after it, the reform month marked, points outside the limits red.
    `labels`: centre, limits, after, reform, series, secondary (legend texts)."""
    use_cjk_font()
    fig, ax = plt.subplots(figsize=(8, 3.4))
    x = list(range(len(months)))
    ys = [float("nan") if v is None else v for v in values]
    if secondary is not None:
        ax.plot(x, [float("nan") if v is None else v for v in secondary], color=GREY, linewidth=1,
                marker=".", label=labels.get("secondary", ""))
    ax.plot(x, ys, color=AFTER, linewidth=1.6, marker="o", markersize=4, label=labels.get("series", ""))
    reform_x = next((i for i, m in enumerate(months) if m >= reform_month), None)
    centre, upper, lower = control.get("centre"), control.get("upper"), control.get("lower")
    if centre is not None:
        end = reform_x if reform_x is not None else len(x)
        ax.hlines(centre, 0, len(x) - 1, colors=BEFORE, linewidth=1.2, label=labels.get("centre", ""))
        ax.hlines([upper, lower], 0, len(x) - 1, colors=BEFORE, linestyles="--", linewidth=1,
                  label=labels.get("limits", ""))
        outside = [(i, y) for i, y in enumerate(ys) if i >= end and y == y and (y > upper or y < lower)]
        if outside:
            ax.scatter([i for i, _ in outside], [y for _, y in outside], color=ACCENT, zorder=5, s=28)
    if control.get("after_centre") is not None and reform_x is not None:
        ax.hlines(control["after_centre"], reform_x, len(x) - 1, colors=ACCENT, linestyles=":", linewidth=1.4,
                  label=labels.get("after", ""))
    if reform_x is not None:
        ax.axvline(reform_x - 0.5, color=ACCENT, linewidth=1.2)
        ax.annotate(labels.get("reform", ""), (reform_x - 0.5, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(4, -12), textcoords="offset points", color=ACCENT, fontsize=9)
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step], [months[i] for i in x[::step]], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=3)
    ax.spines[["top", "right"]].set_visible(False)
    return _figure(fig, title, caption)


def change_intervals(labels: Sequence[str], changes: Sequence[dict], title: str, xlabel: str) -> Figure:
    """Relative change per measure (after/before − 1, %) with its 95% interval as an error bar;
    significant changes dark, the others grey; a line at 0."""
    use_cjk_font()
    rows = [(label, c) for label, c in zip(labels, changes, strict=True)
            if c.get("diff") is not None and c.get("before")]
    fig, ax = plt.subplots(figsize=(7, 0.45 * max(len(rows), 1) + 1.2))
    for i, (_label, c) in enumerate(reversed(rows)):
        base = abs(c["before"])
        mid, low, high = (100 * c["diff"] / base, 100 * (c["ci_low"] if c["ci_low"] is not None else c["diff"]) / base,
                          100 * (c["ci_high"] if c["ci_high"] is not None else c["diff"]) / base)
        colour = AFTER if c.get("significant") else GREY
        ax.barh(i, mid, color=colour, height=0.6)
        ax.errorbar(mid, i, xerr=[[max(mid - low, 0)], [max(high - mid, 0)]], color="#102a43", capsize=3,
                    linewidth=1)
        ax.annotate(f"{mid:+.1f}%", (mid, i), xytext=(6 if mid >= 0 else -6, 6), textcoords="offset points",
                    ha="left" if mid >= 0 else "right", fontsize=8)
    ax.set_yticks(range(len(rows)), [label for label, _ in reversed(rows)], fontsize=9)
    ax.axvline(0, color="#102a43", linewidth=0.8)
    ax.set_xlabel(xlabel)
    ax.margins(x=0.15)
    ax.spines[["top", "right"]].set_visible(False)
    return _figure(fig, title)
