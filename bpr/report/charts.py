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


START, END = "\x00start", "\x00end"  # marker nodes (no step can be named so)
NODE_PT = 10.5  # 14 px at 100% zoom: step names stay readable in HTML and Word


def _with_markers(graph: nx.DiGraph, start_label: str, end_label: str) -> nx.DiGraph:
    """A copy with a start marker before the start steps and an end marker after the end steps
    (node attributes start/end hold their case counts), so a map shows where cases begin and end."""
    out = graph.copy()

    def main(key: str) -> dict:  # the steps where at least 5% of cases begin (or end): no hairball of rare ends
        found = {n: (1 if d[key] is True else d[key]) for n, d in graph.nodes(data=True) if d.get(key)}
        total = sum(found.values()) or 1
        return {n: c for n, c in found.items() if c >= 0.05 * total}

    starts, ends = main("start"), main("end")
    for n in out:
        out.nodes[n].pop("start", None)
    if starts:
        out.add_node(START, marker="start", label=start_label, start=True)
        for n, count in starts.items():
            out.add_edge(START, n, count=count, marker=True)
    if ends:
        out.add_node(END, marker="end", label=end_label)
        for n, count in ends.items():
            out.add_edge(n, END, count=count, marker=True)
    return out


def _node_text(graph: nx.DiGraph, node: object) -> str:
    """The step name wrapped, with its note (e.g. its time limit) on a line of its own."""
    data = graph.nodes[node]
    if data.get("marker"):
        return ""
    note = data.get("note")
    return _wrap(node) + (f"\n{note}" if note else "")


def _box_width(graph: nx.DiGraph, node: object) -> float:
    if graph.nodes[node].get("marker"):
        return 4.0
    lines = _node_text(graph, node).split("\n")
    return max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in line) for line in lines) + 2


def process_graph(graph: nx.DiGraph, title: str, removed: set[str] = frozenset(),
                  weight: str = "count", colour_by: str | None = "mean_s", caption: str = "",
                  max_edges: int = 60, merged: dict[str, str] | None = None,
                  edge_label=None, markers: tuple[str, str] | None = None,
                  legend: tuple[str, str] | None = None) -> Figure:
    """Left-to-right process map: edge width by frequency, edge colour by waiting time,
    parallel branches in the same column. Only the `max_edges` most frequent edges are drawn.

    - `removed` steps are greyed and struck out; `merged` steps ({step: "并入 X"}) get a dashed
      outline and that note instead, since they live on inside another step;
    - a node's `note` attribute (e.g. its time limit) is printed under its name;
    - `edge_label(data) -> str` writes e.g. the count and median wait on each edge;
    - `markers` = (start, end) labels: round markers before the first and after the last steps
      (node attributes start/end hold the case counts);
    - `legend` = (width meaning, colour meaning) explains the line widths and colours."""
    use_cjk_font()
    merged = merged or {}
    if merged:  # the "merged into X" note sizes the box like any other note
        graph = graph.copy()
        for node, into in merged.items():
            if node in graph:
                note = graph.nodes[node].get("note")
                graph.nodes[node]["note"] = f"{note}\n{_wrap(into, 24)}" if note else _wrap(into, 24)
    if markers:
        graph = _with_markers(graph, *markers)
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
    step = max((_box_width(graph, n) for n in graph), default=10) + (22 if edge_label else 6)  # column spacing, half-ems
    pos = {n: (layer[n] * step, -row_of[n] * 3.6) for n in graph}
    tallest = max((len(v) for v in columns.values()), default=1)
    half_em_in = NODE_PT / 72 / 2  # inches per half-em
    width = min(max(6.0, (len(columns) * step + 4) * half_em_in * 1.1), 40)
    height = min(max(1.6, tallest * (1.4 if edge_label else 0.95) + 0.6), 30)  # a row: boxes of two lines at 10.5 pt
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_axis_off()
    xs, ys = [x for x, _ in pos.values()], [y for _, y in pos.values()]
    ax.set_xlim(min(xs) - step / 2, max(xs) + step / 2)
    ax.set_ylim(min(ys) - 2.0, max(ys) + 2.0)
    edges = sorted(((u, v) for u, v in graph.edges if u != v),
                   key=lambda e: -(graph.edges[e].get(weight, 1) or 1))[:max_edges]
    counts = [graph.edges[e].get(weight, 1) or 1 for e in edges]
    waits = [(graph.edges[e].get(colour_by) or 0) if colour_by else 0 for e in edges]
    top = max(counts) if counts else 1
    widths = [0.6 + 4.0 * c / top for c in counts]
    cmap = plt.get_cmap("YlOrRd")
    wmax = max(waits) if waits and max(waits) > 0 else 1
    colours = [GREY if graph.edges[e].get("marker") else cmap(0.25 + 0.75 * w / wmax) if colour_by else AFTER
               for e, w in zip(edges, waits, strict=True)]
    labels: list[tuple] = []  # (u, v, rad, text): placed once the boxes are drawn
    for (u, v), w, colour in zip(edges, widths, colours, strict=True):
        span = layer[v] - layer[u]
        same_row = abs(pos[u][1] - pos[v][1]) < 1e-9
        # forward to the next column: straight; skipping columns: arc; rework (backwards): deep arc
        rad = 0.0 if span == 1 and same_row else 0.12 if span == 1 else 0.3 if span > 1 else -0.45
        drawn = nx.draw_networkx_edges(graph, pos, edgelist=[(u, v)], width=w, edge_color=[colour], ax=ax,
                                       arrows=True, arrowsize=12, connectionstyle=f"arc3,rad={rad}",
                                       min_source_margin=2.6 * _box_width(graph, u),
                                       min_target_margin=2.6 * _box_width(graph, v))
        for patch in drawn:  # arcs may leave the node area; the saved figure grows to hold them
            patch.set_clip_on(False)
        if edge_label and not graph.edges[u, v].get("marker"):
            labels.append((u, v, rad, edge_label(graph.edges[u, v])))
    boxes = []  # what a label must not cover: the step boxes, then the labels already placed
    for node, (x, y) in pos.items():
        data = graph.nodes[node]
        if data.get("marker"):
            start = data["marker"] == "start"
            ax.scatter([x], [y], s=260, marker="o", zorder=5, color="#2f855a" if start else "#102a43",
                       edgecolors="white" if start else "#102a43", linewidths=2)
            if not start:
                ax.scatter([x], [y], s=60, marker="o", zorder=6, color="white")
            ax.text(x, y - 1.4, data.get("label", ""), ha="center", va="top", fontsize=9, color="#334e68")
            continue
        gone, into = node in removed, merged.get(node)
        boxes.append(ax.text(x, y, _node_text(graph, node), ha="center", va="center", multialignment="center",
                fontsize=NODE_PT, linespacing=1.15,
                color="#7b8794" if gone else "#102a43", zorder=7,
                bbox={"boxstyle": "round,pad=0.4", "fc": "#f0f4f8" if gone else "#eef6ff" if into else "#ffffff",
                      "ec": "#bcccdc" if gone else "#6b46c1" if into else AFTER, "ls": "--" if gone or into else "-",
                      "lw": 1.2}))
        if gone:
            half = 0.45 * _box_width(graph, node)
            ax.plot([x - half, x + half], [y, y], color=ACCENT, linewidth=1.2, zorder=8)
    if labels:
        _place_edge_labels(fig, ax, pos, labels, boxes)
    if legend:
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color="#7b8794", linewidth=4.5, label=legend[0])]
        if colour_by:
            handles.append(Line2D([], [], color=cmap(0.8), linewidth=2.5, label=legend[1]))
        fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(handles), frameon=False,
                   fontsize=9, handlelength=2.5)
    return _figure(fig, title, caption)


def _place_edge_labels(fig, ax, pos: dict, labels: list[tuple], boxes: list) -> None:
    """Write each edge's label on its arc where it covers neither a step nor another label: the
    middle of the arc first, then points towards either end; where every point is taken, the one
    that covers least (a busy map stays readable instead of stacking labels on each other)."""
    renderer = fig.canvas.get_renderer()
    taken = [b.get_window_extent(renderer).expanded(1.02, 1.05) for b in boxes]

    def covered(box) -> float:
        return sum(max(0.0, min(box.x1, o.x1) - max(box.x0, o.x0)) * max(0.0, min(box.y1, o.y1) - max(box.y0, o.y0))
                   for o in taken)

    for u, v, rad, text in labels:
        # the arc is a quadratic Bézier (matplotlib's arc3) drawn where the axes are square: display space
        (x1, y1), (x2, y2) = ax.transData.transform(pos[u]), ax.transData.transform(pos[v])
        cx, cy = (x1 + x2) / 2 + rad * (y2 - y1), (y1 + y2) / 2 - rad * (x2 - x1)
        label = ax.text(0, 0, text, ha="center", va="center", fontsize=9, color="#334e68", linespacing=1.0,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
                        zorder=6, clip_on=False)
        best = None
        for t in (0.5, 0.38, 0.62, 0.28, 0.72):
            px = (1 - t) ** 2 * x1 + 2 * t * (1 - t) * cx + t * t * x2
            py = (1 - t) ** 2 * y1 + 2 * t * (1 - t) * cy + t * t * y2
            label.set_position(ax.transData.inverted().transform((px, py)))
            box = label.get_window_extent(renderer)
            cover = covered(box)
            if best is None or cover < best[0]:
                best = (cover, label.get_position(), box)
            if cover == 0:
                break
        label.set_position(best[1])
        taken.append(best[2])


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
