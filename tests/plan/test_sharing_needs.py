"""The 共享需求清单: government-issued documents applicants still submit × issuing department ×
matters × materials saved (annual with a log), for a catalogue and for each 一件事; figures by hand
on the six-matter 开饭店 fixture (tests/measure/restaurant.py)."""

from __future__ import annotations

import csv
import json

import pytest

from bpr.cli import main
from bpr.io import write_template
from bpr.measure.bundle import analyse_bundle
from bpr.plan.documents import LicenceCatalogue
from bpr.plan.sharing import csv_rows, sharing_needs
from tests.measure.restaurant import restaurant_bundle, restaurant_catalogue


@pytest.fixture
def library(tmp_path):
    path = tmp_path / "库.txt"
    path.write_text("营业执照\n居民身份证,公安局\n", encoding="utf-8")
    return LicenceCatalogue.load(path)


def test_catalogue_needs_by_hand(library):
    # 身份证: R01 asks twice (股东, 法定代表人), R02 R03 R04 R05 once each -> 6 materials in 5 matters;
    # 营业执照: the five matters other than 企业设立登记 -> 5; one each for 不动产权证书 (R04),
    # 健康证 (R02), 消防验收意见书 (R03), 食品经营许可证 (R06). Cases a year: R01 100, R02 50.
    needs = {n.document: n for n in sharing_needs(restaurant_catalogue(), library, {"R01": 100.0, "R02": 50.0})}
    assert set(needs) == {"居民身份证", "营业执照", "不动产权证书", "健康证", "特殊建设工程消防验收意见书", "食品经营许可证"}
    ident = needs["居民身份证"]
    assert (len(ident.matters), len(ident.materials), ident.department, ident.in_library) == (5, 6, "公安局", True)
    assert (ident.annual_cases, ident.annual_materials) == (150.0, 2 * 100.0 + 50.0)
    assert (len(needs["营业执照"].materials), needs["营业执照"].annual_materials) == (5, 50.0)
    assert needs["不动产权证书"].in_library is False and needs["不动产权证书"].department == "不动产登记机构"
    assert needs["不动产权证书"].annual_cases is None  # R04 has no count
    header, rows = csv_rows(needs.values())
    assert header[:3] == ["证照/材料", "发证部门", "需要的事项"]
    assert [r for r in rows if r[0] == "不动产权证书"][0][5] == "待共享：电子证照库暂无"
    # without a log no annual figures
    assert all(n.annual_cases is None for n in sharing_needs(restaurant_catalogue(), library))


def test_bundle_needs_leave_out_documents_issued_inside(library):
    result = analyse_bundle(restaurant_bundle(), restaurant_catalogue(), library)
    needs = {n.document: (len(n.materials), n.in_library) for n in result.sharing_needs}
    # 营业执照 and 食品经营许可证 come from members (企业设立登记, 食品经营许可): no library needed
    assert needs == {"居民身份证": (6, True), "不动产权证书": (1, False), "健康证": (1, False),
                     "特殊建设工程消防验收意见书": (1, False)}
    # with cases a year by member code: 身份证 asked twice in R01 (100 a year) and once in R03 (20)
    counted = analyse_bundle(restaurant_bundle(), restaurant_catalogue(), library, annual_cases={"R01": 100, "R03": 20})
    ident = next(n for n in counted.sharing_needs if n.document == "居民身份证")
    assert (ident.annual_cases, ident.annual_materials) == (120, 220.0)
    header, rows = csv_rows(counted.sharing_needs, "en")
    assert header == ["document", "issuing department", "matters that need it", "matters", "materials saved", "status",
                      "cases a year", "materials saved a year"]
    assert rows[0][:2] == ["居民身份证", "公安局"] and "; " in rows[0][2]


def _run(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def test_cli_writes_the_list_with_annual_cases(tmp_path, capsys):
    sheet = tmp_path / "开饭店.xlsx"
    write_template(sheet, restaurant_catalogue())
    # a 73-day log: R01 3 cases, R02 1 case -> 15 and 5 a year (× 365 / 73)
    log = tmp_path / "log.csv"
    rows = ["案件编号,环节名称,时间,实施编码"] + [f"{case},受理,{day} 09:00:00,{matter}" for case, matter, day in (
        ("1", "R01", "2024-03-01"), ("2", "R01", "2024-03-20"), ("3", "R01", "2024-04-09"), ("4", "R02", "2024-05-13"))]
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, _, err = _run(["propose", str(sheet), "-o", str(tmp_path / "p"), "--log", str(log)], capsys)
    assert code == 0, err
    with open(tmp_path / "p" / "sharing_needs.csv", encoding="utf-8-sig", newline="") as fh:
        table = {r["证照/材料"]: r for r in csv.DictReader(fh)}
    assert table["居民身份证"]["可免提交材料数"] == "6" and table["居民身份证"]["年办件量"] == "20.0"
    assert table["居民身份证"]["年免提交材料份次"] == "35.0"  # 2 × 15 + 5
    result = json.loads((tmp_path / "p" / "result.json").read_text(encoding="utf-8"))
    assert {n["document"] for n in result["sharing_needs"]} == set(table)


def test_propose_report_has_the_sharing_section(tmp_path, capsys):
    from bpr.report.render import build_report

    sheet = tmp_path / "开饭店.xlsx"
    write_template(sheet, restaurant_catalogue())
    library = tmp_path / "库.csv"
    library.write_text("证照名称,发证部门\n营业执照,市场监管局\n", encoding="utf-8-sig")
    code, _, err = _run(["propose", str(sheet), "-o", str(tmp_path / "p"), "--licences", str(library)], capsys)
    assert code == 0, err
    result = json.loads((tmp_path / "p" / "result.json").read_text(encoding="utf-8"))
    section = next(s for s in build_report(result, "zh").sections if s.title == "共享需求清单")
    # 6 documents, 15 materials (身份证 6, 营业执照 5, four others 1 each); only 营业执照 is held
    assert section.paragraphs == ["6 种政府部门核发的证照或证明仍由申请人提交，共 15 项材料；其中 5 种电子证照库暂无，须先归集。"]
    english = next(s for s in build_report(result, "en").sections if s.title == "Data-sharing needs")
    assert english.tables[0].rows[0]["status"] in ("available", "to be shared: not in the e-licence library")


def test_audit_writes_the_list_and_refuses_a_bad_library(tmp_path, capsys):
    sheet = tmp_path / "开饭店.xlsx"
    write_template(sheet, restaurant_catalogue())
    code, _, err = _run(["audit", str(sheet), "-o", str(tmp_path / "a")], capsys)
    assert code == 0, err
    with open(tmp_path / "a" / "sharing_needs.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 1 + 6 and rows[1][:2] == ["居民身份证", "公安机关"]
    bad = tmp_path / "库.csv"
    bad.write_text("名称X,部门\n营业执照,局\n", encoding="utf-8")
    code, _, err = _run(["audit", str(sheet), "-o", str(tmp_path / "b"), "--licences", str(bad)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "库.csv" in err and not (tmp_path / "b").exists()
