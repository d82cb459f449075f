"""Bundle YAML files: the samples read, members resolve; bad files give file/line/key errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bpr.errors import InputError, UsageError
from bpr.io import read_bundle
from bpr.model import Catalogue, Matter

BUNDLES = Path(__file__).resolve().parents[2] / "samples" / "bundles"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "b.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sample_bundles_read():
    food = read_bundle(BUNDLES / "开办餐饮店一件事.yaml")
    assert food.name == "开办餐饮店一件事" and food.lead_department == "市场监督管理局"
    assert "个体工商户设立登记" in food.members
    assert "11330100002496213X4000117062000" in food.members  # the {code:, name:} form keeps the code
    birth = read_bundle(BUNDLES / "新生儿出生一件事.yaml")
    assert birth.members[:3] == ["出生医学证明办理", "预防接种证办理", "出生登记（户口登记）"]
    assert birth.description


def test_members_by_code_and_name_resolve(tmp_path):
    bundle = read_bundle(write(tmp_path, "名称: 测试一件事\n成员事项:\n  - A001\n  - {name: 乙}\n"))
    catalogue = Catalogue([Matter("甲", code="A001"), Matter("乙", code="B002")])
    assert [m.name for m in bundle.resolve(catalogue)] == ["甲", "乙"]
    missing = read_bundle(write(tmp_path, "name: x\nmembers: [A001, 丙]\n"))
    with pytest.raises(UsageError, match="丙"):
        missing.resolve(catalogue)


@pytest.mark.parametrize(("text", "line", "key", "words"), [
    ("name: x\n", None, "members", "members is missing"),
    ("members: [a]\n", None, "name", "name is missing"),
    ("name: x\nmembers:\n  - a\n  - [b, c]\n", 4, "members[2]", "not a code or name"),
    ("name: x\nmembers:\n  - a\n  - a\n", 4, "members[2]", "twice"),
    ("name: x\nmember: [a]\n", 2, "member", "unknown key"),
    ("name: x\nmembers:\n  - {code: a, nam: b}\n", 3, "members[1]", "unknown key"),
    ("name: x\ndescription: [1]\nmembers: [a]\n", 2, "description", "expected a text"),
    ("just text\n", 1, None, "expected a mapping"),
    ("name: x\nmembers: [a\n", None, None, "not valid YAML"),
], ids=["no-members", "no-name", "list-member", "duplicate", "typo", "member-typo", "description", "scalar",
        "syntax"])
def test_bad_bundles(tmp_path, text, line, key, words):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        read_bundle(path)
    err = info.value
    assert err.file == path
    if line is not None:
        assert err.row == line, str(err)
    assert err.column == key, str(err)
    assert words in str(err)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_bundle(tmp_path / "none.yaml")
