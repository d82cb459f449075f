"""`bpr compare OLD.xlsx NEW.xlsx`: the catalogue diff against a hand-made pair (figures by hand)."""

from __future__ import annotations

import json

import pytest

import bpr.io
from bpr.cli import main
from bpr.measure.compare_catalogues import compare_catalogues
from bpr.model import Catalogue, Material, Matter, Step, TimeLimit
from bpr.report.render import render


def _m(name, code, limit, visits, depth, materials, steps=("受理", "审查", "决定"), exempt=()):
    return Matter(name=name, code=code, department="市场监督管理局", matter_type="行政许可",
                  legal_limit=TimeLimit.parse("20个工作日"), promised_limit=TimeLimit.parse(limit), visits=visits,
                  online_depth=depth, materials=[Material(n, exempt=n in exempt) for n in materials],
                  steps=[Step(s) for s in steps])


def old_version() -> Catalogue:
    return Catalogue([
        _m("食品经营许可", "F001", "16个工作日", 2, 2, ["申请书", "营业执照复印件", "身份证复印件", "场所使用证明"],
           ("受理", "审查", "现场核查", "决定")),
        _m("公共场所卫生许可", "W001", "5个工作日", 1, 3, ["申请表", "卫生检测报告"]),
        _m("户外广告设施设置审批", "H001", "10个工作日", 1, 2, ["申请表"]),
    ])


def new_version() -> Catalogue:
    return Catalogue([
        # 营业执照复印件 dropped (data sharing), 承诺书 added, 身份证复印件 now 免提交; 16 -> 8 days,
        # 2 -> 0 visits, depth II -> IV, 现场核查 dropped
        _m("食品经营许可", "F001", "8个工作日", 0, 4, ["申请书", "身份证复印件", "场所使用证明", "告知承诺书"],
           exempt=("身份证复印件",)),
        _m("公共场所卫生许可", "W001", "5个工作日", 1, 3, ["申请表", "卫生检测报告"]),
        _m("个体工商户设立登记", "G001", "即办", 0, 4, ["登记申请书", "经营者身份证明"]),
    ])


def test_the_diff_agrees_with_the_hand_count():
    diff = compare_catalogues(old_version(), new_version())
    s = diff.totals
    assert (s.matters_before, s.matters_after, s.matters_added, s.matters_removed, s.matters_changed) == (3, 3, 1, 1, 1)
    assert [m["name"] for m in diff.added] == ["个体工商户设立登记"]
    assert [m["name"] for m in diff.removed] == ["户外广告设施设置审批"]
    assert (s.materials_before, s.materials_after) == (7, 8)
    assert (s.materials_removed, s.materials_added, s.materials_no_longer_submitted) == (1, 1, 1)
    assert (s.limit_matters, s.limit_days_before, s.limit_days_after) == (2, 21, 13)
    assert s.limit_compression == pytest.approx(8 / 21)
    assert (s.limits_compressed, s.visits_cut, s.depth_raised) == (1, 1, 1)
    assert s.visits_before == pytest.approx(4 / 3) and s.visits_after == pytest.approx(1 / 3)
    assert (s.full_online_before, s.full_online_after) == (0, 2)
    food = next(d for d in diff.matters if d.name == "食品经营许可")
    assert food.materials_removed == ["营业执照复印件"] and food.materials_added == ["告知承诺书"]
    assert food.materials_no_longer_submitted == ["身份证复印件"]
    assert (food.limit_days_before, food.limit_days_after, food.limit_compressed) == (16, 8, True)
    assert food.steps_removed == ["现场核查"] and food.steps_added == []
    assert not next(d for d in diff.matters if d.name == "公共场所卫生许可").changed


def test_a_renamed_matter_keeps_its_code():
    new = new_version()
    new.matters[1].name = "公共场所卫生许可（含告知承诺）"
    diff = compare_catalogues(old_version(), new)
    assert diff.totals.matters_added == 1 and diff.totals.matters_removed == 1  # G001 and H001 only


def test_cli_on_two_sheets_and_report(tmp_path, capsys):
    old, new = tmp_path / "清单2023.xlsx", tmp_path / "清单2024.xlsx"
    bpr.io.write_template(old, old_version())
    bpr.io.write_template(new, new_version())
    out = tmp_path / "diff"
    with pytest.raises(SystemExit) as info:
        main(["compare", str(old), str(new), "-o", str(out)])
    assert info.value.code == 0
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert data["kind"] == "compare" and data["mode"] == "catalogues"
    assert data["totals"]["limit_days_after"] == 13 and data["totals"]["materials_no_longer_submitted"] == 1
    assert "营业执照复印件" in (out / "catalogue_diff.csv").read_text(encoding="utf-8-sig")
    assert "新增 1 项" in capsys.readouterr().out
    page = render(out, tmp_path / "report", "zh", ("html",))[0].read_text(encoding="utf-8")
    assert "营业执照复印件" in page and "户外广告设施设置审批" in page and "38.1%" in page
