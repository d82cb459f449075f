"""`bpr bundle` on a six-matter 开饭店一件事 reaches the published reform: at most 20 materials,
1 visit and 20 working days (from 41 materials, 8 visits and 60 days), with the issued documents
inferred from the matter names (the sheet has no 结果名称)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bpr.cli import main
from bpr.io import read_catalogue, write_template
from tests.measure.restaurant import restaurant_bundle, restaurant_catalogue

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _run(argv, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


@pytest.fixture
def restaurant_files(tmp_path):
    sheet = tmp_path / "开饭店.xlsx"
    write_template(sheet, restaurant_catalogue())
    bundle = restaurant_bundle()
    doc = tmp_path / "开饭店一件事.yaml"
    doc.write_text(yaml.safe_dump({"name": bundle.name, "lead_department": bundle.lead_department,
                                   "members": bundle.members}, allow_unicode=True), encoding="utf-8")
    return sheet, doc


def test_fixture_sheet_has_no_result_names(restaurant_files):
    catalogue = read_catalogue(restaurant_files[0])
    assert len(catalogue.matters) == 6 and all(not m.result_name for m in catalogue)


def test_restaurant_bundle_reaches_the_published_reform(restaurant_files, tmp_path, capsys):
    sheet, doc = restaurant_files
    code, out, err = _run(["bundle", str(sheet), str(doc), "-o", str(tmp_path / "out")], capsys)
    assert code == 0, err
    b = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))["bundle"]
    assert (b["before"]["materials"], b["before"]["visits"], b["before"]["promised_days"]) == (41, 8, 60)
    after = b["after"]
    assert after["materials"] <= 20 and after["visits"] == 1 and after["promised_days"] <= 20
    # By hand. Materials: the six forms are one; 营业执照 (asked 5 times) and 食品经营许可证 (once)
    # are issued inside; 居民身份证 (6 names), 健康证, 消防验收意见书, 不动产权证书 come from the
    # e-licence library; 住所使用证明 / 房屋租赁合同 / 房屋租赁合同复印件 / 经营场所使用证明 are one,
    # as are the two 授权委托书 and the two floor plans: 1 + 15 = 16 (the published reform: 16).
    assert after["materials"] == 16
    # Days: 食品经营许可 waits for the 营业执照 from its decision on: max(15, 3 + 3) = 15; 酒类商品零售许可
    # needs the 食品经营许可证: max(10, 15 + 2) = 17; every other member ends by 12.
    assert after["promised_days"] == 17
    inside = {d["document"]: (d["issued_by"], d["source"], len(d["materials"])) for d in b["issued_within"]}
    assert inside == {"营业执照": ("企业设立登记", "vocabulary", 5),
                      "食品经营许可证": ("食品经营许可", "vocabulary", 1)}
    e_licence = {d["document"]: len(d["materials"]) for d in b["e_licence"]}
    assert e_licence == {"居民身份证": 6, "健康证": 1, "特殊建设工程消防验收意见书": 1, "不动产权证书": 1}
    items = {i["document"]: i for i in b["after_items"]}
    assert items["经营场所使用证明"]["reason"] == "synonym" and len(items["经营场所使用证明"]["materials"]) == 4
    assert items["经营场所平面布局图"]["reason"] == "synonym"
    assert items["一表申请"]["reason"] == "form" and len(items["一表申请"]["materials"]) == 6
    # every material before lands in exactly one place after
    placed = sum(len(i["materials"]) for i in b["after_items"]) + sum(
        len(d["materials"]) for d in [*b["issued_within"], *b["e_licence"]])
    assert placed == 41


@pytest.mark.parametrize("name", ["开办餐饮店一件事", "新生儿出生一件事"])
def test_sample_bundles(name, tmp_path, capsys):
    code, _, err = _run(["bundle", str(SAMPLES / "catalogue_template.xlsx"), str(SAMPLES / "bundles" / f"{name}.yaml"),
                         "-o", str(tmp_path / "out")], capsys)
    assert code == 0, err
    b = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))["bundle"]
    assert b["after"]["materials"] < b["before"]["materials"] and b["after"]["visits"] <= 1
    placed = sum(len(i["materials"]) for i in b["after_items"]) + sum(
        len(d["materials"]) for d in [*b["issued_within"], *b["e_licence"]])
    assert placed == b["before"]["materials"]


def test_bundle_report_lists_each_merge_with_its_reason_and_the_sharing_needs(restaurant_files, tmp_path, capsys):
    from bpr.report.render import build_report, write_report

    sheet, doc = restaurant_files
    code, _, err = _run(["bundle", str(sheet), str(doc), "-o", str(tmp_path / "out")], capsys)
    assert code == 0, err
    result = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
    report = build_report(result, "zh", tmp_path / "out")
    tables = {tb.title: tb for s in report.sections for tb in s.tables}
    after = tables["改革后申请材料清单"]
    assert len(after.rows) == 16 and [c.label for c in after.columns] == ["材料", "合并情况及原因"]
    reasons = {r["name"]: r["reason"] for r in after.rows}
    assert reasons["经营场所使用证明"].startswith("同义材料表") and "房屋租赁合同" in reasons["经营场所使用证明"]
    assert reasons["一表申请"].startswith("一表申请")
    needs = {r["document"]: r for r in tables["共享需求清单"].rows}
    assert set(needs) == {"居民身份证", "健康证", "特殊建设工程消防验收意见书", "不动产权证书"}  # 营业执照 is issued inside
    assert needs["居民身份证"]["saved"] == 6
    paths = write_report(report, tmp_path / "report", formats=("html", "xlsx"))
    assert "合并情况及原因" in paths[0].read_text(encoding="utf-8")
