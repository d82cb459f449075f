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

from bpr.i18n import paren  # noqa: E402
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
    # a panel of two empty bars (e.g. 承诺时限 0 → 0 for 即办 matters) says nothing the cards do not
    shown = [m for m in metrics if m.before is not None and (m.before or m.after)]
    fig, axes = plt.subplots(1, max(len(shown), 1), figsize=(2.6 * max(len(shown), 1), 3.0), squeeze=False)
    for ax, m in zip(axes[0], shown, strict=False):
        after = m.after if m.after is not None else m.before
        bars = ax.bar([before_label, after_label], [m.before, after], color=[BEFORE, AFTER], width=0.6)
        ax.set_title(paren(m.label, m.unit) if m.unit else m.label, fontsize=11)
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
    ax.set_xlabel((paren(xlabel, "%") if xlabel else "%") if percent else xlabel)
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
    """Column of each node, so that a process reads left to right and rework runs backwards: the
    edges that close a loop are found by a depth-first walk from the start steps along the most
    frequent edges first; without them the graph is acyclic and each node goes one column after
    its furthest predecessor (longest-path layering)."""
    def weight(u, v) -> float:
        return graph.edges[u, v].get("count", 1) or 1

    def out_weight(n) -> float:
        return sum(weight(n, v) for v in graph.successors(n))

    def next_steps(n):  # most frequent first
        return iter(sorted(graph.successors(n), key=lambda v: -weight(n, v)))

    starts = [n for n in graph if graph.nodes[n].get("start")] or [n for n in graph if graph.in_degree(n) == 0]
    if not starts:
        starts = [max(graph, key=out_weight)]
    order = sorted(starts, key=lambda n: -out_weight(n)) + sorted((n for n in graph if n not in starts), key=str)
    back, state = set(), {}  # state: 1 on the current path, 2 done
    for root in order:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, next_steps(root))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, next_steps(child)))
    dag = nx.DiGraph()
    dag.add_nodes_from(graph)
    dag.add_edges_from(e for e in graph.edges if e not in back and e[0] != e[1])
    layer: dict = {}
    for node in nx.topological_sort(dag):
        layer[node] = max((layer[p] + 1 for p in dag.predecessors(node)), default=0)
    return layer


def _wrap(label: object, width: int = 20) -> str:
    """Break a long step name into lines of about `width` half-em units (CJK counts 2)."""
    text = str(label)
    if text.isascii():  # words: break at spaces
        import textwrap

        lines = textwrap.wrap(text, width) or [text]
        return "\n".join(lines[:2]) + ("…" if len(lines) > 2 else "")
    lines, line, used = [], "", 0
    for ch in text:
        w = 2 if ord(ch) > 0x2E80 else 1
        if used + w > width and ch != " ":
            lines.append(line.rstrip())
            line, used = "", 0
        if not (ch == " " and not line):
            line, used = line + ch, used + w
    lines.append(line)
    return "\n".join(lines[:2]) + ("…" if len(lines) > 2 else "")


def _text_width(node: object) -> float:
    """Widest line of the wrapped label in half-em units (a CJK character counts 2), plus padding."""
    return max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in line) for line in _wrap(node).split("\n")) + 2


def process_graph(graph: nx.DiGraph, title: str, removed: set[str] = frozenset(),
                  weight: str = "count", colour_by: str | None = "mean_s", caption: str = "",
                  max_edges: int = 60) -> Figure:
    """Left-to-right process map: edge width by frequency, edge colour by waiting time,
    removed steps greyed with a strike-through label, parallel branches in the same column.
    Only the `max_edges` most frequent edges are drawn, so 30+ steps stay readable."""
    use_cjk_font()
    layer = _layers(graph)
    columns: dict[int, list] = {}
    for node, col in sorted(layer.items(), key=lambda kv: (kv[1], str(kv[0]))):
        columns.setdefault(col, []).append(node)
    # order each column by where its predecessors sit (fewer crossings)
    row_of: dict = {}
    for col in sorted(columns):
        nodes = columns[col]
        def centre(n):
            preds = [row_of[p] for p in graph.predecessors(n) if p in row_of]
            return sum(preds) / len(preds) if preds else 0.0
        nodes.sort(key=lambda n: (centre(n), str(n)))
        for i, n in enumerate(nodes):
            row_of[n] = i - (len(nodes) - 1) / 2
    step = max((_text_width(n) for n in graph), default=10) + 6  # column spacing in half-em units
    pos = {n: (layer[n] * step, -row_of[n] * 3.2) for n in graph}
    tallest = max((len(v) for v in columns.values()), default=1)
    half_em_in = 9 / 72 / 2  # inches per half-em at 9 pt
    width = min(max(6.0, (len(columns) * step + 4) * half_em_in * 1.1), 40)
    height = min(max(1.1, tallest * 0.75 + 0.4), 30)  # 0.75 in a row: 3.2 y-units, boxes of ~0.45 in
    fig, ax = plt.subplots(figsize=(width, height))
    edges = sorted(((u, v) for u, v in graph.edges if u != v),
                   key=lambda e: -(graph.edges[e].get(weight, 1) or 1))[:max_edges]
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
        drawn = nx.draw_networkx_edges(graph, pos, edgelist=[(u, v)], width=w, edge_color=[colour], ax=ax,
                                       arrows=True, arrowsize=12, connectionstyle=f"arc3,rad={rad}",
                                       min_source_margin=2.4 * _text_width(u), min_target_margin=2.4 * _text_width(v))
        for patch in drawn:  # arcs may leave the node area; the saved figure grows to hold them
            patch.set_clip_on(False)
    for node, (x, y) in pos.items():
        gone = node in removed
        ax.text(x, y, _wrap(node), ha="center", va="center", fontsize=9, linespacing=1.1,
                color="#7b8794" if gone else "#102a43",
                bbox={"boxstyle": "round,pad=0.4", "fc": "#f0f4f8" if gone else "#ffffff",
                      "ec": "#bcccdc" if gone else AFTER, "ls": "--" if gone else "-"})
        if gone:
            half = 0.45 * _text_width(node)
            ax.plot([x - half, x + half], [y, y], color=ACCENT, linewidth=1.2, zorder=5)
    ax.set_axis_off()
    # limits from the nodes alone, so that the scale matches the figure size the boxes were sized for
    xs, ys = [x for x, _ in pos.values()], [y for _, y in pos.values()]
    ax.set_xlim(min(xs) - step / 2, max(xs) + step / 2)
    ax.set_ylim(min(ys) - 1.8, max(ys) + 1.8)
    return _figure(fig, title, caption)


def _or(value: float | None, fallback: float | None) -> float:
    return float(value if value is not None else fallback if fallback is not None else 0.0)


def interval_bars(labels: Sequence[str], series: dict[str, Sequence[dict]], title: str, xlabel: str) -> Figure:
    """Horizontal bars per label, one per series, each an interval {mean, ci_low, ci_high} drawn as
    its mean with the confidence interval as an error bar (several scenarios side by side)."""
    use_cjk_font()
    import numpy as np

    n, k = len(labels), max(len(series), 1)
    fig, ax = plt.subplots(figsize=(7, 0.55 * n * k + 1.2))
    height = 0.8 / k
    y = np.arange(n)[::-1]
    for j, ((name, stats), colour) in enumerate(zip(series.items(), [AFTER, BEFORE, ACCENT, GREY], strict=False)):
        means = np.array([s.get("mean") or 0.0 for s in stats])
        # one replication has no interval (ci_low/ci_high None): no error bar, not one down to 0
        low = means - np.array([_or(s.get("ci_low"), s.get("mean")) for s in stats])
        high = np.array([_or(s.get("ci_high"), s.get("mean")) for s in stats]) - means
        pos = y + (k - 1 - 2 * j) * height / 2
        ax.barh(pos, means, height=height * 0.9, color=colour, label=name,
                xerr=[np.maximum(low, 0), np.maximum(high, 0)], error_kw={"elinewidth": 1, "capsize": 2})
        for p, m, h in zip(pos, means, high, strict=True):  # the value just past its error bar
            ax.annotate(f"{m:.1f}", (m + max(h, 0), p), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(y, [_wrap(label, 24) for label in labels])
    ax.set_xlabel(xlabel)
    ax.margins(x=0.1)
    ax.legend(fontsize=9, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=k)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=9)
    return _figure(fig, title)


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
        ax.set_ylabel(paren(ylabel, "%"))
    ax.spines[["top", "right"]].set_visible(False)
    return _figure(fig, title)
