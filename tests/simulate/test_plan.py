"""A plan's accepted proposals become scenario changes on the sample matter's log."""

from __future__ import annotations

from pathlib import Path

import pytest

import bpr
from bpr.simulate import apply_scenario, discover_model, scenario_from_plan

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "samples" / "catalogue_province_export.xlsx"
LOG = ROOT / "samples" / "logs" / "food_licence.csv"
MATTER = "食品经营许可"


def test_plan_maps_to_scenario(tmp_path):
    if not (CATALOGUE.exists() and LOG.exists()):
        pytest.skip("sample catalogue or log not generated")
    from bpr.plan.plan import write_plan
    from bpr.plan.proposals import propose

    catalogue = bpr.read_catalogue(CATALOGUE)
    catalogue.matters = [m for m in catalogue.matters if m.name == MATTER]
    bpr.write_template(tmp_path / "cat.xlsx", catalogue)
    catalogue = bpr.read_catalogue(tmp_path / "cat.xlsx")
    proposals = propose(catalogue)
    write_plan(tmp_path / "plan.yaml", proposals, catalogue="cat.xlsx")
    scenario = scenario_from_plan(tmp_path / "plan.yaml")
    dropped = sorted(p.change["step"] for p in proposals if p.change.get("kind") == "drop_step")
    assert sorted(scenario.remove) == dropped
    shared = {p.target for p in proposals if p.dimension == "materials" and p.kind not in ("tolerate", "pending_share")}
    # 容缺受理 accepted: correction runs alongside review (tests/simulate/test_tolerance.py)
    assert bool(scenario.tolerance) is any(p.kind == "tolerate" for p in proposals)
    matter = catalogue.matters[0]
    if shared:
        assert scenario.rework == [{"factor": pytest.approx(1 - len(shared) / len(matter.materials), abs=1e-4)}]
    model = apply_scenario(discover_model(bpr.read_log(LOG)), scenario)
    assert not set(dropped) & set(model.activities)
    if scenario.tolerance:
        # 补正材料 is asked for mostly at 受理: the case is accepted and it runs alongside 初审
        assert ["初审", "补正材料"] in model.parallel_groups
    assert model.promised_limit_days is not None


def test_a_plan_of_several_matters_takes_the_one_the_log_is_about(tmp_path):
    from bpr.errors import UsageError
    from bpr.plan.plan import write_plan
    from bpr.plan.proposals import propose

    catalogue = bpr.read_catalogue(CATALOGUE)
    proposals = propose(catalogue)
    write_plan(tmp_path / "plan.yaml", proposals, catalogue=str(CATALOGUE))
    code = next(m.code for m in catalogue.matters if m.name == MATTER)
    in_log = set(bpr.read_log(LOG).to_pandas()["matter"].dropna())
    assert in_log == {code}  # the sample log's 实施编码 column
    assert scenario_from_plan(tmp_path / "plan.yaml", log_matters=in_log).label.values["matter"] == MATTER
    assert scenario_from_plan(tmp_path / "plan.yaml", code).label.values["matter"] == MATTER  # --matter by code
    with pytest.raises(UsageError, match="several matters"):
        scenario_from_plan(tmp_path / "plan.yaml")
    with pytest.raises(UsageError, match="no matter '不存在'") as info:
        scenario_from_plan(tmp_path / "plan.yaml", "不存在")
    assert MATTER in info.value.details
