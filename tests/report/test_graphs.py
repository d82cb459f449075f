"""Readable graphs: process maps label their edges with counts and median waits, mark where cases
start and end, explain widths and colours, drop rare paths on request; flowcharts give each
step's time limit and draw merged steps as merged, not cancelled."""

from __future__ import annotations

import networkx as nx
import pytest

from bpr.report import charts

HOUR = 3600.0


@pytest.fixture
def drawn(monkeypatch) -> list:
    """The matplotlib figures charts draw, kept open to read their texts and lines back."""
    figures = []

    def keep(fig, title, caption=""):
        figures.append(fig)
        return charts.Figure(title=title, svg="", png=b"", caption=caption)

    monkeypatch.setattr(charts, "_figure", keep)
    return figures


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [
        t.get_text() for legend in fig.legends for t in legend.get_texts()]


def _discover_result() -> dict:
    def edge(a, b, n, median_h):
        return {"source": a, "target": b, "count": n, "mean_s": 2 * median_h * HOUR, "median_s": median_h * HOUR}

    dfg = [edge("受理", "初审", 100, 22.2), edge("初审", "审批", 97, 7.5), edge("初审", "补正材料", 3, 41.0),
           edge("补正材料", "初审", 3, 1.8)]
    return {"cases": 100, "events": 303, "activities": 4, "dfg": dfg,
            "start_activities": {"受理": 100}, "end_activities": {"审批": 97, "初审": 3}}


def test_process_map_labels_edges_and_marks_start_and_end(drawn):
    from bpr.report.builders.discover import _process_section

    section = _process_section(_discover_result(), "zh")
    (fig,) = drawn
    texts = _texts(fig)
    # each edge: its cases and its median wait (from the dfg's median_s, in hours), not its mean
    assert "100 件\n中位等待 22.2 小时" in texts and "97 件\n中位等待 7.5 小时" in texts
    assert "3 件\n中位等待 41.0 小时" in texts and "3 件\n中位等待 1.8 小时" in texts
    assert "开始" in texts and "结束" in texts
    assert "线宽：办件数" in texts and "颜色：等待时间（越深越长）" in texts
    assert len(section.paragraphs) == 1  # no threshold, no threshold sentence


def test_process_map_end_marker_follows_the_main_ends_only(drawn):
    from bpr.report.charts import END, START, _with_markers

    graph = nx.DiGraph([("受理", "初审"), ("初审", "审批")])
    graph.nodes["受理"]["start"] = 100
    graph.nodes["审批"]["end"], graph.nodes["初审"]["end"] = 97, 3  # 3% end at 初审: a rare end, not drawn
    marked = _with_markers(graph, "开始", "结束")
    assert set(marked.successors(START)) == {"受理"} and set(marked.predecessors(END)) == {"审批"}
    assert marked.edges["审批", END]["count"] == 97


def test_min_share_leaves_out_rare_paths_and_says_so(drawn):
    from bpr.report.builders.discover import _process_section

    result = _discover_result() | {"min_share": 0.05}
    section = _process_section(result, "zh")
    texts = _texts(drawn[0])
    assert not any(t.startswith("3 件") for t in texts) and "补正材料" not in " ".join(texts)
    assert "100 件\n中位等待 22.2 小时" in texts
    assert section.paragraphs[1] == "流程图只画经过办件占比不低于 5% 的路径。"
    section = _process_section(result, "en")
    assert "The map draws only paths taken by at least 5% of cases." in section.paragraphs


def test_min_share_reaches_result_json_from_the_command_line(tmp_path, capsys):
    import json

    from bpr.cli import main

    def run(argv: list[str]) -> int:
        try:
            main(argv)
        except SystemExit as exit_:
            return exit_.code
        return 0

    log = tmp_path / "log.csv"
    rows = ["case_id,activity,timestamp"]
    for case in range(20):
        steps = ["受理", "审批"] if case else ["受理", "补正材料", "审批"]  # one case in 20 takes the rare path
        rows += [f"c{case},{step},2024-03-0{1 + i} 09:00:00" for i, step in enumerate(steps)]
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run(["discover", str(log), "-o", str(out), "--min-share", "0.1"]) == 0, capsys.readouterr()
    assert json.loads((out / "result.json").read_text(encoding="utf-8"))["min_share"] == 0.1
    assert run(["discover", str(log), "-o", str(tmp_path / "bad"), "--min-share", "2"]) == 2


def test_merged_steps_are_drawn_merged_and_removed_ones_struck_out(drawn):
    graph = nx.DiGraph([("受理", "审查"), ("审查", "决定"), ("决定", "送达")])
    graph.nodes["审查"]["note"] = "2 工作日"
    charts.process_graph(graph, "改革前", removed={"送达"}, merged={"审查": "并入“受理（即审即办）”"}, colour_by=None)
    (fig,) = drawn
    ax = fig.axes[0]
    boxes = {t.get_text(): t.get_bbox_patch() for t in ax.texts}
    merged = boxes["审查\n2 工作日\n并入“受理（即审即办）”"]
    struck = boxes["送达"]
    assert merged.get_linestyle() == "--" and struck.get_linestyle() == "--"
    assert merged.get_edgecolor() != struck.get_edgecolor()  # purple merged, grey removed
    # one strike-through line, across 送达 only
    (line,) = ax.lines
    y = line.get_ydata()[0]
    assert abs(y - [t for t in ax.texts if t.get_text() == "送达"][0].get_position()[1]) < 1e-9


def test_flowchart_steps_carry_their_time_limits():
    from bpr.report.builders.plan import _named

    graph = nx.DiGraph()
    graph.add_node(0, name="受理", days=0)
    graph.add_node(1, name="审查", days=5)
    graph.add_node(2, name="发证", days=None)
    graph.add_edges_from([(0, 1), (1, 2)])
    named = _named(graph, "zh")
    assert [named.nodes[n]["note"] for n in ("受理", "审查", "发证")] == ["即办", "5 工作日", ""]
    assert _named(graph, "en").nodes["审查"]["note"] == "5 working days"


def test_process_map_text_is_at_least_12_px_at_100_percent_zoom(drawn):
    """Every label is drawn at 9 pt or more: 12 px when the chart is shown at the size it was drawn."""
    from bpr.report.builders.discover import _process_section

    _process_section(_discover_result(), "zh")
    sizes = [t.get_fontsize() for ax in drawn[0].axes for t in ax.texts]
    assert sizes and min(sizes) >= 9


def test_a_chart_wider_than_the_page_keeps_its_size_and_scrolls():
    from bpr.report.document import Report, Section
    from bpr.report.html import PAGE_PX, render_html, svg_px

    wide = nx.DiGraph([(f"环节{i}", f"环节{i + 1}") for i in range(14)])
    narrow = nx.DiGraph([("受理", "办结")])
    figures = [charts.process_graph(g, title, colour_by=None) for g, title in ((wide, "宽"), (narrow, "窄"))]
    px = [svg_px(f.svg) for f in figures]
    assert px[0] > PAGE_PX >= px[1] > 0
    html = render_html(Report(title="t", sections=[Section("s", figures=figures)]))
    assert f'<figure class="wide"><img alt="宽" width="{px[0]}"' in html
    assert f'<figure><img alt="窄" width="{px[1]}"' in html


def test_edge_labels_that_would_meet_are_moved_apart():
    """Two arcs crossing at their middles: the second label moves along its arc instead of covering
    the first (a busy map's labels stacked on each other), and neither covers a step box."""
    import matplotlib.pyplot as plt

    from bpr.report.charts import _place_edge_labels

    charts.use_cjk_font()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.set_xlim(-1, 11)
    ax.set_ylim(-1, 11)
    pos = {"a": (0, 0), "b": (10, 10), "c": (0, 10), "d": (10, 0), "m": (5, 8)}
    boxes = [ax.text(5, 8, "居中的环节", ha="center", va="center")]
    _place_edge_labels(fig, ax, pos, [("a", "b", 0.0, "12 件\n中位等待 3.0 小时"),
                                      ("c", "d", 0.0, "7 件\n中位等待 9.0 小时")], boxes)
    renderer = fig.canvas.get_renderer()
    first, second = (t.get_window_extent(renderer) for t in ax.texts[1:])
    step = boxes[0].get_window_extent(renderer)
    assert not first.overlaps(second)
    assert not first.overlaps(step) and not second.overlaps(step)
    # each label still sits on its own arc (here straight lines y = x and y = 10 - x)
    (x1, y1), (x2, y2) = (ax.transData.inverted().transform(((b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2))
                          for b in (first, second))
    assert abs(y1 - x1) < 0.2 and abs(y2 - (10 - x2)) < 0.2
    plt.close(fig)
