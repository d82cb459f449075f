"""bpr propose / apply / bundle end to end: files written, exit code 2 on bad plans, nothing half-written."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import bpr.io
from bpr.cli import main
from tests.plan.handmade import catalogue

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def run(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


@pytest.fixture
def handmade(monkeypatch, tmp_path):
    """The hand-built catalogue behind any catalogue path (the reader has tests of its own)."""
    monkeypatch.setattr(bpr.io, "read_catalogue", lambda path, **kw: catalogue())
    path = tmp_path / "catalogue.xlsx"
    path.write_bytes(b"placeholder")
    return path


def test_propose_then_apply(handmade, tmp_path, capsys):
    code, out, _ = run(["propose", str(handmade), "-o", str(tmp_path / "p")], capsys)
    assert code == 0 and "17 条建议" in out  # one time proposal per matter, and one 容缺受理 (test_proposals)
    result = json.loads((tmp_path / "p" / "result.json").read_text(encoding="utf-8"))
    assert result["kind"] == "propose" and result["summary"] == {"materials": 9, "steps": 4, "time": 2, "visits": 2}
    rows = list(csv.reader((tmp_path / "p" / "proposals.csv").open(encoding="utf-8-sig")))
    assert rows[0][:3] == ["编号", "维度", "事项"] and len(rows) == 18  # headers follow --lang (zh by default)
    code, out, _ = run(["apply", str(handmade), str(tmp_path / "p" / "plan.yaml"), "-o", str(tmp_path / "a")], capsys)
    assert code == 0
    result = json.loads((tmp_path / "a" / "result.json").read_text(encoding="utf-8"))
    assert result["kind"] == "apply" and len(result["applied"]) == 17
    whole = result["before_after"]["catalogue"]
    # everything accepted: food 9/9/3 materials/days/… (see test_plan_apply), small 1 material, 0 days
    assert whole["after"] == {"steps": 6, "materials": 4, "promised_days": 9, "critical_path_days": 9, "visits": 2}
    ba = list(csv.reader((tmp_path / "a" / "before_after.csv").open(encoding="utf-8-sig")))
    assert ba[0] == ["范围", "名称", "实施编码", "指标", "改革前", "改革后", "减少", "压减比例（%）"]
    assert ["全部事项", "handmade", "", "申请材料数", "11", "4", "7", "63.64"] in ba
    assert (tmp_path / "a" / "after.xlsx").exists()


def test_plan_names_its_catalogue_relative_to_itself(handmade, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run(["propose", "catalogue.xlsx", "-o", "out/plan"], capsys)
    plan = bpr.read_plan(tmp_path / "out" / "plan" / "plan.yaml")
    assert plan.catalogue == "../../catalogue.xlsx"
    assert (tmp_path / "out" / "plan" / plan.catalogue).resolve() == handmade.resolve()


def test_apply_unknown_ids_exit_2_and_writes_nothing(handmade, tmp_path, capsys):
    run(["propose", str(handmade), "-o", str(tmp_path / "p")], capsys)
    plan = tmp_path / "p" / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("V-F001-002", "V-F001-777"), encoding="utf-8")
    code, _, err = run(["apply", str(handmade), str(plan), "-o", str(tmp_path / "a")], capsys)
    assert code == 2 and "V-F001-777" in err and "Traceback" not in err
    assert not (tmp_path / "a").exists()


def test_bundle_member_missing_exit_2(handmade, tmp_path, capsys):
    bundle = tmp_path / "b.yaml"
    bundle.write_text("name: 开店一件事\nmembers:\n  - F001\n  - 不存在的事项\n  - 另一个\n", encoding="utf-8")
    code, _, err = run(["bundle", str(handmade), str(bundle), "-o", str(tmp_path / "b")], capsys)
    assert code == 2 and "不存在的事项" in err and "另一个" in err
    assert not (tmp_path / "b").exists()


def test_bundle_cli(handmade, tmp_path, capsys):
    bundle = tmp_path / "b.yaml"
    bundle.write_text("name: 开店一件事\nmembers:\n  - F001\n  - 个体工商户变更登记\n", encoding="utf-8")
    code, out, _ = run(["bundle", str(handmade), str(bundle), "-o", str(tmp_path / "b")], capsys)
    assert code == 0
    result = json.loads((tmp_path / "b" / "result.json").read_text(encoding="utf-8"))
    assert result["kind"] == "bundle" and result["bundle"]["after"]["materials"] == 5  # see test_bundle_hand_computed
    assert (tmp_path / "b" / "shared_documents.csv").exists()


def test_on_the_sample_catalogue_materials_cut_equals_the_accepted_savings(tmp_path, capsys):
    sample = SAMPLES / "catalogue_template.xlsx"
    if not sample.exists():
        pytest.skip("samples/catalogue_template.xlsx not generated")
    assert run(["propose", str(sample), "-o", str(tmp_path / "p")], capsys)[0] == 0
    proposals = json.loads((tmp_path / "p" / "result.json").read_text(encoding="utf-8"))["proposals"]
    assert run(["apply", str(sample), str(tmp_path / "p" / "plan.yaml"), "-o", str(tmp_path / "a")], capsys)[0] == 0
    whole = json.loads((tmp_path / "a" / "result.json").read_text(encoding="utf-8"))["before_after"]["catalogue"]
    # every materials proposal saves exactly one submitted item, independently of the others
    assert whole["cut"]["materials"] == -sum(p["saving"]["materials"] for p in proposals)
    assert whole["cut"]["steps"] >= -sum(p["saving"]["steps"] for p in proposals if p["kind"] == "drop_delivery")


def test_propose_in_english(handmade, tmp_path, capsys):
    code, out, _ = run(["propose", str(handmade), "-o", str(tmp_path / "p"), "--lang", "en"], capsys)
    assert code == 0 and "proposals" in out
    text = (tmp_path / "p" / "plan.yaml").read_text(encoding="utf-8")
    assert "through data sharing" in text
    rows = list(csv.reader((tmp_path / "p" / "proposals.csv").open(encoding="utf-8-sig")))
    assert rows[0][:3] == ["id", "dimension", "matter"] and rows[1][1] == "materials"


def test_csv_cells_are_escaped(monkeypatch, tmp_path, capsys):
    cat = catalogue()
    cat.matters[0].name = "=HYPERLINK(\"http://x\")"
    monkeypatch.setattr(bpr.io, "read_catalogue", lambda path, **kw: cat)
    path = tmp_path / "c.xlsx"
    path.write_bytes(b"x")
    assert run(["propose", str(path), "-o", str(tmp_path / "p")], capsys)[0] == 0
    rows = list(csv.reader((tmp_path / "p" / "proposals.csv").open(encoding="utf-8-sig")))
    assert rows[1][2].startswith("'=")
