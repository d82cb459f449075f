"""好差评 and channels (bpr.analyse.ratings) in discover and compare, checked against pandas on the
raw rows of the planted-reform sample (its clerk 窗口C03 钱伟 is rated worse, see
samples/generate_logs.py) and against small hand-made logs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

import bpr
from bpr.analyse.analyses import discover_analyses
from bpr.analyse.discover import discover, load
from bpr.analyse.engine import DuckDBEngine
from bpr.analyse.performance import PerformanceOptions
from bpr.analyse.ratings import analyse_ratings, score, wilson
from bpr.cli import main
from bpr.measure.compare_logs import compare_log
from bpr.report.render import render

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "samples" / "logs" / "public_health_reform.csv"
CATALOGUE = ROOT / "samples" / "catalogue_template.xlsx"
BAD = {"不满意", "非常不满意"}


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(LOG, encoding="utf-8-sig", dtype=str, parse_dates=["环节结束时间"])


@pytest.fixture(scope="module")
def per_case(raw) -> pd.DataFrame:
    """One row per case from the raw rows: rating (latest rated row), bad, channel (first row), hours."""
    ordered = raw.sort_values(["办件编号", "环节结束时间"], kind="stable")
    g = ordered.groupby("办件编号")
    frame = pd.DataFrame({
        "rating": g["满意度"].agg(lambda s: s.dropna().iloc[-1] if s.notna().any() else None),
        "channel": g["办理渠道"].first(),
        "hours": (g["环节结束时间"].max() - g["环节结束时间"].min()).dt.total_seconds() / 3600,
        "sentback": g.apply(lambda c: bool((c["业务动作"] == "退回").any() or c["环节名称"].str.contains("补正").any()),
                            include_groups=False),
    })
    frame["bad"] = frame["rating"].isin(BAD)
    return frame


@pytest.fixture(scope="module")
def ratings():
    with DuckDBEngine() as engine:
        load(engine, LOG, table="events")
        return analyse_ratings(engine, "events", PerformanceOptions.from_catalogue(bpr.read_catalogue(CATALOGUE)))


def test_scale():
    assert [score(v) for v in ("非常满意", "满意", "基本满意", "不满意", "非常不满意")] == [5, 4, 3, 2, 1]
    assert [score(v) for v in ("好评", "中评", "差评", " 差 评 ", "5", "4.0", "3星", "2分", "1")] == [5, 3, 1, 1, 5, 4, 3, 2, 1]
    assert score("6") is None and score("还行吧") is None and score("0") is None
    low, high = wilson(20, 100)  # the published Wilson interval for 20/100: 0.1334 - 0.2888
    assert low == pytest.approx(0.1334, abs=1e-4) and high == pytest.approx(0.2888, abs=1e-4)


def test_figures_match_the_raw_rows(ratings, raw, per_case):
    rated = per_case[per_case["rating"].notna()]
    assert ratings.summary.cases == len(per_case) and ratings.summary.rated == len(rated)
    assert ratings.summary.bad == int(rated["bad"].sum())
    # by handler: the rated cases with an event of theirs
    for name, group in raw[raw["办件编号"].isin(rated.index)].groupby("环节处理人"):
        cases = set(group["办件编号"])
        got = next(g for g in ratings.by["handler"] if g.name == name)
        assert got.rated == len(cases) and got.bad == int(rated.loc[list(cases), "bad"].sum()), name
    # the channel mix and per-channel median hours (first to last completion)
    for c in ratings.channels:
        frame = per_case[per_case["channel"] == c.channel]
        assert c.cases == len(frame)
        assert c.median_hours == pytest.approx(frame["hours"].median(), rel=1e-9)
    # 差评 crossed with 补正 (a sent-back case)
    cross = next(c for c in ratings.cross if c.factor == "corrections")
    assert cross.with_rated == int(rated["sentback"].sum())
    assert cross.with_bad == int((rated["sentback"] & rated["bad"]).sum())
    assert {c.factor for c in ratings.cross} == {"overdue", "corrections", "extra_visits"}


def test_the_planted_clerk_heads_the_rectification_list(ratings):
    assert ratings.by["handler"][0].name == "窗口C03 钱伟"
    posts = [(r.step, r.handler) for r in ratings.rectification]
    assert ("受理", "窗口C03 钱伟") in posts
    assert ratings.rectification[0].handler == "窗口C03 钱伟"
    # a handler is listed only when clearly worse than the other cases at their step
    assert ("现场审查", "严俊") not in posts and ("受理", "窗口C01 郑丽") not in posts
    # steps: 补正材料 (sent back) and the dropped on-site check are rated worse than overall
    assert {"补正材料", "现场审查"} <= {r.step for r in ratings.rectification if r.handler is None}


def _write(tmp_path: Path, rows: list[tuple], header=("办件编号", "环节名称", "环节结束时间", "申报方式", "好差评")) -> Path:
    path = tmp_path / "log.csv"
    pd.DataFrame(rows, columns=list(header)).to_csv(path, index=False)
    return path


def test_a_hand_made_log_with_good_and_bad_and_an_odd_value(tmp_path):
    rows = []
    values = ["好评"] * 6 + ["差评"] * 3 + ["很好"]  # "很好" is off the scale
    for i, value in enumerate(values):
        channel = "窗口" if i % 2 else "网上"
        rows += [(f"C{i}", "受理", f"2024-03-0{1 + i % 5} 09:00", channel, None),
                 (f"C{i}", "办结", f"2024-03-0{1 + i % 5} 15:00", channel, value)]
    with DuckDBEngine() as engine:
        load(engine, _write(tmp_path, rows), table="events")
        result = analyse_ratings(engine, "events")
    assert result.summary.rated == 9 and result.summary.bad == 3
    assert result.summary.bad_rate == pytest.approx(1 / 3)
    assert [w.code for w in result.warnings] == ["rating_off_scale"] and "很好" in result.warnings[0].value
    assert {c.channel: c.cases for c in result.channels} == {"网上": 5, "窗口": 5}
    assert all(c.median_hours == pytest.approx(6.0) for c in result.channels)


def test_discover_reports_ratings_and_channels(tmp_path):
    result = discover(LOG, analyses=discover_analyses(catalogue=bpr.read_catalogue(CATALOGUE)))
    data = result.to_dict()["ratings"]
    assert data["summary"]["rated"] > 3000 and data["channels"][0]["channel"] == "网上"
    assert data["rectification"][0]["handler"] == "窗口C03 钱伟"
    out = tmp_path / "d"
    with pytest.raises(SystemExit) as info:
        main(["discover", str(LOG), "-o", str(out)])
    assert info.value.code == 0
    assert "ratings" in json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert (out / "rectification.csv").exists() and (out / "channels.csv").exists()
    paths = {p.suffix: p for p in render(out, tmp_path / "r", "zh")}
    page = paths[".html"].read_text(encoding="utf-8")
    assert "整改清单" in page and "窗口C03 钱伟" in page and "办理渠道结构与各渠道用时" in page


def test_discover_without_ratings_or_channels_says_so(tmp_path):
    path = _write(tmp_path, [("A", "受理", "2024-03-01 09:00"), ("A", "办结", "2024-03-01 10:00")],
                  header=("办件编号", "环节名称", "环节结束时间"))
    result = discover(path)
    ratings = result.to_dict()["ratings"]
    assert not ratings["has_rating"] and not ratings["has_channel"] and ratings["summary"]["cases"] == 1
    assert [n["id"] for n in ratings["notes"]] == ["note_ratings_none"]


def test_compare_reports_the_rating_change_and_channel_shift(raw, per_case):
    result = compare_log(LOG, at=dt.date(2024, 7, 1), resamples=200)
    data = result.to_dict()["ratings"]
    first = raw.groupby("办件编号")["环节结束时间"].min()
    after = per_case.index.isin(first[first >= pd.Timestamp("2024-07-01")].index)
    for side, mask in (("before", ~after), ("after", after)):
        rated = per_case[mask & per_case["rating"].notna()]
        assert data[side]["summary"]["rated"] == len(rated), side
        assert data[side]["summary"]["bad"] == int(rated["bad"].sum()), side
    assert data["bad_rate"]["significant"] and data["bad_rate"]["diff"] < 0
    counter = next(c for c in data["channels"] if c["channel"] == "窗口")
    expected = (per_case[after]["channel"] == "窗口").mean()
    assert counter["share_after"] == pytest.approx(expected) and counter["share_before"] > counter["share_after"]


def test_without_channel_limits_or_on_site_steps_only_known_factors_are_crossed(tmp_path):
    rows = []
    for i in range(30):
        rows += [(f"C{i}", "审查", f"2024-03-0{1 + i % 5} 09:00", None),
                 (f"C{i}", "办结", f"2024-03-0{1 + i % 5} 15:00", "差评" if i % 3 == 0 else "好评")]
    with DuckDBEngine() as engine:
        load(engine, _write(tmp_path, rows, header=("办件编号", "环节名称", "环节结束时间", "评价等级")), table="events")
        result = analyse_ratings(engine, "events")
    assert result.summary.rated == 30 and result.summary.bad == 10
    assert [c.factor for c in result.cross] == ["corrections"]  # no limit (overdue), visits unknown
    assert not result.has_channel and [n.id for n in result.notes] == ["note_ratings_no_channel"]


def test_inspect_names_the_rating_column(capsys):
    with pytest.raises(SystemExit) as info:
        main(["inspect", str(LOG)])
    assert info.value.code == 0
    assert "评价（好差评）←满意度" in capsys.readouterr().out
