"""Mechanisms found by measurement (issue 19, point 2): the generated logs of
tests/simulate/mechanism_logs.py each carry one known mechanism; discovery must find it (with its
evidence), the model must reproduce it, and nothing must fire on logs without it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bpr
from bpr.i18n import t
from bpr.simulate.discovery import discover_model
from bpr.simulate.distributions import Distribution
from bpr.simulate.model import END, SimulationModel
from bpr.simulate.validate import rolling_origin, validate_log, validate_setup, validation_setup
from tests.simulate.mechanism_logs import (
    MECHANISMS,
    ORIGIN,
    Office,
    mechanism_log,
    worked_hours,
    write_mechanism_log,
)


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return {m: mechanism_log(m, n=600, seed=1) for m in MECHANISMS}


def _gaps(frame: pd.DataFrame, activity: str) -> pd.Series:
    f = frame.assign(end=pd.to_datetime(frame["环节结束时间"]))
    prev = f.groupby("办件编号")["end"].shift(1)
    return ((f["end"] - prev).dt.total_seconds() / 3600)[f["环节名称"] == activity]


def test_generator_is_seeded_and_each_log_carries_its_mechanism(frames):
    assert mechanism_log("batched", n=50, seed=4).equals(mechanism_log("batched", n=50, seed=4))
    assert not mechanism_log("batched", n=50, seed=4).equals(mechanism_log("batched", n=50, seed=5))
    ends = {m: pd.to_datetime(f["环节结束时间"]) for m, f in frames.items()}
    decided = ends["batched"][frames["batched"]["环节名称"] == "决定"]
    assert (decided.dt.weekday == 3).all() and (decided.dt.hour >= 14).all()  # Thursday afternoons
    base = ends["none"][frames["none"]["环节名称"] == "决定"]
    assert (base.dt.weekday == 3).mean() < 0.3
    gaps = _gaps(frames["scheduled"], "公示")
    assert (gaps >= 360).all() and ((gaps - 360) < 72).mean() > 0.9  # 15 days, then the next opening (holidays: later)
    f = frames["branching"]
    by_channel = f.groupby("办件编号").agg(channel=("办理渠道", "first"), steps=("环节名称", set))
    web = by_channel["channel"] == "网上"
    assert by_channel[web]["steps"].map(lambda s: "网上预审" in s and "电子送达" in s).all()
    assert by_channel[~web]["steps"].map(lambda s: "现场核验" in s and "邮寄送达" in s).all()
    assert 0.6 < web.mean() < 0.8
    review = _gaps(frames["longtail"], "审查")
    assert np.percentile(review, 95) > 10 * np.median(review)
    f = frames["anchored"].assign(start=pd.to_datetime(frames["anchored"]["环节开始时间"]),
                                  end=pd.to_datetime(frames["anchored"]["环节结束时间"]))
    by_case = f.pivot(index="办件编号", columns="环节名称", values="start")
    ends = f.pivot(index="办件编号", columns="环节名称", values="end")
    booked = (by_case["现场踏勘"].dt.normalize() - ends["审查"].dt.normalize()).dt.days
    on_time = by_case["现场踏勘"] > ends["材料核对"]  # not held up by 材料核对
    assert booked[on_time].between(10, 16).all() and (by_case["现场踏勘"].dt.weekday < 5).all()
    assert (by_case["现场踏勘"][~on_time] == ends["材料核对"][~on_time]).all() and 0.05 < (~on_time).mean() < 0.4


# --- detection, with its evidence checked against the CSV (pandas, numpy, scipy) ---------------

EXPECTED = {"none": set(), "scheduled": {("scheduled_wait", "公示")}, "batched": {("batched", "决定")},
            "slots": {("batched_slots", "决定")},
            "monthly": {("batched_monthly", "专家评审")},
            "branching": {("attribute_branching", "受理"), ("attribute_branching", "决定")},
            "longtail": {("long_tail", "审查")}, "anchored": {("anchored_wait", "现场踏勘")},
            "parallel": {("parallel", "消防审查 ∥ 规划核验 ∥ 人防审查")},
            # the 受理 redone after a 补正 waits 0.5 working hours, the first one none
            "sendback": {("previous_routing", "补正材料"), ("previous_wait", "受理")},
            "joint": {("joint_work", "审查")},
            # the reminder 14 days after 审查 is also a fixed term; the document after it comes sooner
            "deadline": {("deadline", "催办"), ("scheduled_wait", "催办"), ("previous_wait", "补正材料")}}
N, SEED = 3000, 0


@pytest.fixture(scope="module")
def logs(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("mechanisms")
    out = {}
    for m in MECHANISMS:
        path = write_mechanism_log(folder / f"{m}.csv", m, n=N, seed=SEED)
        out[m] = (path, bpr.read_log(path))
    return out


@pytest.fixture(scope="module")
def models(logs) -> dict:
    return {m: discover_model(log) for m, (_, log) in logs.items()}


def _found(model) -> dict[tuple[str, str], dict]:
    return {(x["id"], x["step"]): x for x in model.mechanisms}


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_each_mechanism_is_found_and_nothing_else(models, mechanism):
    assert set(_found(models[mechanism])) == EXPECTED[mechanism]


def _csv(path) -> pd.DataFrame:
    f = pd.read_csv(path)
    f["end"] = pd.to_datetime(f["环节结束时间"])
    f["start"] = pd.to_datetime(f["环节开始时间"])
    f = f.sort_values(["办件编号", "end"], kind="stable")
    f["prev"] = f.groupby("办件编号")["end"].shift(1)
    f["next"] = f.groupby("办件编号")["环节名称"].shift(-1).fillna(END)
    return f


def test_batching_evidence(logs, models):
    f = _csv(logs["batched"][0])
    rows = f[f["环节名称"] == "决定"]
    m = _found(models["batched"])[("batched", "决定")]
    assert m["evidence"]["share"] == pytest.approx(100 * (rows["end"].dt.weekday == 3).mean(), abs=0.05)
    assert m["evidence"]["baseline"] == pytest.approx(
        100 * rows["prev"].dt.weekday.value_counts(normalize=True).iloc[0], abs=0.05)
    assert m["params"]["weekday"] == 3 and m["evidence"]["weekday"] == 3
    assert "决定" in m["zh"] and "星期四" in m["zh"] and "Thursdays" in m["en"]
    hours = rows["end"].dt.hour + rows["end"].dt.minute / 60
    assert 14 <= min(m["params"]["time_of_day"]) and max(m["params"]["time_of_day"]) <= 17.01
    assert m["params"]["time_of_day"][10] == pytest.approx(np.median(hours), abs=0.02)


def test_scheduled_wait_evidence(logs, models):
    f = _csv(logs["scheduled"][0])
    gaps = ((f["end"] - f["prev"]).dt.total_seconds() / 3600)[f["环节名称"] == "公示"]
    m = _found(models["scheduled"])[("scheduled_wait", "公示")]
    tol = m["evidence"]["tolerance_h"]
    assert m["evidence"]["days"] == pytest.approx(15.0, abs=0.01)
    assert m["evidence"]["share"] == pytest.approx(100 * ((gaps - 360).abs() <= tol).mean(), abs=0.05)
    assert m["params"]["fixed_hours"] == pytest.approx(360.0, abs=0.01)


def test_attribute_branching_evidence(logs, models):
    f = _csv(logs["branching"][0])
    rows = f[f["环节名称"] == "受理"]
    table = pd.crosstab(rows["办理渠道"], rows["next"]).to_numpy().astype(float)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    chi2 = ((table - expected) ** 2 / expected).sum()  # by hand: not scipy's chi2_contingency
    v = np.sqrt(chi2 / (table.sum() * (min(table.shape) - 1)))
    m = _found(models["branching"])[("attribute_branching", "受理")]
    assert m["evidence"]["cramers_v"] == pytest.approx(v, abs=6e-4) and v > 0.9
    assert m["params"]["attribute"] == "channel"
    assert m["params"]["by_value"]["窗口"] == {"现场核验": 1.0}
    assert m["params"]["by_value"]["网上"] == {"网上预审": 1.0}
    mix = models["branching"].case_profiles
    assert mix["names"] == ["channel"]
    shares = dict(zip([v[0] for v in mix["values"]], mix["weights"], strict=True))
    assert shares["网上"] == pytest.approx(f.groupby("办件编号")["办理渠道"].first().eq("网上").mean(), abs=1e-6)


def test_long_tail_evidence(logs, models):
    f = _csv(logs["longtail"][0])
    rows = f[f["环节名称"] == "审查"]
    office, origin = Office("weekly"), pd.Timestamp(ORIGIN)
    to_h = lambda s: ((s - origin).dt.total_seconds() / 3600).to_numpy()  # noqa: E731
    waits = np.array([worked_hours(office, a, b) for a, b in zip(to_h(rows["prev"]), to_h(rows["start"]), strict=True)])
    waits = waits[waits > 1e-9]
    m = _found(models["longtail"])[("long_tail", "审查")]
    assert m["evidence"]["p95_h"] == pytest.approx(np.percentile(waits, 95), abs=0.1)
    assert m["evidence"]["median_h"] == pytest.approx(np.median(waits), abs=0.1)
    shape, _, scale = stats.lognorm.fit(waits, floc=0)
    assert m["evidence"]["fitted_p95_h"] == pytest.approx(stats.lognorm.ppf(0.95, shape, 0, scale), rel=0.01)
    assert m["evidence"]["fitted_p95_h"] < 0.75 * m["evidence"]["p95_h"]  # the lognormal clips the tail
    delay = models["longtail"].activities["审查"].delay
    assert delay.family == "empirical" and max(delay.quantiles) == pytest.approx(waits.max(), rel=0.01)


def test_anchored_wait_evidence(logs, models):
    """The evidence, recomputed from the CSV with scipy and numpy: the wait of 现场踏勘 after 材料核对
    (g) against the time from 审查 to 材料核对 (x); its one previous step is 材料核对 throughout."""
    f = _csv(logs["anchored"][0])
    ends = f.pivot(index="办件编号", columns="环节名称", values="end")
    start = f[f["环节名称"] == "现场踏勘"].set_index("办件编号")["start"].sort_index()
    ends = ends.reindex(start.index)
    h = lambda td: td.dt.total_seconds().to_numpy() / 3600  # noqa: E731
    g, x = h(start - ends["材料核对"]), h(ends["材料核对"] - ends["审查"])
    m = _found(models["anchored"])[("anchored_wait", "现场踏勘")]
    e = m["evidence"]
    assert e["anchor"] == "审查" and m["params"]["anchor"] == "审查" and e["events"] == len(g) == N
    rho = stats.spearmanr(g, x)
    assert e["rho"] == pytest.approx(rho.statistic, abs=6e-4) and rho.statistic < -0.9
    iqr = lambda v: np.percentile(v, 75) - np.percentile(v, 25)  # noqa: E731
    assert e["iqr_prev_h"] == pytest.approx(iqr(g), abs=0.06) and e["iqr_anchor_h"] == pytest.approx(iqr(g + x), abs=0.06)
    assert e["iqr_anchor_h"] < 0.5 * e["iqr_prev_h"]
    every = np.linspace(0, len(g) - 1, 1000).astype(int)  # the rule's sample of the waits (in case order)
    slope = stats.theilslopes(g[every], x[every]).slope
    assert e["slope"] == pytest.approx(slope, abs=6e-4) and slope < -0.7
    late = (start.dt.normalize() - ends["材料核对"].dt.normalize()).dt.days <= 1
    assert e["late_share"] == pytest.approx(100 * late.mean(), abs=0.05)
    assert "现场踏勘" in m["zh"] and "审查" in m["zh"] and "fixed from an earlier event" in m["en"]
    # calendar days from 审查's date; weekend dates moved to Monday: the inspection runs Monday–Friday
    assert m["params"]["count_weekdays"] == list(range(7)) and m["params"]["weekdays"] == [0, 1, 2, 3, 4]
    days = {int(k): v for k, v in m["params"]["days"].items()}
    assert sum(days.values()) == pytest.approx(1.0, abs=1e-5) and min(days) >= 8 and max(days) <= 16
    assert 9.0 <= min(m["params"]["time_of_day"]) and max(m["params"]["time_of_day"]) <= 12.0


def test_anchored_wait_is_reproduced_by_the_model(validations):
    """The simulated inspection keeps its anchor: its wait after 材料核对 falls as 材料核对 runs late
    (as in the real test cases), which a queued wait (the model without the mechanism) does not."""
    def corr(traces: list) -> float:
        g, x = [], []
        for trace in traces:
            at = dict(trace)
            if {"审查", "材料核对", "现场踏勘"} <= at.keys():
                g.append(at["现场踏勘"] - at["材料核对"])
                x.append(at["材料核对"] - at["审查"])
        return float(np.corrcoef(g, x)[0, 1])

    with_, without = validations[("anchored", True)], validations[("anchored", False)]
    real = corr(with_.real_traces)
    assert real < -0.6
    assert abs(corr(with_.sim_traces) - real) < 0.1 and corr(without.sim_traces) > -0.2
    assert without.p90_rel_error > BAR_P90 and without.p90_rel_error > 3 * with_.p90_rel_error


def test_mechanisms_survive_result_json(models):
    model = models["batched"]
    again = SimulationModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again.activities["决定"].batch == model.activities["决定"].batch
    assert again.mechanisms == model.mechanisms
    model = models["branching"]
    again = SimulationModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again.conditional_transitions == model.conditional_transitions
    assert again.case_profiles == model.case_profiles
    assert SimulationModel.from_dict(models["scheduled"].to_dict()).activities["公示"].fixed_wait_h == 360.0
    again = SimulationModel.from_dict(json.loads(json.dumps(models["anchored"].to_dict())))
    assert again.activities["现场踏勘"].anchor == models["anchored"].activities["现场踏勘"].anchor
    assert again.activities["现场踏勘"].anchor["anchor"] == "审查"
    again = SimulationModel.from_dict(json.loads(json.dumps(models["sendback"].to_dict())))
    assert again.previous_transitions == models["sendback"].previous_transitions
    assert again.previous_transitions["补正材料"]["by_previous"]["受理"] == {"受理": 1.0}


# --- validation: the bar with the mechanism modelled, a measurable miss without it ---------------

BAR_MEDIAN, BAR_P90 = 0.05, 0.10


@pytest.fixture(scope="module")
def validations(logs) -> dict:
    return {(m, mech): validate_log(log, replications=5, seed=1, mechanisms=mech)
            for m, (_, log) in logs.items() for mech in (True, False)}


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_validation_meets_the_bar_with_the_mechanism_modelled(validations, mechanism):
    v = validations[(mechanism, True)]
    assert v.median_rel_error <= BAR_MEDIAN and v.p90_rel_error <= BAR_P90


def test_batching_not_modelled_misses_the_p90(validations):
    with_, without = validations[("batched", True)], validations[("batched", False)]
    assert without.p90_rel_error > BAR_P90 and without.p90_rel_error > 5 * with_.p90_rel_error
    assert without.step_wait_error > 3 * with_.step_wait_error


def test_branching_not_conditioned_misses_median_and_p90(validations):
    with_, without = validations[("branching", True)], validations[("branching", False)]
    assert without.median_rel_error > 3 * BAR_MEDIAN and without.p90_rel_error > BAR_P90
    assert without.median_rel_error > 10 * with_.median_rel_error


def test_wait_and_work_drawn_apart_miss_the_step(validations):
    """审查 picked up at once or left for another day, without start times: drawn apart, the wait
    and the work each leave some of the files for another day, and half of them are (not 30 %).
    The mean of the sum is kept, so the cycle times meet the bar either way; 审查's own wait shows it."""
    with_, without = validations[("joint", True)], validations[("joint", False)]
    assert without.step_wait_error > 0.15 and without.step_wait_error > 3 * with_.step_wait_error
    review = {v: next(r for r in x.step_waits if r["step"] == "审查") for v, x in (("with", with_), ("without", without))}
    assert review["with"]["sim_median_h"] == pytest.approx(review["with"]["real_median_h"], rel=0.25)
    assert review["without"]["sim_median_h"] > 1.5 * review["without"]["real_median_h"]


def test_fixed_term_in_working_hours_misses_the_step_waits(validations):
    """A 15-day term learnt as working hours is right on average but wrong for each case (holidays,
    where the term starts in the week): the per-step waits show it."""
    with_, without = validations[("scheduled", True)], validations[("scheduled", False)]
    assert without.step_wait_error > 0.3 and without.step_wait_error > 5 * with_.step_wait_error
    assert without.p90_rel_error > 5 * with_.p90_rel_error


def test_long_tail_clipped_by_a_lognormal_misses_the_p90(logs, validations):
    setup = validation_setup(logs["longtail"][1], seed=1)
    act = setup.model.activities["审查"]
    assert act.delay.family == "empirical"
    values = np.asarray(act.delay.quantiles)
    positive = values[values > 1e-9]
    shape, _, scale = stats.lognorm.fit(positive, floc=0)
    act.delay = Distribution("lognorm", [shape, 0.0, scale], mean=float(stats.lognorm.mean(shape, 0, scale)))
    clipped = validate_setup(setup, replications=5, seed=1)
    kept = validations[("longtail", True)]
    assert clipped.p90_rel_error > BAR_P90 and clipped.p90_rel_error > 3 * kept.p90_rel_error


def test_monthly_meeting_modelled_releases_on_its_days(logs, validations):
    """Cycle times alone do not need the meeting (a case reaching it at a random point of the month
    waits a uniform part of a month either way: both runs meet the bar), but only the model with it
    holds the reviews on the meeting days, where a month's cases arrive at once downstream."""
    origin = pd.Timestamp(validation_setup(logs["monthly"][1], seed=1).model.origin)

    def on_meeting_days(traces: list, epoch: pd.Timestamp) -> float:
        days = [(epoch + pd.Timedelta(hours=h)).day for trace in traces for a, h in trace if a == "专家评审"]
        return float(np.mean([10 <= d <= 12 for d in days]))

    assert on_meeting_days(validations[("monthly", True)].real_traces, pd.Timestamp(0)) == 1.0
    assert on_meeting_days(validations[("monthly", True)].sim_traces, origin) > 0.95
    assert on_meeting_days(validations[("monthly", False)].sim_traces, origin) < 0.3
    assert validations[("monthly", False)].median_rel_error <= BAR_MEDIAN


def test_parallel_reviews_not_modelled_miss_the_p90_and_the_order_of_steps(validations):
    """Run as a chain, the three reviews add up where they overlap: the P90 and the n-gram distance
    (the chain fixes an order the log does not have) both get worse."""
    with_, without = validations[("parallel", True)], validations[("parallel", False)]
    assert without.p90_rel_error > BAR_P90 and without.p90_rel_error > 10 * with_.p90_rel_error
    assert without.control_flow_distance > 3 * with_.control_flow_distance


def test_parallel_evidence(logs, models):
    """The evidence against the CSV: the rarer order of each pair, the share of cases whose reviews
    come one after another, and how often 人防审查 runs (the generator's 60 %)."""
    f = _csv(logs["parallel"][0])
    members = ["消防审查", "规划核验", "人防审查"]
    pos = f.assign(pos=f.groupby("办件编号").cumcount()).pivot(index="办件编号", columns="环节名称", values="pos")
    shares = [float((pos[a] < pos[b])[pos[a].notna() & pos[b].notna()].mean())
              for i, a in enumerate(members) for b in members[i + 1:]]
    rarer = min(min(x, 1 - x) for x in shares)
    m = _found(models["parallel"])[("parallel", " ∥ ".join(members))]
    assert m["evidence"]["order_share"] == pytest.approx(100 * rarer, abs=0.05)
    span = pos[members].max(axis=1) - pos[members].min(axis=1) + 1
    assert m["evidence"]["contiguous"] == pytest.approx(100 * float((span == pos[members].notna().sum(axis=1)).mean()),
                                                        abs=0.05)
    share = m["params"]["member_probability"]
    assert share["消防审查"] == share["规划核验"] == 1.0 and share["人防审查"] == pytest.approx(0.6, abs=0.03)
    assert "并联办理" in m["zh"] and "side by side" in m["en"]


def test_nothing_changes_on_a_log_without_mechanisms(validations):
    a, b = validations[("none", True)], validations[("none", False)]
    assert a.sim_hours == b.sim_hours and a.median_rel_error == b.median_rel_error


def test_rolling_origin_meets_the_bar_on_every_mechanism_log(logs):
    for m, (_, log) in logs.items():
        worst = rolling_origin(log, replications=3, seed=1)["worst"]
        assert worst["splits_run"] == 4, m
        assert worst["median_rel_error"]["value"] <= BAR_MEDIAN, (m, worst)
        assert worst["p90_rel_error"]["value"] <= BAR_P90, (m, worst)


# --- no false alarms on real logs -----------------------------------------------------------------

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "logs"


@pytest.mark.parametrize("name", ["DomesticDeclarations.xes.gz", "RequestForPayment.xes.gz", "receipt.xes.gz"])
def test_no_batching_fixed_term_or_attribute_branching_on_the_shared_logs(name):
    path = REAL / name
    if not path.exists():
        pytest.skip(f"{path} absent (the shared real logs are not in the repository)")
    found = {x["id"] for x in discover_model(bpr.read_log(path)).mechanisms}
    assert not found & {"batched", "batched_monthly", "scheduled_wait", "attribute_branching", "anchored_wait"}


def test_road_fines_penalty_is_a_fixed_term():
    """Italian road-traffic fines: a penalty is added when a fine is not paid within 60 days of
    its notification (the road-traffic log's own process): a real fixed term, found as one."""
    path = REAL / "roadtraffic100traces.xes"
    if not path.exists():
        pytest.skip(f"{path} absent (the shared real logs are not in the repository)")
    found = _found(discover_model(bpr.read_log(path)))
    assert set(found) == {("scheduled_wait", "Add penalty")}
    assert 58 <= found[("scheduled_wait", "Add penalty")]["evidence"]["days"] <= 61


@pytest.mark.parametrize("name", ["food_licence.csv", "public_health_reform.csv"])
def test_no_false_alarm_on_the_samples(name):
    """The bundled samples (generated without batches, fixed terms or channel-driven routing;
    they carry a channel column, so the attribute test runs)."""
    path = Path(__file__).resolve().parents[2] / "samples" / "logs" / name
    found = {x["id"] for x in discover_model(bpr.read_log(path)).mechanisms}
    assert not found & {"batched", "batched_monthly", "scheduled_wait", "attribute_branching", "anchored_wait"}


def test_report_lists_the_mechanisms_found(models):
    from bpr.report.builders.simulate import build

    for lang, word in (("zh", "检测到的机制"), ("en", "Mechanisms found")):
        result = {"kind": "simulate", "scenarios": [], "model": models["batched"].to_dict()}
        section = next(s for s in build(result, lang).sections if s.title == word)
        text = " ".join(section.paragraphs)
        assert ("星期四" if lang == "zh" else "Thursdays") in text and "决定" in text and "100.0" in text
        result["model"] = models["none"].to_dict()
        section = next(s for s in build(result, lang).sections if s.title == word)
        assert section.paragraphs == [t("rs_mechanisms_none", lang)]
    old = {"kind": "simulate", "scenarios": [], "model": {k: v for k, v in models["none"].to_dict().items()
                                                          if k != "mechanisms"}}
    assert all(s.title != "检测到的机制" for s in build(old, "zh").sections)  # results from before #19


def test_cli_writes_the_evidence_to_result_json_and_the_report(tmp_path, capsys):
    from bpr.cli import main

    path = write_mechanism_log(tmp_path / "batched.csv", "batched", n=400, seed=2)
    for flags, folder in (([], "on"), (["--no-mechanisms"], "off")):
        with pytest.raises(SystemExit) as info:
            main(["simulate", str(path), "--cases", "50", "--replications", "1", *flags, "-o", str(tmp_path / folder)])
        assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.count("“决定”疑似批量办理") == 1  # printed by the run with mechanisms only
    on = json.loads((tmp_path / "on" / "result.json").read_text(encoding="utf-8"))["model"]
    off = json.loads((tmp_path / "off" / "result.json").read_text(encoding="utf-8"))["model"]
    assert [(m["id"], m["step"]) for m in on["mechanisms"]] == [("batched", "决定")]
    assert on["mechanisms"][0]["evidence"]["share"] == 100.0 and on["activities"]["决定"]["batch"]["weekday"] == 3
    assert off["mechanisms"] == [] and "batch" not in off["activities"]["决定"]
    with pytest.raises(SystemExit) as info:
        main(["report", str(tmp_path / "on"), "-o", str(tmp_path / "report"), "--format", "html"])
    assert info.value.code == 0
    html = next((tmp_path / "report").glob("*.html")).read_text(encoding="utf-8")
    assert "检测到的机制" in html and "疑似批量办理" in html


def test_a_scenario_keeps_the_routing_by_attribute(models):
    from bpr.simulate.engine import run_replication
    from bpr.simulate.scenario import Scenario, apply_scenario

    model = models["branching"]
    to_be = apply_scenario(model, Scenario(name="免现场核验", remove=["现场核验"]))
    assert to_be.conditional_transitions["受理"]["by_value"]["窗口"] == {"审查": 1.0}
    assert to_be.conditional_transitions["受理"]["by_value"]["网上"] == {"网上预审": 1.0}
    assert to_be.conditional_transitions["决定"] == model.conditional_transitions["决定"]
    runs = {}
    for name, m in (("as-is", model), ("to-be", to_be)):
        out = run_replication(m, 3, cases=400, trace=True)
        runs[name] = [{a for a, _ in e} for e in out.events]
    mixed = lambda traces: sum(("网上预审" in t) == ("邮寄送达" in t) for t in traces)  # noqa: E731
    assert mixed(runs["as-is"]) == 0 and mixed(runs["to-be"]) == 0  # one channel's branches, never both
    assert not any("现场核验" in t for t in runs["to-be"])
    assert 0.6 < np.mean(["网上预审" in t for t in runs["to-be"]]) < 0.8  # the observed channel mix
    flat = SimulationModel.from_dict({**model.to_dict(), "conditional_transitions": {}, "case_profiles": {}})
    flat_traces = [{a for a, _ in e} for e in run_replication(flat, 3, cases=400, trace=True).events]
    assert mixed(flat_traces) > 50  # a first-order chain mixes the channels' branches


# --- each rule on both sides of its threshold (hand-made frames) ----------------------------------

def _rule(rule_id: str):
    from bpr.simulate.mechanisms import RULES

    return next(r for r in RULES if r.id == rule_id)


@pytest.mark.parametrize(("on_thursday", "fires"), [(55, True), (45, False)])
def test_batched_on_both_sides_of_its_share(on_thursday, fires):
    monday = pd.Timestamp("2024-03-04 10:00")
    prev = [monday + pd.Timedelta(days=i % 5) for i in range(100)]  # enabled evenly Monday–Friday
    done = [monday + pd.Timedelta(days=3 + 7 * (i // 5), hours=5) if i < on_thursday
            else monday + pd.Timedelta(days=[0, 1, 2, 4][i % 4] + 7 * (i // 5), hours=5) for i in range(100)]
    frame = pd.DataFrame({"case": [f"c{i}" for i in range(100)], "activity": "审批", "pos": 1,
                          "timestamp": done, "prev_end": prev})
    found = _rule("batched").run(frame)
    assert bool(found) is fires
    if fires:
        assert found[0].evidence["share"] == on_thursday and found[0].evidence["baseline"] == 20.0


def test_batched_needs_more_concentration_than_the_steps_before():
    thursday = pd.Timestamp("2024-03-07 10:00")
    frame = pd.DataFrame({"case": [f"c{i}" for i in range(100)], "activity": "送达", "pos": 1,
                          "timestamp": [thursday + pd.Timedelta(days=7 * i + 1) for i in range(100)],  # Fridays
                          "prev_end": [thursday + pd.Timedelta(days=7 * i) for i in range(100)]})  # all Thursdays
    assert _rule("batched").run(frame) == []


@pytest.mark.parametrize(("fixed", "fires"), [(55, True), (45, False)])
def test_fixed_term_on_both_sides_of_its_share(fixed, fires):
    rng = np.random.default_rng(0)
    waits = np.concatenate([np.full(fixed, 360.0), rng.uniform(100, 900, 100 - fixed)])
    frame = pd.DataFrame({"activity": "公示", "delay_clock": waits})
    found = _rule("scheduled_wait").run(frame)
    assert bool(found) is fires
    if fires:
        assert found[0].params["fixed_hours"] == 360.0 and found[0].evidence["days"] == 15.0


def test_a_spread_wait_is_not_a_fixed_term():
    waits = np.random.default_rng(1).lognormal(np.log(360), 0.3, 400)  # 15 days in the median, spread
    assert _rule("scheduled_wait").run(pd.DataFrame({"activity": "审查", "delay_clock": waits})) == []
    waits = np.random.default_rng(1).normal(360, 2, 400)  # within hours of 15 days: near-constant
    assert len(_rule("scheduled_wait").run(pd.DataFrame({"activity": "审查", "delay_clock": waits}))) == 1


@pytest.mark.parametrize(("share_a", "fires"), [(0.67, True), (0.6, False)])
def test_attribute_branching_on_both_sides_of_cramers_v(share_a, fires):
    """Two channels of 200 cases each; Y follows X in `share_a` of A's cases and 1 − share_a of B's:
    Cramér's V of that 2 × 2 table is 2·share_a − 1 (0.34 fires, 0.2 does not, the bar being 0.3)."""
    rows = []
    for channel in ("A", "B"):
        k = round(200 * (share_a if channel == "A" else 1 - share_a))
        for i in range(200):
            rows.append({"case": f"{channel}{i}", "activity": "X", "next": "Y" if i < k else "Z", "channel": channel})
    found = _rule("attribute_branching").run(pd.DataFrame(rows))
    assert bool(found) is fires
    if fires:
        assert found[0].evidence["cramers_v"] == pytest.approx(2 * share_a - 1, abs=1e-3)


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_detection_holds_on_another_seed_and_a_smaller_log(tmp_path, mechanism):
    path = write_mechanism_log(tmp_path / f"{mechanism}.csv", mechanism, n=800, seed=11)
    assert set(_found(discover_model(bpr.read_log(path)))) == EXPECTED[mechanism]


def _anchored_frame(beta: float, n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Cases 受理 → 审查 → 踏勘: x = 受理 → 审查 (1–10 days), and 踏勘 waits 500 h − beta·x (± 20 h)
    after 审查: beta = 1 is a date fixed from 受理, beta = 0 a queued wait."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        t0 = pd.Timestamp("2024-03-04 10:00") + pd.Timedelta(days=i)
        x, g = rng.uniform(24, 240), 0.0
        g = max(500 - beta * x + rng.normal(0, 20), 0.0)
        at = [t0, t0 + pd.Timedelta(hours=x), t0 + pd.Timedelta(hours=x + g + 1)]
        for pos, (name, ts) in enumerate(zip(("受理", "审查", "踏勘"), at, strict=True)):
            rows.append({"case": f"c{i}", "activity": name, "pos": pos, "timestamp": ts,
                         "start": ts - pd.Timedelta(hours=1) if pos == 2 else ts,
                         "prev_end": at[pos - 1] if pos else pd.NaT, "delay_clock": g if pos == 2 else (x if pos else np.nan)})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("beta", "fires"), [(0.6, True), (0.4, False), (0.0, False), (1.0, True)])
def test_anchored_wait_on_both_sides_of_its_slope(beta, fires):
    """The slope bar is −0.5 (where the time from the anchor starts to vary less than the wait)."""
    frame = _anchored_frame(beta)
    found = _rule("anchored_wait").run(frame)
    assert bool(found) is fires
    if fires:
        (m,) = found
        x = (frame.loc[frame["pos"] == 1, "timestamp"].to_numpy() - frame.loc[frame["pos"] == 0, "timestamp"].to_numpy())
        g = frame.loc[frame["pos"] == 2, "delay_clock"].to_numpy()
        x = x / np.timedelta64(1, "h")
        assert m.step == "踏勘" and m.evidence["anchor"] == "__start__"  # 受理 is the case's start: the start wins
        assert m.evidence["slope"] == pytest.approx(stats.theilslopes(g, x).slope, abs=1e-3)
        assert m.evidence["slope"] == pytest.approx(-beta, abs=0.05)
        assert "办件开始" in m.text("zh") and "the case's start" in m.text("en")


def test_left_censored_masses_against_a_hand_computed_example_and_scipy():
    """Values 3 (exact), 5 (exact), 5 (censored: at most 5), 2 (censored), 1 (exact): from the top,
    5 takes 1/5 of everything (one exact of the five ≤ 5), 3 takes 1/3 of the remaining 4/5 (one
    exact of 3, 2, 1), 1 all that is left (8/15); 2 is never an exact value. Then, on random data,
    scipy's Kaplan–Meier (stats.ecdf) on the negated values, right-censored."""
    from bpr.simulate.mechanisms import left_censored_masses

    masses = left_censored_masses(np.array([3, 5, 5, 2, 1]), np.array([False, False, True, True, False]))
    assert masses == pytest.approx({1: 8 / 15, 3: 4 / 15, 5: 1 / 5})
    exact = left_censored_masses(np.array([4, 4, 6, 7]), np.zeros(4, dtype=bool))
    assert exact == pytest.approx({4: 0.5, 6: 0.25, 7: 0.25})  # nothing censored: the plain shares
    spread = left_censored_masses(np.array([10]), np.array([False]), np.array([2]))
    assert spread == pytest.approx({8: 1 / 3, 9: 1 / 3, 10: 1 / 3})  # a Monday date booked Saturday–Monday
    rng = np.random.default_rng(3)
    values, censored = rng.integers(0, 20, 300), rng.random(300) < 0.3
    ours = left_censored_masses(values, censored)
    km = stats.ecdf(stats.CensoredData(uncensored=-values[~censored], right=-values[censored])).sf
    jumps = -np.diff(np.concatenate([[1.0], km.probabilities]))
    theirs = {int(-q): float(j) for q, j in zip(km.quantiles, jumps, strict=True) if j > 1e-12}
    low = min(ours)  # scipy leaves the mass below its last point undefined; we put it on the smallest value
    assert {k: v for k, v in ours.items() if k != low} == pytest.approx({k: v for k, v in theirs.items() if k != low})
    assert ours[low] == pytest.approx(1 - sum(v for k, v in theirs.items() if k != low))


def test_a_wait_cut_books_an_anchored_step_sooner(models):
    from bpr.simulate.engine import run_replication
    from bpr.simulate.scenario import Scenario, apply_scenario

    model = models["anchored"]
    sooner = apply_scenario(model, Scenario(name="提前预约", waits={"现场踏勘": 0.5}))
    before = {int(k): v for k, v in model.activities["现场踏勘"].anchor["days"].items()}
    after = {int(k): v for k, v in sooner.activities["现场踏勘"].anchor["days"].items()}
    mean = lambda d: sum(k * v for k, v in d.items())  # noqa: E731
    assert sum(after.values()) == pytest.approx(1.0, abs=1e-5) and mean(after) == pytest.approx(mean(before) / 2, abs=0.3)

    def gap(m) -> float:
        events = run_replication(m, 2, cases=400, trace=True).events
        return float(np.median([dict(e)["现场踏勘"] - dict(e)["审查"] for e in events if "现场踏勘" in dict(e)]))

    assert gap(sooner) < 0.7 * gap(model)
