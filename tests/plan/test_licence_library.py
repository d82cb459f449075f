"""The local 电子证照 library (`--licences FILE`): what it holds restricts share proposals; the rest
become 待共享 with the issuing department; a file in the wrong format is one line and exit 2."""

from __future__ import annotations

import json

import pytest

from bpr.errors import InputError
from bpr.model import Catalogue
from bpr.plan import propose
from bpr.plan.documents import LicenceCatalogue, read_library
from tests.plan.handmade import food_licence
from tests.plan.test_plan_cli import handmade, run  # noqa: F401  (fixture)


def test_plain_text_and_csv_libraries(tmp_path):
    text = tmp_path / "库.txt"
    text.write_text("# 本地电子证照库\n营业执照|企业营业执照,市场监督管理局\n居民身份证\t公安局\n结婚证\n", encoding="utf-8")
    entries = read_library(text)
    assert [(e.name, e.aliases, e.department) for e in entries] == [
        ("营业执照", ("企业营业执照",), "市场监督管理局"), ("居民身份证", (), "公安局"), ("结婚证", (), "")]
    table = tmp_path / "库.csv"
    table.write_text("证照名称,发证部门,别名\n营业执照,市场监管局,\n食品经营许可证,市场监管局,\n", encoding="utf-8-sig")
    library = LicenceCatalogue.load(table)
    assert library.held == {"营业执照", "食品经营许可证"}
    assert library.holds("营业执照") and not library.holds("居民身份证")
    assert library.issuer("营业执照") == "市场监管局" and library.issuer("居民身份证") == "公安机关"
    assert LicenceCatalogue.bundled().held is None and LicenceCatalogue.bundled().holds("任何证照")


@pytest.mark.parametrize("content, code", [
    ("名称X,部门\n营业执照,局\n", "plan_licence_csv_no_name"),
    ("营业执照,市场监管局,多余的字段\n", "plan_licence_line_format"),
    ("# 只有注释\n\n", "plan_licence_list_empty"),
    (b"PK\x03\x04\x00\x00\xff\xfe", "plan_licence_list_not_utf8"),
    ("证\n", "plan_licence_name_length"),
])
def test_wrong_format_is_an_input_error(tmp_path, content, code):
    path = tmp_path / ("库.csv" if code == "plan_licence_csv_no_name" else "库.txt")
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(InputError) as info:
        read_library(path)
    assert info.value.key == f"err_{code}" and str(path) in str(info.value.file)


def test_library_restricts_share_proposals(tmp_path):
    path = tmp_path / "库.txt"
    path.write_text("营业执照\n", encoding="utf-8")
    by_id = {p.id: p for p in propose(Catalogue([food_licence()]), licences=LicenceCatalogue.load(path))}
    assert by_id["M-F001-001"].kind == "share" and by_id["M-F001-001"].accepted  # 营业执照: held
    pending = by_id["M-F001-002"]  # 法定代表人居民身份证原件: the library lacks 居民身份证
    assert pending.kind == "pending_share" and not pending.accepted
    assert pending.action == "“法定代表人居民身份证原件”待共享：电子证照库暂无“居民身份证”（发证部门：公安机关）"
    assert pending.saving["materials"] == 0 and pending.evidence["in_library"] is False
    # ids do not move: the same catalogue without a library gives the same ids
    assert set(by_id) == {p.id for p in propose(Catalogue([food_licence()]))}


def test_cli_library_kept_in_the_plan_and_bad_file_exit_2(handmade, tmp_path, capsys):  # noqa: F811
    library = tmp_path / "库.txt"
    library.write_text("营业执照\n", encoding="utf-8")
    code, _, err = run(["propose", str(handmade), "-o", str(tmp_path / "p"), "--licences", str(library)], capsys)
    assert code == 0, err
    result = json.loads((tmp_path / "p" / "result.json").read_text(encoding="utf-8"))
    assert {p["kind"] for p in result["proposals"]} >= {"share", "pending_share"}
    code, _, err = run(["apply", str(handmade), str(tmp_path / "p" / "plan.yaml"), "-o", str(tmp_path / "a")], capsys)
    assert code == 0, err
    applied = json.loads((tmp_path / "a" / "result.json").read_text(encoding="utf-8"))
    assert "M-F001-002" in applied["rejected"]  # 待共享 is not accepted by default
    bad = tmp_path / "bad.csv"
    bad.write_text("名称X,部门\n营业执照,局\n", encoding="utf-8")
    code, out, err = run(["propose", str(handmade), "-o", str(tmp_path / "q"), "--licences", str(bad)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "bad.csv" in err and "证照名称" in err
    assert not (tmp_path / "q").exists()
    bundle = tmp_path / "b.yaml"
    bundle.write_text("name: 开店\nmembers: [F001, G002]\n", encoding="utf-8")
    code, _, err = run(["bundle", str(handmade), str(bundle), "-o", str(tmp_path / "r"), "--licences", str(bad)], capsys)
    assert code == 2 and "证照名称" in err and not (tmp_path / "r").exists()
