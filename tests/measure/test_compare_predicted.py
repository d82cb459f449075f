"""`bpr compare --predicted SIM_DIR`: a `bpr simulate` prediction beside the measured after side
(plan vs reality), in result.json, the CSV and the reports."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from bpr.cli import main
from bpr.measure.compare_logs import compare_log
from bpr.measure.compare_predicted import predicted_vs_observed
from bpr.report.render import render

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "samples" / "logs" / "public_health_reform.csv"
CATALOGUE = ROOT / "samples" / "catalogue_template.xlsx"
SCENARIO = """scenarios:
  - name: 取消现场审查和审核
    remove: [现场审查, 审核]
    rework: [{to: 补正材料, factor: 0.5}]
"""


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> Path:
    """bpr simulate on the pre-reform cases with the planted reform's step removals as the plan."""
    folder = tmp_path_factory.mktemp("sim")
    raw = pd.read_csv(LOG, encoding="utf-8-sig", dtype=str)
    first = raw.groupby("办件编号")["环节结束时间"].min()
    before = set(first[first < "2024-07-01"].index)
    raw[raw["办件编号"].isin(before)].to_csv(folder / "before.csv", index=False)
    (folder / "plan.yaml").write_text(SCENARIO, encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main(["simulate", str(folder / "before.csv"), "--scenario", str(folder / "plan.yaml"), "--cases", "300",
              "--replications", "3", "-o", str(folder / "out")])
    assert info.value.code == 0
    return folder / "out"


@pytest.fixture(scope="module")
def observed():
    import bpr

    return compare_log(LOG, at=pd.Timestamp("2024-07-01").date(), catalogue=bpr.read_catalogue(CATALOGUE),
                       resamples=300)


def test_prediction_sits_beside_the_observed_after_side(simulated, observed):
    sim = json.loads((simulated / "result.json").read_text(encoding="utf-8"))
    scenario = sim["scenarios"][1]
    rows = {m.measure: m for m in predicted_vs_observed(observed, simulated).measures}
    md = rows["median_days"]
    assert md.predicted == scenario["cycle_working_days"]["median"]["mean"]
    assert md.as_is == sim["scenarios"][0]["cycle_working_days"]["median"]["mean"]
    assert md.observed == observed.after.median_days and md.observed_before == observed.before.median_days
    assert md.error == pytest.approx(md.predicted - md.observed)
    assert md.rel_error == pytest.approx((md.predicted - md.observed) / md.observed)
    assert md.observed_low < md.observed < md.observed_high
    assert md.within == (md.observed_low <= md.predicted <= md.observed_high)
    assert md.predicted_change == scenario["versus_as_is"]["median_d"]["mean"]
    assert md.observed_change == observed.change["median_days"].diff
    # the planted reform also halved a wait and moved applications online, which the plan did not
    # model: the simulated cut falls short of the measured one, and the prediction lies outside
    assert md.predicted_change < 0 and md.observed_change < md.predicted_change and md.within is False
    assert rows["avg_visits"].predicted == scenario["visits_per_case"]["mean"]


def test_a_prediction_equal_to_the_observation_has_no_error(tmp_path, observed):
    """A hand-made simulate result whose scenario predicts exactly the measured after side."""
    after, before = observed.after, observed.before

    def block(med, p90):
        return {"median": {"mean": med, "ci_low": med, "ci_high": med}, "p90": {"mean": p90, "ci_low": p90,
                                                                                "ci_high": p90}}

    scenario = {"name": "方案", "label": None, "cycle_hours": block(after.median_hours, after.p90_hours),
                "cycle_working_days": block(after.median_days, after.p90_days),
                "visits_per_case": {"mean": after.avg_visits}, "on_time_rate": None,
                "versus_as_is": {"median_d": {"mean": after.median_days - before.median_days}}}
    as_is = {**scenario, "name": "as-is", "cycle_working_days": block(before.median_days * 1.1, before.p90_days),
             "versus_as_is": {}}
    (tmp_path / "result.json").write_text(json.dumps({"kind": "simulate", "replications": 1,
                                                      "scenarios": [as_is, scenario]}), encoding="utf-8")
    rows = {m.measure: m for m in predicted_vs_observed(observed, tmp_path).measures}
    for measure in ("median_hours", "p90_hours", "median_days", "p90_days", "avg_visits"):
        assert rows[measure].error == 0 and rows[measure].rel_error == 0 and rows[measure].within, measure
    assert rows["median_days"].as_is_error == pytest.approx(0.1)
    assert rows["median_days"].predicted_change == pytest.approx(rows["median_days"].observed_change)
    assert rows["on_time_rate"].predicted is None and rows["on_time_rate"].within is None


def test_cli_result_and_reports(simulated, tmp_path):
    out = tmp_path / "cmp"
    with pytest.raises(SystemExit) as info:
        main(["compare", str(LOG), "--at", "2024-07-01", "--predicted", str(simulated), "-o", str(out),
              "--resamples", "200"])
    assert info.value.code == 0
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    md = next(m for m in data["predicted"]["measures"] if m["measure"] == "median_days")
    assert md["observed"] == data["after"]["median_days"] and md["error"] is not None
    assert (out / "predicted.csv").read_text(encoding="utf-8-sig").startswith("指标,预测（改革后）,实测（改革后）")
    paths = {p.suffix: p for p in render(out, tmp_path / "report", "zh")}
    page = paths[".html"].read_text(encoding="utf-8")
    assert "方案预测与实际效果对照" in page and f"{md['predicted']:.2f}" in page
    import docx
    import openpyxl

    assert "方案预测与实际效果对照"[:12] in openpyxl.load_workbook(paths[".xlsx"]).sheetnames
    assert "预测误差" in "\n".join(p.text for p in docx.Document(paths[".docx"]).paragraphs)


@pytest.mark.parametrize("content", [None, '{"kind": "discover"}', "not json"])
def test_a_folder_that_is_not_a_simulation_is_one_line_exit_2(tmp_path, capsys, content):
    folder = tmp_path / "sim"
    folder.mkdir()
    if content is not None:
        (folder / "result.json").write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main(["compare", str(LOG), "--at", "2024-07-01", "--predicted", str(folder), "-o", str(tmp_path / "out")])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "simulate" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_predicted_with_two_catalogues_is_one_line_exit_2(tmp_path, capsys, simulated):
    import bpr.io
    from tests.measure.test_compare_catalogues import new_version, old_version

    bpr.io.write_template(tmp_path / "a.xlsx", old_version())
    bpr.io.write_template(tmp_path / "b.xlsx", new_version())
    with pytest.raises(SystemExit) as info:
        main(["compare", str(tmp_path / "a.xlsx"), str(tmp_path / "b.xlsx"), "--predicted", str(simulated),
              "-o", str(tmp_path / "out")])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "--predicted" in err and len(err.splitlines()) == 1
