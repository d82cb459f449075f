"""`audit()` result schema, the result folder, and `bpr audit` end to end."""

from __future__ import annotations

import csv
import importlib.util
import json

import pytest

import bpr.io
from bpr.cli import main
from bpr.model import Catalogue, DataWarning, Material
from bpr.plan.audit import audit, read_whitelist, write_audit
from tests.analyse._catalogue_builders import hand_catalogue, matter

HAS_READER = importlib.util.find_spec("bpr.io.matter_sheet") is not None


def run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(argv)
    return info.value.code


def test_result_schema():
    data = audit(hand_catalogue(), whitelist=["C6"]).to_dict()
    assert data["kind"] == "audit"
    for key in ("matters", "immediate_rate", "compression_ratio", "avg_visits", "zero_visit_rate",
                "full_online_rate", "online_rate", "mobile_rate", "mail_rate", "material_exempt_rate",
                "steps_total", "steps_mean", "materials_submitted", "materials_exempt", "legal_days_sum",
                "promised_days_sum", "missing"):
        assert key in data["indicators"]
    assert [d["department"] for d in data["by_department"]] == ["丙局", "乙局", "甲局"]
    assert {d["matter_type"] for d in data["by_type"]} == {"行政确认", "行政许可", "公共服务"}
    assert len(data["matters"]) == 6
    for f in data["findings"]:
        assert set(f) >= {"rule", "severity", "matter", "code", "field", "value", "message", "message_en"}
    assert data["finding_counts"]["visits_over_target"] == 1  # M3, 2 visits
    assert "compression_ratio" in data["method"] and "missing" in data["method"]
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data  # plain JSON


def test_proposals_are_included():
    data = audit(hand_catalogue()).to_dict()
    assert data["proposals"], "the hand catalogue has shareable licences (营业执照, 户口簿): expect proposals"
    for p in data["proposals"]:
        assert set(p) >= {"id", "dimension", "matter", "target", "action", "evidence", "saving"}
        assert p["dimension"] in {"materials", "steps", "time", "visits"}
    assert audit(hand_catalogue(), proposals=False).to_dict()["proposals"] == []


def test_failing_proposals_become_a_warning(monkeypatch):
    import bpr.plan.audit
    from bpr.errors import InputError

    def broken(catalogue, **kw):
        raise InputError("the step dependencies form a cycle")

    monkeypatch.setattr(bpr.plan.audit, "propose", broken)
    result = audit(hand_catalogue())
    assert result.proposals == [] and result.findings and result.indicators.matters == 6
    assert [w.code for w in result.warnings] == ["proposals_failed"] and "cycle" in result.warnings[0].message


def test_streamed_json_equals_to_dict(tmp_path):
    result = audit(hand_catalogue(), whitelist=["C6"])
    write_audit(result, tmp_path)
    streamed = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert streamed == json.loads(json.dumps(result.to_dict(), ensure_ascii=False, default=str))


def test_whitelist_file_and_unknown_entries(tmp_path):
    path = tmp_path / "w.txt"
    path.write_text("# 不宜跑零次\nC6\nC9  # not in the catalogue\n\n", encoding="utf-8")
    assert read_whitelist(path) == ["C6", "C9"]
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("M6 自然日许可\n".encode("gbk"))  # saved from Chinese Windows Notepad
    assert read_whitelist(gbk) == ["M6 自然日许可"]
    result = audit(hand_catalogue(), whitelist=read_whitelist(path))
    assert result.indicators.zero_visit_whitelisted == 1
    assert [w.code for w in result.warnings] == ["whitelist_unknown"] and result.warnings[0].value == "C9"


def test_folder_is_written_with_escaped_cells(tmp_path):
    cat = Catalogue([matter("=HYPERLINK(\"x\")", code="-1", visits=2, materials=[Material("@其他材料")])],
                    warnings=[DataWarning("odd", "something odd", row=3)])
    written = write_audit(audit(cat, proposals=False), tmp_path / "out")
    names = {p.name for p in written}
    assert names == {"result.json", "indicators.csv", "by_department.csv", "by_type.csv", "matters.csv",
                     "findings.csv", "proposals.csv", "sharing_needs.csv", "warnings.csv"}
    with open(tmp_path / "out" / "findings.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["规则", "严重程度", "事项名称"]
    assert all(r[2] == "'=HYPERLINK(\"x\")" and r[3] == "'-1" for r in rows[1:])
    assert any(r[6] == "'@其他材料" for r in rows[1:])
    data = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
    assert data["matters"][0]["name"] == "=HYPERLINK(\"x\")"  # JSON keeps the raw value
    assert data["warnings"][0]["code"] == "odd"
    assert not list((tmp_path / "out").glob("*.part"))


def test_cli_with_catalogue(tmp_path, monkeypatch, capsys):
    """The command's plumbing (options, rules, whitelist, output) over an in-code catalogue."""
    monkeypatch.setattr(bpr.io, "read_catalogue", lambda path, **kw: hand_catalogue())
    (tmp_path / "r.yaml").write_text("disable: [missing_result_name]\n", encoding="utf-8")
    (tmp_path / "w.txt").write_text("C6\n", encoding="utf-8")
    code = run(["audit", "whatever.xlsx", "-o", str(tmp_path / "out"), "--rules", str(tmp_path / "r.yaml"),
                "--whitelist", str(tmp_path / "w.txt"), "--no-proposals"])
    assert code == 0
    out = capsys.readouterr().out
    assert "事项数 6" in out and "跑零次率 50.0%" in out
    data = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
    assert "missing_result_name" not in data["finding_counts"] and data["whitelist"] == ["C6"]
    code = run(["audit", "whatever.xlsx", "-o", str(tmp_path / "en"), "--lang", "en", "--no-proposals"])
    assert code == 0 and "zero-visit rate" in capsys.readouterr().out


def test_cli_bad_rules_file_exits_2_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "r.yaml").write_text("disable: [nope]\n", encoding="utf-8")
    code = run(["audit", "missing.xlsx", "-o", str(tmp_path / "out"), "--rules", str(tmp_path / "r.yaml")])
    err = capsys.readouterr().err
    assert code == 2 and "nope" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not HAS_READER, reason="bpr.io.matter_sheet (another helper's task) is not present yet")
def test_cli_missing_catalogue_exits_2(tmp_path, capsys):
    code = run(["audit", str(tmp_path / "nothing.xlsx"), "-o", str(tmp_path / "out")])
    assert code == 2 and "找不到文件" in capsys.readouterr().err


@pytest.mark.skipif(not HAS_READER, reason="the matter-sheet reader (bpr.io.matter_sheet, another helper's task) "
                                           "is not present yet")
def test_cli_on_sample_export(samples, tmp_path, capsys):
    sample = samples / "catalogue_province_export.xlsx"
    if not sample.exists():
        pytest.skip(f"{sample} not generated")
    assert run(["audit", str(sample), "-o", str(tmp_path / "out")]) == 0
    data = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
    catalogue = bpr.io.read_catalogue(sample)
    assert data["indicators"]["matters"] == len(catalogue)
    assert sum(d["matters"] for d in data["by_department"]) == len(catalogue)
    # the indicators from the file agree with the same computation on the catalogue object
    assert data["indicators"] == audit(catalogue, proposals=False).indicators.to_dict()
