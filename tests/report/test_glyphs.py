"""Every chart renders with no missing glyph and no findfont fallback; the bundled font covers
every character bpr prints (its vocabulary and symbols) in both weights."""

from __future__ import annotations

import logging
import warnings

import networkx as nx
import pytest

from bpr.i18n import VOCAB
from bpr.report import charts
from bpr.report.document import Metric
from bpr.report.fonts import WEIGHTS, font_face_css, font_path

SYMBOLS = "−±×≤≥→✓％（），。：；、“”《》—…·0123456789%"


@pytest.mark.parametrize("weight", sorted(WEIGHTS))
def test_the_font_covers_the_vocabulary_and_symbols(weight):
    from fontTools.ttLib import TTFont

    cmap = TTFont(str(font_path(weight))).getBestCmap()
    needed = {ch for pair in VOCAB.values() for text in pair for ch in text if not ch.isspace()} | set(SYMBOLS)
    missing = sorted(ch for ch in needed if ord(ch) not in cmap)
    assert not missing, f"glyphs missing from the {weight} subset: {''.join(missing)}"


def _every_chart() -> None:
    label = "承诺时限压减−31.2%（≤ 20个工作日 → 8，±2，×3，✓）"
    metrics = [Metric("申请材料数", 153, 76, "件", 50), Metric("承诺时限", 282, 194, "工作日", 50),
               Metric("跑动次数", 2, 3, "次")]  # a rise: "+50.0%"
    charts.before_after_bars(metrics, label, "改革前", "改革后")
    charts.ranking_bars(["市场监督管理局", "卫生健康委员会"], [0.4, 0.9], label, "全程网办率", percent=True, target=0.5)
    charts.distribution({"现状": [1.0, 2.0, 3.5], "改革后": [0.5, 1.0]}, label, "工作日")
    graph = nx.DiGraph()
    graph.add_edge("受理", "审查", count=90, mean_s=7200.0, median_s=3600.0)
    graph.add_edge("审查", "决定", count=80, mean_s=36000.0, median_s=18000.0)
    graph.add_edge("审查", "受理", count=10, mean_s=1000.0, median_s=900.0)
    graph.nodes["受理"]["start"] = True
    graph.nodes["决定"]["end"] = 80
    graph.nodes["审查"]["note"] = "≤ 5 工作日"
    charts.process_graph(graph, label, removed={"决定"})
    charts.process_graph(graph, label, merged={"审查": "并入“受理（即审即办）”"}, colour_by="median_s",
                         edge_label=lambda d: f"{d['count']:,} 件\n中位等待 {d['median_s'] / 3600:.1f} 小时",
                         markers=("开始", "结束"), legend=("线宽：办件数", "颜色：等待时间（越深越长）"))
    charts.interval_bars(["现状", "方案一"], {"中位数": [{"mean": 5.0, "ci_low": 4.5, "ci_high": 5.5}] * 2}, label, "工作日")
    charts.histograms({"实际": ([0, 1, 2], [0.4, 0.6]), "仿真基线": ([0, 1, 2], [0.5, 0.5])}, label, "小时", "占比")


def test_every_chart_renders_without_glyph_or_findfont_warnings(caplog):
    with warnings.catch_warnings(), caplog.at_level(logging.WARNING, logger="matplotlib"):
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" is a UserWarning
        _every_chart()
    problems = [r.getMessage() for r in caplog.records if "findfont" in r.getMessage() or "Glyph" in r.getMessage()]
    assert not problems, problems


def test_html_embeds_a_bold_face_and_keeps_the_regular_one():
    css = font_face_css("改革成效概览 −31.2%")
    assert css.count("@font-face") == 2 and "font-weight:400" in css and "font-weight:700" in css
