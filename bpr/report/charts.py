"""Charts (matplotlib) as `Figure`s: SVG for HTML, PNG for Word. Labels come from the caller.

Process graphs are drawn with networkx + matplotlib in a left-to-right layered layout, so nothing
beyond pip is needed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402

from bpr.report.document import Figure, Metric  # noqa: E402
from bpr.report.fonts import use_cjk_font  # noqa: E402

BEFORE, AFTER, ACCENT, GREY = "#9fb3c8", "#1d4e89", "#c53030", "#bcccdc"


def _figure(fig, title: str, caption: str = "") -> Figure:
    svg, png = io.StringIO(), io.BytesIO()
    fig.savefig(svg, format="svg", bbox_inches="tight", metadata={"Date": None})
    fig.savefig(png, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    return Figure(title=title, svg=svg.getvalue(), png=png.getvalue(), caption=caption)


def before_after_bars(metrics: Sequence[Metric], title: str, before_label: str, after_label: str) -> Figure:
    """One small panel per metric (they have different units), before vs after, with % cut."""
    use_cjk_font()
    shown = [m for m in metrics if m.before is not None]
    fig, axes = plt.subplots(1, max(len(shown), 1), figsize=(2.6 * max(len(shown), 1), 3.0), squeeze=False)
    for ax, m in zip(axes[0], shown, strict=False):
        after = m.after if m.after is not None else m.before
        bars = ax.bar([before_label, after_label], [m.before, after], color=[BEFORE, AFTER], width=0.6)
        ax.set_title(f"{m.label}" + (f"（{m.unit}）" if m.unit else ""), fontsize=11)
        for bar, value in zip(bars, [m.before, after], strict=True):
            ax.annotate(f"{value:,.1f}".rstrip("0").rstrip("."), (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        ha="center", va="bottom", fontsize=9)
        if m.cut_pct is not None:
            colour = ACCENT if m.met is False else "#2f855a"
            ax.text(0.5, 0.92, f"−{m.cut_pct:.1f}%" if m.cut_pct >= 0 else f"+{-m.cut_pct:.1f}%",
                    transform=ax.transAxes, ha="center", fontsize=12, color=colour, fontweight="bold")
        ax.set_ylim(0, max(m.before, after, 1) * 1.3)
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=9)
    return _figure(fig, title)


def ranking_bars(labels: Sequence[str], values: Sequence[float], title: str, xlabel: str = "",
                 percent: bool = False, target: float | None = None, top: int = 20,
                 sort: bool = True) -> Figure:
    """Horizontal bars, largest first (or in the given order); values under `target` in red."""
    use_cjk_font()
    pairs = list(zip(labels, values, strict=True))
    pairs = (sorted(pairs, key=lambda p: -(p[1] or 0)) if sort else pairs)[:top]
    pairs.reverse()
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(pairs) + 1.2))
    colours = [ACCENT if target is not None and (v or 0) < target else AFTER for _, v in pairs]
    ax.barh([p[0] for p in pairs], [(p[1] or 0) * (100 if percent else 1) for p in pairs], color=colours)
    if target is not None:
        ax.axvline(target * (100 if percent else 1), color=ACCENT, linestyle="--", linewidth=1)
    ax.set_xlabel(xlabel + ("（%）" if percent else ""))
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=9)
    return _figure(fig, title)


def distribution(series: dict[str, Sequence[float]], title: str, xlabel: str, bins: int = 40) -> Figure:
    """Overlaid histograms (e.g. cycle time as-is vs to-be) with median markers."""
    use_cjk_font()
    import numpy as np

    fig, ax = plt.subplots(figsize=(7, 3.2))
    data = {k: np.asarray([v for v in vals if v is not None], dtype=float) for k, vals in series.items()}
    data = {k: v for k, v in data.items() if v.size}
    if data:
        hi = max(np.percentile(v, 99) for v in data.values())
        edges = np.linspace(0, hi if hi > 0 else 1, bins + 1)
        for (label, values), colour in zip(data.items(), [BEFORE, AFTER, ACCENT, GREY], strict=False):
            ax.hist(np.clip(values, 0, edges[-1]), bins=edges, alpha=0.6, color=colour, label=label)
            ax.axvline(np.median(values), color=colour, linestyle="--", linewidth=1.2)
        ax.legend(fontsize=9, frameon=False)
    ax.set_xlabel(xlabel)
    ax.spines[["top", "right"]].set_visible(False)
    return _figure(fig, title)


def _layers(graph: nx.DiGraph) -> dict:
    """Column of each node: longest distance from a start node, ignoring back edges (rework)."""
    starts = [n for n in graph if graph.in_degree(n) == 0] or list(graph)[:1]
    dag = nx.DiGraph()
    dag.add_nodes_from(graph)
    for s in starts:
        for u, v in nx.dfs_edges(graph, s):
            dag.add_edge(u, v)
    dag.add_edges_from((u, v) for u, v in graph.edges if u != v and nx.has_path(dag, u, v) is False
                       and not nx.has_path(dag, v, u))
    layer = {}
    for node in nx.topological_sort(dag):
        preds = list(dag.predecessors(node))
        layer[node] = 0 if not preds else max(layer[p] for p in preds) + 1
    return layer


def _text_width(node: object) -> float:
    """Label width in half-em units (a CJK character counts 2)."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(node)) + 2


def process_graph(graph: nx.DiGraph, title: str, removed: set[str] = frozenset(),
                  weight: str = "count", colour_by: str | None = "mean_s", caption: str = "") -> Figure:
    """Left-to-right process map: edge width by frequency, edge colour by waiting time,
    removed steps greyed with a strike-through label, parallel branches in the same column."""
    use_cjk_font()
    layer = _layers(graph)
    columns: dict[int, list] = {}
    for node, col in sorted(layer.items(), key=lambda kv: (kv[1], str(kv[0]))):
        columns.setdefault(col, []).append(node)
    pos = {n: (col * 3.0, -i + (len(nodes) - 1) / 2) for col, nodes in columns.items() for i, n in enumerate(nodes)}
    width = max(6.0, 1.7 * len(columns))
    height = max(2.5, 0.9 * max(len(v) for v in columns.values()) + 1) if columns else 2.5
    fig, ax = plt.subplots(figsize=(min(width, 30), min(height, 20)))
    edges = [(u, v) for u, v in graph.edges if u != v]
    counts = [graph.edges[e].get(weight, 1) or 1 for e in edges]
    waits = [(graph.edges[e].get(colour_by) or 0) if colour_by else 0 for e in edges]
    top = max(counts) if counts else 1
    widths = [0.6 + 4.0 * c / top for c in counts]
    cmap = plt.get_cmap("YlOrRd")
    wmax = max(waits) if waits and max(waits) > 0 else 1
    colours = [cmap(0.25 + 0.75 * w / wmax) if colour_by else AFTER for w in waits]
    for (u, v), w, colour in zip(edges, widths, colours, strict=True):
        span = layer[v] - layer[u]
        same_row = abs(pos[u][1] - pos[v][1]) < 1e-9
        # forward to the next column: straight; skipping columns: arc; rework (backwards): deep arc
        rad = 0.0 if span == 1 and same_row else 0.12 if span == 1 else 0.3 if span > 1 else -0.45
        nx.draw_networkx_edges(graph, pos, edgelist=[(u, v)], width=w, edge_color=[colour], ax=ax,
                               arrows=True, arrowsize=12, connectionstyle=f"arc3,rad={rad}",
                               min_source_margin=2.4 * _text_width(u), min_target_margin=2.4 * _text_width(v))
    for node, (x, y) in pos.items():
        gone = node in removed
        ax.text(x, y, str(node), ha="center", va="center", fontsize=9,
                color="#7b8794" if gone else "#102a43",
                bbox={"boxstyle": "round,pad=0.4", "fc": "#f0f4f8" if gone else "#ffffff",
                      "ec": "#bcccdc" if gone else AFTER, "ls": "--" if gone else "-"})
        if gone:
            half = 0.05 * _text_width(node)
            ax.plot([x - half, x + half], [y, y], color=ACCENT, linewidth=1.2, zorder=5)
    ax.set_axis_off()
    ax.margins(0.08)
    return _figure(fig, title, caption)


def histograms(series: dict[str, tuple[Sequence[float], Sequence[float]]], title: str, xlabel: str,
               ylabel: str = "") -> Figure:
    """Already-binned distributions {label: (edges, shares)} drawn as overlaid step areas."""
    use_cjk_font()
    fig, ax = plt.subplots(figsize=(7, 3.2))
    for (label, (edges, shares)), colour in zip(series.items(), [BEFORE, AFTER, ACCENT, GREY], strict=False):
        if len(edges) == len(shares) + 1:
            ax.stairs([100 * s for s in shares], edges, fill=True, alpha=0.55, color=colour, label=label)
    ax.legend(fontsize=9, frameon=False)
    ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel + "（%）")
    ax.spines[["top", "right"]].set_visible(False)
    return _figure(fig, title)
